"""WAF Classic: global rule groups (once, in the global region) and regional web ACLs with the
load balancers they protect (every region).

Listings follow NextMarker pages and mark their kind incomplete when they fail; per rule group
ListActivatedRulesInRuleGroup and per web ACL ListResourcesForWebACL are stored as unread fields
when they fail.
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector, global_region
from postureflow.collect.wafv2 import MARKER

# WAF Classic's global (CloudFront) endpoint answers in us-east-1 only.
GLOBAL_WAF_REGION = "us-east-1"
MISSING = ("WAFNonexistentItemException",)


@collector("waf")
def collect_waf(scope: RegionScope) -> None:
    if scope.region == global_region(scope.collection.regions):
        _collect_global_rule_groups(scope)
    _collect_regional_web_acls(scope)


def _collect_global_rule_groups(scope: RegionScope) -> None:
    waf = scope.client("waf", GLOBAL_WAF_REGION)
    groups = scope.list(
        waf, "list_rule_groups", "RuleGroups", kind="global_rule_groups", token=MARKER, Limit=100
    ).or_else([])
    # One at a time: WAF Classic allows a single request per second per account, so parallel calls only
    # turn into throttling and retries.
    rules = scope.each(
        groups,
        lambda g: scope.list(
            waf, "list_activated_rules_in_rule_group", "ActivatedRules", absent=MISSING, token=MARKER,
            RuleGroupId=g["RuleGroupId"], Limit=100,
        ),
        threads=1,
    )  # fmt: skip
    for group, activated in zip(groups, rules, strict=True):
        group_id = group["RuleGroupId"]
        scope.add(
            "global_rule_groups",
            uid=f"arn:{scope.partition}:waf::{scope.account_id}:rulegroup/{group_id}",
            id=group.get("Name") or group_id,
            region=scope.region,
            rule_group_id=group_id,
            activated_rule_ids=activated.map(lambda items: [r.get("RuleId") for r in items]),
        )


def _collect_regional_web_acls(scope: RegionScope) -> None:
    regional = scope.client("waf-regional")
    acls = scope.list(
        regional, "list_web_acls", "WebACLs", kind="regional_web_acls", token=MARKER, Limit=100
    ).or_else([])
    protected = scope.each(
        acls,
        lambda acl: scope.fetch(
            regional, "list_resources_for_web_acl", absent=MISSING, WebACLId=acl["WebACLId"],
            ResourceType="APPLICATION_LOAD_BALANCER",
        ).map(lambda r: r.get("ResourceArns", [])),
        threads=1,
    )  # fmt: skip
    for acl, arns in zip(acls, protected, strict=True):
        acl_id = acl["WebACLId"]
        scope.add(
            "regional_web_acls",
            uid=scope.arn("waf-regional", f"webacl/{acl_id}"),
            id=acl.get("Name") or acl_id,
            web_acl_id=acl_id,
            load_balancer_arns=arns,
        )
