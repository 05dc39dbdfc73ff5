"""IAM Access Analyzer: the region's analyzers, one record per region."""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector


@collector("accessanalyzer")
def collect_accessanalyzer(scope: RegionScope) -> None:
    # A failed listing (denied, or a server error that outlived the retries) leaves the region's
    # record unread rather than saying "no analyzers".
    analyzers = scope.list(scope.client("accessanalyzer"), "list_analyzers", "analyzers")
    scope.add(
        "analyzers",
        uid=scope.arn("access-analyzer", "analyzers"),
        id=f"access-analyzer-{scope.region}",
        analyzers=analyzers.map(
            lambda items: [
                {"name": a.get("name"), "arn": a.get("arn"), "type": a.get("type"), "status": a.get("status")}
                for a in items
            ]
        ),
    )
