"""Auto Scaling checks against groups and launch configurations created in moto, scanned once."""

import gzip
from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import scan_in_moto

REGION = "us-east-1"
IMAGE = "ami-12c6146b"  # one of moto's built-in AMIs

LEAKY_SCRIPT = "#!/bin/bash\nexport DB_PASSWORD=s3cr3t-from-userdata\naws s3 cp s3://bucket/app /opt/app\n"
CLEAN_SCRIPT = "#!/bin/bash\nexport DB_PASSWORD=$(aws ssm get-parameter --name db --with-decryption)\n"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        asg = boto3.client("autoscaling", region_name=REGION)
        asg.create_launch_configuration(
            LaunchConfigurationName="lc-leaky",
            ImageId=IMAGE,
            InstanceType="t3.micro",
            UserData=LEAKY_SCRIPT,
            AssociatePublicIpAddress=True,
            MetadataOptions={"HttpTokens": "optional", "HttpEndpoint": "enabled"},
        )
        asg.create_launch_configuration(
            LaunchConfigurationName="lc-tidy",
            ImageId=IMAGE,
            InstanceType="t3.micro",
            UserData=CLEAN_SCRIPT,
            AssociatePublicIpAddress=False,
            MetadataOptions={"HttpTokens": "required", "HttpEndpoint": "enabled"},
        )
        # gzip-compressed user data (cloud-init accepts it) with an access key in it
        zipped = gzip.compress(b"#!/bin/bash\nKEY=AKIAIOSFODNN7EXAMPLE\n")  # botocore base64-encodes it
        asg.create_launch_configuration(
            LaunchConfigurationName="lc-zipped",
            ImageId=IMAGE,
            InstanceType="t3.micro",
            UserData=zipped,
            MetadataOptions={"HttpEndpoint": "disabled"},
        )
        asg.create_launch_configuration(LaunchConfigurationName="lc-bare", ImageId=IMAGE, InstanceType="t3.micro")

        def group(name, config, zones):
            asg.create_auto_scaling_group(
                AutoScalingGroupName=name, LaunchConfigurationName=config, MinSize=0, MaxSize=1, AvailabilityZones=zones
            )

        group("asg-leaky", "lc-leaky", ["us-east-1a"])
        group("asg-tidy", "lc-tidy", ["us-east-1a", "us-east-1b"])
        group("asg-dark", "lc-zipped", ["us-east-1a", "us-east-1c"])

        ec2 = boto3.client("ec2", region_name=REGION)
        ec2.create_launch_template(LaunchTemplateName="tpl", LaunchTemplateData={"ImageId": IMAGE})
        asg.create_auto_scaling_group(
            AutoScalingGroupName="asg-templated",
            LaunchTemplate={"LaunchTemplateName": "tpl"},
            MinSize=0,
            MaxSize=1,
            AvailabilityZones=["us-east-1a", "us-east-1b"],
        )

        access = AwsAccess.from_default_chain()
        lake = Lake(str(tmp_path_factory.mktemp("asg-lake")))
        run = scan_in_moto(lake, ["autoscaling"], regions=[REGION, "eu-west-1"], access=access)
    return SimpleNamespace(run=run, calls=access.call_log)


def test_group_multiple_az(world):
    assert world.run.status("autoscaling_group_multiple_az", "asg-leaky") == "FAIL"
    assert world.run.status("autoscaling_group_multiple_az", "asg-tidy") == "PASS"


def test_find_secrets_in_launch_configuration(world):
    check = "autoscaling_find_secrets_ec2_launch_configuration"
    assert world.run.status(check, "lc-leaky") == "FAIL"
    assert world.run.status(check, "lc-zipped") == "FAIL"
    assert world.run.status(check, "lc-tidy") == "PASS"  # the password is fetched from SSM at boot
    assert world.run.status(check, "lc-bare") == "PASS"
    (finding,) = [f for f in world.run.of(check) if f["resource_id"] == "lc-leaky"]
    assert "line 2" in finding["status_extended"] and "s3cr3t" not in finding["status_extended"]


def test_group_launch_configuration_no_public_ip(world):
    check = "autoscaling_group_launch_configuration_no_public_ip"
    assert world.run.status(check, "asg-leaky") == "FAIL"
    assert world.run.status(check, "asg-tidy") == "PASS"
    assert "asg-templated" not in world.run.statuses(check)  # no launch configuration to judge


def test_group_launch_configuration_requires_imdsv2(world):
    check = "autoscaling_group_launch_configuration_requires_imdsv2"
    assert world.run.status(check, "asg-leaky") == "FAIL"
    assert world.run.status(check, "asg-tidy") == "PASS"
    assert world.run.status(check, "asg-dark") == "PASS"  # metadata endpoint turned off
    assert "asg-templated" not in world.run.statuses(check)


def test_each_call_made_once_and_no_scan_errors(world):
    assert world.calls.repeated() == []
    assert world.run.errors == []
