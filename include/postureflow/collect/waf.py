"""WAF Classic: global rule groups (once, in the global region) and regional web ACLs with the
load balancers they protect (every region)."""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector, global_region
from postureflow.collect.wafv2 import marker_pages

# WAF Classic's global (CloudFront) endpoint answers in us-east-1 only.
GLOBAL_WAF_REGION = "us-east-1"


@collector("waf")
def collect_waf(scope: RegionScope) -> None:
    if scope.region == global_region(scope.collection.regions):
        _collect_global_rule_groups(scope)
    _collect_regional_web_acls(scope)


def _collect_global_rule_groups(scope: RegionScope) -> None:
    waf = scope.client("waf", GLOBAL_WAF_REGION)
    for group in marker_pages(scope, waf, "list_rule_groups", "RuleGroups", Limit=100) or []:
        group_id = group["RuleGroupId"]
        rules = marker_pages(
            scope, waf, "list_activated_rules_in_rule_group", "ActivatedRules", RuleGroupId=group_id, Limit=100
        )
        if rules is None:
            continue  # could not look inside: not judged
        scope.add(
            "global_rule_groups",
            uid=f"arn:{scope.partition}:waf::{scope.account_id}:rulegroup/{group_id}",
            id=group.get("Name") or group_id,
            region=scope.region,
            rule_group_id=group_id,
            activated_rule_ids=[r.get("RuleId") for r in rules],
        )


def _collect_regional_web_acls(scope: RegionScope) -> None:
    regional = scope.client("waf-regional")
    for acl in marker_pages(scope, regional, "list_web_acls", "WebACLs", Limit=100) or []:
        acl_id = acl["WebACLId"]
        resources = scope.call(
            regional,
            "list_resources_for_web_acl",
            absent=("WAFNonexistentItemException",),
            WebACLId=acl_id,
            ResourceType="APPLICATION_LOAD_BALANCER",
        )
        scope.add(
            "regional_web_acls",
            uid=scope.arn("waf-regional", f"webacl/{acl_id}"),
            id=acl.get("Name") or acl_id,
            web_acl_id=acl_id,
            load_balancer_arns=None if resources is None else resources.get("ResourceArns", []),
        )
