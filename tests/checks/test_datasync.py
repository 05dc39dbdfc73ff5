"""DataSync check on tasks created in moto: FAIL, PASS and no verdict."""

from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import scan_denied, scan_in_moto

REGION = "us-east-1"
CHECK = "datasync_task_logging_enabled"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        datasync = boto3.client("datasync", region_name=REGION)
        source = datasync.create_location_smb(ServerHostname="files.internal", Subdirectory="/share", User="u",
                                              Password="moto-only", AgentArns=["arn:aws:datasync:us-east-1:123456789012:agent/agent-1"])  # fmt: skip
        target = datasync.create_location_s3(S3BucketArn="arn:aws:s3:::target-bucket",
                                             S3Config={"BucketAccessRoleArn": "arn:aws:iam::123456789012:role/ds"})  # fmt: skip
        common = dict(SourceLocationArn=source["LocationArn"], DestinationLocationArn=target["LocationArn"])
        datasync.create_task(Name="silent-task", **common)
        datasync.create_task(Name="logged-task", CloudWatchLogGroupArn="arn:aws:logs:us-east-1:123456789012:log-group:ds", **common)
        access = AwsAccess.from_default_chain()
        run = scan_in_moto(Lake(str(tmp_path_factory.mktemp("lake"))), ["datasync"], [REGION], access=access)
        unread = scan_denied(str(tmp_path_factory.mktemp("denied")), ["datasync"], [REGION], "datasync:DescribeTask")
    return SimpleNamespace(run=run, calls=access.call_log, unread=unread)


def test_logging_enabled(world):
    assert world.run.statuses(CHECK) == {"silent-task": "FAIL", "logged-task": "PASS"}


def test_unreadable_task_gives_no_verdict(world):
    assert world.unread.statuses(CHECK) == {"silent-task": "MANUAL", "logged-task": "MANUAL"}


def test_calls(world):
    assert world.run.errors == [] and world.calls.repeated() == []
