"""Kinesis checks on streams created in moto: FAIL, PASS and no verdict for each."""

from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import scan_denied, scan_in_moto

REGION = "us-east-1"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        kinesis = boto3.client("kinesis", region_name=REGION)
        kinesis.create_stream(StreamName="plain-stream", ShardCount=1)
        kinesis.create_stream(StreamName="kept-stream", ShardCount=1)
        kinesis.increase_stream_retention_period(StreamName="kept-stream", RetentionPeriodHours=168)
        kinesis.start_stream_encryption(StreamName="kept-stream", EncryptionType="KMS", KeyId="alias/aws/kinesis")
        access = AwsAccess.from_default_chain()
        run = scan_in_moto(Lake(str(tmp_path_factory.mktemp("lake"))), ["kinesis"], [REGION], access=access)
        unread = scan_denied(str(tmp_path_factory.mktemp("denied")), ["kinesis"], [REGION], "kinesis:DescribeStreamSummary")
        unlisted = scan_denied(str(tmp_path_factory.mktemp("unlisted")), ["kinesis"], [REGION], "kinesis:ListStreams")
    return SimpleNamespace(run=run, calls=access.call_log, unread=unread, unlisted=unlisted)


def test_data_retention_period(world):
    # moto's default is AWS's: 24 hours, below Prowler's 168-hour minimum
    assert world.run.statuses("kinesis_stream_data_retention_period") == {"plain-stream": "FAIL", "kept-stream": "PASS"}


def test_encrypted_at_rest(world):
    assert world.run.statuses("kinesis_stream_encrypted_at_rest") == {"plain-stream": "FAIL", "kept-stream": "PASS"}


@pytest.mark.parametrize("check", ["kinesis_stream_data_retention_period", "kinesis_stream_encrypted_at_rest"])
def test_unreadable_stream_gives_no_verdict(world, check):
    assert world.unread.statuses(check) == {"plain-stream": "MANUAL", "kept-stream": "MANUAL"}
    assert world.unlisted.of(check) == []


def test_retention_minimum_comes_from_the_audit_config(world):
    from postureflow.checks import all_checks
    from postureflow.config import audit_config

    check = all_checks()["kinesis_stream_data_retention_period"]
    assert check.config_values() == {"min_kinesis_stream_retention_hours": 168}
    assert check.version_for(audit_config({"min_kinesis_stream_retention_hours": 24})) != check.version_for()


def test_calls(world):
    assert world.run.errors == [] and world.calls.repeated() == []
