"""VPC checks added for issue 12: VPCs in more than one region, interface endpoints across zones, subnets
across zones and public/private separation. One moto account scanned once, plus scans with reads refused."""

from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import DeniedAccess, scan_denied, scan_in_moto

HOME, AWAY = "us-east-1", "eu-west-1"


def _build(ids):
    ec2 = boto3.client("ec2", region_name=HOME)

    def vpc(name, cidr):
        ids[name] = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
        return ids[name]

    def subnet(vpc_id, cidr, zone):
        return ec2.create_subnet(VpcId=vpc_id, CidrBlock=cidr, AvailabilityZone=f"{HOME}{zone}")["Subnet"]["SubnetId"]

    good = vpc("layered", "10.40.0.0/16")
    public, private = subnet(good, "10.40.1.0/24", "a"), subnet(good, "10.40.2.0/24", "b")
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=good)
    table = ec2.create_route_table(VpcId=good)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.associate_route_table(RouteTableId=table, SubnetId=public)
    flat = vpc("flat", "10.41.0.0/16")
    only = subnet(flat, "10.41.1.0/24", "a")
    vpc("empty", "10.42.0.0/16")  # no subnets: nothing placed in it, not judged

    def endpoint(name, vpc_id, subnets):
        ids[name] = ec2.create_vpc_endpoint(
            VpcId=vpc_id, ServiceName=f"com.amazonaws.{HOME}.ssm", VpcEndpointType="Interface", SubnetIds=subnets
        )["VpcEndpoint"]["VpcEndpointId"]

    endpoint("two-zone-endpoint", good, [public, private])
    endpoint("one-zone-endpoint", flat, [only])


# the layout checks' logic, on VPCs without network interfaces: judged as with --scan-unused-services
ALL_NETWORKS = {"scan_unused_services": True}


def _scan(lake_dir, access=None):
    return scan_in_moto(Lake(lake_dir), ["vpc"], [HOME, AWAY], access=access, config=ALL_NETWORKS)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        ids: dict[str, str] = {}
        _build(ids)
        access = AwsAccess.from_default_chain()
        run = _scan(str(tmp_path_factory.mktemp("vpc-layout")), access)
        denied = {
            op: scan_denied(str(tmp_path_factory.mktemp("vpc-layout-denied")), ["vpc"], [HOME, AWAY], op,
                            config=ALL_NETWORKS)
            for op in ("ec2:DescribeRouteTables", "ec2:DescribeSubnets", "ec2:DescribeVpcEndpoints")
        }
        away_refused = DeniedAccess("ec2:DescribeVpcs", regions=(AWAY,))
        away_unlisted = _scan(str(tmp_path_factory.mktemp("vpc-away")), away_refused)
        assert away_refused.hits
        boto3.client("ec2", region_name=AWAY).create_vpc(CidrBlock="10.50.0.0/16")
        both = _scan(str(tmp_path_factory.mktemp("vpc-both")))
    return SimpleNamespace(ids=ids, run=run, calls=access.call_log, denied=denied, away_unlisted=away_unlisted, both=both)


def _statuses(run, check, ids):
    names = {v: k for k, v in ids.items()}
    return {names[f["resource_id"]]: f["status"] for f in run.of(check) if f["resource_id"] in names}


def test_different_regions(world):
    # moto's default VPCs do not count: the account's own VPCs are all in HOME
    assert [(f["resource_id"], f["region"], f["status"]) for f in world.run.of("vpc_different_regions")] == [
        ("123456789012", HOME, "FAIL")
    ]
    assert [f["status"] for f in world.both.of("vpc_different_regions")] == ["PASS"]
    # AWAY's VPCs could not be listed: "only in HOME" is not known
    assert [f["status"] for f in world.away_unlisted.of("vpc_different_regions")] == ["MANUAL"]


def test_endpoint_multi_az_enabled(world):
    statuses = _statuses(world.run, "vpc_endpoint_multi_az_enabled", world.ids)
    assert statuses == {"two-zone-endpoint": "PASS", "one-zone-endpoint": "FAIL"}
    assert world.denied["ec2:DescribeVpcEndpoints"].of("vpc_endpoint_multi_az_enabled") == []


def test_subnet_different_az(world):
    statuses = _statuses(world.run, "vpc_subnet_different_az", world.ids)
    assert statuses == {"layered": "PASS", "flat": "FAIL"}
    # subnets not listed: no VPC is judged on them, and none is skipped either (not even one that holds
    # no subnet: that it has none is not known)
    unlisted = _statuses(world.denied["ec2:DescribeSubnets"], "vpc_subnet_different_az", world.ids)
    assert unlisted == {"layered": "MANUAL", "flat": "MANUAL", "empty": "MANUAL"}


def test_subnet_separate_private_public(world):
    statuses = _statuses(world.run, "vpc_subnet_separate_private_public", world.ids)
    assert statuses == {"layered": "PASS", "flat": "FAIL"}
    # route tables not read: which subnets are public is unknown
    unread = _statuses(world.denied["ec2:DescribeRouteTables"], "vpc_subnet_separate_private_public", world.ids)
    assert unread == {"layered": "MANUAL", "flat": "MANUAL"}
    unlisted = _statuses(world.denied["ec2:DescribeSubnets"], "vpc_subnet_separate_private_public", world.ids)
    assert unlisted == {"layered": "MANUAL", "flat": "MANUAL", "empty": "MANUAL"}


def test_calls(world):
    assert world.run.errors == [] and world.calls.repeated() == []
