"""SQS checks: one moto account, built once, scanned once."""

import json
from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import scan_denied, scan_in_moto

ACCOUNT = "123456789012"


def _queue(name, region="us-east-1", principal=None, condition=None, **attributes):
    sqs = boto3.client("sqs", region_name=region)
    if principal is not None:
        statement = {
            "Effect": "Allow",
            "Principal": principal,
            "Action": "sqs:SendMessage",
            "Resource": f"arn:aws:sqs:{region}:{ACCOUNT}:{name}",
        }
        if condition:
            statement["Condition"] = condition
        attributes["Policy"] = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    return sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]


def _build():
    _queue("plain-queue", SqsManagedSseEnabled="false")
    _queue("kms-queue", "eu-west-1", KmsMasterKeyId="alias/aws/sqs")
    _queue("sse-queue", SqsManagedSseEnabled="true")
    _queue("open-queue", principal="*")
    _queue(
        "sns-fed-queue",
        principal={"Service": "sns.amazonaws.com"},
        condition={"ArnEquals": {"aws:SourceArn": f"arn:aws:sns:us-east-1:{ACCOUNT}:feed"}},
    )
    _queue(
        "narrowed-queue",
        principal={"AWS": "*"},
        condition={"ArnLike": {"aws:SourceArn": f"arn:aws:sns:us-east-1:{ACCOUNT}:feed"}},
    )


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        _build()
        access = AwsAccess.from_default_chain()
        lake = Lake(str(tmp_path_factory.mktemp("sqs-lake")))
        run = scan_in_moto(lake, ["sqs"], regions=["us-east-1", "eu-west-1"], access=access)
        unread = scan_denied(str(tmp_path_factory.mktemp("denied")), ["sqs"], ["us-east-1"], "sqs:GetQueueAttributes")
    return SimpleNamespace(run=run, calls=access.call_log, unread=unread)


def test_queues_server_side_encryption_enabled(world):
    check = "sqs_queues_server_side_encryption_enabled"
    assert world.run.status(check, "plain-queue") == "FAIL"
    assert world.run.status(check, "kms-queue") == "PASS"
    assert world.run.status(check, "sse-queue") == "PASS"
    regions = {f["resource_id"]: f["region"] for f in world.run.of(check)}
    assert regions["kms-queue"] == "eu-west-1" and regions["plain-queue"] == "us-east-1"


def test_queues_not_publicly_accessible(world):
    check = "sqs_queues_not_publicly_accessible"
    assert world.run.status(check, "open-queue") == "FAIL"
    assert world.run.status(check, "plain-queue") == "PASS"
    assert world.run.status(check, "sns-fed-queue") == "PASS"
    assert world.run.status(check, "narrowed-queue") == "PASS"
    assert world.run.status(check, f"arn:aws:sqs:us-east-1:{ACCOUNT}:open-queue") == "FAIL"


def test_collection_calls(world):
    assert world.calls.repeated() == []
    assert not world.run.errors


@pytest.mark.parametrize("check", ["sqs_queues_server_side_encryption_enabled", "sqs_queues_not_publicly_accessible"])
def test_unreadable_attributes_give_no_verdict(world, check):
    statuses = world.unread.statuses(check)
    assert statuses and set(statuses.values()) == {"MANUAL"}
    assert all(f["status_extended"].startswith("No verdict:") for f in world.unread.of(check))
