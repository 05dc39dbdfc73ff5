"""Data Lifecycle Manager: the region's lifecycle policies (one record per region).

Calls per region: GetLifecyclePolicies (one answer holds every policy summary).
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector


@collector("dlm")
def collect_dlm(scope: RegionScope) -> None:
    policies = scope.fetch(scope.client("dlm"), "get_lifecycle_policies")
    scope.add(
        "regions",
        uid=scope.arn("dlm", "policy"),
        id=scope.account_id,
        policies=policies.map(
            lambda r: [{"id": p.get("PolicyId"), "state": p.get("State"), "type": p.get("PolicyType")}
                       for p in r.get("Policies") or []]  # fmt: skip
        ),
    )
