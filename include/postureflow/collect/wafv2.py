"""WAFv2: web ACLs (regional in every region, CloudFront-scoped once), their rules, logging and
the load balancers they protect."""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector, global_region

# CloudFront-scoped web ACLs live in us-east-1 whatever region is being scanned.
CLOUDFRONT_REGION = "us-east-1"


def marker_pages(
    scope: RegionScope, client, operation: str, result_key: str, token: str = "NextMarker", **params
) -> list[dict] | None:
    """Every item of an operation botocore has no paginator for, following its continuation token;
    None when a page could not be read (recorded), so "could not look" is not taken for "nothing"."""
    items: list[dict] = []
    while True:
        answer = scope.call(client, operation, **params)
        if answer is None:
            return None
        items.extend(answer.get(result_key) or [])
        following = answer.get(token)
        if not following or following == params.get(token):
            return items
        params = {**params, token: following}


@collector("wafv2")
def collect_wafv2(scope: RegionScope) -> None:
    _collect_scope(scope, scope.client("wafv2"), "REGIONAL", scope.region)
    if scope.region == global_region(scope.collection.regions):
        _collect_scope(scope, scope.client("wafv2", CLOUDFRONT_REGION), "CLOUDFRONT", CLOUDFRONT_REGION)


def _collect_scope(scope: RegionScope, wafv2, waf_scope: str, region: str) -> None:
    acls = marker_pages(scope, wafv2, "list_web_acls", "WebACLs", Scope=waf_scope, Limit=100)
    if not acls:
        return
    log_confs = marker_pages(
        scope, wafv2, "list_logging_configurations", "LoggingConfigurations", Scope=waf_scope, Limit=100
    )
    logged = {conf.get("ResourceArn"): conf for conf in log_confs or []}
    missing = ("WAFNonexistentItemException",)
    for summary in acls:
        arn = summary["ARN"]
        answer = scope.call(
            wafv2, "get_web_acl", absent=missing, Name=summary["Name"], Scope=waf_scope, Id=summary["Id"]
        )
        acl = (answer or {}).get("WebACL") or {}
        tags = scope.call(wafv2, "list_tags_for_resource", absent=missing, ResourceARN=arn) or {}
        protected = None
        if waf_scope == "REGIONAL":
            resources = scope.call(
                wafv2,
                "list_resources_for_web_acl",
                absent=missing,
                WebACLArn=arn,
                ResourceType="APPLICATION_LOAD_BALANCER",
            )
            protected = None if resources is None else resources.get("ResourceArns", [])
        manager_groups = [
            *acl.get("PreProcessFirewallManagerRuleGroups", []),
            *acl.get("PostProcessFirewallManagerRuleGroups", []),
        ]
        scope.add(
            "web_acls",
            uid=arn,
            id=summary["Name"],
            region=region,
            tags=(tags.get("TagInfoForResource") or {}).get("TagList", []),
            scope=waf_scope,
            details_known=answer is not None,
            rule_names=[r.get("Name") for r in acl.get("Rules", [])],
            firewall_manager_rule_groups=[g.get("Name") for g in manager_groups],
            default_action=next(iter(acl.get("DefaultAction") or {}), None),
            # None (not False) when the logging configurations could not be listed.
            logging_enabled=None if log_confs is None else arn in logged,
            log_destinations=(logged.get(arn) or {}).get("LogDestinationConfigs", []),
            # None when the listing could not be read, so "protects nothing" is never assumed.
            load_balancer_arns=protected,
        )
