"""Resource Explorer: the account's indexes in every region (global: one listing sees them all).

Calls per run: ListIndexes (paginated) in the home region.
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector


@collector("resourceexplorer2", scope="global")
def collect_resourceexplorer2(scope: RegionScope) -> None:
    indexes = scope.list(scope.client("resource-explorer-2"), "list_indexes", "Indexes")
    scope.add(
        "account",
        uid=scope.arn("resource-explorer-2", "index"),
        id=scope.account_id,
        indexes=indexes.map(lambda items: [{"arn": i.get("Arn"), "region": i.get("Region"), "type": i.get("Type")} for i in items]),
    )
