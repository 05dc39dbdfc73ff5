"""Well-Architected Tool checks."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check


@check(
    id="wellarchitected_workload_no_high_or_medium_risks",
    title="Well-Architected workload has no high or medium risks",
    severity="medium",
    resource_type="Other",
    reads=["wellarchitected.workloads"],
    risk="High and medium risks are the review's own list of weaknesses that have not been addressed.",
    remediation="Work through the workload's improvement plan and resolve its high and medium risks.",
)
def wellarchitected_workload_no_high_or_medium_risks(workloads):
    for workload in workloads:
        risks = workload.get("risks") or {}
        high, medium = risks.get("HIGH", 0), risks.get("MEDIUM", 0)
        if high or medium:
            yield FAIL(workload, f"Well-Architected workload {workload.id} has {high} high and {medium} medium risk(s).")
        else:
            yield PASS(workload, f"Well-Architected workload {workload.id} has no high or medium risk.")
