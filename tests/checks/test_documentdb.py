"""DocumentDB checks judge the DocumentDB clusters and cluster snapshots that the rds collector lists."""

from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import scan_in_moto

REGIONS = ["us-east-1", "eu-west-1"]
PASSWORD = "password123"


def _rds(region="us-east-1"):
    return boto3.client("rds", region_name=region)


def _cluster(name, zones=("a",), region="us-east-1", **kwargs):
    # moto refuses Engine="docdb"; the clusters are made as Aurora PostgreSQL and _docdb_access relabels them.
    rds = _rds(region)
    rds.create_db_cluster(
        DBClusterIdentifier=name, Engine="aurora-postgresql", MasterUsername="docowner", MasterUserPassword=PASSWORD,
        **kwargs,
    )
    for zone in zones:
        rds.create_db_instance(
            DBInstanceIdentifier=f"{name}-{zone}",
            DBClusterIdentifier=name,
            DBInstanceClass="db.r6g.large",
            Engine="aurora-postgresql",
            AvailabilityZone=f"{region}{zone}",
        )


def _docdb_access(access=None):
    """moto's RDS backend does not accept the docdb engine, so this hook amends its answers: clusters,
    instances and cluster snapshots whose name starts with "docs-" report Engine "docdb", as DocumentDB's
    do in the shared RDS API."""
    access = access or AwsAccess.from_default_chain()

    def relabel(parsed, **_):
        for key, name_key in (
            ("DBClusters", "DBClusterIdentifier"),
            ("DBInstances", "DBInstanceIdentifier"),
            ("DBClusterSnapshots", "DBClusterSnapshotIdentifier"),
        ):
            for item in parsed.get(key, []):
                if item.get(name_key, "").startswith("docs-"):
                    item["Engine"] = "docdb"

    def hook(client, service, region):  # on every rds client the scan makes (released between services)
        if service == "rds" and region in REGIONS:
            for operation in ("DescribeDBClusters", "DescribeDBInstances", "DescribeDBClusterSnapshots"):
                client.meta.events.register(f"after-call.rds.{operation}", relabel)

    access.on_client(hook)
    return access


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        _cluster("docs-bad", BackupRetentionPeriod=3, EnableCloudwatchLogsExports=["audit"])
        _cluster(
            "docs-good",
            zones=("a", "b"),
            BackupRetentionPeriod=14,
            EnableCloudwatchLogsExports=["audit", "profiler"],
            DeletionProtection=True,
            StorageEncrypted=True,
        )
        _cluster("docs-eu", region="eu-west-1", BackupRetentionPeriod=7, EnableCloudwatchLogsExports=["profiler"])
        rds = _rds()
        rds.create_db_cluster_snapshot(DBClusterIdentifier="docs-bad", DBClusterSnapshotIdentifier="docs-bad-snap")
        rds.modify_db_cluster_snapshot_attribute(
            DBClusterSnapshotIdentifier="docs-bad-snap", AttributeName="restore", ValuesToAdd=["all"]
        )
        rds.create_db_cluster_snapshot(DBClusterIdentifier="docs-good", DBClusterSnapshotIdentifier="docs-good-snap")
        rds.modify_db_cluster_snapshot_attribute(
            DBClusterSnapshotIdentifier="docs-good-snap", AttributeName="restore", ValuesToAdd=["210987654321"]
        )
        # An Aurora cluster (not relabelled) is RDS's to judge, not DocumentDB's.
        _cluster("app-aurora")
        rds.create_db_cluster_snapshot(DBClusterIdentifier="app-aurora", DBClusterSnapshotIdentifier="app-snap")
        access = _docdb_access()
        lake = Lake(str(tmp_path_factory.mktemp("documentdb-lake")))
        run = scan_in_moto(lake, ["documentdb", "rds"], regions=REGIONS, access=access)
    return SimpleNamespace(run=run, calls=access.call_log)


def _outcomes(world, check_id, **expected):
    for name, status in expected.items():
        assert world.run.status(check_id, name.replace("_", "-")) == status, (check_id, name)


def test_documentdb_and_rds_split_the_clusters(world):
    assert world.calls.repeated() == []
    by_service: dict[str, set] = {}
    for f in world.run.findings:
        by_service.setdefault(f["service"], set()).add(f["resource_id"])
    assert by_service["documentdb"] >= {"docs-bad", "docs-good", "docs-eu", "docs-bad-snap"}
    assert not any(r.startswith("app-") for r in by_service["documentdb"])
    assert not any(r.startswith("docs-") for r in by_service["rds"])
    assert "app-aurora" in by_service["rds"]


def test_cluster_backup_enabled(world):
    _outcomes(world, "documentdb_cluster_backup_enabled", docs_bad="FAIL", docs_good="PASS", docs_eu="PASS")


def test_cluster_cloudwatch_log_export(world):
    check = "documentdb_cluster_cloudwatch_log_export"
    _outcomes(world, check, docs_bad="FAIL", docs_good="PASS", docs_eu="FAIL")
    texts = {f["resource_id"]: f["status_extended"] for f in world.run.of(check)}
    assert "profiler" in texts["docs-bad"] and "audit" in texts["docs-eu"]


def test_cluster_deletion_protection(world):
    _outcomes(world, "documentdb_cluster_deletion_protection", docs_bad="FAIL", docs_good="PASS")


def test_cluster_multi_az_enabled(world):
    _outcomes(world, "documentdb_cluster_multi_az_enabled", docs_bad="FAIL", docs_good="PASS")


def test_cluster_public_snapshot(world):
    # Only manual snapshots can be shared; moto's automated ones are not judged.
    check = "documentdb_cluster_public_snapshot"
    assert world.run.statuses(check) == {"docs-bad-snap": "FAIL", "docs-good-snap": "PASS"}
    assert {f["resource_type"] for f in world.run.of(check)} == {"AwsRdsDbClusterSnapshot"}


def test_cluster_storage_encrypted(world):
    _outcomes(world, "documentdb_cluster_storage_encrypted", docs_bad="FAIL", docs_good="PASS")


def test_unreadable_snapshot_sharing_gives_no_verdict(scan):
    from postureflow.testing import DeniedAccess

    _cluster("docs-unknown")
    _rds().create_db_cluster_snapshot(DBClusterIdentifier="docs-unknown", DBClusterSnapshotIdentifier="docs-unknown-snap")
    access = _docdb_access(DeniedAccess("rds:DescribeDBClusterSnapshotAttributes"))
    run = scan("documentdb", regions=["us-east-1"], access=access)
    assert run.statuses("documentdb_cluster_public_snapshot") == {"docs-unknown-snap": "MANUAL"}
    assert access.hits
