"""WAF Classic checks. moto lacks WAF Classic, so every waf / waf-regional operation the collector calls is
answered in moto's place by postureflow.testing.answer_in_moto; a refused read is DeniedAccess ahead of it."""

import json
from types import SimpleNamespace

import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import DeniedAccess, answer_in_moto, scan_in_moto

REGION, OTHER = "us-east-1", "eu-west-1"
ACCOUNT = "123456789012"
PREDICATE = {"Negated": False, "Type": "IPMatch", "DataId": "ipset-1"}


def _arg(request: dict, name: str):
    """A parameter of the serialized (JSON) request the hook sees."""
    return json.loads(request["body"])[name]


def _flavour(service: str, arn_prefix: str) -> dict:
    """The answers of one WAF Classic flavour: an empty and a configured rule, rule group and web ACL."""

    def here(region, items):  # the regional flavour has resources in REGION only
        return items if service == "waf" or region == REGION else []

    return {
        f"{service}:ListRules": lambda r, _: {"Rules": here(r, [{"RuleId": "r-empty", "Name": "rule-empty"},
                                                                 {"RuleId": "r-full", "Name": "rule-full"}])},
        f"{service}:GetRule": lambda r, p: {"Rule": {"RuleId": _arg(p, "RuleId"), "Predicates":
                                                     [PREDICATE] if _arg(p, "RuleId") == "r-full" else []}},
        f"{service}:ListRuleGroups": lambda r, _: {"RuleGroups": here(r, [{"RuleGroupId": "rg-empty", "Name": "empty"},
                                                                         {"RuleGroupId": "rg-full", "Name": "full"}])},
        f"{service}:ListActivatedRulesInRuleGroup": lambda r, p: {"ActivatedRules": [
            {"Priority": 1, "RuleId": "r-full", "Action": {"Type": "BLOCK"}}] if _arg(p, "RuleGroupId") == "rg-full" else []},
        f"{service}:ListWebACLs": lambda r, _: {"WebACLs": here(r, [{"WebACLId": "acl-bare", "Name": "acl-bare"},
                                                                   {"WebACLId": "acl-good", "Name": "acl-good"}])},
        f"{service}:GetWebACL": lambda r, p: {"WebACL": {"WebACLId": _arg(p, "WebACLId"), "DefaultAction": {"Type": "ALLOW"},
                                                         "Rules": [{"Priority": 1, "RuleId": "rg-full", "Type": "GROUP",
                                                                    "OverrideAction": {"Type": "NONE"}}]
                                                         if _arg(p, "WebACLId") == "acl-good" else []}},
        f"{service}:ListLoggingConfigurations": lambda r, _: {"LoggingConfigurations": [
            {"ResourceArn": f"{arn_prefix(r)}:webacl/acl-good",
             "LogDestinationConfigs": ["arn:aws:firehose:us-east-1:123456789012:deliverystream/aws-waf-logs-x"]}]},
        f"{service}:ListResourcesForWebACL": {"ResourceArns": []},
    }  # fmt: skip


ANSWERS = {
    **_flavour("waf", lambda region: f"arn:aws:waf::{ACCOUNT}"),
    **_flavour("waf-regional", lambda region: f"arn:aws:waf-regional:{region}:{ACCOUNT}"),
}


def _scan(lake_dir, denied=None):
    access = DeniedAccess(denied) if denied else AwsAccess.from_default_chain()
    answer_in_moto(access, [REGION, OTHER], ANSWERS)
    run = scan_in_moto(Lake(lake_dir), ["waf"], [REGION, OTHER], access=access)
    if denied:
        assert access.hits, f"{denied} was never called"
    return run, access


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        run, access = _scan(str(tmp_path_factory.mktemp("waf")))
        unread = {
            op: _scan(str(tmp_path_factory.mktemp("waf-denied")), op)[0]
            for op in ("waf:GetRule", "waf-regional:GetRule", "waf:ListActivatedRulesInRuleGroup",
                       "waf-regional:ListActivatedRulesInRuleGroup", "waf:GetWebACL", "waf-regional:GetWebACL",
                       "waf:ListLoggingConfigurations", "waf-regional:ListLoggingConfigurations",
                       "waf:ListWebACLs")
        }  # fmt: skip
    return SimpleNamespace(run=run, calls=access.call_log, unread=unread)


CASES = [
    ("waf_global_rule_with_conditions", {"rule-empty": "FAIL", "rule-full": "PASS"}, "waf:GetRule"),
    ("waf_regional_rule_with_conditions", {"rule-empty": "FAIL", "rule-full": "PASS"}, "waf-regional:GetRule"),
    ("waf_global_rulegroup_not_empty", {"empty": "FAIL", "full": "PASS"}, "waf:ListActivatedRulesInRuleGroup"),
    ("waf_regional_rulegroup_not_empty", {"empty": "FAIL", "full": "PASS"}, "waf-regional:ListActivatedRulesInRuleGroup"),
    ("waf_global_webacl_with_rules", {"acl-bare": "FAIL", "acl-good": "PASS"}, "waf:GetWebACL"),
    ("waf_regional_webacl_with_rules", {"acl-bare": "FAIL", "acl-good": "PASS"}, "waf-regional:GetWebACL"),
    ("waf_global_webacl_logging_enabled", {"acl-bare": "FAIL", "acl-good": "PASS"}, "waf:ListLoggingConfigurations"),
    ("waf_regional_webacl_logging_enabled", {"acl-bare": "FAIL", "acl-good": "PASS"},
     "waf-regional:ListLoggingConfigurations"),
]  # fmt: skip


@pytest.mark.parametrize("check, expected, _", CASES)
def test_fail_and_pass(world, check, expected, _):
    assert world.run.statuses(check) == expected


@pytest.mark.parametrize("check, expected, denied", CASES)
def test_unreadable_gives_no_verdict(world, check, expected, denied):
    assert world.unread[denied].statuses(check) == {name: "MANUAL" for name in expected}


def test_global_resources_are_read_once_from_the_global_region(world):
    uids = {f["resource_uid"] for f in world.run.of("waf_global_webacl_with_rules")}
    assert f"arn:aws:waf::{ACCOUNT}:webacl/acl-good" in uids
    assert ("waf", OTHER, "ListRules") not in world.calls.calls
    assert world.calls.calls[("waf", REGION, "ListRules")] == 1


def test_unlisted_web_acls_are_not_judged(world):
    assert world.unread["waf:ListWebACLs"].of("waf_global_webacl_with_rules") == []
    assert world.unread["waf:ListWebACLs"].statuses("waf_regional_webacl_with_rules") == {"acl-bare": "FAIL", "acl-good": "PASS"}


def test_calls(world):
    assert world.run.errors == [] and world.calls.repeated() == []
