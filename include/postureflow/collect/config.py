"""AWS Config: the region's configuration recorders and their recording status, one record per region."""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector


@collector("config")
def collect_config(scope: RegionScope) -> None:
    config = scope.client("config")
    recorders = scope.fetch(config, "describe_configuration_recorders")
    statuses = scope.fetch(config, "describe_configuration_recorder_status")
    status_by_name = {s["name"]: s for s in statuses.or_else({}).get("ConfigurationRecordersStatus", [])}

    def summary(answer: dict) -> list[dict]:
        found = []
        for recorder in answer.get("ConfigurationRecorders", []):
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
        return found

    # Recorders without their status cannot be judged either: both reads must have answered.
    scope.add(
        "recorders",
        uid=scope.arn("config", "recorders"),
        id=f"config-recorders-{scope.region}",
        recorders=recorders.map(summary) if statuses.known else statuses,
    )
