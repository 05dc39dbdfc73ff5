"""EC2: instances, EBS, AMIs, addresses, launch templates, security groups, ACLs and account settings.

VPC-level facts (VPCs, subnets, route tables, flow logs, peering, endpoints,
VPN connections) belong to the ``vpc`` collector; EC2 checks that need them
read ``vpc.<kind>``.

Per region: DescribeInstances, DescribeVolumes, DescribeSnapshots (own),
DescribeImages (own), DescribeImages of the AMIs instances run (filtered by image id, one call per
200 ids, deprecated ones included), DescribeAddresses, DescribeLaunchTemplates,
DescribeNetworkInterfaces, DescribeSecurityGroups, DescribeNetworkAcls,
DescribeTransitGateways, DescribeClientVpnEndpoints, GetEbsEncryptionByDefault,
GetSnapshotBlockPublicAccessState, GetImageBlockPublicAccessState, GetInstanceMetadataDefaults and
ssm:DescribeInstanceInformation (which instances Systems Manager manages).
Per resource, through ``scope.each``: DescribeInstanceAttribute(userData) per
instance, DescribeSnapshotAttribute(createVolumePermission) per own snapshot and
DescribeLaunchTemplateVersions per launch template.

User data (instances and launch template versions) is decoded in memory and
scanned for secret-looking lines; only line numbers and secret types are kept.

Every listing names its inventory kind, so a failed listing gives the checks reading that kind
no verdict in the region; every per-resource read is stored as an Outcome, so an unread field
is named in ``_unread`` and any verdict resting on it becomes "no verdict".
"""

from __future__ import annotations

from postureflow.collect.base import OK, Outcome, RegionScope, collector
from postureflow.secrets import decode_user_data, scan_text

# States in which an instance no longer exists as far as a posture check is concerned.
GONE_STATES = {"terminated"}
GONE_TRANSIT_GATEWAY_STATES = {"deleted", "deleting"}
GONE_CLIENT_VPN_STATES = {"deleted", "deleting"}


@collector("ec2")
def collect_ec2(scope: RegionScope) -> None:
    ec2 = scope.client("ec2")
    _collect_account_settings(scope, ec2)
    _collect_instances(scope, ec2)
    _collect_volumes(scope, ec2)
    _collect_snapshots(scope, ec2)
    _collect_images(scope, ec2)
    _collect_addresses(scope, ec2)
    _collect_launch_templates(scope, ec2)
    _collect_network_interfaces(scope, ec2)
    _collect_security_groups(scope, ec2)
    _collect_network_acls(scope, ec2)
    _collect_transit_gateways(scope, ec2)
    _collect_client_vpn_endpoints(scope, ec2)


# -- per-region settings --------------------------------------------------------------------------
# One record per region whatever the answer: a setting that could not be read is recorded unread,
# so its checks show "no verdict" instead of nothing.


def _collect_account_settings(scope: RegionScope, ec2) -> None:
    answer = scope.fetch(ec2, "get_ebs_encryption_by_default")
    scope.add(
        "ebs_encryption_by_default",
        uid=scope.arn("ec2", "ebs-encryption-by-default"),
        id="ebs-encryption-by-default",
        enabled=answer.map(lambda a: bool(a.get("EbsEncryptionByDefault"))),
    )
    answer = scope.fetch(ec2, "get_snapshot_block_public_access_state")
    scope.add(
        "snapshot_block_public_access",
        uid=scope.arn("ec2", "snapshot-block-public-access"),
        id="snapshot-block-public-access",
        state=answer.get("State"),
    )
    answer = scope.fetch(ec2, "get_image_block_public_access_state")
    scope.add(
        "image_block_public_access",
        uid=scope.arn("ec2", "image-block-public-access"),
        id="image-block-public-access",
        state=answer.get("ImageBlockPublicAccessState"),
    )
    defaults = scope.fetch(ec2, "get_instance_metadata_defaults").map(lambda a: a.get("AccountLevel") or {})
    scope.add(
        "instance_metadata_defaults",
        uid=scope.arn("ec2", "instance-metadata-defaults"),
        id="instance-metadata-defaults",
        http_tokens=defaults.get("HttpTokens"),
        http_endpoint=defaults.get("HttpEndpoint"),
    )


# -- instances ------------------------------------------------------------------------------------


