"""Well-Architected Tool: workloads with their risk counts.

Calls per region: ListWorkloads (paginated; each summary carries the workload's risk counts).
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector


@collector("wellarchitected")
def collect_wellarchitected(scope: RegionScope) -> None:
    workloads = scope.list(scope.client("wellarchitected"), "list_workloads", "WorkloadSummaries", kind="workloads")
    for workload in workloads.value or []:
        scope.add(
            "workloads",
            uid=workload.get("WorkloadArn") or scope.arn("wellarchitected", f"workload/{workload['WorkloadId']}"),
            id=workload.get("WorkloadName") or workload["WorkloadId"],
            risks={level: count for level, count in (workload.get("RiskCounts") or {}).items() if count},
        )
