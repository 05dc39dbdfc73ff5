"""Direct Connect: the region's connections (count and locations) and the gateways its virtual interfaces
attach to, with their VIFs and distinct connections.

Calls per region: DescribeConnections and DescribeVirtualInterfaces (each answers in one page).
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector


@collector("directconnect")
def collect_directconnect(scope: RegionScope) -> None:
    client = scope.client("directconnect")
    connections = scope.fetch(client, "describe_connections").map(lambda r: r.get("connections") or [])
    if connections.value or not connections.known:
        scope.add(
            "regions",
            uid=scope.arn("directconnect", "dxcon"),
            id=scope.account_id,
            connections=connections.map(len),
            locations=connections.map(lambda items: sorted({c.get("location") for c in items if c.get("location")})),
        )
    interfaces = scope.fetch(client, "describe_virtual_interfaces")
    if not interfaces.ok:
        scope.mark_incomplete("gateways", interfaces)
        return
    gateways: dict[tuple[str, str], dict] = {}
    for vif in interfaces.value.get("virtualInterfaces") or []:
        for kind, key, resource in (("virtual private gateway", "virtualGatewayId", "virtual-gateway"),
                                    ("Direct Connect gateway", "directConnectGatewayId", "dx-gateway")):  # fmt: skip
            if vif.get(key):
                gateway = gateways.setdefault((resource, vif[key]), {"kind": kind, "vifs": set(), "connections": set()})
                gateway["vifs"].add(vif["virtualInterfaceId"])
                gateway["connections"].add(vif.get("connectionId"))
    for (resource, gateway_id), gateway in sorted(gateways.items()):
        scope.add(
            "gateways",
            uid=scope.arn("directconnect", f"{resource}/{gateway_id}"),
            id=gateway_id,
            gateway_kind=gateway["kind"],
            vifs=sorted(gateway["vifs"]),
            connections=sorted(c for c in gateway["connections"] if c),
        )
