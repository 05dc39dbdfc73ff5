"""WAFv2 checks: web ACLs."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check


def _label(acl) -> str:
    where = "CloudFront" if acl.get("scope") == "CLOUDFRONT" else "regional"
    return f"WAFv2 {where} web ACL {acl.id}"


@check(
    id="wafv2_webacl_logging_enabled",
    title="WAFv2 web ACL has logging enabled",
    severity="medium",
    resource_type="AwsWafv2WebAcl",
    reads=["wafv2.web_acls"],
    risk="Without logging there is no record of which requests the web ACL allowed or blocked, for tuning "
    "rules or investigating an attack.",
    remediation="Configure a logging destination (CloudWatch Logs, S3 or Firehose) for the web ACL.",
)
def wafv2_webacl_logging_enabled(web_acls):
    for acl in web_acls:
        if acl.get("logging_enabled"):
            yield PASS(
                acl, f"{_label(acl)} sends its traffic logs to {len(acl.get('log_destinations') or [])} destination(s)."
            )
        else:
            yield FAIL(acl, f"{_label(acl)} does not have logging enabled.")


@check(
    id="wafv2_webacl_with_rules",
    title="WAFv2 web ACL has at least one rule or rule group",
    severity="high",
    resource_type="AwsWafv2WebAcl",
    reads=["wafv2.web_acls"],
    risk="A web ACL without rules inspects nothing: every request gets the default action, so the "
    "resources it is attached to are not protected at all.",
    remediation="Add rules or managed rule groups to the web ACL (or remove the web ACL if it is not needed).",
)
def wafv2_webacl_with_rules(web_acls):
    for acl in web_acls:
        rules = [*(acl.get("rule_names") or []), *(acl.get("firewall_manager_rule_groups") or [])]
        if rules:
            yield PASS(acl, f"{_label(acl)} has {len(rules)} rule(s) or rule group(s).")
        else:
            yield FAIL(acl, f"{_label(acl)} has no rules or rule groups.")


@check(
    id="wafv2_webacl_managed_rule_groups_enabled",
    title="WAFv2 web ACL uses at least one managed rule group",
    severity="medium",
    resource_type="AwsWafv2WebAcl",
    reads=["wafv2.web_acls"],
    risk="Hand-written rules alone miss the common exploits, bad inputs and known bad IP addresses that AWS and "
    "marketplace managed rule groups are kept up to date against.",
    remediation="Add a managed rule group (for example AWSManagedRulesCommonRuleSet and "
    "AWSManagedRulesKnownBadInputsRuleSet) to the web ACL.",
)
def wafv2_webacl_managed_rule_groups_enabled(web_acls):
    for acl in web_acls:
        managed = [r.get("managed_rule_group") for r in acl.get("rules") or [] if r.get("managed_rule_group")]
        managed += acl.get("firewall_manager_rule_groups") or []
        if managed:
            yield PASS(acl, f"{_label(acl)} uses managed rule group(s) {', '.join(managed)}.")
        else:
            yield FAIL(acl, f"{_label(acl)} uses no managed rule group.")


@check(
    id="wafv2_webacl_rule_logging_enabled",
    title="WAFv2 web ACL publishes CloudWatch metrics for every rule",
    severity="medium",
    resource_type="AwsWafv2WebAcl",
    reads=["wafv2.web_acls"],
    risk="A rule without CloudWatch metrics cannot be monitored or alarmed on, so attacks it blocks (or "
    "legitimate traffic it wrongly blocks) go unnoticed.",
    remediation="Turn on CloudWatchMetricsEnabled in the visibility configuration of every rule and rule group "
    "of the web ACL.",
)
def wafv2_webacl_rule_logging_enabled(web_acls):
    for acl in web_acls:
        rules = acl.get("rules") or []
        if not rules and acl.readable("rules"):
            continue  # no rules: nothing to publish metrics for (wafv2_webacl_with_rules judges that)
        silent = [str(r.get("name")) for r in rules if not r.get("metrics_enabled")]
        if silent:
            yield FAIL(acl, f"{_label(acl)} has rules without CloudWatch metrics: {', '.join(silent)}.")
        else:
            yield PASS(acl, f"{_label(acl)} publishes CloudWatch metrics for all {len(rules)} rule(s).")
