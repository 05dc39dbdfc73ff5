"""EC2 storage checks: EBS volumes, snapshots and AMIs, and the region's EBS and snapshot settings."""

from __future__ import annotations

from postureflow.checks.backup import plan_label, selections_by_region, selects as backup_selects
from postureflow.checks._in_use import SCAN_UNUSED, judged, regions_with
from postureflow.checks.base import FAIL, MANUAL, PASS, check


@check(
    id="ec2_ebs_default_encryption",
    service="ec2",
    title="EBS encryption by default is enabled in the region",
    severity="high",
    resource_type="AwsEc2Volume",
    reads=["ec2.ebs_encryption_by_default", "ec2.volumes"],
    config=[SCAN_UNUSED],
    risk="Without encryption by default, any volume or snapshot copy created without the flag stores its data "
    "unencrypted.",
    remediation="Turn on EBS encryption by default in every region (aws ec2 enable-ebs-encryption-by-default), "
    "optionally with a customer managed KMS key.",
)
def ec2_ebs_default_encryption(settings, volumes, config, listed):
    # Like Prowler, only regions with volumes are judged unless unused services are scanned.
    used = regions_with(volumes)
    for setting in settings:
        if not judged(config, setting.region in used, listed.complete("ec2.volumes", setting.region)):
            continue
        if setting.get("enabled"):
            yield PASS(setting, f"EBS encryption by default is enabled in {setting.region}.")
        else:
            yield FAIL(setting, f"EBS encryption by default is disabled in {setting.region}.")


@check(
    id="ec2_ebs_snapshot_account_block_public_access",
    service="ec2",
    title="EBS snapshot block public access blocks all sharing in the region",
    severity="high",
    resource_type="AwsEc2Volume",
    reads=["ec2.snapshot_block_public_access", "ec2.snapshots"],
    config=[SCAN_UNUSED],
    risk="Without block public access, one mistaken permission change publishes a snapshot, and with it a "
    "full copy of the volume's data, to every AWS account.",
    remediation="Enable block public access for EBS snapshots in block-all-sharing mode "
    "(aws ec2 enable-snapshot-block-public-access --state block-all-sharing).",
)
def ec2_ebs_snapshot_account_block_public_access(settings, snapshots, config, listed):
    # Like Prowler, only regions with snapshots of this account are judged unless unused services are scanned.
    used = regions_with(snapshots)
    for setting in settings:
        if not judged(config, setting.region in used, listed.complete("ec2.snapshots", setting.region)):
            continue
        state = setting.get("state")
        if state == "block-all-sharing":
            yield PASS(setting, f"EBS snapshot block public access blocks all public sharing in {setting.region}.")
        elif state == "block-new-sharing":
            yield FAIL(
                setting,
                f"EBS snapshot block public access in {setting.region} blocks only new public sharing; "
                "snapshots already public stay public.",
            )
        else:
            yield FAIL(setting, f"EBS snapshot block public access is off in {setting.region} (state {state}).")


# -- EBS volumes, snapshots and AMIs ---------------------------------------------------------------------


@check(
    id="ec2_ebs_volume_encryption",
    service="ec2",
    title="EBS volume is encrypted",
    severity="high",
    resource_type="AwsEc2Volume",
    reads=["ec2.volumes"],
    risk="Unencrypted volumes and their snapshots expose data to anyone who obtains a copy, and fail most "
    "compliance regimes for data at rest.",
    remediation="Copy the data to an encrypted volume (or restore an encrypted snapshot copy) and turn on EBS "
    "encryption by default in every region.",
)
def ec2_ebs_volume_encryption(volumes):
    for volume in volumes:
        if volume.get("encrypted"):
            yield PASS(volume, f"EBS volume {volume.id} is encrypted.")
        else:
            yield FAIL(volume, f"EBS volume {volume.id} is not encrypted.")


@check(
    id="ec2_ebs_volume_snapshots_exists",
    service="ec2",
    title="EBS volume has at least one snapshot",
    severity="high",
    resource_type="AwsEc2Volume",
    reads=["ec2.volumes", "ec2.snapshots"],
    risk="A volume without any snapshot cannot be restored after deletion, corruption or ransomware.",
    remediation="Take snapshots of the volume on a schedule (Data Lifecycle Manager or AWS Backup).",
)
def ec2_ebs_volume_snapshots_exists(volumes, snapshots):
    counts: dict[tuple[str, str], int] = {}
    for snapshot in snapshots:
        key = (snapshot.region, snapshot.get("volume_id"))
        counts[key] = counts.get(key, 0) + 1
    for volume in volumes:
        found = counts.get((volume.region, volume.id), 0)
        if found:
            yield PASS(volume, f"EBS volume {volume.id} has {found} snapshot(s).")
        else:
            yield FAIL(volume, f"EBS volume {volume.id} has no snapshot.")


