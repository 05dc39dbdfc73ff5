"""AppStream 2.0 checks: internet access and session limits of fleets."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check


@check(
    id="appstream_fleet_default_internet_access_disabled",
    title="AppStream fleet does not give streaming instances default internet access",
    severity="medium",
    resource_type="Other",
    reads=["appstream.fleets"],
    risk="With default internet access, applications and users on the streaming instances reach any site directly, "
    "bypassing the VPC's egress controls.",
    remediation="Turn off default internet access and route egress through a NAT gateway or proxy you control.",
)
def appstream_fleet_default_internet_access_disabled(fleets):
    for fleet in fleets:
        if fleet.get("default_internet_access"):
            yield FAIL(fleet, f"AppStream fleet {fleet.id} gives its instances default internet access.")
        else:
            yield PASS(fleet, f"AppStream fleet {fleet.id} does not give its instances default internet access.")


def _limit(fleets, field: str, key: str, config, what: str, strict: bool = False):
    limit = config[key]
    for fleet in fleets:
        value = fleet.get(field)
        within = value is not None and (value < limit if strict else 0 < value <= limit)
        if within:
            yield PASS(fleet, f"AppStream fleet {fleet.id} {what} is {value} seconds (limit {limit}).")
        else:
            yield FAIL(fleet, f"AppStream fleet {fleet.id} {what} is {value} seconds (limit {limit}).")


@check(
    id="appstream_fleet_maximum_session_duration",
    title="AppStream fleet limits user sessions to under the configured maximum (10 hours by default)",
    severity="medium",
    resource_type="Other",
    reads=["appstream.fleets"],
    config=["max_session_duration_seconds"],
    risk="Long sessions keep an unattended or hijacked session usable for longer.",
    remediation="Lower the fleet's maximum user session duration (appstream update-fleet --max-user-duration-in-seconds).",
)
def appstream_fleet_maximum_session_duration(fleets, config):
    yield from _limit(fleets, "max_user_duration", "max_session_duration_seconds", config, "maximum session duration", strict=True)


@check(
    id="appstream_fleet_session_disconnect_timeout",
    title="AppStream fleet ends disconnected sessions within the configured time (5 minutes by default)",
    severity="medium",
    resource_type="Other",
    reads=["appstream.fleets"],
    config=["max_disconnect_timeout_in_seconds"],
    risk="A disconnected session that stays open can be reconnected to by whoever gets the user's credentials.",
    remediation="Lower the fleet's disconnect timeout (appstream update-fleet --disconnect-timeout-in-seconds).",
)
def appstream_fleet_session_disconnect_timeout(fleets, config):
    yield from _limit(fleets, "disconnect_timeout", "max_disconnect_timeout_in_seconds", config, "disconnect timeout")


@check(
    id="appstream_fleet_session_idle_disconnect_timeout",
    title="AppStream fleet disconnects idle users within the configured time (10 minutes by default)",
    severity="medium",
    resource_type="Other",
    reads=["appstream.fleets"],
    config=["max_idle_disconnect_timeout_in_seconds"],
    risk="An idle session left open on an unattended device can be used by anyone who walks up to it.",
    remediation="Set an idle disconnect timeout of at most the configured limit (0 turns idle disconnection off).",
)
def appstream_fleet_session_idle_disconnect_timeout(fleets, config):
    # 0 means "never disconnect idle users" (AppStream API reference), which fails like Prowler's check.
    yield from _limit(fleets, "idle_disconnect_timeout", "max_idle_disconnect_timeout_in_seconds", config, "idle disconnect timeout")
