"""AWS Config: the region's configuration recorders and their recording status, one record per region, and
its configuration aggregators, one record each.

Calls per region: DescribeConfigurationRecorders, DescribeConfigurationRecorderStatus,
DescribeConfigurationAggregators (paginated).
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector


@collector("config")
def collect_config(scope: RegionScope) -> None:
    config = scope.client("config")
    recorders = scope.fetch(config, "describe_configuration_recorders")
    statuses = scope.fetch(config, "describe_configuration_recorder_status")
    aggregators = scope.list(config, "describe_configuration_aggregators", "ConfigurationAggregators", kind="aggregators")
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
                    "role_arn": recorder.get("roleARN"),
                }
            )
        return found

    # Recorders without their status cannot be judged either: both reads must have answered.
    scope.add(
        "recorders",
        uid=scope.arn("config", "recorders"),
        id=f"config-recorders-{scope.region}",
        recorders=recorders.map(summary) if statuses.known else statuses,
        # whether this region's aggregators could be listed (checks that judge "none anywhere" read it)
        aggregators_listed=aggregators.map(lambda _: True),
    )
    for aggregator in aggregators.value or []:
        source = aggregator.get("OrganizationAggregationSource")
        scope.add(
            "aggregators",
            uid=aggregator["ConfigurationAggregatorArn"],
            id=aggregator["ConfigurationAggregatorName"],
            organization_source=source is not None,
            all_regions=bool((source or {}).get("AllAwsRegions")),
        )
