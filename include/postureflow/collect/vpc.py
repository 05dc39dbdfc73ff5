"""VPC: VPCs with their flow logs, subnets, route tables, peering connections, endpoints,
endpoint services and Site-to-Site VPN connections.

Per region: DescribeFlowLogs, DescribeVpcs, DescribeNetworkInterfaces (filtered by the
listed VPCs, 200 a call), DescribeRouteTables, DescribeSubnets, DescribeVpcPeeringConnections,
DescribeVpcEndpoints,
DescribeVpcEndpointServiceConfigurations (services this account offers) and
DescribeVpnConnections; per endpoint service, DescribeVpcEndpointServicePermissions.

Instances, security groups, network interfaces and network ACLs belong to the
``ec2`` collector. The interfaces are asked for here as well, only to record which
VPCs and subnets are in use (Prowler's ``in_use``: they hold an interface; the checks
Prowler scopes to used networks skip the others without --scan-unused-services). The
vpc checks cannot read ec2's listing: ec2's checks read ``vpc.subnets``, so vpc is
scanned first. Prowler lists the interfaces twice as well (its ec2 and vpc services).

One ``regions`` record per region says how many non-default VPCs it holds (unread when
DescribeVpcs failed), for the account-wide vpc_different_regions.

Every listing names its inventory kind (a failed listing gives the checks reading
it no verdict in the region); facts derived from another listing (a VPC's flow
logs, a subnet's route table) and per-service permissions are stored as
Outcomes, so a failed read is named in ``_unread``.
"""

from __future__ import annotations

import json

from postureflow.collect.base import Outcome, RegionScope, collector

INTERNET = ("0.0.0.0/0", "::/0")
# Peering connections in these states carry no traffic and will vanish; nothing to judge.
DEAD_PEERING_STATES = {"deleted", "deleting", "rejected", "failed", "expired"}
DEAD_ENDPOINT_STATES = {"deleted", "deleting", "rejected", "failed", "expired"}
DEAD_ENDPOINT_SERVICE_STATES = {"Deleted", "Deleting", "Failed"}
DEAD_VPN_STATES = {"deleted", "deleting"}
FILTER_VALUES = 200  # values one EC2 filter takes


@collector("vpc")
def collect_vpc(scope: RegionScope) -> None:
    ec2 = scope.client("ec2")
    used = _collect_vpcs(scope, ec2)
    tables = scope.list(ec2, "describe_route_tables", "RouteTables", kind="route_tables")
    _collect_route_tables(scope, tables.or_else([]))
    _collect_subnets(scope, ec2, tables, used)
    _collect_peering_connections(scope, ec2)
    _collect_endpoints(scope, ec2)
    _collect_endpoint_services(scope, ec2)
    _collect_vpn_connections(scope, ec2)


def _networks_in_use(scope: RegionScope, ec2, vpcs: Outcome) -> Outcome:
    """The ids of the VPCs and subnets holding a network interface (unread when they could not be listed)."""
    ids = sorted(v["VpcId"] for v in vpcs.or_else([]))
    used: set[str] = set()
    for start in range(0, len(ids), FILTER_VALUES):
        found = scope.list(ec2, "describe_network_interfaces", "NetworkInterfaces",
                           Filters=[{"Name": "vpc-id", "Values": ids[start:start + FILTER_VALUES]}])  # fmt: skip
        if not found.ok:
            return found
        used |= {i[key] for i in found.value for key in ("VpcId", "SubnetId") if i.get(key)}
    return vpcs.map(lambda _: used)


def _collect_vpcs(scope: RegionScope, ec2) -> Outcome:
    """Add the VPCs; returns the ids of VPCs and subnets in use."""
    flow_logs = scope.list(ec2, "describe_flow_logs", "FlowLogs").map(_flow_logs_by_resource)
    listed = scope.list(ec2, "describe_vpcs", "Vpcs", kind="vpcs")
    used = _networks_in_use(scope, ec2, listed)
    scope.add(
        "regions",
        uid=scope.arn("ec2", "vpc-region-summary"),
        id=scope.region,
        non_default_vpcs=listed.map(lambda vpcs: sum(1 for v in vpcs if not v.get("IsDefault"))),
    )
    for vpc in listed.or_else([]):
        vpc_id = vpc["VpcId"]
        scope.add(
            "vpcs",
            uid=scope.arn("ec2", f"vpc/{vpc_id}"),
            id=vpc_id,
            tags=vpc.get("Tags"),
            state=vpc.get("State"),
            is_default=bool(vpc.get("IsDefault")),
            cidr_blocks=_vpc_cidrs(vpc),
            ipv6_cidr_blocks=[
                a["Ipv6CidrBlock"] for a in vpc.get("Ipv6CidrBlockAssociationSet", []) if a.get("Ipv6CidrBlock")
            ],
            flow_logs=flow_logs.map(lambda by, v=vpc_id: by.get(v, [])),
            in_use=used.map(lambda ids, v=vpc_id: v in ids),
        )
    return used


