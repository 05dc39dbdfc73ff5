"""AWS Config: the region's configuration recorders and their recording status, one record per region."""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector


@collector("config")
def collect_config(scope: RegionScope) -> None:
    config = scope.client("config")
    recorders = scope.call(config, "describe_configuration_recorders")
    if recorders is None:
        return  # not allowed to look: the scan error says so, and there is nothing to judge
    statuses = scope.call(config, "describe_configuration_recorder_status")
    if statuses is None:
        return  # recorders without their status cannot be judged either
    status_by_name = {s["name"]: s for s in statuses.get("ConfigurationRecordersStatus", [])}
    found = []
    for recorder in recorders.get("ConfigurationRecorders", []):
        group = recorder.get("recordingGroup") or {}
        strategy = (group.get("recordingStrategy") or {}).get("useOnly")
        status = status_by_name.get(recorder["name"], {})
        found.append(
            {
                "name": recorder["name"],
                # an unset recordingGroup means "all supported resource types"
                "all_supported": bool(group.get("allSupported", not group))
                and strategy in (None, "ALL_SUPPORTED_RESOURCE_TYPES"),
                "include_global_resource_types": bool(group.get("includeGlobalResourceTypes")),
                "recording": status.get("recording"),
                "last_status": status.get("lastStatus"),
            }
        )
    scope.add(
        "recorders",
        uid=scope.arn("config", "recorders"),
        id=f"config-recorders-{scope.region}",
        recorders=found,
    )
