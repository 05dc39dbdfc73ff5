"""Batch check on job definitions registered in moto: FAIL, PASS and no verdict; the secret never stored."""

from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.lake.query import connect
from postureflow.testing import scan_denied, scan_in_moto

REGION = "us-east-1"
SECRET = "AKIAIOSFODNN7EXAMPLX"
CHECK = "batch_job_definition_no_secrets"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        batch = boto3.client("batch", region_name=REGION)
        container = lambda env, command: {"image": "busybox", "vcpus": 1, "memory": 128,  # noqa: E731
                                          "environment": env, "command": command}  # fmt: skip
        batch.register_job_definition(jobDefinitionName="leaky-job", type="container",
                                      containerProperties=container([{"name": "AWS_ACCESS_KEY_ID", "value": SECRET}], ["run"]))  # fmt: skip
        batch.register_job_definition(jobDefinitionName="clean-job", type="container",
                                      containerProperties=container([{"name": "LOG_LEVEL", "value": "info"}], ["run", "--fast"]))  # fmt: skip
        access = AwsAccess.from_default_chain()
        lake = Lake(str(tmp_path_factory.mktemp("lake")))
        run = scan_in_moto(lake, ["batch"], [REGION], access=access)
        unlisted = scan_denied(str(tmp_path_factory.mktemp("denied")), ["batch"], [REGION], "batch:DescribeJobDefinitions")
    return SimpleNamespace(run=run, unlisted=unlisted, lake=lake, calls=access.call_log)


def test_no_secrets(world):
    assert world.run.statuses(CHECK) == {"leaky-job:1": "FAIL", "clean-job:1": "PASS"}


def test_unlisted_definitions_give_no_verdict(world):
    assert world.unlisted.of(CHECK) == []


def test_the_secret_never_reaches_the_lake(world):
    rows = connect(world.lake, ["inventory", "findings"]).sql(
        "SELECT data FROM inventory UNION ALL SELECT status_extended FROM findings").fetchall()
    assert rows and not any(SECRET in row[0] for row in rows)


def test_calls(world):
    assert world.run.errors == [] and world.calls.repeated() == []