def _flow_logs_by_resource(logs: list[dict]) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for log in logs:
        found.setdefault(log.get("ResourceId", ""), []).append(
            {
                "id": log.get("FlowLogId"),
                "status": log.get("FlowLogStatus"),
                "deliver_logs_status": log.get("DeliverLogsStatus"),
                "traffic_type": log.get("TrafficType"),
                "destination_type": log.get("LogDestinationType"),
            }
        )
    return found


def _collect_route_tables(scope: RegionScope, route_tables: list[dict]) -> None:
    for table in route_tables:
        table_id = table["RouteTableId"]
        associations = table.get("Associations", [])
        scope.add(
            "route_tables",
            uid=scope.arn("ec2", f"route-table/{table_id}"),
            id=table_id,
            tags=table.get("Tags"),
            vpc_id=table.get("VpcId"),
            main=any(a.get("Main") for a in associations),
            subnet_ids=[a["SubnetId"] for a in associations if a.get("SubnetId")],
            routes=[_route(r) for r in table.get("Routes", [])],
        )


def _collect_subnets(scope: RegionScope, ec2, tables: Outcome, used: Outcome) -> None:
    main_table: dict[str, dict] = {}
    table_of_subnet: dict[str, dict] = {}
    for table in tables.or_else([]):
        associations = table.get("Associations", [])
        if any(a.get("Main") for a in associations):
            main_table[table.get("VpcId", "")] = table
        for a in associations:
            if a.get("SubnetId"):
                table_of_subnet[a["SubnetId"]] = table
    for subnet in scope.list(ec2, "describe_subnets", "Subnets", kind="subnets").or_else([]):
        subnet_id = subnet["SubnetId"]
        # The subnet's own route table, else its VPC's main one; unread when route tables could not be listed.
        table = tables.map(lambda _, s=subnet: table_of_subnet.get(s["SubnetId"]) or main_table.get(s.get("VpcId", "")))
        scope.add(
            "subnets",
            uid=subnet.get("SubnetArn") or scope.arn("ec2", f"subnet/{subnet_id}"),
            id=subnet_id,
            tags=subnet.get("Tags"),
            vpc_id=subnet.get("VpcId"),
            cidr_block=subnet.get("CidrBlock"),
            availability_zone=subnet.get("AvailabilityZone"),
            map_public_ip_on_launch=bool(subnet.get("MapPublicIpOnLaunch")),
            route_table_id=table.map(lambda t: (t or {}).get("RouteTableId")),
            public=table.map(lambda t: bool(t) and _routes_internet_to_igw(t)),
            in_use=used.map(lambda ids, s=subnet_id: s in ids),
        )


def _collect_peering_connections(scope: RegionScope, ec2) -> None:
    listed = scope.list(
        ec2, "describe_vpc_peering_connections", "VpcPeeringConnections", kind="peering_connections"
    )
    for peering in listed.or_else([]):
        status = (peering.get("Status") or {}).get("Code")
        if status in DEAD_PEERING_STATES:
            continue
        requester = peering.get("RequesterVpcInfo") or {}
        accepter = peering.get("AccepterVpcInfo") or {}
        if not _files_peering_here(scope, requester, accepter):
            continue
        peering_id = peering["VpcPeeringConnectionId"]
        scope.add(
            "peering_connections",
            uid=scope.arn("ec2", f"vpc-peering-connection/{peering_id}"),
            id=peering_id,
            tags=peering.get("Tags"),
            status=status,
            requester=_peer_side(requester, scope.region),
            accepter=_peer_side(accepter, scope.region),
        )


def _collect_endpoints(scope: RegionScope, ec2) -> None:
    for endpoint in scope.list(ec2, "describe_vpc_endpoints", "VpcEndpoints", kind="endpoints").or_else([]):
        if str(endpoint.get("State", "")).lower() in DEAD_ENDPOINT_STATES:
            continue
        endpoint_id = endpoint["VpcEndpointId"]
        scope.add(
            "endpoints",
            uid=scope.arn("ec2", f"vpc-endpoint/{endpoint_id}"),
            id=endpoint_id,
            tags=endpoint.get("Tags"),
            vpc_id=endpoint.get("VpcId"),
            service_name=endpoint.get("ServiceName"),
            type=endpoint.get("VpcEndpointType"),
            state=endpoint.get("State"),
            subnet_ids=endpoint.get("SubnetIds") or [],
            policy=_policy(endpoint.get("PolicyDocument")),
        )


