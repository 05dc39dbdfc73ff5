"""Direct Connect checks: connection and virtual interface redundancy."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check


@check(
    id="directconnect_connection_redundancy",
    title="Direct Connect connections of a region span at least two locations",
    severity="medium",
    resource_type="Other",
    reads=["directconnect.regions"],
    risk="With one connection, or all connections in one Direct Connect location, a single failure cuts the link "
    "between the network and AWS.",
    remediation="Add a second connection at a different Direct Connect location (AWS's high resiliency model).",
)
def directconnect_connection_redundancy(regions):
    for region in regions:
        count, locations = region.get("connections") or 0, region.get("locations") or []
        if count < 2:
            yield FAIL(region, f"Region {region.region} has only {count} Direct Connect connection.")
        elif len(locations) < 2:
            yield FAIL(region, f"All {count} Direct Connect connections of {region.region} use location {locations[0]}.")
        else:
            yield PASS(region, f"Region {region.region} has {count} Direct Connect connections in {len(locations)} locations.")


@check(
    id="directconnect_virtual_interface_redundancy",
    title="Direct Connect or virtual private gateway has two virtual interfaces on different connections",
    severity="medium",
    resource_type="Other",
    reads=["directconnect.gateways"],
    risk="A gateway reached through one virtual interface, or through VIFs on one connection, loses all traffic "
    "when that interface or connection fails.",
    remediation="Attach a second virtual interface on a different Direct Connect connection to the gateway.",
)
def directconnect_virtual_interface_redundancy(gateways):
    # Prowler counts one connection per VIF, so two VIFs on the same connection PASS there; the connections
    # are counted distinct here, since only a second connection survives the loss of the first.
    for gateway in gateways:
        vifs, connections = gateway.get("vifs") or [], gateway.get("connections") or []
        name = f"{gateway.get('gateway_kind')} {gateway.id}"
        if len(vifs) < 2:
            yield FAIL(gateway, f"{name} has only {len(vifs)} virtual interface.")
        elif len(connections) < 2:
            yield FAIL(gateway, f"{name} has {len(vifs)} virtual interfaces, all on one connection.")
        else:
            yield PASS(gateway, f"{name} has {len(vifs)} virtual interfaces on {len(connections)} connections.")
