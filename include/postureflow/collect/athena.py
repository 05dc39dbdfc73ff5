"""Athena: workgroups with their result encryption, and whether they have run any query."""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector
from postureflow.collect.wafv2 import marker_pages


@collector("athena")
def collect_athena(scope: RegionScope) -> None:
    athena = scope.client("athena")
    for listed in marker_pages(scope, athena, "list_work_groups", "WorkGroups", token="NextToken") or []:
        name = listed["Name"]
        answer = scope.call(athena, "get_work_group", absent=("InvalidRequestException",), WorkGroup=name)
        if answer is None:
            continue
        group = answer.get("WorkGroup") or {}
        config = group.get("Configuration") or {}
        encryption = (config.get("ResultConfiguration") or {}).get("EncryptionConfiguration") or {}
        queries = scope.call(athena, "list_query_executions", WorkGroup=name, MaxResults=1)
        scope.add(
            "workgroups",
            uid=scope.arn("athena", f"workgroup/{name}"),
            id=name,
            state=group.get("State") or listed.get("State"),
            encryption_option=encryption.get("EncryptionOption"),
            kms_key=encryption.get("KmsKey"),
            enforce_configuration=bool(config.get("EnforceWorkGroupConfiguration")),
            # None when the query history could not be read
            has_queries=None if queries is None else bool(queries.get("QueryExecutionIds")),
        )
