"""WAFv2: web ACLs (regional in every region, CloudFront-scoped once), their rules, logging and
the load balancers they protect."""

from __future__ import annotations

from typing import Iterator

from postureflow.collect.base import RegionScope, collector, global_region

# CloudFront-scoped web ACLs live in us-east-1 whatever region is being scanned.
CLOUDFRONT_REGION = "us-east-1"


def marker_pages(
    scope: RegionScope, client, operation: str, result_key: str, token: str = "NextMarker", **params
) -> Iterator[dict]:
    """Every item of an operation botocore has no paginator for, following its continuation token."""
    while True:
        answer = scope.call(client, operation, **params)
        if answer is None:
            return
        yield from answer.get(result_key) or []
        following = answer.get(token)
        if not following or following == params.get(token):
            return
        params = {**params, token: following}


@collector("wafv2")
def collect_wafv2(scope: RegionScope) -> None:
    _collect_scope(scope, scope.client("wafv2"), "REGIONAL", scope.region)
    if scope.region == global_region(scope.collection.regions):
        _collect_scope(scope, scope.client("wafv2", CLOUDFRONT_REGION), "CLOUDFRONT", CLOUDFRONT_REGION)


def _collect_scope(scope: RegionScope, wafv2, waf_scope: str, region: str) -> None:
    acls = list(marker_pages(scope, wafv2, "list_web_acls", "WebACLs", Scope=waf_scope, Limit=100))
    if not acls:
        return
    logged = {
        conf["ResourceArn"]: conf
        for conf in marker_pages(
            scope, wafv2, "list_logging_configurations", "LoggingConfigurations", Scope=waf_scope, Limit=100
        )
        if conf.get("ResourceArn")
    }
    for summary in acls:
        arn = summary["ARN"]
        answer = scope.call(
            wafv2, "get_web_acl", absent=("WAFNonexistentItemException",), Name=summary["Name"], Scope=waf_scope, Id=summary["Id"]
        )
        acl = (answer or {}).get("WebACL") or {}
        tags = scope.call(wafv2, "list_tags_for_resource", absent=("WAFNonexistentItemException",), ResourceARN=arn) or {}
        associated = None
        if waf_scope == "REGIONAL":
            resources = scope.call(
                wafv2,
                "list_resources_for_web_acl",
                absent=("WAFNonexistentItemException",),
                WebACLArn=arn,
                ResourceType="APPLICATION_LOAD_BALANCER",
            )
            associated = None if resources is None else resources.get("ResourceArns", [])
        log_conf = logged.get(arn)
        scope.add(
            "web_acls",
            uid=arn,
            id=summary["Name"],
            region=region,
            tags=(tags.get("TagInfoForResource") or {}).get("TagList", []),
            scope=waf_scope,
            details_known=answer is not None,
            rule_names=[r.get("Name") for r in acl.get("Rules", [])],
            firewall_manager_rule_groups=[
                g.get("Name")
                for g in [*acl.get("PreProcessFirewallManagerRuleGroups", []), *acl.get("PostProcessFirewallManagerRuleGroups", [])]
            ],
            default_action=next(iter(acl.get("DefaultAction") or {}), None),
            logging_enabled=log_conf is not None,
            log_destinations=(log_conf or {}).get("LogDestinationConfigs", []),
            # None when the listing could not be read (so "protects nothing" is never assumed).
            load_balancer_arns=associated,
        )
