"""Issue 11: the CIS metric-filter checks decide whether the pattern matches the CIS events.

Each case failed before (the checks looked for the comparisons in the text) and
passes now (the pattern is parsed and run over sample CloudTrail records). The
chain around the filter is the one tests/checks/test_cloudwatch.py builds on moto.
"""

from __future__ import annotations

import boto3
import pytest

from postureflow.checks.cloudwatch import CIS_PATTERNS, _VPC_EVENTS, events, filter_verdict
from postureflow.testing import DeniedAccess

from .test_cloudwatch import _monitor, _monitored_trail, _topic

VPC = "cloudwatch_changes_to_vpcs_alarm_configured"
VPC_RECORDS = events(*_VPC_EVENTS, source="ec2.amazonaws.com")
FULL_VPC = CIS_PATTERNS[VPC]

FILTER_CASES = [
    ("cis-pattern", FULL_VPC, True),
    ("and-of-two-event-names-matches-nothing", "{($.eventName=CreateVpc) && ($.eventName=DeleteVpc)}", False),
    ("narrowing-and-clause", FULL_VPC[:-1] + "&& $.userIdentity.userName = nobody }", False),
    ("missing-branch", FULL_VPC.replace("|| ($.eventName = DeleteVpc) ", ""), False),
    ("quoted-and-spaced", FULL_VPC.replace("= ", '="').replace(")", '")').replace('"")', '")'), True),
    ("extra-branch-is-fine", FULL_VPC[:-1] + "|| ($.eventName = DescribeVpcs) }", True),
    ("wildcard-branch-covers", "{ $.eventName = *Vpc* }", True),
    ("not-equal-is-not-equal", "{ $.eventName != CreateVpc }", False),
    ("harmless-exclusion", FULL_VPC[:-1] + '&& $.sourceIPAddress != "delivery.logs.amazonaws.com" }', True),
    ("not-a-json-filter", "CreateVpc DeleteVpc", False),
    ("unbalanced", "{ ($.eventName = CreateVpc }", False),
]


@pytest.mark.parametrize("pattern, matches", [c[1:] for c in FILTER_CASES], ids=[c[0] for c in FILTER_CASES])
def test_filter_matches_the_cis_event_set(pattern, matches):
    assert filter_verdict(pattern, VPC_RECORDS)[0] is matches


def _status(run, check_id=VPC):
    return {f["region"]: f["status"] for f in run.of(check_id)}


@pytest.mark.parametrize(
    "pattern",
    ["{($.eventName=CreateVpc) && ($.eventName=DeleteVpc)}", FULL_VPC[:-1] + "&& $.userIdentity.userName = nobody }"],
    ids=["and-of-event-names", "narrowing-user"],
)
def test_pattern_that_misses_events_fails(scan, pattern):
    _monitored_trail()
    _monitor("vpc", pattern, _topic("cis-alerts"))
    run = scan("cloudwatch")
    assert set(_status(run).values()) == {"FAIL"}
    assert "no metric filter there matches" in run.of(VPC)[0]["status_extended"]


def test_trail_without_management_events_fails(scan):
    _monitored_trail()
    _monitor("vpc", FULL_VPC, _topic("cis-alerts"))
    assert set(_status(scan("cloudwatch")).values()) == {"PASS"}
    boto3.client("cloudtrail", region_name="us-east-1").put_event_selectors(
        TrailName="cis-trail",
        EventSelectors=[{"ReadWriteType": "All", "IncludeManagementEvents": False,
                         "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}]}],
    )  # fmt: skip
    run = scan("cloudwatch")
    assert set(_status(run).values()) == {"FAIL"}
    assert "does not log management events" in run.of(VPC)[0]["status_extended"]


def test_read_only_management_events_fail(scan):
    _monitored_trail()
    _monitor("vpc", FULL_VPC, _topic("cis-alerts"))
    boto3.client("cloudtrail", region_name="us-east-1").put_event_selectors(
        TrailName="cis-trail", EventSelectors=[{"ReadWriteType": "ReadOnly", "IncludeManagementEvents": True}]
    )
    assert set(_status(scan("cloudwatch")).values()) == {"FAIL"}


def test_unreadable_filters_give_no_verdict(scan):
    _monitored_trail()
    _monitor("vpc", FULL_VPC, _topic("cis-alerts"))
    run = scan("cloudwatch", access=DeniedAccess("logs:DescribeMetricFilters"))
    assert set(_status(run).values()) == {"MANUAL"}
    assert all(f["status_extended"].startswith("No verdict:") for f in run.of(VPC))
    assert any(e["api"] == "logs:describe_metric_filters" for e in run.errors)


def test_unreadable_trail_selectors_give_no_verdict(scan):
    _monitored_trail()
    _monitor("vpc", FULL_VPC, _topic("cis-alerts"))
    run = scan("cloudwatch", access=DeniedAccess("cloudtrail:GetEventSelectors"))
    statuses = _status(run)
    assert statuses and set(statuses.values()) == {"MANUAL"}
    assert all(f["status_extended"].startswith("No verdict:") for f in run.of(VPC))


def test_unreadable_logs_resource_policies_give_no_verdict(scan):
    boto3.client("logs", region_name="us-east-1").create_log_group(logGroupName="app")
    check_id = "cloudwatch_log_group_not_publicly_accessible"
    assert scan("cloudwatch", regions=["us-east-1"]).status(check_id, "app") == "PASS"
    run = scan("cloudwatch", regions=["us-east-1"], access=DeniedAccess("logs:DescribeResourcePolicies"))
    assert run.status(check_id, "app") == "MANUAL"


def test_public_logs_resource_policy_fails(scan):
    logs = boto3.client("logs", region_name="us-east-1")
    logs.create_log_group(logGroupName="app")
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotPrincipal": {"Service": "x.amazonaws.com"},
                                                        "Action": "logs:PutLogEvents", "Resource": "*"}]}
    logs.put_resource_policy(policyName="open", policyDocument=__import__("json").dumps(document))
    assert scan("cloudwatch", regions=["us-east-1"]).status("cloudwatch_log_group_not_publicly_accessible", "app") == "FAIL"


def test_unreadable_alarms_give_no_verdict(scan):
    _monitored_trail()
    _monitor("vpc", FULL_VPC, _topic("cis-alerts"))
    ok = scan("cloudwatch", regions=["us-east-1"])
    assert ok.status("cloudwatch_alarm_actions_enabled", "vpc") == "PASS"
    run = scan("cloudwatch", regions=["us-east-1"], access=DeniedAccess("cloudwatch:DescribeAlarms"))
    assert run.of("cloudwatch_alarm_actions_enabled") == []  # nothing listed, nothing judged
    assert set(_status(run).values()) == {"MANUAL"}
    assert any(e["api"] == "cloudwatch:describe_alarms" for e in run.errors)
