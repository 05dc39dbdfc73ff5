"""Trusted Advisor (global, through the Support API): whether the account has a premium support plan,
and the state of each Trusted Advisor check it can then read.

Calls per run: support:DescribeServices (answers SubscriptionRequiredException without a premium plan);
with a plan, DescribeTrustedAdvisorChecks and DescribeTrustedAdvisorCheckResult once per check.
The Support API lives in us-east-1 (us-gov-west-1 in GovCloud) and not at all in China.
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector

SUPPORT_REGION = {"aws": "us-east-1", "aws-us-gov": "us-gov-west-1"}
NO_PLAN = ("SubscriptionRequiredException",)


@collector("trustedadvisor", scope="global")
def collect_trustedadvisor(scope: RegionScope) -> None:
    region = SUPPORT_REGION.get(scope.partition)
    if region is None:
        return  # no Support API in this partition
    support = scope.client("support", region)
    plan = scope.fetch(support, "describe_services", absent=NO_PLAN)
    scope.add("account", uid=scope.arn("trusted-advisor", "account", region=region), id=scope.account_id, region=region,
              premium_support=plan.map(lambda _: True).absent_as(False))  # fmt: skip
    if not plan.ok:
        return
    checks = scope.fetch(support, "describe_trusted_advisor_checks", language="en")
    if not checks.ok:
        scope.mark_incomplete("checks", checks)
        return
    scope.each(checks.value.get("checks") or [], lambda check: _collect_check(scope, support, region, check))


def _collect_check(scope: RegionScope, support, region: str, check: dict) -> None:
    result = scope.fetch(support, "describe_trusted_advisor_check_result", checkId=check["id"], language="en")
    scope.add(
        "checks",
        uid=scope.arn("trusted-advisor", f"check/{check['id']}", region=region),
        id=check.get("name") or check["id"],
        region=region,
        category=check.get("category"),
        status=result.map(lambda r: (r.get("result") or {}).get("status")),
    )
