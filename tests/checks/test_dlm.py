"""DLM check: a region with EBS snapshots needs a lifecycle policy. FAIL, PASS and no verdict."""

from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import DeniedAccess, answer_in_moto, scan_in_moto

HAS_POLICY, NO_POLICY, NO_SNAPSHOTS = "us-east-1", "eu-west-1", "us-west-2"
REGIONS = [HAS_POLICY, NO_POLICY, NO_SNAPSHOTS]
CHECK = "dlm_ebs_snapshot_lifecycle_policy_exists"


def _snapshot(region):
    ec2 = boto3.client("ec2", region_name=region)
    volume = ec2.create_volume(AvailabilityZone=f"{region}a", Size=1)["VolumeId"]
    ec2.create_snapshot(VolumeId=volume)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        _snapshot(HAS_POLICY)
        _snapshot(NO_POLICY)
        access = _answer_dlm(AwsAccess.from_default_chain())
        run = scan_in_moto(Lake(str(tmp_path_factory.mktemp("lake"))), ["dlm"], REGIONS, access=access)
        unread = _denied(tmp_path_factory, "dlm:GetLifecyclePolicies")
        no_snapshots = _denied(tmp_path_factory, "ec2:DescribeSnapshots")
    return SimpleNamespace(run=run, calls=access.call_log, unread=unread, no_snapshots=no_snapshots)


def _answer_dlm(access):
    """moto has no DLM: answer_in_moto answers GetLifecyclePolicies in its place, one policy in HAS_POLICY."""

    def policies(region, _):
        found = [{"PolicyId": "policy-0123456789abcdef0", "State": "ENABLED", "PolicyType": "EBS_SNAPSHOT_MANAGEMENT"}]
        return {"Policies": found if region == HAS_POLICY else []}

    return answer_in_moto(access, REGIONS, {"dlm:GetLifecyclePolicies": policies})


def _denied(tmp_path_factory, operation):
    access = _answer_dlm(DeniedAccess(operation))
    run = scan_in_moto(Lake(str(tmp_path_factory.mktemp("denied"))), ["dlm"], REGIONS, access=access)
    assert access.hits
    return run


def _by_region(run):
    return {f["region"]: f["status"] for f in run.of(CHECK)}


def test_lifecycle_policy_exists(world):
    assert _by_region(world.run) == {HAS_POLICY: "PASS", NO_POLICY: "FAIL"}


def test_unreadable_policies_give_no_verdict(world):
    assert _by_region(world.unread) == {HAS_POLICY: "MANUAL", NO_POLICY: "MANUAL"}


def test_unlisted_snapshots_give_no_verdict(world):
    # which regions hold snapshots is unknown: no region is judged (no PASS, no FAIL); the scan errors say why
    assert _by_region(world.no_snapshots) == {}
    assert {(e["region"], e["api"]) for e in world.no_snapshots.errors} >= {(r, "ec2:describe_snapshots") for r in REGIONS}
