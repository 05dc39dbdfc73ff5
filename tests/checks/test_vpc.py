import boto3

ACCOUNT = "123456789012"


def _ec2(region="us-east-1"):
    return boto3.client("ec2", region_name=region)


def _vpc(cidr, region="us-east-1"):
    return _ec2(region).create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]


def _main_table(vpc_id, region="us-east-1"):
    return _ec2(region).describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "association.main", "Values": ["true"]}]
    )["RouteTables"][0]["RouteTableId"]


def _peer(vpc_id, peer_id, **kwargs):
    ec2 = _ec2()
    pcx = ec2.create_vpc_peering_connection(VpcId=vpc_id, PeerVpcId=peer_id, **kwargs)["VpcPeeringConnection"][
        "VpcPeeringConnectionId"
    ]
    return pcx


def _route(vpc_id, destination, pcx, region="us-east-1"):
    _ec2(region).create_route(
        RouteTableId=_main_table(vpc_id, region), DestinationCidrBlock=destination, VpcPeeringConnectionId=pcx
    )


def test_flow_logs_enabled(scan):
    logged = _vpc("10.1.0.0/16")
    silent = _vpc("10.2.0.0/16")
    _ec2().create_flow_logs(
        ResourceIds=[logged],
        ResourceType="VPC",
        TrafficType="REJECT",
        LogDestinationType="cloud-watch-logs",
        LogGroupName="vpc-flow-logs",
        DeliverLogsPermissionArn=f"arn:aws:iam::{ACCOUNT}:role/flow-logs",
    )
    run = scan("vpc")
    assert run.status("vpc_flow_logs_enabled", logged) == "PASS"
    assert run.status("vpc_flow_logs_enabled", silent) == "FAIL"
    # moto's default VPC in each region has no flow log either.
    defaults = [f for f in run.of("vpc_flow_logs_enabled") if f["resource_id"] not in (logged, silent)]
    assert {f["region"] for f in defaults} == {"us-east-1", "eu-west-1"}
    assert {f["status"] for f in defaults} == {"FAIL"}


def test_peering_routing_tables_with_least_privilege(scan):
    a, b, c, d = (_vpc(f"10.{n}.0.0/16") for n in (1, 2, 3, 4))
    whole = _peer(a, b)
    narrow = _peer(a, c)
    default_route = _peer(c, d)
    unrouted = _peer(b, d)
    _route(a, "10.2.0.0/16", whole)  # the accepter's entire VPC range
    _route(a, "10.3.5.0/24", narrow)  # one subnet of the peer
    _route(c, "10.1.0.0/16", narrow)  # ...but the peer's return route covers all of the requester VPC
    _route(d, "0.0.0.0/0", default_route)
    run = scan("vpc")
    check = "vpc_peering_routing_tables_with_least_privilege"
    assert run.status(check, whole) == "FAIL"
    assert run.status(check, narrow) == "FAIL"
    assert run.status(check, default_route) == "FAIL"
    assert run.status(check, unrouted) == "PASS"


def test_peering_with_subnet_routes_passes(scan):
    a, b = _vpc("10.1.0.0/16"), _vpc("10.2.0.0/16")
    pcx = _peer(a, b)
    _route(a, "10.2.8.0/24", pcx)
    _route(b, "10.1.8.0/24", pcx)
    run = scan("vpc")
    assert run.status("vpc_peering_routing_tables_with_least_privilege", pcx) == "PASS"


def test_cross_region_peering_judged_once_with_both_sides_routes(scan):
    home = _vpc("10.1.0.0/16")
    away = _vpc("10.9.0.0/16", region="eu-west-1")
    pcx = _peer(home, away, PeerRegion="eu-west-1")
    _route(away, "10.1.0.0/16", pcx, region="eu-west-1")  # the broad route lives in the accepter's region
    run = scan("vpc")
    check = "vpc_peering_routing_tables_with_least_privilege"
    assert run.status(check, pcx) == "FAIL"  # exactly one finding, or status() raises
    assert [f["region"] for f in run.of(check)] == ["us-east-1"]
