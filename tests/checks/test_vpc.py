import datetime as dt
import json
from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import scan_denied, scan_in_moto

ACCOUNT = "123456789012"
OTHER_ACCOUNT = "210987654321"


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


def _in_use(vpc_id, cidr):
    """A network interface in the VPC: Prowler judges only VPCs in use (without --scan-unused-services)."""
    subnet = _ec2().create_subnet(VpcId=vpc_id, CidrBlock=cidr)["Subnet"]["SubnetId"]
    _ec2().create_network_interface(SubnetId=subnet)
    return vpc_id


def test_flow_logs_enabled(scan):
    logged = _in_use(_vpc("10.1.0.0/16"), "10.1.1.0/24")
    silent = _in_use(_vpc("10.2.0.0/16"), "10.2.1.0/24")
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
    # moto's default VPC in each region has no flow log either, but no interface: not in use, not judged
    assert not [f for f in run.of("vpc_flow_logs_enabled") if f["resource_id"] not in (logged, silent)]


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


# -- subnets, endpoints, endpoint services and VPN connections: one moto world, one scan ------------------------


ALL_NETWORKS = {"scan_unused_services": True}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        ids: dict[str, str] = {}
        _build_subnets(ids)
        _build_endpoints(ids)
        _build_endpoint_services(ids)
        _build_vpn_connections(ids)
        access = _telemetry_access()
        lake = Lake(str(tmp_path_factory.mktemp("vpc-lake")))
        # the VPCs here hold no network interface: judged as with --scan-unused-services (the in-use
        # scoping has its own tests below)
        run = scan_in_moto(lake, ["vpc"], regions=["us-east-1", "eu-west-1"], access=access, config=ALL_NETWORKS)
        # The same account with reads refused: each check reading them must give no verdict.
        unread = scan_denied(
            str(tmp_path_factory.mktemp("vpc-denied")),
            ["vpc"],
            ["us-east-1"],
            "ec2:DescribeFlowLogs",
            "ec2:DescribeVpcEndpointServicePermissions",
            "ec2:DescribeVpcEndpoints",
            "ec2:DescribeRouteTables",
            config=ALL_NETWORKS,
        )
    return SimpleNamespace(ids=ids, run=run, calls=access.call_log, lake=lake, unread=unread)


def _telemetry_access():
    """moto's DescribeVpnConnections has no VgwTelemetry: a botocore after-call hook adds two tunnels per
    connection, the second DOWN on connections tagged tunnels=one-down."""
    access = AwsAccess.from_default_chain()

    def add_telemetry(parsed, **_):
        for connection in parsed.get("VpnConnections", []):
            tags = {t["Key"]: t["Value"] for t in connection.get("Tags", [])}
            second = "DOWN" if tags.get("tunnels") == "one-down" else "UP"
            connection["VgwTelemetry"] = [
                {"OutsideIpAddress": "203.0.113.10", "Status": "UP"},
                {"OutsideIpAddress": "203.0.113.11", "Status": second},
            ]

    for region in ("us-east-1", "eu-west-1"):
        access.client("ec2", region).meta.events.register("after-call.ec2.DescribeVpnConnections", add_telemetry)
    return access


def _status(world, check, key):
    return world.run.status(check, world.ids[key])


def _build_subnets(ids):
    ec2 = _ec2()
    vpc_id = _vpc("10.20.0.0/16")
    ids["public_subnet"] = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.20.1.0/24")["Subnet"]["SubnetId"]
    ids["private_subnet"] = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.20.2.0/24")["Subnet"]["SubnetId"]
    ec2.modify_subnet_attribute(SubnetId=ids["public_subnet"], MapPublicIpOnLaunch={"Value": True})


def test_subnet_no_public_ip_by_default(world):
    check = "vpc_subnet_no_public_ip_by_default"
    assert _status(world, check, "public_subnet") == "FAIL"
    assert _status(world, check, "private_subnet") == "PASS"


