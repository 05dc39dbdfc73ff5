"""WAF Classic checks."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check


@check(
    id="waf_global_rulegroup_not_empty",
    title="WAF Classic global rule group contains at least one rule",
    severity="high",
    resource_type="AwsWafRuleGroup",
    reads=["waf.global_rule_groups"],
    risk="An empty rule group added to a web ACL looks like protection but inspects nothing.",
    remediation="Add rules to the WAF Classic rule group, remove it, or migrate to AWS WAF (WAFv2).",
)
def waf_global_rulegroup_not_empty(rule_groups):
    for group in rule_groups:
        rules = group.get("activated_rule_ids") or []
        if rules:
            yield PASS(group, f"WAF Classic global rule group {group.id} has {len(rules)} rule(s).")
        else:
            yield FAIL(group, f"WAF Classic global rule group {group.id} has no rules.")
