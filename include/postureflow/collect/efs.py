"""EFS: file systems with their backup policy, file system policy, mount targets and access points.

Calls per region: DescribeFileSystems and DescribeAccessPoints (all pages); per file
system DescribeBackupPolicy, DescribeFileSystemPolicy and DescribeMountTargets.
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector

NO_POLICY = ("PolicyNotFound",)
GONE = ("FileSystemNotFound",)


@collector("efs")
def collect_efs(scope: RegionScope) -> None:
    efs = scope.client("efs")
    listing = scope.list(efs, "describe_file_systems", "FileSystems", kind="file_systems")
    points = scope.list(efs, "describe_access_points", "AccessPoints").map(
        lambda found: [
            {
                "id": p.get("AccessPointId"),
                "file_system_id": p.get("FileSystemId"),
                "root_directory": (p.get("RootDirectory") or {}).get("Path") or "/",
                "posix_user": bool(p.get("PosixUser")),
            }
            for p in found
        ]
    )
    scope.each(listing.value or [], lambda fs: _collect_file_system(scope, efs, fs, points))


def _collect_file_system(scope: RegionScope, efs, fs: dict, points) -> None:
    fs_id = fs["FileSystemId"]
    backup = scope.fetch(efs, "describe_backup_policy", absent=NO_POLICY + GONE, FileSystemId=fs_id)
    policy = scope.fetch(efs, "describe_file_system_policy", absent=NO_POLICY + GONE, FileSystemId=fs_id)
    targets = scope.list(efs, "describe_mount_targets", "MountTargets", absent=GONE, FileSystemId=fs_id)
    scope.add(
        "file_systems",
        uid=fs.get("FileSystemArn") or scope.arn("elasticfilesystem", f"file-system/{fs_id}"),
        id=fs_id,
        tags=fs.get("Tags", []),
        name=fs.get("Name"),
        encrypted=bool(fs.get("Encrypted")),
        kms_key_id=fs.get("KmsKeyId"),
        life_cycle_state=fs.get("LifeCycleState"),
        # set for a One Zone file system
        availability_zone_id=fs.get("AvailabilityZoneId"),
        # ENABLED, ENABLING, DISABLED, DISABLING (no policy: DISABLED)
        backup_policy=backup.map(lambda r: (r.get("BackupPolicy") or {}).get("Status")).absent_as("DISABLED"),
        # the JSON text as AWS returns it; None when the file system has none
        policy=policy.map(lambda r: r.get("Policy") or None),
        mount_targets=targets.map(lambda found: [
            {"id": t.get("MountTargetId"), "subnet_id": t.get("SubnetId"), "zone": t.get("AvailabilityZoneName")}
            for t in found
        ]),  # fmt: skip
        access_points=points.map(lambda found: [p for p in found if p["file_system_id"] == fs_id]),
    )
