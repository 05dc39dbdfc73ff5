"""EFS checks."""

from __future__ import annotations

from postureflow import policy as _policy
from postureflow.checks.base import FAIL, PASS, check, no_verdict


@check(
    id="efs_encryption_at_rest_enabled",
    title="EFS file system is encrypted at rest",
    severity="medium",
    resource_type="AwsEfsFileSystem",
    reads=["efs.file_systems"],
    risk="Files on an unencrypted file system, and in its backups, are readable by anyone who gets the storage.",
    remediation="Encryption is chosen at creation: create an encrypted file system and copy the data across "
    "(for example with AWS DataSync), then retire the old one.",
)
def efs_encryption_at_rest_enabled(file_systems):
    for fs in file_systems:
        name = f"{fs.id} ({fs.get('name')})" if fs.get("name") else fs.id
        if fs.get("encrypted"):
            yield PASS(fs, f"EFS file system {name} is encrypted at rest.")
        else:
            yield FAIL(fs, f"EFS file system {name} is not encrypted at rest.")


# -- checks added for issue 12 --------------------------------------------------------------------------


def _label(fs) -> str:
    return f"EFS file system {fs.id} ({fs.get('name')})" if fs.get("name") else f"EFS file system {fs.id}"


@check(
    id="efs_have_backup_enabled",
    title="EFS file system has automatic backups enabled",
    severity="medium",
    resource_type="AwsEfsFileSystem",
    reads=["efs.file_systems"],
    risk="Without automatic backups, files deleted or encrypted by mistake or by ransomware cannot be restored.",
    remediation="Turn on automatic backups (aws efs put-backup-policy --backup-policy Status=ENABLED).",
)
def efs_have_backup_enabled(file_systems):
    for fs in file_systems:
        status = fs.get("backup_policy")
        if status in ("ENABLED", "ENABLING"):
            yield PASS(fs, f"{_label(fs)} has automatic backups enabled.")
        else:
            yield FAIL(fs, f"{_label(fs)} does not have automatic backups enabled.")


@check(
    id="efs_multi_az_enabled",
    title="EFS file system stores data in multiple Availability Zones and is reachable from more than one",
    severity="medium",
    resource_type="AwsEfsFileSystem",
    reads=["efs.file_systems"],
    risk="A One Zone file system, or one with a single mount target, becomes unavailable (or loses data) when "
    "that zone fails.",
    remediation="Use a Regional file system with mount targets in at least two Availability Zones.",
)
def efs_multi_az_enabled(file_systems):
    for fs in file_systems:
        if fs.get("availability_zone_id"):
            yield FAIL(fs, f"{_label(fs)} is a One Zone file system.")
            continue
        targets = fs.get("mount_targets") or []
        if len(targets) > 1:
            yield PASS(fs, f"{_label(fs)} is Regional with {len(targets)} mount targets.")
        else:
            yield FAIL(fs, f"{_label(fs)} is Regional but has {len(targets)} mount target(s).")


@check(
    id="efs_mount_target_not_publicly_accessible",
    title="EFS file system has no mount target in a public subnet",
    severity="medium",
    resource_type="AwsEfsFileSystem",
    reads=["efs.file_systems", "vpc.subnets"],
    risk="A mount target in a subnet that routes to an internet gateway can be reached from the internet "
    "wherever its security group lets NFS in.",
    remediation="Delete the mount targets in public subnets and create them in private subnets.",
)
def efs_mount_target_not_publicly_accessible(file_systems, subnets):
    known = {(s.region, s.id): s for s in subnets}
    for fs in file_systems:
        targets = fs.get("mount_targets") or []
        missing = [t["subnet_id"] for t in targets if (fs.region, t["subnet_id"]) not in known]
        if missing:
            yield no_verdict(FAIL(fs, ""), [f"subnet(s) {', '.join(missing)} (not in the inventory)"])
            continue
        public = [t["id"] for t in targets if known[(fs.region, t["subnet_id"])].get("public")]
        if public:
            yield FAIL(fs, f"{_label(fs)} has mount targets in public subnets: {', '.join(public)}.")
        else:
            yield PASS(fs, f"{_label(fs)} has no mount target in a public subnet.")


def _requires_mount_target(statement: dict) -> bool:
    """The statement only applies to clients that come through a mount target."""
    for operator, block in (statement.get("Condition") or {}).items():
        if str(operator).lower() == "bool" and isinstance(block, dict):
            for key, value in block.items():
                if str(key).lower() == "elasticfilesystem:accessedviamounttarget" and str(value).lower() == "true":
                    return True
    return False


@check(
    id="efs_not_publicly_accessible",
    title="EFS file system policy does not open the file system to everyone",
    severity="medium",
    resource_type="AwsEfsFileSystem",
    reads=["efs.file_systems"],
    risk="Without a file system policy any NFS client that reaches a mount target gets full access; a policy "
    "open to '*' without requiring access through a mount target lets any principal in.",
    remediation="Add a file system policy that names the principals allowed, or requires "
    "elasticfilesystem:AccessedViaMountTarget together with IAM authorization.",
)
def efs_not_publicly_accessible(file_systems):
    for fs in file_systems:
        document = fs.get("policy")
        if not _policy.parseable(document):
            yield no_verdict(FAIL(fs, ""), ["its policy (not a JSON policy document)"])
        elif not document:
            yield FAIL(fs, f"{_label(fs)} has no file system policy: every client that reaches a mount target has "
                       "full access.")  # fmt: skip
        elif [s for s in _policy.public_statements(document) if not _requires_mount_target(s)]:
            yield FAIL(fs, f"{_label(fs)} has a policy that lets any principal in without a mount target.")
        else:
            yield PASS(fs, f"{_label(fs)} has a policy that does not open it to everyone.")


def _judge_access_points(file_systems, wrong, what: str):
    for fs in file_systems:
        points = fs.get("access_points") or []
        if not points and fs.readable("access_points"):
            continue  # no access point: nothing to judge (like Prowler)
        bad = [p["id"] for p in points if wrong(p)]
        if bad:
            yield FAIL(fs, f"{_label(fs)} has access points {what}: {', '.join(bad)}.")
        else:
            yield PASS(fs, f"{_label(fs)} has no access point {what}.")


@check(
    id="efs_access_point_enforce_root_directory",
    title="EFS access points confine clients to a directory below the root",
    severity="medium",
    resource_type="AwsEfsAccessPoint",
    reads=["efs.file_systems"],
    risk="An access point rooted at '/' gives every application that uses it the whole file system instead of "
    "its own directory.",
    remediation="Create access points with a RootDirectory path for each application and retire the ones at '/'.",
)
def efs_access_point_enforce_root_directory(file_systems):
    yield from _judge_access_points(file_systems, lambda p: p["root_directory"] == "/", "rooted at '/'")


@check(
    id="efs_access_point_enforce_user_identity",
    title="EFS access points enforce a POSIX user identity",
    severity="medium",
    resource_type="AwsEfsAccessPoint",
    reads=["efs.file_systems"],
    risk="Without an enforced POSIX user, clients act with whatever user and group ids they claim, including root.",
    remediation="Create access points with a PosixUser (uid, gid) and move clients to them.",
)
def efs_access_point_enforce_user_identity(file_systems):
    yield from _judge_access_points(file_systems, lambda p: not p["posix_user"], "without a POSIX user")
