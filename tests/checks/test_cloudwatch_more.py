"""CloudWatch alarm and log group checks: one moto account, built once, scanned once."""

import json
from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import scan_in_moto

ACCOUNT = "123456789012"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:alerts"


def _alarm(name, region="us-east-1", **kwargs):
    boto3.client("cloudwatch", region_name=region).put_metric_alarm(
        AlarmName=name,
        Namespace="AWS/EC2",
        MetricName="CPUUtilization",
        Statistic="Average",
        Period=300,
        EvaluationPeriods=1,
        Threshold=90,
        ComparisonOperator="GreaterThanThreshold",
        **kwargs,
    )


def _logs_policy(name, resource, condition=None, region="us-east-1"):
    statement = {
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": resource,
    }
    if condition:
        statement["Condition"] = condition
    boto3.client("logs", region_name=region).put_resource_policy(
        policyName=name, policyDocument=json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    )


def _build():
    _alarm("silent-alarm", ActionsEnabled=False, AlarmActions=[TOPIC])
    _alarm("no-action-alarm", ActionsEnabled=True)
    _alarm("paging-alarm", "eu-west-1", ActionsEnabled=True, AlarmActions=[TOPIC])

    logs = boto3.client("logs", region_name="us-east-1")
    for name in ("/public/app", "/private/app", "/narrowed/app"):
        logs.create_log_group(logGroupName=name)
    boto3.client("logs", region_name="eu-west-1").create_log_group(logGroupName="/eu/app")
    _logs_policy("open-to-all", f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/public/*")
    _logs_policy(
        "route53-only",
        f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/narrowed/*",
        condition={"StringEquals": {"aws:SourceAccount": ACCOUNT}},
    )


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        _build()
        access = AwsAccess.from_default_chain()
        lake = Lake(str(tmp_path_factory.mktemp("cloudwatch-lake")))
        run = scan_in_moto(lake, ["cloudwatch"], regions=["us-east-1", "eu-west-1"], access=access)
    return SimpleNamespace(run=run, calls=access.call_log)


def test_alarm_actions_enabled(world):
    assert world.run.statuses("cloudwatch_alarm_actions_enabled") == {
        "silent-alarm": "FAIL",
        "no-action-alarm": "PASS",
        "paging-alarm": "PASS",
    }


def test_alarm_actions_alarm_state_configured(world):
    assert world.run.statuses("cloudwatch_alarm_actions_alarm_state_configured") == {
        "silent-alarm": "PASS",
        "no-action-alarm": "FAIL",
        "paging-alarm": "PASS",
    }


def test_log_group_not_publicly_accessible(world):
    check = "cloudwatch_log_group_not_publicly_accessible"
    assert world.run.statuses(check) == {
        "/public/app": "FAIL",
        "/private/app": "PASS",
        "/narrowed/app": "PASS",
        "/eu/app": "PASS",
    }
    finding = next(f for f in world.run.of(check) if f["status"] == "FAIL")
    assert "open-to-all" in finding["status_extended"]
    assert finding["resource_uid"] == f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/public/app"


def test_collection_calls(world):
    assert world.calls.repeated() == []
    assert not world.run.errors
