"""EC2 Auto Scaling checks: Availability Zones, and the launch configurations groups start instances from."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check
from postureflow.secrets import describe_hits


def _with_launch_configuration(groups, launch_configurations):
    """(group, its launch configuration) for groups that launch from a configuration we collected."""
    configs = {(c.region, c.id): c for c in launch_configurations}
    for group in groups:
        config = configs.get((group.region, group.get("launch_configuration_name")))
        if config is not None:
            yield group, config


@check(
    id="autoscaling_group_multiple_az",
    title="Auto Scaling group spans at least two Availability Zones",
    severity="medium",
    resource_type="AwsAutoScalingAutoScalingGroup",
    reads=["autoscaling.groups"],
    risk="A group confined to one Availability Zone loses all its instances when that zone fails.",
    remediation="Add subnets (or Availability Zones) from a second zone to the group "
    "(aws autoscaling update-auto-scaling-group --vpc-zone-identifier ...).",
)
def autoscaling_group_multiple_az(groups):
    for group in groups:
        zones = sorted(set(group.get("availability_zones") or []))
        if len(zones) >= 2:
            yield PASS(group, f"Auto Scaling group {group.id} spans {len(zones)} Availability Zones.")
        else:
            where = zones[0] if zones else "no Availability Zone"
            yield FAIL(group, f"Auto Scaling group {group.id} runs in {where} only.")


@check(
    id="autoscaling_find_secrets_ec2_launch_configuration",
    title="Launch configuration user data holds no secrets",
    severity="critical",
    resource_type="AwsAutoScalingLaunchConfiguration",
    reads=["autoscaling.launch_configurations"],
    risk="User data is readable by anyone allowed autoscaling:DescribeLaunchConfigurations and by every process "
    "on the instances through the metadata service; a secret in it is widely exposed.",
    remediation="Fetch secrets at boot from Secrets Manager or SSM Parameter Store with the instance role, "
    "replace the launch configuration (ideally with a launch template) and rotate the exposed secret.",
)
def autoscaling_find_secrets_ec2_launch_configuration(launch_configurations):
    for config in launch_configurations:
        hits = config.get("user_data_secrets") or []
        if hits:
            yield FAIL(
                config, f"Launch configuration {config.id} has secret-looking user data at {describe_hits(hits)}."
            )
        elif config.get("has_user_data"):
            yield PASS(config, f"Launch configuration {config.id} has no secret-looking user data.")
        else:
            yield PASS(config, f"Launch configuration {config.id} has no user data.")


@check(
    id="autoscaling_group_launch_configuration_no_public_ip",
    title="Auto Scaling group's launch configuration does not assign public IP addresses",
    severity="high",
    resource_type="AwsAutoScalingAutoScalingGroup",
    reads=["autoscaling.groups", "autoscaling.launch_configurations"],
    risk="Instances with public IP addresses are reachable from the internet wherever their security groups allow it.",
    remediation="Use a launch configuration (or launch template) with AssociatePublicIpAddress false and place "
    "the group in private subnets.",
)
def autoscaling_group_launch_configuration_no_public_ip(groups, launch_configurations):
    for group, config in _with_launch_configuration(groups, launch_configurations):
        if config.get("associate_public_ip"):
            yield FAIL(group, f"Auto Scaling group {group.id} launches instances with public IPs ({config.id}).")
        else:
            yield PASS(group, f"Auto Scaling group {group.id} launches instances without public IPs ({config.id}).")


@check(
    id="autoscaling_group_launch_configuration_requires_imdsv2",
    title="Auto Scaling group's launch configuration requires IMDSv2 or turns metadata off",
    severity="high",
    resource_type="AwsAutoScalingAutoScalingGroup",
    reads=["autoscaling.groups", "autoscaling.launch_configurations"],
    risk="With IMDSv1 allowed, a server-side request forgery on any instance of the group can read the "
    "instance role's temporary credentials.",
    remediation="Launch from a configuration (or launch template) with HttpTokens required, or with the "
    "metadata endpoint disabled if unused.",
)
def autoscaling_group_launch_configuration_requires_imdsv2(groups, launch_configurations):
    for group, config in _with_launch_configuration(groups, launch_configurations):
        if config.get("http_endpoint") == "disabled":
            yield PASS(group, f"Auto Scaling group {group.id} launches instances with the metadata service off.")
        elif config.get("http_tokens") == "required":
            yield PASS(group, f"Auto Scaling group {group.id} launches instances that require IMDSv2.")
        else:
            yield FAIL(group, f"Auto Scaling group {group.id} launches instances that accept IMDSv1 ({config.id}).")
