"""Athena: workgroups with their result encryption, and whether they have run any query.

Calls per region: ListWorkGroups (all pages), then per workgroup GetWorkGroup and
ListQueryExecutions (one page of one id: whether it ever ran a query).
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector

GONE = ("InvalidRequestException",)


@collector("athena")
def collect_athena(scope: RegionScope) -> None:
    athena = scope.client("athena")
    listing = scope.list(athena, "list_work_groups", "WorkGroups", kind="workgroups", token=("NextToken", "NextToken"))
    scope.each(listing.value or [], lambda listed: _collect_workgroup(scope, athena, listed))


def _collect_workgroup(scope: RegionScope, athena, listed: dict) -> None:
    name = listed["Name"]
    answer = scope.fetch(athena, "get_work_group", absent=GONE, WorkGroup=name)
    if answer.state == "absent":
        return  # deleted since it was listed
    group = answer.get("WorkGroup", {})
    config = group.map(lambda g: g.get("Configuration") or {})
    encryption = config.map(lambda c: (c.get("ResultConfiguration") or {}).get("EncryptionConfiguration") or {})
    queries = scope.fetch(athena, "list_query_executions", WorkGroup=name, MaxResults=1)
    scope.add(
        "workgroups",
        uid=scope.arn("athena", f"workgroup/{name}"),
        id=name,
        state=listed.get("State"),
        engine_version=listed.get("EngineVersion"),
        encryption_option=encryption.get("EncryptionOption"),
        kms_key=encryption.get("KmsKey"),
        enforce_configuration=config.map(lambda c: bool(c.get("EnforceWorkGroupConfiguration"))),
        cloudwatch_metrics=config.map(lambda c: bool(c.get("PublishCloudWatchMetricsEnabled"))),
        has_queries=queries.map(lambda q: bool(q.get("QueryExecutionIds"))),
    )
