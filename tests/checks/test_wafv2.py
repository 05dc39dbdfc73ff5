from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import scan_denied, scan_in_moto

VISIBILITY = {"SampledRequestsEnabled": False, "CloudWatchMetricsEnabled": False, "MetricName": "m"}
RULE = {
    "Name": "common",
    "Priority": 0,
    "Statement": {"ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": "AWSManagedRulesCommonRuleSet"}},
    "OverrideAction": {"None": {}},
    "VisibilityConfig": VISIBILITY,
}
METERED = {**VISIBILITY, "CloudWatchMetricsEnabled": True}
RATE_LIMIT = {
    "Name": "rate-limit",
    "Priority": 1,
    "Statement": {"RateBasedStatement": {"Limit": 1000, "AggregateKeyType": "IP"}},
    "Action": {"Block": {}},
    "VisibilityConfig": METERED,
}


def _acl(region, name, scope="REGIONAL", rules=(), logged=False):
    wafv2 = boto3.client("wafv2", region_name=region)
    arn = wafv2.create_web_acl(
        Name=name, Scope=scope, DefaultAction={"Allow": {}}, VisibilityConfig=VISIBILITY, Rules=list(rules)
    )["Summary"]["ARN"]
    if logged:
        destination = f"arn:aws:logs:{region}:123456789012:log-group:aws-waf-logs-{name}"
        wafv2.put_logging_configuration(
            LoggingConfiguration={"ResourceArn": arn, "LogDestinationConfigs": [destination]}
        )
    return arn


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        _acl("eu-west-1", "regional-bare")
        _acl("eu-west-1", "regional-good", rules=[{**RULE, "VisibilityConfig": METERED}], logged=True)
        _acl("eu-west-1", "regional-custom", rules=[RATE_LIMIT])
        _acl("us-east-1", "cdn-bare", scope="CLOUDFRONT")
        # moto lists no logging configuration for CloudFront-scoped ACLs (it looks for ":global:" in ARNs
        # that read ":global/"), so the CloudFront ACL with rules is judged unlogged here.
        _acl("us-east-1", "cdn-ruled", scope="CLOUDFRONT", rules=[RULE], logged=True)
        access = AwsAccess.from_default_chain()
        lake = Lake(str(tmp_path_factory.mktemp("wafv2-lake")))
        run = scan_in_moto(lake, ["wafv2"], regions=["us-east-1", "eu-west-1"], access=access)
        unread = scan_denied(
            str(tmp_path_factory.mktemp("wafv2-denied")),
            ["wafv2"],
            ["eu-west-1"],
            "wafv2:GetWebACL",
            "wafv2:ListLoggingConfigurations",
        )
    return SimpleNamespace(run=run, calls=access.call_log, unread=unread)


def test_logging_enabled(world):
    assert world.run.statuses("wafv2_webacl_logging_enabled") == {
        "regional-bare": "FAIL",
        "regional-good": "PASS",
        "regional-custom": "FAIL",
        "cdn-bare": "FAIL",
        "cdn-ruled": "FAIL",
    }


def test_with_rules(world):
    assert world.run.statuses("wafv2_webacl_with_rules") == {
        "regional-bare": "FAIL",
        "regional-good": "PASS",
        "regional-custom": "PASS",
        "cdn-bare": "FAIL",
        "cdn-ruled": "PASS",
    }
    finding = next(f for f in world.run.of("wafv2_webacl_with_rules") if f["resource_id"] == "cdn-ruled")
    assert finding["region"] == "us-east-1" and ":global/webacl/cdn-ruled/" in finding["resource_uid"]


def test_cloudfront_acls_listed_once(world):
    cloudfront_listings = [key for key in world.calls.identical if key[2] == "ListWebACLs" and "CLOUDFRONT" in key[3]]
    assert len(cloudfront_listings) == 1
    assert world.calls.repeated() == []


def test_unimplemented_association_listing_is_a_scan_error(world):
    # moto lacks ListResourcesForWebACL: the scan records it and goes on.
    assert {e["api"] for e in world.run.errors} == {"wafv2:list_resources_for_web_acl"}


def test_managed_rule_groups_enabled(world):
    assert world.run.statuses("wafv2_webacl_managed_rule_groups_enabled") == {
        "regional-bare": "FAIL",
        "regional-good": "PASS",
        "regional-custom": "FAIL",
        "cdn-bare": "FAIL",
        "cdn-ruled": "PASS",
    }


def test_rule_logging_enabled(world):
    # ACLs without rules are left to wafv2_webacl_with_rules
    assert world.run.statuses("wafv2_webacl_rule_logging_enabled") == {
        "regional-good": "PASS",
        "regional-custom": "PASS",
        "cdn-ruled": "FAIL",
    }


@pytest.mark.parametrize(
    "check",
    [
        "wafv2_webacl_logging_enabled",
        "wafv2_webacl_with_rules",
        "wafv2_webacl_managed_rule_groups_enabled",
        "wafv2_webacl_rule_logging_enabled",
    ],
)
def test_unreadable_acl_or_logging_gives_no_verdict(world, check):
    statuses = world.unread.statuses(check)
    assert statuses and set(statuses.values()) == {"MANUAL"}
    assert {"regional-good", "regional-bare"} <= set(statuses)
