"""IAM Access Analyzer checks."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check


@check(
    id="accessanalyzer_enabled",
    title="IAM Access Analyzer has an active analyzer in the region",
    severity="low",
    resource_type="Other",
    reads=["accessanalyzer.analyzers"],
    risk="Without an analyzer, resources shared with other accounts or the public (buckets, roles, keys) go unnoticed.",
    remediation="Create an account (or organization) analyzer in every region (accessanalyzer create-analyzer).",
)
def accessanalyzer_enabled(regions):
    for region in regions:
        analyzers = region.get("analyzers") or []
        active = [a for a in analyzers if a.get("status") == "ACTIVE"]
        if active:
            yield PASS(region, f"IAM Access Analyzer {active[0]['name']} is active in region {region.region}.")
        elif analyzers:
            names = ", ".join(f"{a['name']} ({a.get('status')})" for a in analyzers)
            yield FAIL(region, f"IAM Access Analyzer in region {region.region} has no active analyzer: {names}.")
        else:
            yield FAIL(region, f"IAM Access Analyzer has no analyzer in region {region.region}.")
