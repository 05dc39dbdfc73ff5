"""CloudWatch Logs log group settings and CloudWatch cross-account sharing: FAIL, PASS and no verdict for each.

moto's DescribeLogGroups answers no ``dataProtectionStatus`` / ``inheritedProperties`` (it has no data
protection policies): an after-call hook adds them to its answer, as AWS would send them.
"""

import json
import time
from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import scan_denied, scan_in_moto

REGION = "us-east-1"
ACCOUNT = "123456789012"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/11111111-2222-3333-4444-555555555555"
# What AWS reports for the AgentCore groups moto cannot give a data protection policy.
DATA_PROTECTION = {
    "/aws/bedrock-agentcore/runtimes/masked-agent": {"dataProtectionStatus": "ACTIVATED"},
    "/aws/vendedlogs/bedrock-agentcore/memory/inheriting": {"inheritedProperties": ["ACCOUNT_DATA_PROTECTION"]},
    "/aws/bedrock-agentcore/runtimes/deleted-policy": {"dataProtectionStatus": "DELETED"},
}
# A secret-looking line (an AWS access key id and secret key, made up) and ordinary lines.
SECRET = "aws_secret_access_key = 'Zx9Qk3Lm7Np2Rt5Vw8Yb1Cd4Fg6Hj0KlMnPqRsTuV'"
LEAKY, CLEAN = "/app/leaky", "/app/clean"
NOW_MS = int(time.time() * 1000)  # CloudWatch Logs refuses events older than 14 days
SHARING_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
                   "Action": "sts:AssumeRole"}],
}  # fmt: skip


def _build():
    logs = boto3.client("logs", region_name=REGION)
    logs.create_log_group(logGroupName="/app/encrypted", kmsKeyId=KEY)
    logs.put_retention_policy(logGroupName="/app/encrypted", retentionInDays=400)
    logs.create_log_group(logGroupName="/app/short-lived")
    logs.put_retention_policy(logGroupName="/app/short-lived", retentionInDays=30)
    logs.create_log_group(logGroupName="/app/forever")  # no retention: never expires
    for name in ("/aws/bedrock-agentcore/runtimes/plain-agent", *DATA_PROTECTION):
        logs.create_log_group(logGroupName=name)
    for name, lines in ((LEAKY, ["starting worker", SECRET, "done"]), (CLEAN, ["starting worker", "done"])):
        logs.create_log_group(logGroupName=name)
        logs.create_log_stream(logGroupName=name, logStreamName="main")
        logs.put_log_events(logGroupName=name, logStreamName="main",
                            logEvents=[{"timestamp": NOW_MS + i, "message": m} for i, m in enumerate(lines)])  # fmt: skip
    boto3.client("iam", region_name=REGION).create_role(
        RoleName="CloudWatch-CrossAccountSharingRole", AssumeRolePolicyDocument=json.dumps(SHARING_TRUST)
    )


def _data_protection_hook(access):
    def add(parsed, **_):
        for group in parsed.get("logGroups") or []:
            group.update(DATA_PROTECTION.get(group["logGroupName"], {}))

    # on the session, so clients the engine makes after releasing its first ones answer the same
    access.session().events.register("after-call.cloudwatch-logs.DescribeLogGroups", add)
    return access


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    def lake(name):
        return str(tmp_path_factory.mktemp(name))

    with mock_aws():
        _build()
        access = _data_protection_hook(AwsAccess.from_default_chain())
        run = scan_in_moto(Lake(lake("lake")), ["cloudwatch"], [REGION], access=access)
        reading_lake = Lake(lake("reading"))
        reading_access = AwsAccess.from_default_chain()
        reading = scan_in_moto(reading_lake, ["cloudwatch"], [REGION], access=reading_access,
                               config={"read_customer_data": True})  # fmt: skip
        newest_only = scan_in_moto(Lake(lake("newest")), ["cloudwatch"], [REGION],
                                   config={"read_customer_data": True, "max_cloudwatch_log_groups": 1})  # fmt: skip
        refused = scan_denied(lake("refused"), ["cloudwatch"], [REGION], "logs:FilterLogEvents",
                              config={"read_customer_data": True})  # fmt: skip
        unlisted = scan_denied(lake("unlisted"), ["cloudwatch"], [REGION], "logs:DescribeLogGroups")
        no_roles = scan_denied(lake("no-roles"), ["cloudwatch"], [REGION], "iam:GetRole")
    with mock_aws():  # an account that shares nothing
        unshared = scan_in_moto(Lake(lake("unshared")), ["cloudwatch"], [REGION])
        unshared_denied = scan_denied(lake("unshared-denied"), ["cloudwatch"], [REGION], "iam:GetRole")
    return SimpleNamespace(run=run, calls=access.call_log, unlisted=unlisted, no_roles=no_roles, unshared=unshared,
                           unshared_denied=unshared_denied, reading=reading, reading_lake=reading_lake,
                           reading_calls=reading_access.call_log, newest_only=newest_only, refused=refused)  # fmt: skip


def test_kms_encryption(world):
    statuses = world.run.statuses("cloudwatch_log_group_kms_encryption_enabled")
    assert statuses["/app/encrypted"] == "PASS" and statuses["/app/short-lived"] == "FAIL"
    assert set(statuses.values()) == {"PASS", "FAIL"} and len(statuses) == 9


