"""WorkSpaces: workspaces with their volume encryption and subnet.

Calls per region: DescribeWorkspaces (paginated; it describes every workspace).
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector


@collector("workspaces")
def collect_workspaces(scope: RegionScope) -> None:
    workspaces = scope.list(scope.client("workspaces"), "describe_workspaces", "Workspaces", kind="workspaces")
    for workspace in workspaces.value or []:
        workspace_id = workspace["WorkspaceId"]
        scope.add(
            "workspaces",
            uid=scope.arn("workspaces", f"workspace/{workspace_id}"),
            id=workspace_id,
            root_volume_encrypted=bool(workspace.get("RootVolumeEncryptionEnabled")),
            user_volume_encrypted=bool(workspace.get("UserVolumeEncryptionEnabled")),
            subnet_id=workspace.get("SubnetId"),
        )
