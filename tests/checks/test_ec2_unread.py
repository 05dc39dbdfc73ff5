"""EC2 reads that fail give no verdict (issue 11): one small moto account, scanned with reads refused.

moto has no ssm:DescribeInstanceInformation, so ``ec2_instance_managed_by_ssm`` is unread in every
scan here (NotImplemented -> unavailable), which is itself a no-verdict case.
"""

from types import SimpleNamespace

import boto3
import pytest

from postureflow.checks.ec2_instances import INSTANCE_PORT_CHECKS
from postureflow.testing import scan_denied

REGION = "us-east-1"
IMAGE = "ami-12c6146b"
ANYWHERE = [{"CidrIp": "0.0.0.0/0"}]


def _build(ids):
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc_id = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
    ids["open_sg"] = ec2.create_security_group(GroupName="open", Description="open", VpcId=vpc_id)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=ids["open_sg"],
        IpPermissions=[{"IpProtocol": "-1", "IpRanges": ANYWHERE}],
    )
    ids["host"] = ec2.run_instances(
        ImageId=IMAGE, MinCount=1, MaxCount=1, SubnetId=subnet_id, SecurityGroupIds=[ids["open_sg"]],
        UserData="#!/bin/sh\necho hello\n",
    )["Instances"][0]["InstanceId"]  # fmt: skip
    volume = ec2.create_volume(AvailabilityZone="us-east-1a", Size=8)["VolumeId"]
    ids["snapshot"] = ec2.create_snapshot(VolumeId=volume)["SnapshotId"]
    ec2.create_launch_template(
        LaunchTemplateName="tmpl", LaunchTemplateData={"ImageId": IMAGE, "MetadataOptions": {"HttpTokens": "optional"}}
    )


# refused operation -> checks whose every verdict rests on it
DENIALS = {
    "ec2:DescribeNetworkInterfaces": ["ec2_securitygroup_allow_ingress_from_internet_to_any_port"],
    "ec2:DescribeSecurityGroups": [f"ec2_instance_port_{row[0]}_exposed_to_internet" for row in INSTANCE_PORT_CHECKS],
    "ec2:DescribeInstanceAttribute": ["ec2_instance_secrets_user_data"],
    "ec2:DescribeSnapshotAttribute": ["ec2_ebs_public_snapshot"],
    "ec2:DescribeLaunchTemplateVersions": ["ec2_launch_template_imdsv2_required", "ec2_launch_template_no_secrets"],
    "ec2:GetEbsEncryptionByDefault": ["ec2_ebs_default_encryption"],
    "ec2:DescribeSnapshots": ["ec2_ebs_volume_snapshots_exists"],
}


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        ids: dict[str, str] = {}
        _build(ids)
        scans = {
            operation: scan_denied(str(tmp_path_factory.mktemp("ec2-denied")), ["ec2"], [REGION], operation)
            for operation in DENIALS
        }
    return SimpleNamespace(ids=ids, scans=scans)


@pytest.mark.parametrize(
    "operation,check", [(op, check) for op, checks in DENIALS.items() for check in checks], ids=lambda v: v
)
def test_refused_read_gives_no_verdict(runs, operation, check):
    findings = runs.scans[operation].of(check)
    assert findings, f"{check} judged nothing"
    assert {f["status"] for f in findings} == {"MANUAL"}
    assert all(f["status_extended"].startswith("No verdict:") for f in findings)


def test_unread_interfaces_do_not_pass_an_open_group_as_unattached(runs):
    # Issue 11: with DescribeNetworkInterfaces refused, the open group was PASSed as "not attached".
    run = runs.scans["ec2:DescribeNetworkInterfaces"]
    assert run.status("ec2_securitygroup_allow_ingress_from_internet_to_any_port", runs.ids["open_sg"]) == "MANUAL"
    # Whether the group is in use is unknown too: the checks Prowler limits to groups in use give no verdict
    # (never a silent skip) ...
    assert run.status("ec2_securitygroup_allow_ingress_from_internet_to_all_ports", runs.ids["open_sg"]) == "MANUAL"
    # ... and a check that does not read network interfaces still judges the group.
    assert run.status("ec2_securitygroup_from_launch_wizard", runs.ids["open_sg"]) in ("PASS", "FAIL")


def test_unread_security_groups_do_not_pass_exposed_instances(runs):
    # Issue 11: with DescribeSecurityGroups refused, every instance port check PASSed.
    run = runs.scans["ec2:DescribeSecurityGroups"]
    assert run.status("ec2_instance_port_ssh_exposed_to_internet", runs.ids["host"]) == "MANUAL"
    # The instance's own facts are still judged.
    assert run.status("ec2_instance_public_ip", runs.ids["host"]) in ("PASS", "FAIL")


def test_ssm_unanswered_gives_no_verdict(runs):
    run = runs.scans["ec2:DescribeSnapshots"]
    assert run.status("ec2_instance_managed_by_ssm", runs.ids["host"]) == "MANUAL"
