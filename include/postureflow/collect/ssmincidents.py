"""Incident Manager (global): the replication set and the response plans.

Calls per run: ListReplicationSets, GetReplicationSet for the one set, ListResponsePlans (paginated).
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector


@collector("ssmincidents", scope="global")
def collect_ssmincidents(scope: RegionScope) -> None:
    client = scope.client("ssm-incidents")
    sets = scope.list(client, "list_replication_sets", "replicationSetArns")
    arn = (sets.value or [None])[0]
    status = scope.fetch(client, "get_replication_set", arn=arn).map(lambda r: (r.get("replicationSet") or {}).get("status")) \
        if arn else sets.map(lambda _: None)  # fmt: skip
    plans = scope.list(client, "list_response_plans", "responsePlanSummaries")
    scope.add(
        "account",
        uid=arn or scope.arn("ssm-incidents", "replication-set", region=""),
        id=scope.account_id,
        replication_set=sets.map(lambda items: bool(items)),
        replication_status=status,
        response_plans=plans.map(len),
    )
