"""S3 replication, default encryption, event notifications, the object ACL spot check, and the account
block's 'no bucket, no verdict' rule: one moto account, scanned with and without the opt-in audit config."""

from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import DeniedAccess, scan_in_moto

ACCOUNT = "123456789012"
REGIONS = ["us-east-1", "eu-west-1"]
SAMPLING = {"s3_bucket_object_public_enabled": True, "s3_bucket_object_public_sample_size": 2}


def _bucket(name, region="us-east-1", versioned=False):
    s3 = boto3.client("s3", region_name=region)
    kwargs = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=name, **kwargs)
    if versioned:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return s3


def _replicate(s3, source, destination, status="Enabled"):
    s3.put_bucket_replication(
        Bucket=source,
        ReplicationConfiguration={
            "Role": f"arn:aws:iam::{ACCOUNT}:role/replication",
            "Rules": [{"ID": "copy", "Status": status, "Priority": 1, "Filter": {"Prefix": ""},
                       "DeleteMarkerReplication": {"Status": "Disabled"},
                       "Destination": {"Bucket": f"arn:aws:s3:::{destination}"}}],
        },
    )  # fmt: skip


def _build():
    _bucket("dest-eu", "eu-west-1", versioned=True)
    _bucket("dest-us", versioned=True)
    _replicate(_bucket("repl-away", versioned=True), "repl-away", "dest-eu")
    _replicate(_bucket("repl-same", versioned=True), "repl-same", "dest-us")
    _replicate(_bucket("repl-unseen", versioned=True), "repl-unseen", "someone-elses-bucket")
    _replicate(_bucket("repl-disabled", versioned=True), "repl-disabled", "dest-eu", status="Disabled")

    s3 = _bucket("encrypted")
    s3.put_bucket_encryption(
        Bucket="encrypted",
        ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
    )
    s3.put_bucket_notification_configuration(
        Bucket="encrypted",
        NotificationConfiguration={"QueueConfigurations": [
            {"QueueArn": f"arn:aws:sqs:us-east-1:{ACCOUNT}:events", "Events": ["s3:ObjectCreated:*"]}]},
    )  # fmt: skip (moto drops an EventBridgeConfiguration)

    s3 = _bucket("public-objects")
    s3.put_object(Bucket="public-objects", Key="a-private.txt", Body=b"x")
    s3.put_object(Bucket="public-objects", Key="b-public.txt", Body=b"x", ACL="public-read")
    s3 = _bucket("private-objects", "eu-west-1")
    for key in ("one", "two", "three"):
        s3.put_object(Bucket="private-objects", Key=key, Body=b"x")
    s3 = _bucket("ignored-objects")
    s3.put_object(Bucket="ignored-objects", Key="public.txt", Body=b"x", ACL="public-read")
    s3.put_public_access_block(
        Bucket="ignored-objects",
        PublicAccessBlockConfiguration={"BlockPublicAcls": False, "IgnorePublicAcls": True,
                                        "BlockPublicPolicy": False, "RestrictPublicBuckets": False},
    )  # fmt: skip


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        _build()
        access = AwsAccess.from_default_chain()
        run = scan_in_moto(Lake(str(tmp_path_factory.mktemp("lake"))), ["s3"], REGIONS, access=access, config=SAMPLING)
        yield SimpleNamespace(run=run, calls=access.call_log, lakes=tmp_path_factory)


def test_collection_is_clean(world):
    assert world.calls.repeated() == []
    assert [e for e in world.run.errors if e["service"] == "s3"] == []


def test_cross_region_replication(world):
    statuses = world.run.statuses("s3_bucket_cross_region_replication")
    assert statuses["repl-away"] == "PASS"
    assert statuses["repl-same"] == "FAIL"
    assert statuses["repl-disabled"] == "FAIL"
    assert statuses["encrypted"] == "FAIL"  # no replication at all
    # the destination is not in the inventory: its region is unknown, so no verdict (Prowler: FAIL)
    assert statuses["repl-unseen"] == "MANUAL"
    [unseen] = [f for f in world.run.of("s3_bucket_cross_region_replication") if f["resource_id"] == "repl-unseen"]
    assert unseen["status_extended"].startswith("No verdict:") and "someone-elses-bucket" in unseen["status_extended"]


def test_default_encryption(world):
    assert world.run.status("s3_bucket_default_encryption", "encrypted") == "PASS"
    # moto, like S3 before 2023, leaves a new bucket without default encryption
    assert world.run.status("s3_bucket_default_encryption", "repl-same") == "FAIL"


def test_event_notifications(world):
    assert world.run.status("s3_bucket_event_notifications_enabled", "encrypted") == "PASS"
    assert world.run.status("s3_bucket_event_notifications_enabled", "repl-same") == "FAIL"


def test_object_public_spot_check(world):
    statuses = world.run.statuses("s3_bucket_object_public")
    assert statuses["public-objects"] == "FAIL"
    assert statuses["private-objects"] == "PASS"
    assert statuses["ignored-objects"] == "PASS"  # IgnorePublicAcls: S3 ignores the grant
    assert statuses["repl-same"] == "PASS"  # empty
    [public] = [f for f in world.run.of("s3_bucket_object_public") if f["resource_id"] == "public-objects"]
    assert "b-public.txt" in public["status_extended"]


def test_object_public_is_off_by_default_and_reads_no_object(world):
    access = AwsAccess.from_default_chain()
    run = scan_in_moto(Lake(str(world.lakes.mktemp("default"))), ["s3"], REGIONS, access=access)
    assert run.of("s3_bucket_object_public") == []
    assert run.status("s3_bucket_default_encryption", "encrypted") == "PASS"


def test_unread_settings_are_no_verdict(world):
    access = DeniedAccess("s3:GetBucketReplication", "s3:GetBucketEncryption", "s3:GetBucketNotificationConfiguration",
                          "s3:GetObjectAcl")  # fmt: skip
    run = scan_in_moto(Lake(str(world.lakes.mktemp("denied"))), ["s3"], REGIONS, access=access, config=SAMPLING)
    assert {h.split(":", 1)[1] for h in access.hits} == {
        "GetBucketReplication", "GetBucketEncryption", "GetBucketNotificationConfiguration", "GetObjectAcl"}
    assert run.status("s3_bucket_cross_region_replication", "repl-away") == "MANUAL"
    assert run.status("s3_bucket_cross_region_replication", "encrypted") == "MANUAL"
    assert run.status("s3_bucket_default_encryption", "encrypted") == "MANUAL"
    assert run.status("s3_bucket_event_notifications_enabled", "encrypted") == "MANUAL"
    assert run.status("s3_bucket_object_public", "public-objects") == "MANUAL"
    assert run.status("s3_bucket_object_public", "repl-same") == "PASS"  # empty: no ACL to read

