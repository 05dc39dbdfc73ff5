from botocore.stub import Stubber

from postureflow.aws import AwsAccess

REGION = "us-east-1"


def test_global_rule_group_not_empty(scan):
    # moto has no WAF Classic: the global endpoint's answers come from a botocore Stubber on the
    # collector's client (the regional waf-regional listing is left to moto, which records a scan error).
    access = AwsAccess.from_default_chain()
    waf = access.client("waf", REGION)
    stub = Stubber(waf)
    groups = [{"RuleGroupId": "rg-empty", "Name": "empty"}, {"RuleGroupId": "rg-full", "Name": "full"}]
    stub.add_response("list_rule_groups", {"RuleGroups": groups[:1], "NextMarker": "page-2"}, {"Limit": 100})
    stub.add_response("list_rule_groups", {"RuleGroups": groups[1:]}, {"Limit": 100, "NextMarker": "page-2"})
    stub.add_response(
        "list_activated_rules_in_rule_group", {"ActivatedRules": []}, {"RuleGroupId": "rg-empty", "Limit": 100}
    )
    stub.add_response(
        "list_activated_rules_in_rule_group",
        {"ActivatedRules": [{"Priority": 1, "RuleId": "rule-1", "Action": {"Type": "BLOCK"}}]},
        {"RuleGroupId": "rg-full", "Limit": 100},
    )
    with stub:
        run = scan("waf", regions=[REGION, "eu-west-1"], access=access)
    stub.assert_no_pending_responses()
    assert run.status("waf_global_rulegroup_not_empty", "empty") == "FAIL"
    assert run.status("waf_global_rulegroup_not_empty", "full") == "PASS"
    assert run.status("waf_global_rulegroup_not_empty", "arn:aws:waf::123456789012:rulegroup/rg-full") == "PASS"
    # rule groups are global: listed once, from the global region only
    assert access.call_log.calls[("waf", REGION, "ListRuleGroups")] == 2  # two pages
    assert ("waf", "eu-west-1", "ListRuleGroups") not in access.call_log.calls
    assert {e["api"] for e in run.errors} == {"waf-regional:list_web_acls"}


def test_unreadable_rule_group_gives_no_verdict(scan):
    # botocore Stubber (moto has no WAF Classic): the rule group's rules cannot be read.
    access = AwsAccess.from_default_chain()
    stub = Stubber(access.client("waf", REGION))
    stub.add_response("list_rule_groups", {"RuleGroups": [{"RuleGroupId": "rg-hidden", "Name": "hidden"}]}, {"Limit": 100})
    stub.add_client_error(
        "list_activated_rules_in_rule_group", "AccessDeniedException", expected_params={"RuleGroupId": "rg-hidden", "Limit": 100}
    )
    with stub:
        run = scan("waf", regions=[REGION], access=access)
    assert run.statuses("waf_global_rulegroup_not_empty") == {"hidden": "MANUAL"}
