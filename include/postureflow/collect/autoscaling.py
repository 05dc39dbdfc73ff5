"""EC2 Auto Scaling: groups and launch configurations.

Calls per region: DescribeAutoScalingGroups and DescribeLaunchConfigurations (both paginated; a failed
listing marks its kind incomplete, so its checks give no verdict in the region).

Launch configuration user data is decoded and scanned here for secret-looking lines;
only line numbers and the kind of secret are stored, never the user data.
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector
from postureflow.secrets import decode_user_data, scan_text


@collector("autoscaling")
def collect_autoscaling(scope: RegionScope) -> None:
    client = scope.client("autoscaling")
    configs = scope.list(client, "describe_launch_configurations", "LaunchConfigurations", kind="launch_configurations")
    for config in configs.or_else([]):
        metadata = config.get("MetadataOptions") or {}
        user_data = decode_user_data(config.get("UserData"))
        scope.add(
            "launch_configurations",
            uid=config.get("LaunchConfigurationARN") or scope.arn("autoscaling", config["LaunchConfigurationName"]),
            id=config["LaunchConfigurationName"],
            associate_public_ip=config.get("AssociatePublicIpAddress"),
            http_tokens=metadata.get("HttpTokens"),
            http_endpoint=metadata.get("HttpEndpoint"),
            has_user_data=bool(user_data.strip()),
            # Only line numbers and kinds of secret-looking lines; the user data never leaves this function.
            user_data_secrets=scan_text(user_data),
        )
    for group in scope.list(client, "describe_auto_scaling_groups", "AutoScalingGroups", kind="groups").or_else([]):
        template = group.get("LaunchTemplate") or {}
        mixed = (group.get("MixedInstancesPolicy") or {}).get("LaunchTemplate") or {}
        overrides = mixed.get("Overrides") or []
        scope.add(
            "groups",
            uid=group["AutoScalingGroupARN"],
            id=group["AutoScalingGroupName"],
            tags=group.get("Tags"),
            availability_zones=group.get("AvailabilityZones") or [],
            launch_configuration_name=group.get("LaunchConfigurationName"),
            launch_template=template.get("LaunchTemplateName") or template.get("LaunchTemplateId"),
            mixed_instances_template=(mixed.get("LaunchTemplateSpecification") or {}).get("LaunchTemplateName"),
            mixed_instances_types=sorted({o["InstanceType"] for o in overrides if o.get("InstanceType")}),
            mixed_instances_requirements=any(o.get("InstanceRequirements") for o in overrides),
            capacity_rebalance=bool(group.get("CapacityRebalance")),
            health_check_type=group.get("HealthCheckType"),
            load_balancer_names=group.get("LoadBalancerNames") or [],
            target_group_arns=group.get("TargetGroupARNs") or [],
        )
