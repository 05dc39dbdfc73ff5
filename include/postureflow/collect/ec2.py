"""EC2: instances, EBS volumes, security groups, network ACLs and the region's EBS default encryption.

VPC-level facts (VPCs, subnets, route tables, flow logs, peering) belong to the
``vpc`` collector; EC2 checks that need them read ``vpc.<kind>``.
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector

# States in which an instance no longer exists as far as a posture check is concerned.
GONE_STATES = {"terminated"}


@collector("ec2")
def collect_ec2(scope: RegionScope) -> None:
    ec2 = scope.client("ec2")
    _collect_ebs_default(scope, ec2)
    _collect_instances(scope, ec2)
    _collect_volumes(scope, ec2)
    _collect_security_groups(scope, ec2)
    _collect_network_acls(scope, ec2)


def _collect_ebs_default(scope: RegionScope, ec2) -> None:
    answer = scope.call(ec2, "get_ebs_encryption_by_default")
    if answer is None:
        return
    scope.add(
        "ebs_encryption_by_default",
        uid=scope.arn("ec2", "ebs-encryption-by-default"),
        id="ebs-encryption-by-default",
        enabled=bool(answer.get("EbsEncryptionByDefault")),
    )


def _collect_instances(scope: RegionScope, ec2) -> None:
    for reservation in scope.paginate(ec2, "describe_instances", "Reservations"):
        for instance in reservation.get("Instances", []):
            state = (instance.get("State") or {}).get("Name")
            if state in GONE_STATES:
                continue
            instance_id = instance["InstanceId"]
            metadata = instance.get("MetadataOptions") or {}
            cpu = instance.get("CpuOptions") or {}
            # User data is never read: DescribeInstances does not return it and nothing here asks for it.
            scope.add(
                "instances",
                uid=scope.arn("ec2", f"instance/{instance_id}"),
                id=instance_id,
                tags=instance.get("Tags"),
                state=state,
                instance_type=instance.get("InstanceType"),
                image_id=instance.get("ImageId"),
                launch_time=instance.get("LaunchTime"),
                vpc_id=instance.get("VpcId"),
                subnet_id=instance.get("SubnetId"),
                public_ip=instance.get("PublicIpAddress"),
                private_ip=instance.get("PrivateIpAddress"),
                security_group_ids=_security_group_ids(instance),
                instance_profile_arn=(instance.get("IamInstanceProfile") or {}).get("Arn"),
                http_tokens=metadata.get("HttpTokens"),
                http_endpoint=metadata.get("HttpEndpoint"),
                enclaves_enabled=bool((instance.get("EnclaveOptions") or {}).get("Enabled")),
                amd_sev_snp=cpu.get("AmdSevSnp"),
            )


def _collect_volumes(scope: RegionScope, ec2) -> None:
    for volume in scope.paginate(ec2, "describe_volumes", "Volumes"):
        volume_id = volume["VolumeId"]
        scope.add(
            "volumes",
            uid=scope.arn("ec2", f"volume/{volume_id}"),
            id=volume_id,
            tags=volume.get("Tags"),
            state=volume.get("State"),
            encrypted=bool(volume.get("Encrypted")),
            kms_key_id=volume.get("KmsKeyId"),
            size_gib=volume.get("Size"),
            volume_type=volume.get("VolumeType"),
            attached_instance_ids=[a["InstanceId"] for a in volume.get("Attachments", []) if a.get("InstanceId")],
        )


def _collect_security_groups(scope: RegionScope, ec2) -> None:
    for group in scope.paginate(ec2, "describe_security_groups", "SecurityGroups"):
        group_id = group["GroupId"]
        scope.add(
            "security_groups",
            uid=scope.arn("ec2", f"security-group/{group_id}"),
            id=group_id,
            tags=group.get("Tags"),
            name=group.get("GroupName"),
            vpc_id=group.get("VpcId"),
            ingress_rules=group.get("IpPermissions", []),
            egress_rules=group.get("IpPermissionsEgress", []),
        )


def _collect_network_acls(scope: RegionScope, ec2) -> None:
    for acl in scope.paginate(ec2, "describe_network_acls", "NetworkAcls"):
        acl_id = acl["NetworkAclId"]
        scope.add(
            "network_acls",
            uid=scope.arn("ec2", f"network-acl/{acl_id}"),
            id=acl_id,
            tags=acl.get("Tags"),
            vpc_id=acl.get("VpcId"),
            is_default=bool(acl.get("IsDefault")),
            entries=[
                {
                    "rule_number": e.get("RuleNumber"),
                    "egress": bool(e.get("Egress")),
                    "protocol": str(e.get("Protocol")),
                    "action": e.get("RuleAction"),
                    "cidr": e.get("CidrBlock"),
                    "ipv6_cidr": e.get("Ipv6CidrBlock"),
                    "from_port": (e.get("PortRange") or {}).get("From"),
                    "to_port": (e.get("PortRange") or {}).get("To"),
                }
                for e in acl.get("Entries", [])
            ],
            subnet_ids=[a["SubnetId"] for a in acl.get("Associations", []) if a.get("SubnetId")],
        )


def _security_group_ids(instance: dict) -> list[str]:
    """Groups of the instance and of every network interface attached to it, in first-seen order."""
    groups = list(instance.get("SecurityGroups") or [])
    for interface in instance.get("NetworkInterfaces") or []:
        groups.extend(interface.get("Groups") or [])
    return list(dict.fromkeys(g["GroupId"] for g in groups if g.get("GroupId")))
