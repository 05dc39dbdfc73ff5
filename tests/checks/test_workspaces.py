"""WorkSpaces checks: volume encryption and network placement; FAIL, PASS and no verdict.

moto's DescribeWorkspaces leaves out SubnetId: an after-call hook adds each workspace's subnet as AWS would
report it (the subnet WorkSpaces placed it in).
"""

from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import DeniedAccess, scan_in_moto

REGION = "us-east-1"
SERVICES = ["workspaces", "vpc"]


def _layout(ec2, cidr, with_nat):
    """A VPC with one public subnet and two private ones (routed to a NAT gateway when ``with_nat``)."""
    vpc = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    base = cidr.rsplit(".", 2)[0]
    subnet = lambda i, zone: ec2.create_subnet(VpcId=vpc, CidrBlock=f"{base}.{i}.0/24", AvailabilityZone=f"{REGION}{zone}")["Subnet"]["SubnetId"]  # noqa: E731
    public, private = subnet(0, "a"), [subnet(1, "a"), subnet(2, "b")]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    public_table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=public_table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.associate_route_table(RouteTableId=public_table, SubnetId=public)
    if with_nat:
        allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
        nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=allocation)["NatGateway"]["NatGatewayId"]
        private_table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        ec2.create_route(RouteTableId=private_table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
        for s in private:
            ec2.associate_route_table(RouteTableId=private_table, SubnetId=s)
    return vpc, public, private


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        ec2 = boto3.client("ec2", region_name=REGION)
        good_vpc, _, good_private = _layout(ec2, "10.1.0.0/16", with_nat=True)
        bad_vpc, bad_public, _ = _layout(ec2, "10.2.0.0/16", with_nat=False)
        ds = boto3.client("ds", region_name=REGION)
        directory = ds.create_directory(Name="corp.example.com", Password="Moto-only-Passw0rd", Size="Small",
                                        VpcSettings={"VpcId": good_vpc, "SubnetIds": good_private})["DirectoryId"]  # fmt: skip
        workspaces = boto3.client("workspaces", region_name=REGION)
        workspaces.register_workspace_directory(DirectoryId=directory, SubnetIds=good_private)
        spec = lambda user, sealed: {"DirectoryId": directory, "UserName": user, "BundleId": "wsb-1",  # noqa: E731
                                     "RootVolumeEncryptionEnabled": sealed, "UserVolumeEncryptionEnabled": sealed,
                                     "VolumeEncryptionKey": "alias/aws/workspaces"}  # fmt: skip
        workspaces.create_workspaces(Workspaces=[spec("sealed", True), spec("plain", False)])
        ids = {w["UserName"]: w["WorkspaceId"] for w in workspaces.describe_workspaces()["Workspaces"]}
        placement = {ids["sealed"]: good_private[0], ids["plain"]: bad_public}

        def place(parsed, **_):
            for workspace in parsed.get("Workspaces", []):
                workspace["SubnetId"] = placement[workspace["WorkspaceId"]]

        def scan(access, name):
            # on the clients the scan makes (released between services)
            access.on_client(lambda client, service, region: client.meta.events.register(
                "after-call.workspaces.DescribeWorkspaces", place))  # fmt: skip
            return scan_in_moto(Lake(str(tmp_path_factory.mktemp(name))), SERVICES, [REGION], access=access)

        access = AwsAccess.from_default_chain()
        run = scan(access, "lake")
        refused = DeniedAccess("ec2:DescribeRouteTables")
        unread = scan(refused, "denied")
        unlisted = scan(DeniedAccess("workspaces:DescribeWorkspaces"), "unlisted")
    return SimpleNamespace(run=run, unread=unread, unlisted=unlisted, ids=ids, calls=access.call_log)


def test_volume_encryption(world):
    assert world.run.statuses("workspaces_volume_encryption_enabled") == {
        world.ids["sealed"]: "PASS", world.ids["plain"]: "FAIL"}  # fmt: skip


def test_vpc_layout(world):
    assert world.run.statuses("workspaces_vpc_2private_1public_subnets_nat") == {
        world.ids["sealed"]: "PASS", world.ids["plain"]: "FAIL"}  # fmt: skip


def test_unreadable_route_tables_give_no_verdict(world):
    statuses = world.unread.statuses("workspaces_vpc_2private_1public_subnets_nat")
    assert statuses == {world.ids["sealed"]: "MANUAL", world.ids["plain"]: "MANUAL"}


@pytest.mark.parametrize("check", ["workspaces_volume_encryption_enabled", "workspaces_vpc_2private_1public_subnets_nat"])
def test_unlisted_workspaces_give_no_verdict(world, check):
    assert world.unlisted.of(check) == []
