"""EKS verdicts the other EKS tests leave out: a cluster whose description could not be read."""

from __future__ import annotations

import boto3
import pytest

from postureflow.checks import checks_for_service
from postureflow.testing import scan_denied


@pytest.fixture
def old_cluster(aws):
    boto3.client("eks", region_name="us-east-1").create_cluster(
        name="old-cluster", version="1.27", roleArn="arn:aws:iam::123456789012:role/eks",
        resourcesVpcConfig={"subnetIds": ["subnet-1"]},
    )  # fmt: skip
    return "old-cluster"


# Every EKS check judges what DescribeCluster says; refused, it must give no verdict, never a skip.
@pytest.mark.parametrize("check", sorted(c.id for c in checks_for_service("eks")))
def test_unread_cluster_gets_no_verdict(old_cluster, tmp_path, check):
    run = scan_denied(str(tmp_path), ["eks"], ["us-east-1"], "eks:DescribeCluster")
    assert run.statuses(check) == {old_cluster: "MANUAL"}
