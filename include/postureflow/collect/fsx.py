"""FSx: file systems with their tag copying and deployment settings.

Calls per region: DescribeFileSystems (paginated; it describes every file system).
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector

# file system type -> the configuration block that holds its settings
CONFIGURATION = {
    "LUSTRE": "LustreConfiguration",
    "WINDOWS": "WindowsConfiguration",
    "OPENZFS": "OpenZFSConfiguration",
    "ONTAP": "OntapConfiguration",
}


@collector("fsx")
def collect_fsx(scope: RegionScope) -> None:
    systems = scope.list(scope.client("fsx"), "describe_file_systems", "FileSystems", kind="file_systems")
    for system in systems.value or []:
        kind = system.get("FileSystemType")
        settings = system.get(CONFIGURATION.get(kind, ""), {}) or {}
        scope.add(
            "file_systems",
            uid=system.get("ResourceARN") or scope.arn("fsx", f"file-system/{system['FileSystemId']}"),
            id=system["FileSystemId"],
            tags=system.get("Tags"),
            type=kind,
            # None where the type has no such setting (ONTAP backups, volumes outside OpenZFS)
            copy_tags_to_backups=bool(settings.get("CopyTagsToBackups")) if kind in ("LUSTRE", "WINDOWS", "OPENZFS") else None,
            copy_tags_to_volumes=bool(settings.get("CopyTagsToVolumes")) if kind == "OPENZFS" else None,
            deployment_type=settings.get("DeploymentType"),
            subnet_ids=system.get("SubnetIds") or [],
        )