def _collect_instances(scope: RegionScope, ec2) -> None:
    listed = scope.list(ec2, "describe_instances", "Reservations", kind="instances")
    instances = [
        instance
        for reservation in listed.or_else([])
        for instance in reservation.get("Instances", [])
        if (instance.get("State") or {}).get("Name") not in GONE_STATES
    ]
    if not instances:
        return
    managed = _ssm_managed_instance_ids(scope)
    amis = _instance_amis(scope, ec2, instances)
    user_data = scope.each(instances, lambda i: _user_data_findings(scope, ec2, i["InstanceId"]))
    for instance, secrets in zip(instances, user_data, strict=True):
        instance_id = instance["InstanceId"]
        metadata = instance.get("MetadataOptions") or {}
        cpu = instance.get("CpuOptions") or {}
        scope.add(
            "instances",
            uid=scope.arn("ec2", f"instance/{instance_id}"),
            id=instance_id,
            tags=instance.get("Tags"),
            state=(instance.get("State") or {}).get("Name"),
            state_reason=(instance.get("StateTransitionReason") or None),
            instance_type=instance.get("InstanceType"),
            image_id=instance.get("ImageId"),
            launch_time=instance.get("LaunchTime"),
            virtualization_type=instance.get("VirtualizationType"),
            vpc_id=instance.get("VpcId"),
            subnet_id=instance.get("SubnetId"),
            public_ip=instance.get("PublicIpAddress"),
            private_ip=instance.get("PrivateIpAddress"),
            security_group_ids=_security_group_ids(instance),
            network_interfaces=[
                {"id": n.get("NetworkInterfaceId"), "type": n.get("InterfaceType") or "interface"}
                for n in instance.get("NetworkInterfaces") or []
            ],
            instance_profile_arn=(instance.get("IamInstanceProfile") or {}).get("Arn"),
            http_tokens=metadata.get("HttpTokens"),
            http_endpoint=metadata.get("HttpEndpoint"),
            enclaves_enabled=bool((instance.get("EnclaveOptions") or {}).get("Enabled")),
            amd_sev_snp=cpu.get("AmdSevSnp"),
            monitoring=(instance.get("Monitoring") or {}).get("State"),
            ssm_managed=managed.map(lambda ids, i=instance_id: i in ids),
            user_data=secrets,
            ami=amis.get(instance.get("ImageId"), Outcome(OK, None)),
        )


# Filter values per DescribeImages call (EC2 accepts at most 200 values in one filter).
IMAGE_FILTER_BATCH = 200


def _instance_amis(scope: RegionScope, ec2, instances: list[dict]) -> dict[str, Outcome]:
    """image id -> the AMI's owner and deprecation time (None when AWS no longer shows it), whoever owns it.

    Filtered by image-id rather than ImageIds, which fails the whole call when one AMI is gone;
    IncludeDeprecated, because a filtered listing leaves deprecated AMIs out otherwise."""
    image_ids = sorted({i["ImageId"] for i in instances if i.get("ImageId")})
    amis: dict[str, Outcome] = {}
    for start in range(0, len(image_ids), IMAGE_FILTER_BATCH):
        batch = image_ids[start : start + IMAGE_FILTER_BATCH]
        listed = scope.list(
            ec2, "describe_images", "Images", IncludeDeprecated=True, Filters=[{"Name": "image-id", "Values": batch}]
        ).map(lambda images: {image["ImageId"]: _ami(image) for image in images})
        for image_id in batch:
            amis[image_id] = listed.map(lambda found, i=image_id: found.get(i))
    return amis


def _ami(image: dict) -> dict:
    return {
        "owner_id": image.get("OwnerId"),
        "owner_alias": image.get("ImageOwnerAlias"),
        "deprecation_time": image.get("DeprecationTime"),
    }


def _ssm_managed_instance_ids(scope: RegionScope) -> Outcome:
    """The ids of the instances Systems Manager knows about in this region."""
    ssm = scope.client("ssm")
    listed = scope.list(ssm, "describe_instance_information", "InstanceInformationList")
    return listed.map(lambda items: {i["InstanceId"] for i in items if i.get("InstanceId")})


def _user_data_findings(scope: RegionScope, ec2, instance_id: str) -> Outcome:
    """Whether the instance has user data and which of its lines look secret."""
    answer = scope.fetch(ec2, "describe_instance_attribute", InstanceId=instance_id, Attribute="userData")
    return answer.map(lambda a: _scan_user_data((a.get("UserData") or {}).get("Value")))


def _scan_user_data(raw: str | None) -> dict:
    text = decode_user_data(raw)
    return {"present": bool(text.strip()), "secrets": scan_text(text)}


