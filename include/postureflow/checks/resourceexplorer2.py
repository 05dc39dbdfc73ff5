"""Resource Explorer checks."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check


@check(
    id="resourceexplorer2_indexes_found",
    title="Resource Explorer has at least one index",
    severity="low",
    resource_type="Other",
    reads=["resourceexplorer2.account"],
    risk="Without an index nobody can search the account's resources, which slows down finding what an incident touched.",
    remediation="Turn on Resource Explorer (resource-explorer-2 create-index), with an aggregator index in one region.",
)
def resourceexplorer2_indexes_found(accounts):
    for account in accounts:
        indexes = account.get("indexes") or []
        if indexes:
            yield PASS(account, f"Resource Explorer has {len(indexes)} index(es).")
        else:
            yield FAIL(account, "Resource Explorer has no index.")
