"""Step Functions checks on state machines created in moto: FAIL, PASS and no verdict."""

import json
from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.lake.query import connect
from postureflow.testing import scan_denied, scan_in_moto

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/sfn"
SECRET = "AKIAIOSFODNN7EXAMPLX"


def _definition(**parameters):
    state = {"Type": "Pass", "End": True}
    if parameters:
        state["Parameters"] = parameters
    return json.dumps({"StartAt": "Only", "States": {"Only": state}})


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        sfn = boto3.client("stepfunctions", region_name=REGION)
        sfn.create_state_machine(name="loose-sm", definition=_definition(aws_access_key_id=SECRET), roleArn=ROLE)
        sfn.create_state_machine(
            name="tight-sm",
            definition=_definition(table="orders"),
            roleArn=ROLE,
            loggingConfiguration={
                "level": "ALL",
                "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": f"arn:aws:logs:{REGION}:123456789012:log-group:sfn:*"}}],
            },
            encryptionConfiguration={"type": "CUSTOMER_MANAGED_KMS_KEY", "kmsKeyId": "alias/sfn"},
        )
        access = AwsAccess.from_default_chain()
        lake = Lake(str(tmp_path_factory.mktemp("lake")))
        run = scan_in_moto(lake, ["stepfunctions"], [REGION], access=access)
        unread = scan_denied(str(tmp_path_factory.mktemp("denied")), ["stepfunctions"], [REGION],
                             "stepfunctions:DescribeStateMachine")  # fmt: skip
    return SimpleNamespace(run=run, calls=access.call_log, unread=unread, lake=lake)


CHECKS = [
    "stepfunctions_statemachine_logging_enabled",
    "stepfunctions_statemachine_encrypted_with_cmk",
    "stepfunctions_statemachine_no_secrets_in_definition",
]


@pytest.mark.parametrize("check", CHECKS)
def test_fail_and_pass(world, check):
    assert world.run.statuses(check) == {"loose-sm": "FAIL", "tight-sm": "PASS"}


@pytest.mark.parametrize("check", CHECKS)
def test_unreadable_machine_gives_no_verdict(world, check):
    assert world.unread.statuses(check) == {"loose-sm": "MANUAL", "tight-sm": "MANUAL"}


def test_the_secret_never_reaches_the_lake(world):
    rows = connect(world.lake, ["inventory", "findings"]).sql(
        "SELECT data FROM inventory UNION ALL SELECT status_extended FROM findings"
    ).fetchall()
    assert rows and not any(SECRET in row[0] for row in rows)


def test_calls(world):
    assert world.run.errors == [] and world.calls.repeated() == []
