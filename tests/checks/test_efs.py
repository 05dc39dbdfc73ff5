import boto3


def _file_system(name, encrypted, region="us-east-1"):
    efs = boto3.client("efs", region_name=region)
    return efs.create_file_system(CreationToken=name, Encrypted=encrypted, Tags=[{"Key": "Name", "Value": name}])


def test_encryption_at_rest(scan):
    plain = _file_system("plain-share", False)["FileSystemId"]
    sealed = _file_system("sealed-share", True, region="eu-west-1")["FileSystemId"]
    run = scan("efs")
    assert run.status("efs_encryption_at_rest_enabled", plain) == "FAIL"
    assert run.status("efs_encryption_at_rest_enabled", sealed) == "PASS"
    by_id = {f["resource_id"]: f for f in run.of("efs_encryption_at_rest_enabled")}
    assert by_id[sealed]["region"] == "eu-west-1"
    assert by_id[plain]["resource_uid"].startswith("arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/")
    assert by_id[plain]["resource_tags"] == [("Name", "plain-share")] or dict(by_id[plain]["resource_tags"]) == {
        "Name": "plain-share"
    }
    assert "plain-share" in by_id[plain]["status_extended"]


def test_no_file_systems_no_findings(scan):
    assert scan("efs").of("efs_encryption_at_rest_enabled") == []


def test_unlisted_file_systems_give_no_verdict(scan):
    from postureflow.testing import DeniedAccess

    _file_system("hidden-share", False)
    access = DeniedAccess("elasticfilesystem:DescribeFileSystems")
    run = scan("efs", access=access)
    assert run.of("efs_encryption_at_rest_enabled") == []
    assert access.hits and {e["api"] for e in run.errors} == {"efs:describe_file_systems"}


# -- checks added for issue 12 --------------------------------------------------------------------------

import json  # noqa: E402

import pytest  # noqa: E402


def _open_policy(fs_id, via_mount_target):
    statement = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "elasticfilesystem:ClientMount",
                 "Resource": f"arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/{fs_id}"}  # fmt: skip
    if via_mount_target:
        statement["Condition"] = {"Bool": {"elasticfilesystem:AccessedViaMountTarget": "true"}}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


@pytest.fixture
def efs_world(aws):
    efs = boto3.client("efs", region_name="us-east-1")
    ec2 = boto3.client("ec2", region_name="us-east-1")
    vpc = ec2.create_vpc(CidrBlock="10.30.0.0/16")["Vpc"]["VpcId"]
    private = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.30.{n}.0/24", AvailabilityZone=f"us-east-1{z}")["Subnet"]
               ["SubnetId"] for n, z in ((1, "a"), (2, "b"))]  # fmt: skip
    public = ec2.create_subnet(VpcId=vpc, CidrBlock="10.30.9.0/24", AvailabilityZone="us-east-1c")["Subnet"]["SubnetId"]
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    ec2.associate_route_table(RouteTableId=table, SubnetId=public)
    bad = efs.create_file_system(CreationToken="bad", Tags=[{"Key": "Name", "Value": "fs-bad"}])["FileSystemId"]
    good = efs.create_file_system(CreationToken="good", Backup=True, Tags=[{"Key": "Name", "Value": "fs-good"}])[
        "FileSystemId"]  # fmt: skip
    efs.create_mount_target(FileSystemId=bad, SubnetId=public)
    for subnet in private:
        efs.create_mount_target(FileSystemId=good, SubnetId=subnet)
    efs.put_file_system_policy(FileSystemId=good, Policy=_open_policy(good, via_mount_target=True))
    efs.create_access_point(FileSystemId=bad, RootDirectory={"Path": "/"})
    efs.create_access_point(FileSystemId=good, RootDirectory={"Path": "/app"}, PosixUser={"Uid": 1000, "Gid": 1000})
    return bad, good


@pytest.mark.parametrize(
    "check",
    [
        "efs_have_backup_enabled", "efs_multi_az_enabled", "efs_mount_target_not_publicly_accessible",
        "efs_not_publicly_accessible", "efs_access_point_enforce_root_directory",
        "efs_access_point_enforce_user_identity",
    ],
)  # fmt: skip
def test_new_checks_fail_bad_and_pass_good(efs_world, scan, check):
    bad, good = efs_world
    run = scan("efs", regions=["us-east-1"])
    assert run.status(check, bad) == "FAIL"
    assert run.status(check, good) == "PASS"


def test_open_policy_without_mount_target_condition_fails(aws, scan):
    fs = _file_system("fs-open", True)["FileSystemId"]
    boto3.client("efs", region_name="us-east-1").put_file_system_policy(
        FileSystemId=fs, Policy=_open_policy(fs, via_mount_target=False), BypassPolicyLockoutSafetyCheck=True
    )
    assert scan("efs", regions=["us-east-1"]).status("efs_not_publicly_accessible", fs) == "FAIL"


@pytest.mark.parametrize(
    "check, denied",
    [
        ("efs_have_backup_enabled", "elasticfilesystem:DescribeBackupPolicy"),
        ("efs_multi_az_enabled", "elasticfilesystem:DescribeMountTargets"),
        ("efs_mount_target_not_publicly_accessible", "ec2:DescribeSubnets"),
        ("efs_not_publicly_accessible", "elasticfilesystem:DescribeFileSystemPolicy"),
        ("efs_access_point_enforce_root_directory", "elasticfilesystem:DescribeAccessPoints"),
        ("efs_access_point_enforce_user_identity", "elasticfilesystem:DescribeAccessPoints"),
    ],
)
def test_new_checks_give_no_verdict_on_unread_data(efs_world, scan, check, denied):
    from postureflow.testing import DeniedAccess

    bad, good = efs_world
    access = DeniedAccess(denied)
    run = scan("efs", regions=["us-east-1"], access=access)
    assert run.status(check, good) == "MANUAL"
    assert access.hits
