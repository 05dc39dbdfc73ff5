"""MemoryDB checks on clusters created in moto: FAIL, PASS and no verdict."""

from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import scan_denied, scan_in_moto

REGION = "us-east-1"
CHECKS = ["memorydb_cluster_auto_minor_version_upgrades", "memorydb_cluster_in_transit_encryption_enabled"]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        memorydb = boto3.client("memorydb", region_name=REGION)
        memorydb.create_cluster(ClusterName="loose-mdb", NodeType="db.t4g.small", ACLName="open-access",
                                TLSEnabled=False, AutoMinorVersionUpgrade=False)  # fmt: skip
        memorydb.create_cluster(ClusterName="tight-mdb", NodeType="db.t4g.small", ACLName="open-access",
                                TLSEnabled=True, AutoMinorVersionUpgrade=True)  # fmt: skip
        access = AwsAccess.from_default_chain()
        run = scan_in_moto(Lake(str(tmp_path_factory.mktemp("lake"))), ["memorydb"], [REGION], access=access)
        unlisted = scan_denied(str(tmp_path_factory.mktemp("denied")), ["memorydb"], [REGION], "memorydb:DescribeClusters")
    return SimpleNamespace(run=run, calls=access.call_log, unlisted=unlisted)


@pytest.mark.parametrize("check", CHECKS)
def test_fail_and_pass(world, check):
    assert world.run.statuses(check) == {"loose-mdb": "FAIL", "tight-mdb": "PASS"}


@pytest.mark.parametrize("check", CHECKS)
def test_unlisted_clusters_give_no_verdict(world, check):
    # DescribeClusters is both the listing and the description: refused, there is nothing to judge
    assert world.unlisted.of(check) == []
    assert "memorydb:describe_clusters" in {e["api"] for e in world.unlisted.errors}


def test_calls(world):
    assert world.run.errors == [] and world.calls.repeated() == []
