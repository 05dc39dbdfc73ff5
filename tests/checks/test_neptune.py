"""Neptune checks judge the Neptune clusters and cluster snapshots that the rds collector lists."""

from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import scan_in_moto

REGIONS = ["us-east-1", "eu-west-1"]


def _rds(region="us-east-1"):
    return boto3.client("rds", region_name=region)


def _cluster(name, zones=("a",), region="us-east-1", **kwargs):
    rds = _rds(region)
    rds.create_db_cluster(DBClusterIdentifier=name, Engine="neptune", **kwargs)
    for zone in zones:
        rds.create_db_instance(
            DBInstanceIdentifier=f"{name}-{zone}",
            DBClusterIdentifier=name,
            DBInstanceClass="db.r5.large",
            Engine="neptune",
            AvailabilityZone=f"{region}{zone}",
        )


def _snapshot(cluster, name, public=False):
    rds = _rds()
    rds.create_db_cluster_snapshot(DBClusterIdentifier=cluster, DBClusterSnapshotIdentifier=name)
    if public:
        rds.modify_db_cluster_snapshot_attribute(
            DBClusterSnapshotIdentifier=name, AttributeName="restore", ValuesToAdd=["all"]
        )


def _iam_auth_access():
    """moto rejects EnableIAMDatabaseAuthentication for Neptune on CreateDBCluster and ignores it on
    ModifyDBCluster, so this hook amends moto's DescribeDBClusters answer: clusters tagged iam-auth=on
    report IAMDatabaseAuthenticationEnabled."""
    access = AwsAccess.from_default_chain()

    def iam_auth(parsed, **_):
        for cluster in parsed.get("DBClusters", []):
            tags = {t["Key"]: t["Value"] for t in cluster.get("TagList", [])}
            if tags.get("iam-auth") == "on":
                cluster["IAMDatabaseAuthenticationEnabled"] = True

    # on every rds client the scan makes (released between services)
    access.on_client(lambda client, service, region: client.meta.events.register("after-call.rds.DescribeDBClusters", iam_auth))
    return access


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        _cluster("bad-graph", BackupRetentionPeriod=1)
        _cluster(
            "good-graph",
            zones=("a", "b"),
            BackupRetentionPeriod=7,
            CopyTagsToSnapshot=True,
            DeletionProtection=True,
            EnableCloudwatchLogsExports=["audit"],
            StorageEncrypted=True,
            Tags=[{"Key": "iam-auth", "Value": "on"}],
        )
        _cluster("eu-graph", region="eu-west-1", BackupRetentionPeriod=0, EnableCloudwatchLogsExports=["slowquery"])
        _snapshot("bad-graph", "bad-graph-snap", public=True)
        _snapshot("good-graph", "good-graph-snap")
        # An RDS cluster in the same account is not Neptune's to judge.
        _rds().create_db_cluster(
            DBClusterIdentifier="app-aurora", Engine="aurora-postgresql", MasterUsername="owner1",
            MasterUserPassword="password123",
        )
        _rds().create_db_cluster_snapshot(DBClusterIdentifier="app-aurora", DBClusterSnapshotIdentifier="app-snap")
        access = _iam_auth_access()
        lake = Lake(str(tmp_path_factory.mktemp("neptune-lake")))
        run = scan_in_moto(lake, ["neptune"], regions=REGIONS, access=access)
    return SimpleNamespace(run=run, calls=access.call_log)


def _outcomes(world, check_id, **expected):
    for name, status in expected.items():
        assert world.run.status(check_id, name.replace("_", "-")) == status, (check_id, name)


def test_scan_runs_the_rds_collector_once(world):
    services = [r.service for r in world.run.results]
    # rds checks read backup.selections; neptune_cluster_uses_public_subnet reads vpc.subnets
    assert services == ["backup", "rds", "vpc", "neptune"]
    assert world.calls.repeated() == []
    neptune = [f for f in world.run.findings if f["service"] == "neptune"]
    assert neptune and all("app-" not in f["resource_id"] for f in neptune)


def test_cluster_backup_enabled(world):
    _outcomes(world, "neptune_cluster_backup_enabled", bad_graph="FAIL", good_graph="PASS", eu_graph="FAIL")
    texts = {f["resource_id"]: f["status_extended"] for f in world.run.of("neptune_cluster_backup_enabled")}
    assert "only 1 day " in texts["bad-graph"] and "turned off" in texts["eu-graph"]