@check(
    id="ec2_ebs_volume_protected_by_backup_plan",
    service="ec2",
    title="EBS volume is covered by an AWS Backup plan",
    severity="medium",
    resource_type="AwsEc2Volume",
    reads=["ec2.volumes", "ec2.instances", "backup.selections"],
    risk="A volume no backup plan covers has no scheduled, retained backups to recover from deletion, "
    "corruption or ransomware.",
    remediation="Assign the volume (or the instance it is attached to) to an AWS Backup plan, by ARN or by a tag "
    "the plan's resource selection uses.",
)
def ec2_ebs_volume_protected_by_backup_plan(volumes, instances, selections):
    by_region = selections_by_region(selections)
    instance_of = {(i.region, i.id): i for i in instances}
    for volume in volumes:
        in_region = by_region.get(volume.region, [])
        # An EC2 instance backup includes every EBS volume attached to the instance.
        targets = [volume] + [
            instance_of[(volume.region, i)]
            for i in volume.get("attached_instance_ids") or []
            if (volume.region, i) in instance_of
        ]
        covering = sorted(
            {
                plan_label(s) + ("" if target is volume else f" (via {target.id})")
                for s in in_region
                if s.get("complete")
                for target in targets
                if backup_selects(s, target.uid, target.tags)
            }
        )
        if covering:
            yield PASS(volume, f"EBS volume {volume.id} is covered by AWS Backup plan(s) {', '.join(covering)}.")
        elif any(not s.get("complete") for s in in_region):
            yield MANUAL(
                volume,
                f"EBS volume {volume.id} is not covered by any readable backup selection, and some backup "
                "selections in the region could not be read.",
            )
        else:
            yield FAIL(volume, f"EBS volume {volume.id} is not covered by any AWS Backup plan.")


@check(
    id="ec2_ebs_public_snapshot",
    service="ec2",
    title="EBS snapshot is not public",
    severity="critical",
    resource_type="AwsEc2Volume",
    reads=["ec2.snapshots"],
    risk="Any AWS account can create a volume from a public snapshot and read all the data it holds.",
    remediation="Remove the public create-volume permission (aws ec2 modify-snapshot-attribute --attribute "
    "createVolumePermission --operation-type remove --group-names all) and enable snapshot block public access.",
)
def ec2_ebs_public_snapshot(snapshots):
    for snapshot in snapshots:
        if snapshot.get("public"):
            yield FAIL(snapshot, f"EBS snapshot {snapshot.id} can be used by any AWS account to create a volume.")
        else:
            yield PASS(snapshot, f"EBS snapshot {snapshot.id} is not public.")


@check(
    id="ec2_ebs_snapshots_encrypted",
    service="ec2",
    title="EBS snapshot is encrypted",
    severity="high",
    resource_type="AwsEc2Volume",
    reads=["ec2.snapshots"],
    risk="An unencrypted snapshot holds the volume's data in the clear; copied or shared, it carries that data along.",
    remediation="Copy the snapshot with encryption enabled (aws ec2 copy-snapshot --encrypted), delete the "
    "unencrypted original and encrypt the source volume.",
)
def ec2_ebs_snapshots_encrypted(snapshots):
    for snapshot in snapshots:
        if snapshot.get("encrypted"):
            yield PASS(snapshot, f"EBS snapshot {snapshot.id} is encrypted.")
        else:
            yield FAIL(snapshot, f"EBS snapshot {snapshot.id} is not encrypted.")


@check(
    id="ec2_ami_public",
    service="ec2",
    title="AMI owned by the account is not public",
    severity="critical",
    resource_type="Other",
    reads=["ec2.images"],
    risk="A public AMI lets any AWS account launch a copy of the image, with whatever code, configuration and "
    "credentials were baked into it.",
    remediation="Make the image private (aws ec2 modify-image-attribute --launch-permission "
    '"Remove=[{Group=all}]") and share it only with named accounts; enable image block public access.',
)
def ec2_ami_public(images):
    for image in images:
        label = f"{image.get('name')} ({image.id})" if image.get("name") else image.id
        if image.get("public"):
            yield FAIL(image, f"AMI {label} is public: any AWS account can launch it.")
        else:
            yield PASS(image, f"AMI {label} is private.")


@check(
    id="ec2_ami_account_block_public_access",
    service="ec2",
    title="AMI block public access is enabled in the region",
    severity="medium",
    resource_type="Other",
    reads=["ec2.image_block_public_access"],
    risk="Without block public access, one mistaken launch-permission change publishes an AMI, and with it "
    "the software, configuration and any data baked into it, to every AWS account.",
    remediation="Enable block public access for AMIs (aws ec2 enable-image-block-public-access "
    "--image-block-public-access-state block-new-sharing) in every region.",
)
def ec2_ami_account_block_public_access(settings):
    for setting in settings:
        state = setting.get("state")
        if state == "block-new-sharing":
            yield PASS(setting, f"AMI block public access is enabled in {setting.region}.")
        else:
            yield FAIL(setting, f"AMI block public access is off in {setting.region} (state {state}).")
