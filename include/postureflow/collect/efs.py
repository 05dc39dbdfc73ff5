"""EFS: file systems, one paginated listing per region."""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector


@collector("efs")
def collect_efs(scope: RegionScope) -> None:
    efs = scope.client("efs")
    listing = scope.list(efs, "describe_file_systems", "FileSystems", kind="file_systems")
    for fs in listing.value or []:
        fs_id = fs["FileSystemId"]
        scope.add(
            "file_systems",
            uid=fs.get("FileSystemArn") or scope.arn("elasticfilesystem", f"file-system/{fs_id}"),
            id=fs_id,
            tags=fs.get("Tags", []),
            name=fs.get("Name"),
            encrypted=bool(fs.get("Encrypted")),
            kms_key_id=fs.get("KmsKeyId"),
            life_cycle_state=fs.get("LifeCycleState"),
        )
