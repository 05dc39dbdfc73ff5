"""FSx checks on file systems created in moto: FAIL, PASS and no verdict."""

from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import scan_denied, scan_in_moto

REGION = "us-east-1"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        ec2 = boto3.client("ec2", region_name=REGION)
        vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
        subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=f"{REGION}{z}")["Subnet"]["SubnetId"]
                   for i, z in enumerate("ab")]  # fmt: skip
        fsx = boto3.client("fsx", region_name=REGION)

        def create(kind, subnet_ids, **configuration):
            return fsx.create_file_system(FileSystemType=kind, StorageCapacity=1200, SubnetIds=subnet_ids,
                                          **configuration)["FileSystem"]["FileSystemId"]  # fmt: skip

        ids = {
            "bare-windows": create("WINDOWS", subnets[:1], WindowsConfiguration={
                "ThroughputCapacity": 32, "DeploymentType": "SINGLE_AZ_2", "CopyTagsToBackups": False}),
            "full-windows": create("WINDOWS", subnets, WindowsConfiguration={
                "ThroughputCapacity": 32, "DeploymentType": "MULTI_AZ_1", "PreferredSubnetId": subnets[0],
                "CopyTagsToBackups": True}),
            "bare-zfs": create("OPENZFS", subnets[:1], OpenZFSConfiguration={
                "DeploymentType": "SINGLE_AZ_1", "ThroughputCapacity": 64, "CopyTagsToBackups": False,
                "CopyTagsToVolumes": False}),
            "full-zfs": create("OPENZFS", subnets[:1], OpenZFSConfiguration={
                "DeploymentType": "SINGLE_AZ_1", "ThroughputCapacity": 64, "CopyTagsToBackups": True,
                "CopyTagsToVolumes": True}),
        }  # fmt: skip
        access = AwsAccess.from_default_chain()
        run = scan_in_moto(Lake(str(tmp_path_factory.mktemp("lake"))), ["fsx"], [REGION], access=access)
        unlisted = scan_denied(str(tmp_path_factory.mktemp("denied")), ["fsx"], [REGION], "fsx:DescribeFileSystems")
    return SimpleNamespace(run=run, calls=access.call_log, unlisted=unlisted, ids=ids)


def _named(world, check):
    names = {v: k for k, v in world.ids.items()}
    return {names[rid]: status for rid, status in world.run.statuses(check).items()}


def test_copy_tags_to_backups(world):
    assert _named(world, "fsx_file_system_copy_tags_to_backups_enabled") == {
        "bare-windows": "FAIL", "full-windows": "PASS", "bare-zfs": "FAIL", "full-zfs": "PASS"}  # fmt: skip


def test_copy_tags_to_volumes(world):
    # only OpenZFS has the setting: Windows file systems are not judged
    assert _named(world, "fsx_file_system_copy_tags_to_volumes_enabled") == {"bare-zfs": "FAIL", "full-zfs": "PASS"}


def test_windows_multi_az(world):
    assert _named(world, "fsx_windows_file_system_multi_az_enabled") == {"bare-windows": "FAIL", "full-windows": "PASS"}


@pytest.mark.parametrize("check", ["fsx_file_system_copy_tags_to_backups_enabled", "fsx_file_system_copy_tags_to_volumes_enabled",
                                   "fsx_windows_file_system_multi_az_enabled"])  # fmt: skip
def test_unlisted_file_systems_give_no_verdict(world, check):
    assert world.unlisted.of(check) == []
    assert "fsx:describe_file_systems" in {e["api"] for e in world.unlisted.errors}


def test_calls(world):
    assert world.run.errors == [] and world.calls.repeated() == []
