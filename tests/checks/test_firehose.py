"""Firehose checks on delivery streams created in moto: FAIL, PASS and no verdict."""

from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import scan_denied, scan_in_moto

REGION = "us-east-1"
ACCOUNT = "123456789012"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        boto3.client("s3", region_name=REGION).create_bucket(Bucket="firehose-target")
        firehose = boto3.client("firehose", region_name=REGION)
        target = {"RoleARN": f"arn:aws:iam::{ACCOUNT}:role/firehose", "BucketARN": "arn:aws:s3:::firehose-target"}
        firehose.create_delivery_stream(DeliveryStreamName="plain-fh", ExtendedS3DestinationConfiguration=target)
        firehose.create_delivery_stream(DeliveryStreamName="sealed-fh", ExtendedS3DestinationConfiguration=target)
        firehose.start_delivery_stream_encryption(
            DeliveryStreamName="sealed-fh", DeliveryStreamEncryptionConfigurationInput={"KeyType": "AWS_OWNED_CMK"}
        )
        access = AwsAccess.from_default_chain()
        run = scan_in_moto(Lake(str(tmp_path_factory.mktemp("lake"))), ["firehose"], [REGION], access=access)
        unread = scan_denied(str(tmp_path_factory.mktemp("denied")), ["firehose"], [REGION], "firehose:DescribeDeliveryStream")
        unlisted = scan_denied(str(tmp_path_factory.mktemp("unlisted")), ["firehose"], [REGION], "firehose:ListDeliveryStreams")
    return SimpleNamespace(run=run, calls=access.call_log, unread=unread, unlisted=unlisted)


def test_encrypted_at_rest(world):
    assert world.run.statuses("firehose_stream_encrypted_at_rest") == {"plain-fh": "FAIL", "sealed-fh": "PASS"}


def test_unreadable_stream_gives_no_verdict(world):
    assert world.unread.statuses("firehose_stream_encrypted_at_rest") == {"plain-fh": "MANUAL", "sealed-fh": "MANUAL"}
    assert world.unlisted.of("firehose_stream_encrypted_at_rest") == []


def test_calls(world):
    assert world.run.errors == [] and world.calls.repeated() == []
