"""IAM Access Analyzer: the region's analyzers with their active findings, one record per region.

Calls per region: ListAnalyzers; per active analyzer ListFindingsV2 (one page of active findings: enough
to count up to a page, and to know whether there is any).
"""

from __future__ import annotations

from postureflow.collect.base import Outcome, RegionScope, collector

FINDINGS_PAGE = 100


@collector("accessanalyzer")
def collect_accessanalyzer(scope: RegionScope) -> None:
    # A failed listing (denied, or a server error that outlived the retries) leaves the region's
    # record unread rather than saying "no analyzers".
    client = scope.client("accessanalyzer")
    analyzers = scope.list(client, "list_analyzers", "analyzers")
    active = [a for a in analyzers.value or [] if a.get("status") == "ACTIVE"]
    counts = scope.each(active, lambda a: scope.fetch(
        client, "list_findings_v2", analyzerArn=a["arn"], filter={"status": {"eq": ["ACTIVE"]}}, maxResults=FINDINGS_PAGE
    ))  # fmt: skip
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
        active_findings=_counts(analyzers, active, counts),
    )


def _counts(analyzers: Outcome, active: list[dict], answers: list[Outcome]) -> Outcome:
    """Analyzer name -> {"count": findings on the first page, "more": whether there are more}."""
    if not analyzers.ok:
        return analyzers
    failed = next((answer for answer in answers if not answer.ok), None)
    if failed:
        return failed
    return Outcome("ok", {a["name"]: {"count": len(r.value.get("findings") or []), "more": bool(r.value.get("nextToken"))}
                          for a, r in zip(active, answers)})  # fmt: skip