def _security_group_ids(instance: dict) -> list[str]:
    """Groups of the instance and of every network interface attached to it, in first-seen order."""
    groups = list(instance.get("SecurityGroups") or [])
    for interface in instance.get("NetworkInterfaces") or []:
        groups.extend(interface.get("Groups") or [])
    return list(dict.fromkeys(g["GroupId"] for g in groups if g.get("GroupId")))


# -- EBS and AMIs ---------------------------------------------------------------------------------


def _collect_volumes(scope: RegionScope, ec2) -> None:
    for volume in scope.list(ec2, "describe_volumes", "Volumes", kind="volumes").or_else([]):
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


def _collect_snapshots(scope: RegionScope, ec2) -> None:
    # OwnerIds=self already limits the answer to this account; the owner test guards against
    # endpoints (moto) that ignore it and would otherwise cost one attribute call per public snapshot.
    listed = scope.list(ec2, "describe_snapshots", "Snapshots", kind="snapshots", OwnerIds=["self"])
    snapshots = [s for s in listed.or_else([]) if s.get("OwnerId") in (None, scope.account_id)]
    public = scope.each(snapshots, lambda s: _snapshot_is_public(scope, ec2, s["SnapshotId"]))
    for snapshot, is_public in zip(snapshots, public, strict=True):
        snapshot_id = snapshot["SnapshotId"]
        scope.add(
            "snapshots",
            uid=scope.arn("ec2", f"snapshot/{snapshot_id}", account=""),
            id=snapshot_id,
            tags=snapshot.get("Tags"),
            volume_id=snapshot.get("VolumeId"),
            state=snapshot.get("State"),
            encrypted=bool(snapshot.get("Encrypted")),
            start_time=snapshot.get("StartTime"),
            public=is_public,
        )


def _snapshot_is_public(scope: RegionScope, ec2, snapshot_id: str) -> Outcome:
    answer = scope.fetch(
        ec2, "describe_snapshot_attribute", SnapshotId=snapshot_id, Attribute="createVolumePermission"
    )
    return answer.map(lambda a: any(p.get("Group") == "all" for p in a.get("CreateVolumePermissions") or []))


def _collect_images(scope: RegionScope, ec2) -> None:
    for image in scope.list(ec2, "describe_images", "Images", kind="images", Owners=["self"]).or_else([]):
        image_id = image["ImageId"]
        scope.add(
            "images",
            uid=scope.arn("ec2", f"image/{image_id}", account=""),
            id=image_id,
            tags=image.get("Tags"),
            name=image.get("Name"),
            state=image.get("State"),
            public=bool(image.get("Public")),
        )


# -- addresses, launch templates, network interfaces -----------------------------------------------


def _collect_addresses(scope: RegionScope, ec2) -> None:
    for address in scope.list(ec2, "describe_addresses", "Addresses", kind="addresses").or_else([]):
        allocation = address.get("AllocationId") or address.get("PublicIp")
        scope.add(
            "addresses",
            uid=scope.arn("ec2", f"eip-allocation/{allocation}"),
            id=allocation,
            tags=address.get("Tags"),
            public_ip=address.get("PublicIp"),
            association_id=address.get("AssociationId") or None,
            instance_id=address.get("InstanceId") or None,
            network_interface_id=address.get("NetworkInterfaceId") or None,
        )


def _collect_launch_templates(scope: RegionScope, ec2) -> None:
    templates = scope.list(ec2, "describe_launch_templates", "LaunchTemplates", kind="launch_templates").or_else([])
    versions = scope.each(
        templates,
        lambda t: scope.list(
            ec2, "describe_launch_template_versions", "LaunchTemplateVersions", LaunchTemplateId=t["LaunchTemplateId"]
        ),
    )
    for template, template_versions in zip(templates, versions, strict=True):
        template_id = template["LaunchTemplateId"]
        scope.add(
            "launch_templates",
            uid=scope.arn("ec2", f"launch-template/{template_id}"),
            id=template_id,
            tags=template.get("Tags"),
            name=template.get("LaunchTemplateName"),
            default_version=template.get("DefaultVersionNumber"),
            latest_version=template.get("LatestVersionNumber"),
            versions=template_versions.map(
                lambda listed: sorted((_template_version(v) for v in listed), key=lambda v: v["number"] or 0)
            ),
        )


