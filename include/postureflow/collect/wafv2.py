"""WAFv2: web ACLs (regional in every region, CloudFront-scoped once), their rules, logging and
the load balancers they protect.

Per scope: ListWebACLs and ListLoggingConfigurations (NextMarker pages; a failed ACL listing marks
``web_acls`` incomplete); per web ACL, through ``scope.each``: GetWebACL, ListTagsForResource and
(regional) ListResourcesForWebACL. Failed reads are stored as unread fields.
"""

from __future__ import annotations

from postureflow.collect.base import ABSENT, RegionScope, collector

# CloudFront-scoped web ACLs live in us-east-1 whatever region is being scanned.
CLOUDFRONT_REGION = "us-east-1"
MARKER = ("NextMarker", "NextMarker")
MISSING = ("WAFNonexistentItemException",)


@collector("wafv2")
def collect_wafv2(scope: RegionScope) -> None:
    _collect_scope(scope, scope.client("wafv2"), "REGIONAL", scope.region)
    if scope.is_home:
        _collect_scope(scope, scope.client("wafv2", CLOUDFRONT_REGION), "CLOUDFRONT", CLOUDFRONT_REGION)


def _collect_scope(scope: RegionScope, wafv2, waf_scope: str, region: str) -> None:
    acls = scope.list(
        wafv2, "list_web_acls", "WebACLs", kind="web_acls", token=MARKER, Scope=waf_scope, Limit=100
    ).or_else([])
    if not acls:
        return
    logged = scope.list(
        wafv2, "list_logging_configurations", "LoggingConfigurations", token=MARKER, Scope=waf_scope, Limit=100
    ).map(lambda confs: {conf.get("ResourceArn"): conf for conf in confs})

    def read(summary: dict):
        arn = summary["ARN"]
        acl = scope.fetch(wafv2, "get_web_acl", absent=MISSING, Name=summary["Name"], Scope=waf_scope, Id=summary["Id"])
        tags = scope.fetch(wafv2, "list_tags_for_resource", absent=MISSING, ResourceARN=arn)
        protected = None
        if waf_scope == "REGIONAL":
            protected = scope.fetch(
                wafv2, "list_resources_for_web_acl", absent=MISSING, WebACLArn=arn, ResourceType="APPLICATION_LOAD_BALANCER"
            ).map(lambda r: r.get("ResourceArns", []))  # fmt: skip
        return acl, tags, protected

    for summary, (acl, tags, protected) in zip(acls, scope.each(acls, read), strict=True):
        arn = summary["ARN"]
        if acl.state == ABSENT:
            continue  # deleted since it was listed
        details = acl.map(lambda a: a.get("WebACL") or {})
        scope.add(
            "web_acls",
            uid=arn,
            id=summary["Name"],
            region=region,
            tags=tags.map(lambda t: (t.get("TagInfoForResource") or {}).get("TagList", [])),
            scope=waf_scope,
            rules=details.map(lambda a: [_rule(r) for r in a.get("Rules", [])]),
            rule_names=details.map(lambda a: [r.get("Name") for r in a.get("Rules", [])]),
            firewall_manager_rule_groups=details.map(
                lambda a: [
                    g.get("Name")
                    for g in [*a.get("PreProcessFirewallManagerRuleGroups", []),
                              *a.get("PostProcessFirewallManagerRuleGroups", [])]  # fmt: skip
                ]
            ),
            default_action=details.map(lambda a: next(iter(a.get("DefaultAction") or {}), None)),
            logging_enabled=logged.map(lambda by: arn in by),
            log_destinations=logged.map(lambda by: (by.get(arn) or {}).get("LogDestinationConfigs", [])),
            # None for CloudFront-scoped ACLs (they protect distributions, which record their ACL themselves)
            load_balancer_arns=protected,
        )


def _rule(rule: dict) -> dict:
    statement = rule.get("Statement") or {}
    return {
        "name": rule.get("Name"),
        "managed_rule_group": (statement.get("ManagedRuleGroupStatement") or {}).get("Name"),
        "metrics_enabled": bool((rule.get("VisibilityConfig") or {}).get("CloudWatchMetricsEnabled")),
    }
