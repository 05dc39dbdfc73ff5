"""WAF Classic checks: global (CloudFront) and regional rules, rule groups and web ACLs."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check

def _rules_with_conditions(rules, flavour: str):
    for rule in rules:
        count = rule.get("condition_count")
        if count:
            yield PASS(rule, f"WAF Classic {flavour} rule {rule.id} has {count} condition(s).")
        else:
            yield FAIL(rule, f"WAF Classic {flavour} rule {rule.id} has no conditions.")


def _rule_groups_not_empty(rule_groups, flavour: str):
    for group in rule_groups:
        rules = group.get("activated_rule_ids") or []
        if rules:
            yield PASS(group, f"WAF Classic {flavour} rule group {group.id} has {len(rules)} rule(s).")
        else:
            yield FAIL(group, f"WAF Classic {flavour} rule group {group.id} has no rules.")


def _web_acls_with_rules(web_acls, flavour: str):
    for acl in web_acls:
        rules, groups = acl.get("rule_ids") or [], acl.get("rule_group_ids") or []
        if rules or groups:
            yield PASS(
                acl, f"WAF Classic {flavour} web ACL {acl.id} has {len(rules)} rule(s) and {len(groups)} rule group(s)."
            )
        else:
            yield FAIL(acl, f"WAF Classic {flavour} web ACL {acl.id} has no rules or rule groups.")


def _web_acls_logged(web_acls, flavour: str):
    for acl in web_acls:
        if acl.get("logging_enabled"):
            yield PASS(acl, f"WAF Classic {flavour} web ACL {acl.id} sends its logs to a destination.")
        else:
            yield FAIL(acl, f"WAF Classic {flavour} web ACL {acl.id} has no logging configuration.")


EMPTY_RULE_RISK = (
    "A rule without conditions matches nothing, so the web ACL that uses it looks protected while it "
    "inspects nothing."
)
EMPTY_GROUP_RISK = "An empty rule group added to a web ACL looks like protection but inspects nothing."
EMPTY_ACL_RISK = "A web ACL without rules applies only its default action: every request passes uninspected."
LOGGING_RISK = (
    "Without logs there is no record of which requests the web ACL allowed or blocked, for tuning rules or "
    "investigating an attack."
)
MIGRATE = "or migrate to AWS WAF (WAFv2), which replaces WAF Classic."


@check(
    id="waf_global_rule_with_conditions",
    title="WAF Classic global rule has at least one condition",
    severity="medium",
    resource_type="AwsWafRule",
    reads=["waf.global_rules"],
    risk=EMPTY_RULE_RISK,
    remediation=f"Add a condition (IP match, string match, SQL injection...) to the rule, delete it, {MIGRATE}",
)
def waf_global_rule_with_conditions(rules):
    yield from _rules_with_conditions(rules, "global")


@check(
    id="waf_regional_rule_with_conditions",
    title="WAF Classic Regional rule has at least one condition",
    severity="medium",
    resource_type="AwsWafRegionalRule",
    reads=["waf.regional_rules"],
    risk=EMPTY_RULE_RISK,
    remediation=f"Add a condition (IP match, string match, SQL injection...) to the rule, delete it, {MIGRATE}",
)
def waf_regional_rule_with_conditions(rules):
    yield from _rules_with_conditions(rules, "Regional")


@check(
    id="waf_global_rulegroup_not_empty",
    title="WAF Classic global rule group contains at least one rule",
    severity="high",
    resource_type="AwsWafRuleGroup",
    reads=["waf.global_rule_groups"],
    risk=EMPTY_GROUP_RISK,
    remediation=f"Add rules to the WAF Classic rule group, remove it, {MIGRATE}",
)
def waf_global_rulegroup_not_empty(rule_groups):
    yield from _rule_groups_not_empty(rule_groups, "global")


@check(
    id="waf_regional_rulegroup_not_empty",
    title="WAF Classic Regional rule group contains at least one rule",
    severity="medium",
    resource_type="AwsWafRegionalRuleGroup",
    reads=["waf.regional_rule_groups"],
    risk=EMPTY_GROUP_RISK,
    remediation=f"Add rules to the WAF Classic rule group, remove it, {MIGRATE}",
)
def waf_regional_rulegroup_not_empty(rule_groups):
    yield from _rule_groups_not_empty(rule_groups, "Regional")


@check(
    id="waf_global_webacl_with_rules",
    title="WAF Classic global web ACL has at least one rule or rule group",
    severity="medium",
    resource_type="AwsWafWebAcl",
    reads=["waf.global_web_acls"],
    risk=EMPTY_ACL_RISK,
    remediation=f"Add rules or rule groups to the web ACL, {MIGRATE}",
)
def waf_global_webacl_with_rules(web_acls):
    yield from _web_acls_with_rules(web_acls, "global")


@check(
    id="waf_regional_webacl_with_rules",
    title="WAF Classic Regional web ACL has at least one rule or rule group",
    severity="medium",
    resource_type="AwsWafRegionalWebAcl",
    reads=["waf.regional_web_acls"],
    risk=EMPTY_ACL_RISK,
    remediation=f"Add rules or rule groups to the web ACL, {MIGRATE}",
)
def waf_regional_webacl_with_rules(web_acls):
    yield from _web_acls_with_rules(web_acls, "Regional")


@check(
    id="waf_global_webacl_logging_enabled",
    title="WAF Classic global web ACL has logging enabled",
    severity="medium",
    resource_type="AwsWafWebAcl",
    reads=["waf.global_web_acls"],
    risk=LOGGING_RISK,
    remediation="Send the web ACL's logs to a Kinesis Data Firehose stream named aws-waf-logs-... "
    f"(waf put-logging-configuration), {MIGRATE}",
)
def waf_global_webacl_logging_enabled(web_acls):
    yield from _web_acls_logged(web_acls, "global")


@check(
    id="waf_regional_webacl_logging_enabled",
    title="WAF Classic Regional web ACL has logging enabled",
    severity="medium",
    resource_type="AwsWafRegionalWebAcl",
    reads=["waf.regional_web_acls"],
    risk=LOGGING_RISK,
    remediation="Send the web ACL's logs to a Kinesis Data Firehose stream named aws-waf-logs-... "
    f"(waf-regional put-logging-configuration), {MIGRATE}",
)
def waf_regional_webacl_logging_enabled(web_acls):
    yield from _web_acls_logged(web_acls, "Regional")
