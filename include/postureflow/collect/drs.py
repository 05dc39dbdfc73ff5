"""Elastic Disaster Recovery: whether DRS is set up in the region and how many recovery jobs it ran
(one record per region).

Calls per region: DescribeJobs (paginated). An account where DRS was never initialised answers
UninitializedAccountException: DRS is off there.
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector


@collector("drs")
def collect_drs(scope: RegionScope) -> None:
    jobs = scope.list(scope.client("drs"), "describe_jobs", "items", absent=("UninitializedAccountException",))
    scope.add(
        "regions",
        uid=scope.arn("drs", "recovery-job"),
        id=scope.account_id,
        enabled=jobs.map(lambda _: True).absent_as(False),
        jobs=jobs.map(len).absent_as(0),
    )
