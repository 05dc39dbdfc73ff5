"""EC2 Auto Scaling checks: Availability Zones, and the launch configurations groups start instances from."""

from __future__ import annotations

from postureflow.checks.base import FAIL, MANUAL, NO_VERDICT, PASS, check
from postureflow.secrets import describe_hits


def _with_launch_configuration(groups, launch_configurations):
    """(group, its launch configuration) for groups that launch from a launch configuration.

    AWS refuses to delete a launch configuration a group uses, so one missing from the inventory
    was not listed: the group then gets a no-verdict result (config None) instead of silence."""
    configs = {(c.region, c.id): c for c in launch_configurations}
    for group in groups:
        name = group.get("launch_configuration_name")
        if name:
            yield group, configs.get((group.region, name))


def _unlisted(group):
    return MANUAL(
        group,
        f"{NO_VERDICT} {group.id}: its launch configuration {group.get('launch_configuration_name')} was not listed.",
    )


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
        if config is None:
            yield _unlisted(group)
        elif config.get("associate_public_ip"):
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
        if config is None:
            yield _unlisted(group)
        elif config.get("http_endpoint") == "disabled":
            yield PASS(group, f"Auto Scaling group {group.id} launches instances with the metadata service off.")
        elif config.get("http_tokens") == "required":
            yield PASS(group, f"Auto Scaling group {group.id} launches instances that require IMDSv2.")
        else:
            yield FAIL(group, f"Auto Scaling group {group.id} launches instances that accept IMDSv1 ({config.id}).")


def _behind_load_balancer(group) -> bool:
    return bool(group.get("load_balancer_names") or group.get("target_group_arns"))


@check(
    id="autoscaling_group_capacity_rebalance_enabled",
    title="Auto Scaling group behind a load balancer has Capacity Rebalancing enabled",
    severity="medium",
    resource_type="AwsAutoScalingAutoScalingGroup",
    reads=["autoscaling.groups"],
    risk="Without Capacity Rebalancing, Spot instances the group runs are only replaced after EC2 reclaims them, "
    "so the service behind the load balancer loses capacity for the time a replacement takes to launch.",
    remediation="Turn on Capacity Rebalancing (aws autoscaling update-auto-scaling-group --capacity-rebalance).",
)
def autoscaling_group_capacity_rebalance_enabled(groups):
    # Prowler judges only groups with BOTH classic load balancers AND target groups, which almost no group
    # has; a group serving through either kind of load balancer is judged here.
    for group in groups:
        if not _behind_load_balancer(group):
            continue
        if group.get("capacity_rebalance"):
            yield PASS(group, f"Auto Scaling group {group.id} has Capacity Rebalancing enabled.")
        else:
            yield FAIL(group, f"Auto Scaling group {group.id} does not have Capacity Rebalancing enabled.")


@check(
    id="autoscaling_group_elb_health_check_enabled",
    title="Auto Scaling group behind a load balancer uses the load balancer's health checks",
    severity="low",
    resource_type="AwsAutoScalingAutoScalingGroup",
    reads=["autoscaling.groups"],
    risk="With EC2 status checks only, an instance whose application has failed keeps running and keeps "
    "receiving no traffic, so the group runs below the capacity it reports.",
    remediation="Set the group's health check type to ELB "
    "(aws autoscaling update-auto-scaling-group --health-check-type ELB --health-check-grace-period ...).",
)
def autoscaling_group_elb_health_check_enabled(groups):
    # As above, either a classic load balancer or a target group makes ELB health checks available
    # (AWS Auto Scaling user guide, "Health checks for instances in an Auto Scaling group").
    for group in groups:
        if not _behind_load_balancer(group):
            continue
        kind = group.get("health_check_type") or "EC2"
        if "ELB" in kind.upper():
            yield PASS(group, f"Auto Scaling group {group.id} uses load balancer health checks.")
        else:
            yield FAIL(group, f"Auto Scaling group {group.id} is behind a load balancer but uses {kind} health checks.")


@check(
    id="autoscaling_group_multiple_instance_types",
    title="Auto Scaling group can launch several instance types in several Availability Zones",
    severity="medium",
    resource_type="AwsAutoScalingAutoScalingGroup",
    reads=["autoscaling.groups"],
    risk="A group limited to one instance type cannot launch when that type runs out of capacity in a zone, "
    "and a group in one zone goes down with it.",
    remediation="Use a mixed instances policy with at least two instance types (or attribute-based instance "
    "type selection) and subnets in at least two Availability Zones.",
)
def autoscaling_group_multiple_instance_types(groups):
    # Judged on what the group may launch (its mixed instances policy), not on the instances running at
    # scan time as Prowler does: a group scaled to zero, or one that happens to run one type today, says
    # nothing about whether it can fall back to another type.
    for group in groups:
        zones = sorted(set(group.get("availability_zones") or []))
        types = group.get("mixed_instances_types") or []
        flexible = len(types) >= 2 or bool(group.get("mixed_instances_requirements"))
        what = "attribute-based instance types" if group.get("mixed_instances_requirements") else (
            f"instance types {', '.join(types)}" if types else "a single instance type")  # fmt: skip
        if flexible and len(zones) >= 2:
            yield PASS(group, f"Auto Scaling group {group.id} can launch {what} in {len(zones)} Availability Zones.")
        else:
            yield FAIL(group, f"Auto Scaling group {group.id} can launch {what} in {len(zones)} Availability Zone(s).")


@check(
    id="autoscaling_group_using_ec2_launch_template",
    title="Auto Scaling group launches instances from an EC2 launch template",
    severity="medium",
    resource_type="AwsAutoScalingAutoScalingGroup",
    reads=["autoscaling.groups"],
    risk="Launch configurations are deprecated and cannot use current instance types or features (such as "
    "IMDSv2 defaults, mixed instance policies and versioning) that launch templates offer.",
    remediation="Create a launch template from the launch configuration and switch the group to it.",
)
def autoscaling_group_using_ec2_launch_template(groups):
    for group in groups:
        template = group.get("launch_template") or group.get("mixed_instances_template")
        if template:
            yield PASS(group, f"Auto Scaling group {group.id} launches from EC2 launch template {template}.")
        else:
            yield FAIL(group, f"Auto Scaling group {group.id} does not use an EC2 launch template.")
