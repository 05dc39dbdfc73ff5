"""AWS Config checks."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check


@check(
    id="config_recorder_all_regions_enabled",
    title="AWS Config records all resource types in every region",
    severity="medium",
    resource_type="Other",
    reads=["config.recorders"],
    risk="Without a working recorder there is no history of resource changes to investigate an incident or prove "
    "compliance with.",
    remediation="In each region, create a configuration recorder for all supported resource types with a delivery "
    "channel, and start it (config put-configuration-recorder, start-configuration-recorder).",
)
def config_recorder_all_regions_enabled(regions):
    for region in regions:
        recorders = region.get("recorders") or []
        where = f"region {region.region}"
        if not recorders:
            yield FAIL(region, f"AWS Config has no configuration recorder in {where}.")
            continue
        good = [
            r for r in recorders if r.get("all_supported") and r.get("recording") and r.get("last_status") != "FAILURE"
        ]
        if good:
            yield PASS(region, f"AWS Config recorder {good[0]['name']} records all resource types in {where}.")
            continue
        r = recorders[0]
        if not r.get("recording"):
            why = "is not recording"
        elif r.get("last_status") == "FAILURE":
            why = "is in a failure state"
        else:
            why = "does not record all resource types"
        yield FAIL(region, f"AWS Config recorder {r['name']} in {where} {why}.")