def _policy(document) -> dict | None:
    if not document:
        return None
    if isinstance(document, dict):
        return document
    try:
        parsed = json.loads(document)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def _collect_endpoint_services(scope: RegionScope, ec2) -> None:
    listed = scope.list(
        ec2, "describe_vpc_endpoint_service_configurations", "ServiceConfigurations", kind="endpoint_services"
    )
    services = [s for s in listed.or_else([]) if s.get("ServiceState") not in DEAD_ENDPOINT_SERVICE_STATES]

    def principals(service: dict) -> Outcome:
        allowed = scope.list(
            ec2, "describe_vpc_endpoint_service_permissions", "AllowedPrincipals", ServiceId=service["ServiceId"]
        )
        return allowed.map(lambda items: [p["Principal"] for p in items if p.get("Principal")])

    for service, service_principals in zip(services, scope.each(services, principals), strict=True):
        service_id = service["ServiceId"]
        scope.add(
            "endpoint_services",
            uid=scope.arn("ec2", f"vpc-endpoint-service/{service_id}"),
            id=service_id,
            tags=service.get("Tags"),
            name=service.get("ServiceName"),
            state=service.get("ServiceState"),
            acceptance_required=bool(service.get("AcceptanceRequired")),
            allowed_principals=service_principals,
        )


def _collect_vpn_connections(scope: RegionScope, ec2) -> None:
    for connection in scope.list(ec2, "describe_vpn_connections", "VpnConnections", kind="vpn_connections").or_else([]):
        if connection.get("State") in DEAD_VPN_STATES:
            continue
        connection_id = connection["VpnConnectionId"]
        scope.add(
            "vpn_connections",
            uid=scope.arn("ec2", f"vpn-connection/{connection_id}"),
            id=connection_id,
            tags=connection.get("Tags"),
            state=connection.get("State"),
            tunnels=[
                {"outside_ip": t.get("OutsideIpAddress"), "status": t.get("Status")}
                for t in connection.get("VgwTelemetry") or []
            ],
        )


def _vpc_cidrs(vpc: dict) -> list[str]:
    cidrs = [a["CidrBlock"] for a in vpc.get("CidrBlockAssociationSet", []) if a.get("CidrBlock")]
    if vpc.get("CidrBlock") and vpc["CidrBlock"] not in cidrs:
        cidrs.insert(0, vpc["CidrBlock"])
    return cidrs


def _route(route: dict) -> dict:
    return {
        "destination": route.get("DestinationCidrBlock"),
        "destination_ipv6": route.get("DestinationIpv6CidrBlock"),
        "destination_prefix_list": route.get("DestinationPrefixListId"),
        "gateway_id": route.get("GatewayId"),
        "nat_gateway_id": route.get("NatGatewayId"),
        "transit_gateway_id": route.get("TransitGatewayId"),
        "vpc_peering_connection_id": route.get("VpcPeeringConnectionId"),
        "instance_id": route.get("InstanceId"),
        "network_interface_id": route.get("NetworkInterfaceId"),
        "state": route.get("State"),
        "origin": route.get("Origin"),
    }


def _routes_internet_to_igw(table: dict) -> bool:
    for route in table.get("Routes", []):
        destination = route.get("DestinationCidrBlock") or route.get("DestinationIpv6CidrBlock")
        if destination in INTERNET and str(route.get("GatewayId", "")).startswith("igw-"):
            return True
    return False


def _cidrs_of(side: dict) -> list[str]:
    cidrs = [c["CidrBlock"] for c in side.get("CidrBlockSet", []) or [] if c.get("CidrBlock")]
    if side.get("CidrBlock") and side["CidrBlock"] not in cidrs:
        cidrs.insert(0, side["CidrBlock"])
    return cidrs


def _peer_side(side: dict, default_region: str) -> dict:
    return {
        "vpc_id": side.get("VpcId"),
        "owner_id": side.get("OwnerId"),
        "region": side.get("Region") or default_region,
        "cidr_blocks": _cidrs_of(side),
        "ipv6_cidr_blocks": [
            c["Ipv6CidrBlock"] for c in side.get("Ipv6CidrBlockSet", []) or [] if c.get("Ipv6CidrBlock")
        ],
    }


def _files_peering_here(scope: RegionScope, requester: dict, accepter: dict) -> bool:
    """A cross-region peering is listed in both regions; record it once, in the requester's region
    (or in the accepter's region when the requester VPC belongs to another account)."""
    requester_region = requester.get("Region") or scope.region
    accepter_region = accepter.get("Region") or scope.region
    if requester_region == accepter_region:
        return True
    if requester.get("OwnerId") in (None, scope.account_id):
        return requester_region == scope.region
    return accepter_region == scope.region
