"""VPC checks: flow logs and peering routes."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check

INTERNET = ("0.0.0.0/0", "::/0")


@check(
    id="vpc_flow_logs_enabled",
    title="VPC flow logs are enabled",
    severity="medium",
    resource_type="AwsEc2Vpc",
    reads=["vpc.vpcs"],
    risk="Without flow logs there is no record of who talked to what in the VPC, which blinds incident "
    "response and anomaly detection.",
    remediation="Create a flow log for the VPC (aws ec2 create-flow-logs --resource-type VPC) delivering to "
    "CloudWatch Logs or S3, capturing at least rejected traffic.",
)
def vpc_flow_logs_enabled(vpcs):
    for vpc in vpcs:
        active = [log for log in vpc.get("flow_logs") or [] if log.get("status") in (None, "ACTIVE")]
        if active:
            ids = ", ".join(str(log.get("id")) for log in active)
            yield PASS(vpc, f"VPC {vpc.id} has flow logs enabled ({ids}).")
        else:
            yield FAIL(vpc, f"VPC {vpc.id} has no active flow log.")


@check(
    id="vpc_peering_routing_tables_with_least_privilege",
    title="VPC peering routes are limited to the subnets that need them",
    severity="medium",
    resource_type="AwsEc2VpcPeeringConnection",
    reads=["vpc.peering_connections", "vpc.route_tables"],
    risk="Routing a default route or a peer's whole VPC range over a peering connection opens every subnet "
    "on both sides to each other, far beyond what the workloads need.",
    remediation="Replace 0.0.0.0/0 and whole-VPC routes to the peering connection with routes to the specific "
    "subnet CIDRs that must communicate.",
)
def vpc_peering_routing_tables_with_least_privilege(peerings, route_tables):
    routes_by_peering: dict[str, list[tuple[str, str]]] = {}
    for table in route_tables:
        for route in table.get("routes") or []:
            peering_id = route.get("vpc_peering_connection_id")
            destination = route.get("destination") or route.get("destination_ipv6")
            if peering_id and destination:
                routes_by_peering.setdefault(peering_id, []).append((table.id, destination))

    for peering in peerings:
        whole_vpc = set()
        for side in ("requester", "accepter"):
            info = peering.get(side) or {}
            whole_vpc.update(info.get("cidr_blocks") or [])
            whole_vpc.update(info.get("ipv6_cidr_blocks") or [])
        broad = [
            f"{destination} in {table_id}"
            for table_id, destination in routes_by_peering.get(peering.id, [])
            if destination in INTERNET or destination in whole_vpc
        ]
        if broad:
            yield FAIL(
                peering,
                f"VPC peering connection {peering.id} is routed too broadly: {', '.join(sorted(broad))}.",
            )
        else:
            yield PASS(
                peering,
                f"VPC peering connection {peering.id} has no default or whole-VPC routes in its route tables.",
            )