def test_cluster_copy_tags_to_snapshots(world):
    _outcomes(world, "neptune_cluster_copy_tags_to_snapshots", bad_graph="FAIL", good_graph="PASS")


def test_cluster_deletion_protection(world):
    _outcomes(world, "neptune_cluster_deletion_protection", bad_graph="FAIL", good_graph="PASS")
    assert {f["resource_type"] for f in world.run.of("neptune_cluster_deletion_protection")} == {"Other"}


def test_cluster_iam_authentication_enabled(world):
    _outcomes(world, "neptune_cluster_iam_authentication_enabled", bad_graph="FAIL", good_graph="PASS")


def test_cluster_integration_cloudwatch_logs(world):
    # Only the audit log counts: eu-graph exports the slow-query log alone.
    check = "neptune_cluster_integration_cloudwatch_logs"
    _outcomes(world, check, bad_graph="FAIL", good_graph="PASS", eu_graph="FAIL")


def test_cluster_multi_az(world):
    _outcomes(world, "neptune_cluster_multi_az", bad_graph="FAIL", good_graph="PASS")


def test_cluster_public_snapshot(world):
    check = "neptune_cluster_public_snapshot"
    assert world.run.statuses(check) == {"bad-graph-snap": "FAIL", "good-graph-snap": "PASS"}  # manual ones only


def test_cluster_snapshot_encrypted(world):
    _outcomes(world, "neptune_cluster_snapshot_encrypted", bad_graph_snap="FAIL", good_graph_snap="PASS")
    assert "app-snap" not in world.run.statuses("neptune_cluster_snapshot_encrypted")


def test_cluster_storage_encrypted(world):
    _outcomes(world, "neptune_cluster_storage_encrypted", bad_graph="FAIL", good_graph="PASS")
    assert world.run.of("neptune_cluster_storage_encrypted")[0]["severity"] == "high"


def test_unreadable_snapshot_sharing_gives_no_verdict(scan):
    from postureflow.testing import DeniedAccess

    _cluster("np-unknown")
    _snapshot("np-unknown", "np-unknown-snap")
    access = DeniedAccess("rds:DescribeDBClusterSnapshotAttributes")
    run = scan("neptune", regions=["us-east-1"], access=access)
    assert run.statuses("neptune_cluster_public_snapshot") == {"np-unknown-snap": "MANUAL"}
    assert access.hits


# -- checks added for issue 12 --------------------------------------------------------------------------


@pytest.fixture
def subnet_world(aws):
    ec2 = boto3.client("ec2", region_name="us-east-1")
    vpc = ec2.create_vpc(CidrBlock="10.60.0.0/16")["Vpc"]["VpcId"]
    private = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.60.{n}.0/24", AvailabilityZone=f"us-east-1{z}")["Subnet"]
               ["SubnetId"] for n, z in ((1, "a"), (2, "b"))]  # fmt: skip
    public = ec2.create_subnet(VpcId=vpc, CidrBlock="10.60.9.0/24", AvailabilityZone="us-east-1c")["Subnet"]["SubnetId"]
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    ec2.associate_route_table(RouteTableId=table, SubnetId=public)
    rds = _rds()
    rds.create_db_subnet_group(DBSubnetGroupName="np-private", DBSubnetGroupDescription="p", SubnetIds=private)
    rds.create_db_subnet_group(DBSubnetGroupName="np-public", DBSubnetGroupDescription="p",
                               SubnetIds=[private[0], public])  # fmt: skip
    _cluster("np-inside", DBSubnetGroupName="np-private")
    _cluster("np-exposed", DBSubnetGroupName="np-public")


def test_uses_public_subnet(subnet_world, scan):
    run = scan("neptune", regions=["us-east-1"])
    assert run.status("neptune_cluster_uses_public_subnet", "np-exposed") == "FAIL"
    assert run.status("neptune_cluster_uses_public_subnet", "np-inside") == "PASS"


@pytest.mark.parametrize("denied", ["rds:DescribeDBSubnetGroups", "ec2:DescribeSubnets"])
def test_uses_public_subnet_no_verdict(subnet_world, scan, denied):
    from postureflow.testing import DeniedAccess

    access = DeniedAccess(denied)
    run = scan("neptune", regions=["us-east-1"], access=access)
    assert run.status("neptune_cluster_uses_public_subnet", "np-inside") == "MANUAL"
    assert access.hits