def test_retention(world):
    statuses = world.run.statuses("cloudwatch_log_group_retention_policy_specific_days_enabled")
    assert statuses["/app/encrypted"] == "PASS"  # 400 days >= Prowler's 365
    assert statuses["/app/short-lived"] == "FAIL"
    assert statuses["/app/forever"] == "PASS"
    finding = next(f for f in world.run.of("cloudwatch_log_group_retention_policy_specific_days_enabled")
                   if f["resource_id"] == "/app/short-lived")  # fmt: skip
    assert "30 days" in finding["status_extended"] and "365" in finding["status_extended"]


def test_retention_minimum_comes_from_the_audit_config():
    from postureflow.checks import all_checks
    from postureflow.config import audit_config

    check = all_checks()["cloudwatch_log_group_retention_policy_specific_days_enabled"]
    assert check.config_values() == {"log_group_retention_days": 365}
    assert check.version_for(audit_config({"log_group_retention_days": 30})) != check.version_for()


def test_agentcore_data_protection(world):
    # Only AgentCore log groups (Prowler's default prefixes) are judged.
    assert world.run.statuses("cloudwatch_log_group_agentcore_data_protection_policy_enabled") == {
        "/aws/bedrock-agentcore/runtimes/plain-agent": "FAIL",
        "/aws/bedrock-agentcore/runtimes/deleted-policy": "FAIL",
        "/aws/bedrock-agentcore/runtimes/masked-agent": "PASS",
        "/aws/vendedlogs/bedrock-agentcore/memory/inheriting": "PASS",
    }


@pytest.mark.parametrize(
    "check",
    [
        "cloudwatch_log_group_kms_encryption_enabled",
        "cloudwatch_log_group_retention_policy_specific_days_enabled",
        "cloudwatch_log_group_agentcore_data_protection_policy_enabled",
    ],
)
def test_unlisted_log_groups_give_no_verdict(world, check):
    # Every field comes from the listing: with it refused there is nothing to judge, and no verdict.
    assert world.unlisted.of(check) == []
    assert any(e["api"] == "logs:describe_log_groups" for e in world.unlisted.errors)


def test_cross_account_sharing(world):
    check = "cloudwatch_cross_account_sharing_disabled"
    assert world.run.statuses(check) == {"CloudWatch-CrossAccountSharingRole": "FAIL"}
    assert "210987654321" in world.run.of(check)[0]["status_extended"]
    [passed] = world.unshared.of(check)
    assert passed["status"] == "PASS" and passed["resource_uid"] == f"arn:aws:iam::{ACCOUNT}:role"
    assert passed["resource_type"] == "Other"


def test_cross_account_sharing_without_the_roles_gives_no_verdict(world):
    check = "cloudwatch_cross_account_sharing_disabled"
    # the sharing role exists here, but unread it must not turn into a PASS
    assert [f["status"] for f in world.no_roles.of(check)] == ["MANUAL"]
    assert [f["status"] for f in world.unshared_denied.of(check)] == ["MANUAL"]


def test_calls(world):
    assert world.calls.repeated() == []
    assert world.run.errors == []
    # the sharing role is one GetRole for the account, not a scan of IAM
    assert world.calls.calls[("iam", REGION, "GetRole")] == 1
    assert not any(operation == "GetAccountAuthorizationDetails" for _, _, operation in world.calls.calls)


# -- secrets in log events: only with read_customer_data on (logs:FilterLogEvents reads customer data) ------


def test_no_secrets_in_logs(world):
    check = "cloudwatch_log_group_no_secrets_in_logs"
    statuses = world.reading.statuses(check)
    assert statuses[LEAKY] == "FAIL" and statuses[CLEAN] == "PASS"
    assert set(statuses.values()) == {"PASS", "FAIL"}
    [leak] = [f for f in world.reading.of(check) if f["status"] == "FAIL"]
    assert "log stream main, event at " in leak["status_extended"] and "Secret Keyword" in leak["status_extended"]
    # one bounded call per log group, never repeated
    assert world.reading_calls.repeated() == []
    assert world.reading_calls.calls[("logs", REGION, "FilterLogEvents")] == len(statuses)


def test_the_secret_never_reaches_the_lake(world):
    from postureflow.lake.query import connect

    con = connect(world.reading_lake, ["inventory", "findings"])
    stored = " ".join(str(r[0]) for r in con.sql(
        "SELECT data FROM inventory UNION ALL SELECT status_extended FROM findings").fetchall())  # fmt: skip
    assert "log stream main" in stored
    assert "Zx9Qk3Lm7Np2Rt5Vw8Yb1Cd4Fg6Hj0KlMnPqRsTuV" not in stored, [r for r in stored.split("\n") if "Zx9" in r]


def test_log_events_are_read_for_the_newest_groups_only(world):
    # max_cloudwatch_log_groups: 1 -> the newest group (created last) is the only one judged, as Prowler
    assert list(world.newest_only.statuses("cloudwatch_log_group_no_secrets_in_logs")) == [CLEAN]


def test_log_events_not_read_give_no_verdict(world):
    check = "cloudwatch_log_group_no_secrets_in_logs"
    # read_customer_data off (the default): no call, every group MANUAL naming the switch
    assert set(world.run.statuses(check).values()) == {"MANUAL"}
    assert all("read_customer_data=false" in f["status_extended"] for f in world.run.of(check))
    assert not any(operation == "FilterLogEvents" for _, _, operation in world.calls.calls)
    # on, but the role lacks the opt-in policy: a scan error and no verdict
    assert set(world.refused.statuses(check).values()) == {"MANUAL"}
    assert any(e["api"] == "logs:filter_log_events" for e in world.refused.errors)
