"""Auto Scaling checks against groups and launch configurations created in moto, scanned once."""

import gzip
from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import scan_denied, scan_in_moto

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

        _build_balanced_groups(asg, ec2)

        access = AwsAccess.from_default_chain()
        lake = Lake(str(tmp_path_factory.mktemp("asg-lake")))
        run = scan_in_moto(lake, ["autoscaling"], regions=[REGION, "eu-west-1"], access=access)
        no_configs = scan_denied(
            str(tmp_path_factory.mktemp("asg-denied")), ["autoscaling"], [REGION], "autoscaling:DescribeLaunchConfigurations"
        )
        no_groups = scan_denied(
            str(tmp_path_factory.mktemp("asg-denied")), ["autoscaling"], [REGION], "autoscaling:DescribeAutoScalingGroups"
        )
    return SimpleNamespace(run=run, calls=access.call_log, no_configs=no_configs, no_groups=no_groups)


def _build_balanced_groups(asg, ec2):
    """Groups behind a target group: one set up for resilience (ELB health checks, Capacity Rebalancing,
    two instance types from a launch template), one not."""
    vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.7.{i}.0/24", AvailabilityZone=f"{REGION}{az}")["Subnet"]["SubnetId"]
        for i, az in enumerate("ab")
    ]
    target = boto3.client("elbv2", region_name=REGION).create_target_group(
        Name="web", Protocol="HTTP", Port=80, VpcId=vpc
    )["TargetGroups"][0]["TargetGroupArn"]
    ec2.create_launch_template(LaunchTemplateName="mixed-tpl", LaunchTemplateData={"ImageId": IMAGE})
    asg.create_auto_scaling_group(
        AutoScalingGroupName="asg-resilient",
        MixedInstancesPolicy={
            "LaunchTemplate": {
                "LaunchTemplateSpecification": {"LaunchTemplateName": "mixed-tpl"},
                "Overrides": [{"InstanceType": "m5.large"}, {"InstanceType": "m6i.large"}],
            }
        },
        MinSize=0,
        MaxSize=2,
        VPCZoneIdentifier=",".join(subnets),
        TargetGroupARNs=[target],
        HealthCheckType="ELB",
        HealthCheckGracePeriod=60,
        CapacityRebalance=True,
    )
    asg.create_auto_scaling_group(
        AutoScalingGroupName="asg-fragile",
        LaunchConfigurationName="lc-tidy",
        MinSize=0,
        MaxSize=2,
        VPCZoneIdentifier=subnets[0],
        TargetGroupARNs=[target],
    )


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


# (check, failing groups, passing groups); groups not behind a load balancer are not judged by the first two.
GROUP_CHECKS = [
    ("autoscaling_group_capacity_rebalance_enabled", ["asg-fragile"], ["asg-resilient"]),
    ("autoscaling_group_elb_health_check_enabled", ["asg-fragile"], ["asg-resilient"]),
    ("autoscaling_group_multiple_instance_types", ["asg-fragile", "asg-tidy", "asg-templated"], ["asg-resilient"]),
    ("autoscaling_group_using_ec2_launch_template", ["asg-fragile", "asg-leaky"], ["asg-resilient", "asg-templated"]),
]


@pytest.mark.parametrize("check,failing,passing", GROUP_CHECKS, ids=[row[0] for row in GROUP_CHECKS])
def test_group_checks(world, check, failing, passing):
    statuses = world.run.statuses(check)
    assert {name: statuses.get(name) for name in failing + passing} == {
        **{name: "FAIL" for name in failing},
        **{name: "PASS" for name in passing},
    }


def test_unbalanced_groups_are_not_judged_for_load_balancer_features(world):
    assert "asg-leaky" not in world.run.statuses("autoscaling_group_elb_health_check_enabled")
    assert "asg-leaky" not in world.run.statuses("autoscaling_group_capacity_rebalance_enabled")


@pytest.mark.parametrize(
    "check", ["autoscaling_group_launch_configuration_no_public_ip", "autoscaling_group_launch_configuration_requires_imdsv2"]
)
def test_unlisted_launch_configurations_give_no_verdict(world, check):
    statuses = world.no_configs.statuses(check)
    assert statuses["asg-leaky"] == "MANUAL"
    assert set(statuses.values()) == {"MANUAL"}


@pytest.mark.parametrize("check", [row[0] for row in GROUP_CHECKS] + ["autoscaling_group_multiple_az"])
def test_unlisted_groups_are_not_judged(world, check):
    assert world.no_groups.of(check) == []
    scope = {r.service: r.regions for r in world.no_groups.results}
    assert scope["autoscaling"][REGION] == "incomplete"
