"""EKS checks against clusters created in moto, scanned once for the module."""

from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import scan_in_moto

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/eks-cluster"
ALL_LOGS = ["api", "audit", "authenticator", "controllerManager", "scheduler"]


def _access():
    """moto's DescribeCluster omits resourcesVpcConfig.clusterSecurityGroupId and deletionProtection, so this
    hook amends its answer from the cluster's tags (sg=<id>, deletion-protection=on|off)."""
    access = AwsAccess.from_default_chain()

    def amend(parsed, **_):
        cluster = parsed.get("cluster") or {}
        tags = cluster.get("tags") or {}
        if tags.get("sg"):
            cluster["resourcesVpcConfig"]["clusterSecurityGroupId"] = tags["sg"]
        if "deletion-protection" in tags:
            cluster["deletionProtection"] = tags["deletion-protection"] == "on"

    for region in (REGION, "eu-west-1"):
        access.client("eks", region).meta.events.register("after-call.eks.DescribeCluster", amend)
    return access


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        eks = boto3.client("eks", region_name=REGION)
        eks.create_cluster(
            name="open-cluster",
            version="1.27",
            roleArn=ROLE,
            resourcesVpcConfig={
                "subnetIds": ["subnet-1"],
                "endpointPublicAccess": True,
                "endpointPrivateAccess": False,
                "publicAccessCidrs": ["0.0.0.0/0"],
            },
            logging={"clusterLogging": [{"types": ["api", "audit"], "enabled": True}]},
            tags={"deletion-protection": "off"},
        )
        eks.create_cluster(
            name="closed-cluster",
            version="1.40",
            roleArn=ROLE,
            resourcesVpcConfig={
                "subnetIds": ["subnet-1"],
                "endpointPublicAccess": False,
                "endpointPrivateAccess": True,
            },
            encryptionConfig=[
                {"resources": ["secrets"], "provider": {"keyArn": "arn:aws:kms:us-east-1:123456789012:key/k1"}}
            ],
            logging={"clusterLogging": [{"types": ALL_LOGS, "enabled": True}]},
            tags={"deletion-protection": "on", "sg": "sg-0123456789abcdef0"},
        )
        eks.create_cluster(
            name="office-cluster",
            version="1.40",
            roleArn=ROLE,
            resourcesVpcConfig={
                "subnetIds": ["subnet-1"],
                "endpointPublicAccess": True,
                "endpointPrivateAccess": True,
                "publicAccessCidrs": ["203.0.113.0/24"],
            },
        )
        access = _access()
        lake = Lake(str(tmp_path_factory.mktemp("eks-lake")))
        run = scan_in_moto(lake, ["eks"], regions=[REGION, "eu-west-1"], access=access)
    return SimpleNamespace(run=run, calls=access.call_log)


def test_cluster_not_publicly_accessible(world):
    check = "eks_cluster_not_publicly_accessible"
    assert world.run.status(check, "open-cluster") == "FAIL"
    assert world.run.status(check, "closed-cluster") == "PASS"
    assert world.run.status(check, "office-cluster") == "PASS"  # public, but only from one network


def test_cluster_private_nodes_enabled(world):
    assert world.run.status("eks_cluster_private_nodes_enabled", "open-cluster") == "FAIL"
    assert world.run.status("eks_cluster_private_nodes_enabled", "closed-cluster") == "PASS"


def test_cluster_kms_cmk_encryption_in_secrets_enabled(world):
    assert world.run.status("eks_cluster_kms_cmk_encryption_in_secrets_enabled", "open-cluster") == "FAIL"
    assert world.run.status("eks_cluster_kms_cmk_encryption_in_secrets_enabled", "closed-cluster") == "PASS"


def test_control_plane_logging_all_types_enabled(world):
    check = "eks_control_plane_logging_all_types_enabled"
    assert world.run.status(check, "open-cluster") == "FAIL"
    assert world.run.status(check, "office-cluster") == "FAIL"  # no logging at all
    assert world.run.status(check, "closed-cluster") == "PASS"


def test_cluster_uses_a_supported_version(world):
    assert world.run.status("eks_cluster_uses_a_supported_version", "open-cluster") == "FAIL"  # 1.27
    assert world.run.status("eks_cluster_uses_a_supported_version", "closed-cluster") == "PASS"


def test_cluster_deletion_protection_enabled(world):
    check = "eks_cluster_deletion_protection_enabled"
    assert world.run.status(check, "open-cluster") == "FAIL"
    assert world.run.status(check, "closed-cluster") == "PASS"
    assert "office-cluster" not in world.run.statuses(check)  # the API said nothing


def test_cluster_network_policy_enabled(world):
    assert world.run.status("eks_cluster_network_policy_enabled", "open-cluster") == "FAIL"
    assert world.run.status("eks_cluster_network_policy_enabled", "closed-cluster") == "PASS"


def test_each_call_made_once_and_no_scan_errors(world):
    assert world.calls.repeated() == []
    assert world.run.errors == []


def test_supported_version_follows_the_calendar():
    """Judged as of the inventory's day: 1.33 leaves standard support on 2026-07-29."""
    import datetime as dt

    from postureflow.checks.eks import eks_cluster_uses_a_supported_version
    from postureflow.inventory import Resource

    cluster = Resource("clusters", "arn:aws:eks:us-east-1:123456789012:cluster/c", "c", REGION, {}, {"version": "1.33"})
    before = dt.datetime(2026, 7, 28, tzinfo=dt.timezone.utc)
    after = dt.datetime(2026, 7, 30, tzinfo=dt.timezone.utc)
    assert [r.status for r in eks_cluster_uses_a_supported_version([cluster], before)] == ["PASS"]
    assert [r.status for r in eks_cluster_uses_a_supported_version([cluster], after)] == ["FAIL"]