def _template_version(version: dict) -> dict:
    data = version.get("LaunchTemplateData") or {}
    metadata = data.get("MetadataOptions") or {}
    interfaces = data.get("NetworkInterfaces") or []
    return {
        "number": version.get("VersionNumber"),
        "default": bool(version.get("DefaultVersion")),
        "associate_public_ip": any(bool(n.get("AssociatePublicIpAddress")) for n in interfaces),
        "network_interface_ids": [n["NetworkInterfaceId"] for n in interfaces if n.get("NetworkInterfaceId")],
        "http_tokens": metadata.get("HttpTokens"),
        "http_endpoint": metadata.get("HttpEndpoint"),
        "user_data": _scan_user_data(data.get("UserData")),
    }


def _collect_network_interfaces(scope: RegionScope, ec2) -> None:
    listed = scope.list(ec2, "describe_network_interfaces", "NetworkInterfaces", kind="network_interfaces")
    for interface in listed.or_else([]):
        interface_id = interface["NetworkInterfaceId"]
        attachment = interface.get("Attachment") or {}
        scope.add(
            "network_interfaces",
            uid=scope.arn("ec2", f"network-interface/{interface_id}"),
            id=interface_id,
            tags=interface.get("TagSet"),
            type=interface.get("InterfaceType") or "interface",
            status=interface.get("Status"),
            vpc_id=interface.get("VpcId"),
            subnet_id=interface.get("SubnetId"),
            group_ids=[g["GroupId"] for g in interface.get("Groups") or [] if g.get("GroupId")],
            instance_id=attachment.get("InstanceId"),
            instance_owner_id=attachment.get("InstanceOwnerId"),
            requester_managed=bool(interface.get("RequesterManaged")),
            public_ip=(interface.get("Association") or {}).get("PublicIp"),
            ipv6_addresses=[a["Ipv6Address"] for a in interface.get("Ipv6Addresses") or [] if a.get("Ipv6Address")],
        )


# -- security groups and network ACLs -------------------------------------------------------------


def _collect_security_groups(scope: RegionScope, ec2) -> None:
    listed = scope.list(ec2, "describe_security_groups", "SecurityGroups", kind="security_groups")
    for group in listed.or_else([]):
        group_id = group["GroupId"]
        scope.add(
            "security_groups",
            uid=scope.arn("ec2", f"security-group/{group_id}"),
            id=group_id,
            tags=group.get("Tags"),
            name=group.get("GroupName"),
            description=group.get("Description"),
            vpc_id=group.get("VpcId"),
            ingress_rules=group.get("IpPermissions", []),
            egress_rules=group.get("IpPermissionsEgress", []),
        )


def _collect_network_acls(scope: RegionScope, ec2) -> None:
    for acl in scope.list(ec2, "describe_network_acls", "NetworkAcls", kind="network_acls").or_else([]):
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


# -- transit gateways and Client VPN ----------------------------------------------------------------


def _collect_transit_gateways(scope: RegionScope, ec2) -> None:
    listed = scope.list(ec2, "describe_transit_gateways", "TransitGateways", kind="transit_gateways")
    for gateway in listed.or_else([]):
        if gateway.get("State") in GONE_TRANSIT_GATEWAY_STATES:
            continue
        if gateway.get("OwnerId") not in (None, scope.account_id):
            continue  # shared with this account through RAM; its settings are the owner's to judge
        gateway_id = gateway["TransitGatewayId"]
        options = gateway.get("Options") or {}
        scope.add(
            "transit_gateways",
            uid=gateway.get("TransitGatewayArn") or scope.arn("ec2", f"transit-gateway/{gateway_id}"),
            id=gateway_id,
            tags=gateway.get("Tags"),
            state=gateway.get("State"),
            auto_accept_shared_attachments=options.get("AutoAcceptSharedAttachments"),
        )


def _collect_client_vpn_endpoints(scope: RegionScope, ec2) -> None:
    listed = scope.list(ec2, "describe_client_vpn_endpoints", "ClientVpnEndpoints", kind="client_vpn_endpoints")
    for endpoint in listed.or_else([]):
        status = (endpoint.get("Status") or {}).get("Code")
        if status in GONE_CLIENT_VPN_STATES:
            continue
        endpoint_id = endpoint["ClientVpnEndpointId"]
        logging = endpoint.get("ConnectionLogOptions") or {}
        scope.add(
            "client_vpn_endpoints",
            uid=scope.arn("ec2", f"client-vpn-endpoint/{endpoint_id}"),
            id=endpoint_id,
            tags=endpoint.get("Tags"),
            status=status,
            connection_logging=bool(logging.get("Enabled")),
            log_group=logging.get("CloudwatchLogGroup"),
        )