def _policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _endpoint(vpc_id, service, policy=None, region="us-east-1", kind="Gateway"):
    params = dict(VpcId=vpc_id, ServiceName=f"com.amazonaws.{region}.{service}", VpcEndpointType=kind)
    if policy:
        params["PolicyDocument"] = policy
    return _ec2(region).create_vpc_endpoint(**params)["VpcEndpoint"]["VpcEndpointId"]


def _build_endpoints(ids):
    ids["vpc_with_ec2_endpoint"] = with_endpoint = _vpc("10.30.0.0/16")
    ids["vpc_without_ec2_endpoint"] = without = _vpc("10.31.0.0/16")
    ids["ec2_endpoint"] = _endpoint(with_endpoint, "ec2", kind="Interface")  # the default full-access policy
    everyone = {"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}
    ids["own_account_endpoint"] = _endpoint(
        without, "s3", _policy({**everyone, "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}})
    )
    ids["pinned_endpoint"] = _endpoint(
        without, "dynamodb", _policy({**everyone, "Condition": {"StringEquals": {"aws:PrincipalAccount": ACCOUNT}}})
    )
    ids["foreign_endpoint"] = _endpoint(
        with_endpoint,
        "s3",
        _policy({**everyone, "Principal": {"AWS": [ACCOUNT, f"arn:aws:iam::{OTHER_ACCOUNT}:role/x"]}}),
    )
    ids["deny_only_endpoint"] = _endpoint(with_endpoint, "dynamodb", _policy({**everyone, "Effect": "Deny"}))
    # Everyone, "narrowed" to requests through this very endpoint: every request through it qualifies.
    ids["self_vpce_endpoint"] = self_vpce = _endpoint(without, "s3")
    ids["other_vpce_endpoint"] = other_vpce = _endpoint(with_endpoint, "s3")
    for endpoint, source in ((self_vpce, self_vpce), (other_vpce, "vpce-0123456789abcdef0")):
        _ec2().modify_vpc_endpoint(
            VpcEndpointId=endpoint,
            PolicyDocument=_policy({**everyone, "Condition": {"StringEquals": {"aws:SourceVpce": source}}}),
        )


def test_endpoint_for_ec2_enabled(world):
    check = "vpc_endpoint_for_ec2_enabled"
    assert _status(world, check, "vpc_with_ec2_endpoint") == "PASS"
    assert _status(world, check, "vpc_without_ec2_endpoint") == "FAIL"  # S3 and DynamoDB endpoints only


def test_endpoint_connections_trust_boundaries(world):
    check = "vpc_endpoint_connections_trust_boundaries"
    assert _status(world, check, "ec2_endpoint") == "FAIL"
    assert _status(world, check, "foreign_endpoint") == "FAIL"
    assert _status(world, check, "own_account_endpoint") == "PASS"
    assert _status(world, check, "pinned_endpoint") == "PASS"
    assert _status(world, check, "deny_only_endpoint") == "PASS"
    texts = {f["resource_id"]: f["status_extended"] for f in world.run.of(check)}
    assert OTHER_ACCOUNT in texts[world.ids["foreign_endpoint"]]


def test_source_vpce_of_the_endpoint_itself_narrows_nothing(world):
    # Issue 11: Prowler (and postureflow before) PASSed this; every request through the endpoint has
    # aws:SourceVpce equal to the endpoint, so the statement is open to any principal.
    check = "vpc_endpoint_connections_trust_boundaries"
    assert _status(world, check, "self_vpce_endpoint") == "FAIL"
    # Pinned to a different endpoint, no request through this one matches: nobody outside gets in.
    assert _status(world, check, "other_vpce_endpoint") == "PASS"


def _evaluate(check_id, config=None, **inventory):
    """Run one check on hand-built records (``kind=[Resource, ...]``) under an audit config."""
    from postureflow.checks import all_checks
    from postureflow.config import audit_config

    check = all_checks()[check_id]
    inventory = {name: inventory.get(name.split(".", 1)[1], []) for name in check.reads}
    now = dt.datetime(2026, 11, 22, tzinfo=dt.timezone.utc)
    return {r.resource.id: r.status for r in check.evaluate(inventory, now, audit_config(config))}


def _endpoint_record(endpoint_id, policy):
    from postureflow.inventory import Resource

    uid = f"arn:aws:ec2:us-east-1:{ACCOUNT}:vpc-endpoint/{endpoint_id}"
    data = {"vpc_id": "vpc-1", "service_name": "com.amazonaws.us-east-1.s3", "policy": json.loads(policy)}
    return Resource("endpoints", uid, endpoint_id, "us-east-1", {}, data)


def test_trusted_accounts_pass_endpoint_trust_boundaries():
    check = "vpc_endpoint_connections_trust_boundaries"
    grant = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER_ACCOUNT}:root"}, "Action": "*", "Resource": "*"}
    endpoints = [_endpoint_record("vpce-partner", _policy(grant))]
    assert _evaluate(check, endpoints=endpoints) == {"vpce-partner": "FAIL"}
    assert _evaluate(check, {"trusted_account_ids": [OTHER_ACCOUNT]}, endpoints=endpoints) == {"vpce-partner": "PASS"}


def test_trusted_accounts_pass_endpoint_service_trust_boundaries():
    from postureflow.inventory import Resource

    check = "vpc_endpoint_services_allowed_principals_trust_boundaries"
    uid = f"arn:aws:ec2:us-east-1:{ACCOUNT}:vpc-endpoint-service/vpce-svc-1"
    data = {"allowed_principals": [f"arn:aws:iam::{OTHER_ACCOUNT}:root"]}
    services = [Resource("endpoint_services", uid, "vpce-svc-1", "us-east-1", {}, data)]
    assert _evaluate(check, endpoint_services=services) == {"vpce-svc-1": "FAIL"}
    assert _evaluate(check, {"trusted_account_ids": [OTHER_ACCOUNT]}, endpoint_services=services) == {
        "vpce-svc-1": "PASS"
    }


def _build_endpoint_services(ids):
    ec2 = _ec2()
    vpc_id = _vpc("10.40.0.0/16")
    subnet = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.40.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]
    elbv2 = boto3.client("elbv2", region_name="us-east-1")
    for name in ("shared", "private", "closed", "open"):
        balancer = elbv2.create_load_balancer(Name=f"nlb-{name}", Subnets=[subnet["SubnetId"]], Type="network")
        service = ec2.create_vpc_endpoint_service_configuration(
            NetworkLoadBalancerArns=[balancer["LoadBalancers"][0]["LoadBalancerArn"]]
        )["ServiceConfiguration"]["ServiceId"]
        ids[f"service_{name}"] = service
    grants = {
        "shared": [f"arn:aws:iam::{OTHER_ACCOUNT}:root", f"arn:aws:iam::{ACCOUNT}:root"],
        "private": [f"arn:aws:iam::{ACCOUNT}:role/consumer"],
        "open": ["*"],
    }
    for name, principals in grants.items():
        ec2.modify_vpc_endpoint_service_permissions(ServiceId=ids[f"service_{name}"], AddAllowedPrincipals=principals)


def test_endpoint_services_allowed_principals_trust_boundaries(world):
    check = "vpc_endpoint_services_allowed_principals_trust_boundaries"
    assert _status(world, check, "service_shared") == "FAIL"
    assert _status(world, check, "service_open") == "FAIL"
    assert _status(world, check, "service_private") == "PASS"
    assert _status(world, check, "service_closed") == "PASS"
    calls = world.calls.calls
    assert calls[("ec2", "us-east-1", "DescribeVpcEndpointServicePermissions")] == 4


def test_unreadable_service_permissions_give_no_verdict(world):
    # Issue 11: DescribeVpcEndpointServicePermissions AccessDenied used to PASS "allows no principals".
    check = "vpc_endpoint_services_allowed_principals_trust_boundaries"
    statuses = world.unread.statuses(check)
    assert statuses[world.ids["service_closed"]] == "MANUAL"
    assert set(statuses.values()) == {"MANUAL"} and len(statuses) == 4


@pytest.mark.parametrize("check", ["vpc_flow_logs_enabled", "vpc_endpoint_for_ec2_enabled"])
def test_unreadable_flow_logs_or_endpoints_give_no_verdict(world, check):
    statuses = world.unread.statuses(check)
    assert statuses and set(statuses.values()) == {"MANUAL"}
    assert all(f["status_extended"].startswith("No verdict:") for f in world.unread.of(check))


def test_unlisted_endpoints_are_not_judged(world):
    assert world.unread.of("vpc_endpoint_connections_trust_boundaries") == []


def _build_vpn_connections(ids):
    ec2 = _ec2()
    gateway = ec2.create_customer_gateway(Type="ipsec.1", PublicIp="198.51.100.1", BgpAsn=65000)["CustomerGateway"]
    for name in ("healthy", "degraded"):
        vgw = ec2.create_vpn_gateway(Type="ipsec.1")["VpnGateway"]["VpnGatewayId"]
        tags = [{"Key": "tunnels", "Value": "both-up" if name == "healthy" else "one-down"}]
        ids[f"vpn_{name}"] = ec2.create_vpn_connection(
            Type="ipsec.1",
            CustomerGatewayId=gateway["CustomerGatewayId"],
            VpnGatewayId=vgw,
            TagSpecifications=[{"ResourceType": "vpn-connection", "Tags": tags}],
        )["VpnConnection"]["VpnConnectionId"]


def test_vpn_connection_tunnels_up(world):
    check = "vpc_vpn_connection_tunnels_up"
    assert _status(world, check, "vpn_degraded") == "FAIL"
    assert _status(world, check, "vpn_healthy") == "PASS"
    texts = {f["resource_id"]: f["status_extended"] for f in world.run.of(check)}
    assert "203.0.113.11" in texts[world.ids["vpn_degraded"]]


def test_vpc_collection_has_no_errors_or_repeated_calls(world):
    assert not [e for e in world.run.errors if e["service"] == "vpc"]
    assert world.calls.repeated() == []
    # The customer gateway configuration (it holds the tunnels' pre-shared keys) is never stored.
    table = world.lake.read_partition(
        "inventory", {"scan_date": dt.date(2026, 11, 22), "service": "vpc", "account_id": ACCOUNT}
    )
    stored = "\n".join(row["data"] for row in table.to_pylist() if row["kind"] == "vpn_connections")
    assert world.ids["vpn_healthy"] and "203.0.113.10" in stored
    assert "ipsec_tunnel" not in stored and "pre_shared_key" not in stored


# -- VPCs and subnets in use (Prowler's --scan-unused-services) ---------------------------------------------

IN_USE_CHECKS = {  # check -> the kind whose in_use decides (Prowler: vpc.in_use, or subnet.in_use)
    "vpc_flow_logs_enabled": "vpcs",
    "vpc_endpoint_for_ec2_enabled": "vpcs",
    "vpc_subnet_different_az": "vpcs",
    "vpc_subnet_separate_private_public": "vpcs",
    "vpc_subnet_no_public_ip_by_default": "subnets",
}


def _network(kind, network_id, in_use, vpc_id=None):
    """A VPC or subnet that fails every in-use check: no flow log, no EC2 endpoint, one zone, public only,
    public IPs on launch. ``in_use``: True/False, None (unread: its interfaces could not be listed) or
    "absent" (an inventory from before in_use was recorded)."""
    from postureflow.inventory import UNREAD, Resource

    data = {"flow_logs": [], "vpc_id": vpc_id, "availability_zone": "us-east-1a", "public": True,
            "map_public_ip_on_launch": True}  # fmt: skip
    if in_use is None:
        data[UNREAD] = {"in_use": "AccessDenied on ec2:DescribeNetworkInterfaces"}
    elif in_use != "absent":
        data["in_use"] = in_use
    resource = "vpc" if kind == "vpcs" else "subnet"
    return Resource(kind, f"arn:aws:ec2:us-east-1:{ACCOUNT}:{resource}/{network_id}", network_id, "us-east-1", {}, data)


def _networks(judged_kind, states):
    """VPCs (each with one subnet) whose in_use, on the kind the check judges, is ``states[id]``."""
    vpcs, subnets = [], []
    for network_id, state in states.items():
        vpcs.append(_network("vpcs", network_id, state if judged_kind == "vpcs" else True))
        subnets.append(_network("subnets", network_id, state if judged_kind == "subnets" else True, network_id))
    return {"vpcs": vpcs, "subnets": subnets}


@pytest.mark.parametrize("check, kind", IN_USE_CHECKS.items())
def test_unused_networks_are_judged_only_when_unused_services_are_scanned(check, kind):
    inventory = _networks(kind, {"used": True, "idle": False})
    assert _evaluate(check, **inventory) == {"used": "FAIL"}
    assert _evaluate(check, {"scan_unused_services": True}, **inventory) == {"used": "FAIL", "idle": "FAIL"}


@pytest.mark.parametrize("check, kind", IN_USE_CHECKS.items())
def test_unreadable_interfaces_give_no_verdict_not_a_skip(check, kind):
    inventory = _networks(kind, {"unknown": None, "idle": False})
    assert _evaluate(check, **inventory) == {"unknown": "MANUAL"}
    # judging unused ones too, whether it is in use does not matter: the verdict stands
    assert _evaluate(check, {"scan_unused_services": True}, **inventory) == {"unknown": "FAIL", "idle": "FAIL"}


@pytest.mark.parametrize("check, kind", IN_USE_CHECKS.items())
def test_inventories_without_in_use_are_judged(check, kind):
    # a backfill of an inventory collected before in_use was recorded judges every VPC, as it did then
    assert _evaluate(check, **_networks(kind, {"old": "absent"})) == {"old": "FAIL"}


def test_in_use_networks_pass_too():
    vpc = _network("vpcs", "vpc-logged", True)
    vpc.data["flow_logs"] = [{"id": "fl-1", "status": "ACTIVE"}]
    subnet = _network("subnets", "subnet-private", True, "vpc-logged")
    subnet.data["map_public_ip_on_launch"] = False
    assert _evaluate("vpc_flow_logs_enabled", vpcs=[vpc]) == {"vpc-logged": "PASS"}
    assert _evaluate("vpc_subnet_no_public_ip_by_default", subnets=[subnet]) == {"subnet-private": "PASS"}


# -- which networks are in use: the collector asks for the interfaces of the listed VPCs ------------------


def test_only_networks_holding_an_interface_are_judged_by_default(tmp_path):
    from moto import mock_aws

    with mock_aws():
        ec2 = boto3.client("ec2", region_name="us-east-1")
        used = ec2.create_vpc(CidrBlock="10.61.0.0/16")["Vpc"]["VpcId"]
        idle = ec2.create_vpc(CidrBlock="10.62.0.0/16")["Vpc"]["VpcId"]
        used_subnet = ec2.create_subnet(VpcId=used, CidrBlock="10.61.1.0/24")["Subnet"]["SubnetId"]
        idle_subnet = ec2.create_subnet(VpcId=used, CidrBlock="10.61.2.0/24")["Subnet"]["SubnetId"]
        ec2.create_network_interface(SubnetId=used_subnet)
        default = scan_in_moto(Lake(str(tmp_path / "default")), ["vpc"], ["us-east-1"])
        everything = scan_in_moto(Lake(str(tmp_path / "all")), ["vpc"], ["us-east-1"], config=ALL_NETWORKS)
        refused = scan_denied(str(tmp_path / "refused"), ["vpc"], ["us-east-1"], "ec2:DescribeNetworkInterfaces")
    flow_logs = default.statuses("vpc_flow_logs_enabled")
    assert flow_logs.get(used) == "FAIL" and idle not in flow_logs
    assert everything.statuses("vpc_flow_logs_enabled")[idle] == "FAIL"
    public_ip = default.statuses("vpc_subnet_no_public_ip_by_default")
    assert used_subnet in public_ip and idle_subnet not in public_ip
    # interfaces not listed: whether a network is used is unknown, so no verdict (never a silent skip)
    unread = refused.statuses("vpc_flow_logs_enabled")
    assert unread[used] == "MANUAL" and unread[idle] == "MANUAL"
