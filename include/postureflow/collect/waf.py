"""WAF Classic: the global (CloudFront) flavour, read once from the global region, and the regional
flavour (waf-regional) in every region.

Calls per flavour: ListRules, ListRuleGroups, ListWebACLs and ListLoggingConfigurations (all
NextMarker pages; one logging listing per flavour instead of GetLoggingConfiguration per web ACL);
per rule GetRule (its conditions), per rule group ListActivatedRulesInRuleGroup, per web ACL GetWebACL
(its rules) and, regional only, ListResourcesForWebACL (the load balancers it protects).

WAF Classic allows one request per second per account, so per-resource calls run one at a time.
Listings name their kind (a failed one gives that kind's checks no verdict in the region); failed
per-resource reads and a failed logging listing are stored as unread fields.
"""

from __future__ import annotations

from typing import Callable

from postureflow.collect.base import Outcome, RegionScope, collector
from postureflow.collect.wafv2 import MARKER

# WAF Classic's global (CloudFront) endpoint answers in us-east-1 only.
GLOBAL_WAF_REGION = "us-east-1"
MISSING = ("WAFNonexistentItemException",)


@collector("waf")
def collect_waf(scope: RegionScope) -> None:
    if scope.is_home:
        waf = scope.client("waf", GLOBAL_WAF_REGION)
        arn = lambda resource: f"arn:{scope.partition}:waf::{scope.account_id}:{resource}"  # noqa: E731
        _collect_flavour(scope, waf, "global", arn)
    regional = scope.client("waf-regional")
    _collect_flavour(scope, regional, "regional", lambda resource: scope.arn("waf-regional", resource))


def _collect_flavour(scope: RegionScope, client, flavour: str, arn: Callable[[str], str]) -> None:
    """Rules, rule groups and web ACLs of one WAF Classic flavour, as ``<flavour>_<kind>`` records."""
    one_by_one = dict(threads=1)

    rules = _listing(scope, client, "list_rules", "Rules", f"{flavour}_rules")
    details = scope.each(
        rules, lambda r: scope.fetch(client, "get_rule", absent=MISSING, RuleId=r["RuleId"]), **one_by_one
    )
    for rule, answer in zip(rules, details, strict=True):
        if answer.state == "absent":
            continue  # deleted since the listing
        scope.add(
            f"{flavour}_rules",
            uid=arn(f"rule/{rule['RuleId']}"),
            id=rule.get("Name") or rule["RuleId"],
            rule_id=rule["RuleId"],
            condition_count=answer.map(lambda a: len((a.get("Rule") or {}).get("Predicates") or [])),
        )

    groups = _listing(scope, client, "list_rule_groups", "RuleGroups", f"{flavour}_rule_groups")
    activated = scope.each(
        groups,
        lambda g: scope.list(
            client, "list_activated_rules_in_rule_group", "ActivatedRules", absent=MISSING, token=MARKER,
            RuleGroupId=g["RuleGroupId"], Limit=100,
        ),
        **one_by_one,
    )  # fmt: skip
    for group, group_rules in zip(groups, activated, strict=True):
        scope.add(
            f"{flavour}_rule_groups",
            uid=arn(f"rulegroup/{group['RuleGroupId']}"),
            id=group.get("Name") or group["RuleGroupId"],
            rule_group_id=group["RuleGroupId"],
            activated_rule_ids=group_rules.map(lambda items: [r.get("RuleId") for r in items]),
        )

    acls = _listing(scope, client, "list_web_acls", "WebACLs", f"{flavour}_web_acls")
    if not acls:
        return
    logged = scope.list(
        client, "list_logging_configurations", "LoggingConfigurations", token=MARKER, Limit=100
    ).map(lambda items: {c.get("ResourceArn") for c in items if c.get("LogDestinationConfigs")})
    details = scope.each(acls, lambda acl: _web_acl_details(scope, client, flavour, acl), **one_by_one)
    for acl, (body, protected) in zip(acls, details, strict=True):
        if body.state == "absent":
            continue  # deleted since the listing
        acl_arn = arn(f"webacl/{acl['WebACLId']}")
        entries = body.map(lambda a: (a.get("WebACL") or {}).get("Rules") or [])
        scope.add(
            f"{flavour}_web_acls",
            uid=acl_arn,
            id=acl.get("Name") or acl["WebACLId"],
            web_acl_id=acl["WebACLId"],
            rule_ids=entries.map(lambda items: [r.get("RuleId") for r in items if r.get("Type") != "GROUP"]),
            rule_group_ids=entries.map(lambda items: [r.get("RuleId") for r in items if r.get("Type") == "GROUP"]),
            logging_enabled=logged.map(lambda arns, a=acl_arn: a in arns),
            **({"load_balancer_arns": protected} if protected is not None else {}),
        )


def _web_acl_details(scope: RegionScope, client, flavour: str, acl: dict) -> tuple[Outcome, Outcome | None]:
    """GetWebACL, and for regional ACLs the load balancers they protect."""
    body = scope.fetch(client, "get_web_acl", absent=MISSING, WebACLId=acl["WebACLId"])
    if flavour != "regional" or body.state == "absent":
        return body, None
    protected = scope.fetch(
        client, "list_resources_for_web_acl", absent=MISSING, WebACLId=acl["WebACLId"],
        ResourceType="APPLICATION_LOAD_BALANCER",
    ).map(lambda r: r.get("ResourceArns", []))  # fmt: skip
    return body, protected


def _listing(scope: RegionScope, client, operation: str, key: str, kind: str) -> list[dict]:
    return scope.list(client, operation, key, kind=kind, token=MARKER, Limit=100).or_else([])

