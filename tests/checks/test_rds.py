import datetime as dt
from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.checks import all_checks
from postureflow.demo import seed_misc
from postureflow.lake import Lake
from postureflow.testing import answer_in_moto, scan_in_moto

RDS_CHECKS = (
    "rds_cluster_multi_az",
    "rds_instance_minor_version_upgrade_enabled",
    "rds_instance_multi_az",
    "rds_instance_no_public_access",
    "rds_instance_storage_encrypted",
)


def _rds(region="us-east-1"):
    return boto3.client("rds", region_name=region)


def _instance(name, region="us-east-1", **kwargs):
    params = dict(
        DBInstanceIdentifier=name,
        DBInstanceClass="db.t3.micro",
        Engine="postgres",
        AllocatedStorage=20,
        MasterUsername="admin1",
        MasterUserPassword="password123",
    )
    params.update(kwargs)
    _rds(region).create_db_instance(**params)


def _cluster(name, zones, region="us-east-1"):
    rds = _rds(region)
    rds.create_db_cluster(
        DBClusterIdentifier=name, Engine="aurora-postgresql", MasterUsername="admin1", MasterUserPassword="password123"
    )
    for zone in zones:
        rds.create_db_instance(
            DBInstanceIdentifier=f"{name}-{zone}",
            DBClusterIdentifier=name,
            DBInstanceClass="db.r6g.large",
            Engine="aurora-postgresql",
            AvailabilityZone=f"{region}{zone}",
        )


def test_cluster_multi_az(scan):
    _cluster("one-zone", ["a"])
    _cluster("two-zones", ["a", "b"], region="eu-west-1")
    run = scan("rds")
    assert run.status("rds_cluster_multi_az", "one-zone") == "FAIL"
    assert run.status("rds_cluster_multi_az", "two-zones") == "PASS"
    assert {f["region"] for f in run.of("rds_cluster_multi_az")} == {"us-east-1", "eu-west-1"}


def test_instance_minor_version_upgrade(scan):
    _instance("manual-upgrades", AutoMinorVersionUpgrade=False)
    _instance("auto-upgrades", AutoMinorVersionUpgrade=True)
    run = scan("rds")
    assert run.status("rds_instance_minor_version_upgrade_enabled", "manual-upgrades") == "FAIL"
    assert run.status("rds_instance_minor_version_upgrade_enabled", "auto-upgrades") == "PASS"


def test_instance_multi_az_standalone_and_cluster_members(scan):
    _instance("single-az", MultiAZ=False)
    _instance("multi-az", MultiAZ=True)
    _cluster("narrow", ["a"])
    _cluster("wide", ["a", "b"])
    run = scan("rds")
    assert run.status("rds_instance_multi_az", "single-az") == "FAIL"
    assert run.status("rds_instance_multi_az", "multi-az") == "PASS"
    # cluster members are judged by their cluster
    assert run.status("rds_instance_multi_az", "narrow-a") == "FAIL"
    assert run.status("rds_instance_multi_az", "wide-a") == "PASS"
    assert run.status("rds_instance_multi_az", "wide-b") == "PASS"


def test_instance_no_public_access(scan):
    _instance("public-db", PubliclyAccessible=True)
    _instance("private-db", PubliclyAccessible=False)
    run = scan("rds")
    assert run.status("rds_instance_no_public_access", "public-db") == "FAIL"
    assert run.status("rds_instance_no_public_access", "private-db") == "PASS"
    severities = {f["severity"] for f in run.of("rds_instance_no_public_access")}
    assert severities == {"critical"}


def test_instance_storage_encrypted(scan):
    _instance("plain-db", StorageEncrypted=False)
    _instance("encrypted-db", StorageEncrypted=True)
    run = scan("rds")
    assert run.status("rds_instance_storage_encrypted", "plain-db") == "FAIL"
    assert run.status("rds_instance_storage_encrypted", "encrypted-db") == "PASS"
    finding = run.of("rds_instance_storage_encrypted")[0]
    assert finding["resource_uid"].startswith("arn:aws:rds:us-east-1:123456789012:db:")
    assert finding["resource_type"] == "AwsRdsDbInstance"


ALL_RDS_CHECKS = sorted(c.id for c in all_checks().values() if c.service == "rds")


def test_neptune_resources_left_to_their_service(scan):
    # Neptune (like DocumentDB) shares the RDS API; its clusters and instances are not RDS findings.
    _rds().create_db_cluster(DBClusterIdentifier="graph", Engine="neptune")
    _rds().create_db_instance(
        DBInstanceIdentifier="graph-1", DBClusterIdentifier="graph", DBInstanceClass="db.r5.large", Engine="neptune"
    )
    _rds().create_db_cluster_snapshot(DBClusterIdentifier="graph", DBClusterSnapshotIdentifier="graph-snap")
    run = scan("rds")
    for check_id in ALL_RDS_CHECKS:
        assert run.of(check_id) == []


def test_no_databases_no_findings(scan):
    run = scan("rds")
    assert all(run.of(c) == [] for c in ALL_RDS_CHECKS)
    assert run.errors == []


def test_demo_seed_gives_both_outcomes(scan):
    seed_misc.seed(boto3.session.Session(), "123456789012", ["us-east-1", "eu-west-1"])
    # Macie off matters only where S3 holds buckets (Prowler, without --scan-unused-services)
    for region in ("us-east-1", "eu-west-1"):
        where = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        boto3.client("s3", region_name=region).create_bucket(Bucket=f"pf-demo-data-{region}", **where)
    access = AwsAccess.from_default_chain()
    # moto cannot list a hub's standards: answered in its place (the demo enables FSBP in the good region)
    fsbp = "arn:aws:securityhub:us-east-1::standards/aws-foundational-security-best-practices/v/1.0.0"
    answer_in_moto(access, "us-east-1", {
        "securityhub:GetEnabledStandards": {"StandardsSubscriptions": [
            {"StandardsSubscriptionArn": "arn:aws:securityhub:us-east-1:123456789012:subscription/fsbp", "StandardsArn": fsbp,
             "StandardsInput": {}, "StandardsStatus": "READY"}]},
        "securityhub:ListEnabledProductsForImport": {"ProductSubscriptions": []},
    })  # fmt: skip
    run = scan("rds", "efs", "kms", "config", "macie", "securityhub", "account", access=access)
    assert access.call_log.repeated() == []
    per_resource = (*RDS_CHECKS, "efs_encryption_at_rest_enabled", "kms_cmk_rotation_enabled")
    per_region = ("config_recorder_all_regions_enabled", "macie_is_enabled", "securityhub_enabled")
    for check_id in (*per_resource, *per_region):
        statuses = {f["status"] for f in run.of(check_id)}
        assert {"PASS", "FAIL"} <= statuses, (check_id, statuses)
    for check_id in per_resource:  # only pf-demo-bad- resources fail (KMS names its alias in the text)
        for f in run.of(check_id):
            named = f["resource_id"] + " " + f["status_extended"]
            if f["status"] == "FAIL":
                assert "pf-demo-bad" in named, f
            if "pf-demo-good" in named:
                assert f["status"] == "PASS", f
    for check_id in per_region:  # the first region is the well-configured one
        assert {f["region"]: f["status"] for f in run.of(check_id)} == {"us-east-1": "PASS", "eu-west-1": "FAIL"}
    assert run.status("account_security_contact_information_is_registered", "123456789012") == "FAIL"


# -- one moto world, one scan --------------------------------------------------------------------------
#
# A bad and a good resource for each check, built once in one mocked account and scanned once; each test
# below asserts on that scan. Names starting "bad-" are misconfigured, "good-" well configured.

OWNER = "dbowner"
PASSWORD = "password123"
TOPIC = "rds-events"
MONITORING_ROLE = "arn:aws:iam::123456789012:role/rds-monitoring"
# What the hooks below answer for DescribeDBEngineVersions (moto does not implement it).
OFFERED_VERSIONS = {"postgres": ["15.8", "16.3"], "mysql": ["8.0.39", "8.4.3"]}
CERTIFICATE_DAYS_LEFT = {"bad-db": 30, "good-db": 400, "expired-db": -5}


def _build_network(rds):
    ec2 = boto3.client("ec2", region_name="us-east-1")
    vpc_id = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.20.{n}.0/24", AvailabilityZone=f"us-east-1{zone}")["Subnet"]
        for n, zone in ((1, "a"), (2, "b"))
    ]
    rds.create_db_subnet_group(
        DBSubnetGroupName="app-subnets", DBSubnetGroupDescription="app", SubnetIds=[s["SubnetId"] for s in subnets]
    )
    return vpc_id


def _parameter_group(rds, name, family, parameter, value, cluster=False):
    change = [{"ParameterName": parameter, "ParameterValue": value, "ApplyMethod": "pending-reboot"}]
    if cluster:
        rds.create_db_cluster_parameter_group(
            DBClusterParameterGroupName=name, DBParameterGroupFamily=family, Description=name
        )
        rds.modify_db_cluster_parameter_group(DBClusterParameterGroupName=name, Parameters=change)
    else:
        rds.create_db_parameter_group(DBParameterGroupName=name, DBParameterGroupFamily=family, Description=name)
        rds.modify_db_parameter_group(DBParameterGroupName=name, Parameters=change)


def _build_instances(rds):
    vpc_id = _build_network(rds)
    _parameter_group(rds, "pg-tls", "postgres16", "rds.force_ssl", "1")
    _parameter_group(rds, "mysql-tls", "mysql8.0", "require_secure_transport", "ON")
    _parameter_group(rds, "mysql-plain", "mysql8.0", "require_secure_transport", "OFF")
    base = dict(DBInstanceClass="db.t3.micro", AllocatedStorage=20, MasterUserPassword=PASSWORD)
    # Everything off, defaults where they are the weak choice (moto's default postgres is 9.3.3).
    rds.create_db_instance(
        DBInstanceIdentifier="bad-db", Engine="postgres", MasterUsername="postgres", BackupRetentionPeriod=0, **base
    )
    rds.create_db_instance(
        DBInstanceIdentifier="good-db",
        Engine="postgres",
        EngineVersion="16.3",
        MasterUsername=OWNER,
        BackupRetentionPeriod=7,
        CopyTagsToSnapshot=True,
        DeletionProtection=True,
        MonitoringInterval=60,
        MonitoringRoleArn=MONITORING_ROLE,
        EnableIAMDatabaseAuthentication=True,
        EnableCloudwatchLogsExports=["postgresql"],
        Port=5433,
        DBSubnetGroupName="app-subnets",
        DBParameterGroupName="pg-tls",
        StorageEncrypted=True,
        **base,
    )
    rds.create_db_instance(
        DBInstanceIdentifier="expired-db", Engine="mysql", EngineVersion="8.0.39", MasterUsername=OWNER,
        DBParameterGroupName="mysql-tls", **base,
    )
    rds.create_db_instance(
        DBInstanceIdentifier="bad-mysql", Engine="mysql", EngineVersion="5.7.44", MasterUsername="admin",
        DBParameterGroupName="mysql-plain", **base,
    )
    rds.create_db_instance_read_replica(DBInstanceIdentifier="good-db-replica", SourceDBInstanceIdentifier="good-db")
    rds.create_db_snapshot(DBInstanceIdentifier="bad-db", DBSnapshotIdentifier="bad-db-snap")
    rds.modify_db_snapshot_attribute(DBSnapshotIdentifier="bad-db-snap", AttributeName="restore", ValuesToAdd=["all"])
    rds.create_db_snapshot(DBInstanceIdentifier="good-db", DBSnapshotIdentifier="good-db-snap")
    rds.modify_db_snapshot_attribute(
        DBSnapshotIdentifier="good-db-snap", AttributeName="restore", ValuesToAdd=["210987654321"]
    )
    return vpc_id


def _build_clusters(rds):
    _parameter_group(rds, "cluster-tls", "aurora-mysql8.0", "require_secure_transport", "ON", cluster=True)
    _parameter_group(rds, "cluster-plain", "aurora-mysql8.0", "require_secure_transport", "OFF", cluster=True)
    rds.create_db_cluster(
        DBClusterIdentifier="bad-cluster",
        Engine="aurora-mysql",
        MasterUsername="admin",
        MasterUserPassword=PASSWORD,
        AutoMinorVersionUpgrade=False,
        DBClusterParameterGroupName="cluster-plain",
    )
    rds.create_db_instance(
        DBInstanceIdentifier="bad-cluster-1", DBClusterIdentifier="bad-cluster", DBInstanceClass="db.r6g.large",
        Engine="aurora-mysql",
    )
    rds.create_db_cluster(
        DBClusterIdentifier="good-cluster",
        Engine="aurora-mysql",
        MasterUsername=OWNER,
        MasterUserPassword=PASSWORD,
        BacktrackWindow=86400,
        CopyTagsToSnapshot=True,
        DeletionProtection=True,
        EnableIAMDatabaseAuthentication=True,
        EnableCloudwatchLogsExports=["audit", "error"],
        StorageEncrypted=True,
        Port=3307,
        AutoMinorVersionUpgrade=True,
        DBClusterParameterGroupName="cluster-tls",
    )
    rds.create_db_cluster_snapshot(DBClusterIdentifier="bad-cluster", DBClusterSnapshotIdentifier="bad-cluster-snap")
    rds.modify_db_cluster_snapshot_attribute(
        DBClusterSnapshotIdentifier="bad-cluster-snap", AttributeName="restore", ValuesToAdd=["all"]
    )
    rds.create_db_cluster_snapshot(DBClusterIdentifier="good-cluster", DBClusterSnapshotIdentifier="good-cluster-snap")


def _subscribe(rds, name, source_type, categories, source_ids=(), enabled=True):
    region = rds.meta.region_name
    topic = boto3.client("sns", region_name=region).create_topic(Name=TOPIC)["TopicArn"]
    params = dict(SubscriptionName=name, SnsTopicArn=topic, SourceType=source_type, Enabled=enabled)
    if categories:
        params["EventCategories"] = list(categories)
    if source_ids:
        params["SourceIds"] = list(source_ids)
    rds.create_event_subscription(**params)


def _build_event_subscriptions(rds):
    # us-east-1: gaps everywhere. The instance subscription only names good-db; the cluster one misses failure;
    # the parameter-group one is disabled; nothing for DB security groups.
    _subscribe(rds, "cluster-maintenance", "db-cluster", ["maintenance"])
    _subscribe(rds, "good-db-only", "db-instance", [], source_ids=["good-db"])
    _subscribe(rds, "params-paused", "db-parameter-group", ["configuration change"], enabled=False)
    # eu-west-1: one instance and one cluster, fully covered (an empty category list means all categories).
    eu = _rds("eu-west-1")
    eu.create_db_cluster(
        DBClusterIdentifier="eu-cluster", Engine="aurora-postgresql", MasterUsername=OWNER, MasterUserPassword=PASSWORD
    )
    _instance("eu-db", region="eu-west-1", MasterUsername=OWNER)
    _subscribe(eu, "eu-clusters", "db-cluster", [])
    _subscribe(eu, "eu-instances", "db-instance", ["maintenance", "configuration change", "failure"])
    _subscribe(eu, "eu-params", "db-parameter-group", ["configuration change"])
    _subscribe(eu, "eu-db-security-groups", "db-security-group", ["configuration change", "failure"])


def _amended_access():
    """Hooks on the collector's RDS clients for what moto lacks:

    - moto's DescribeDBInstances has no CertificateDetails: the hook adds one per instance, valid for
      CERTIFICATE_DAYS_LEFT[name] more days from now;
    - moto does not implement DescribeDBEngineVersions: the hook answers it from OFFERED_VERSIONS.
    """
    access = AwsAccess.from_default_chain()

    def add_certificates(parsed, **_):
        now = dt.datetime.now(dt.timezone.utc)
        for db in parsed.get("DBInstances", []):
            days = CERTIFICATE_DAYS_LEFT.get(db["DBInstanceIdentifier"])
            if days is not None:
                valid_till = now + dt.timedelta(days=days)
                db["CertificateDetails"] = {"CAIdentifier": "rds-ca-rsa2048-g1", "ValidTill": valid_till}

    def engine_versions(region, params):
        engine = (params.get("body") or {}).get("Engine")
        offered = OFFERED_VERSIONS.get(engine, [])
        return {"DBEngineVersions": [{"Engine": engine, "EngineVersion": v, "Status": "available"} for v in offered]}

    regions = ("us-east-1", "eu-west-1")
    # on every rds client the scan makes (released between services)
    access.on_client(lambda client, service, region: region in regions and client.meta.events.register(
        "after-call.rds.DescribeDBInstances", add_certificates))  # fmt: skip
    return answer_in_moto(access, list(regions), {"rds:DescribeDBEngineVersions": engine_versions})


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        rds = _rds()
        vpc_id = _build_instances(rds)
        _build_clusters(rds)
        _build_event_subscriptions(rds)
        access = _amended_access()
        lake = Lake(str(tmp_path_factory.mktemp("rds-lake")))
        run = scan_in_moto(lake, ["rds"], regions=["us-east-1", "eu-west-1"], access=access)
    return SimpleNamespace(run=run, calls=access.call_log, vpc_id=vpc_id)


def _outcomes(world, check_id, **expected):
    """Assert each named resource's status; names use _ for - (bad_db -> bad-db)."""
    for name, status in expected.items():
        assert world.run.status(check_id, name.replace("_", "-")) == status, (check_id, name)


def test_world_scan_makes_no_repeated_calls(world):
    assert world.calls.repeated() == []
    # moto answers every RDS call the collector makes once the hooks fill in what it lacks.
    assert world.run.errors == []


def test_cluster_backtrack_enabled(world):
    _outcomes(world, "rds_cluster_backtrack_enabled", bad_cluster="FAIL", good_cluster="PASS")
    assert "eu-cluster" not in world.run.statuses("rds_cluster_backtrack_enabled")  # PostgreSQL has no Backtrack


def test_cluster_copy_tags_to_snapshots(world):
    _outcomes(world, "rds_cluster_copy_tags_to_snapshots", bad_cluster="FAIL", good_cluster="PASS")


def test_cluster_default_admin(world):
    _outcomes(world, "rds_cluster_default_admin", bad_cluster="FAIL", good_cluster="PASS")


def test_cluster_deletion_protection(world):
    _outcomes(world, "rds_cluster_deletion_protection", bad_cluster="FAIL", good_cluster="PASS")


def test_cluster_iam_authentication_enabled(world):
    _outcomes(world, "rds_cluster_iam_authentication_enabled", bad_cluster="FAIL", good_cluster="PASS")


def test_cluster_integration_cloudwatch_logs(world):
    _outcomes(world, "rds_cluster_integration_cloudwatch_logs", bad_cluster="FAIL", good_cluster="PASS")


def test_cluster_minor_version_upgrade_enabled(world):
    _outcomes(world, "rds_cluster_minor_version_upgrade_enabled", bad_cluster="FAIL", good_cluster="PASS")


def test_cluster_non_default_port(world):
    _outcomes(world, "rds_cluster_non_default_port", bad_cluster="FAIL", good_cluster="PASS")


def test_cluster_storage_encrypted(world):
    _outcomes(world, "rds_cluster_storage_encrypted", bad_cluster="FAIL", good_cluster="PASS")


def test_instance_backup_enabled(world):
    _outcomes(world, "rds_instance_backup_enabled", bad_db="FAIL", good_db="PASS")
    judged = world.run.statuses("rds_instance_backup_enabled")
    assert "good-db-replica" not in judged and "bad-cluster-1" not in judged


def test_instance_certificate_expiration(world):
    _outcomes(world, "rds_instance_certificate_expiration", bad_db="FAIL", good_db="PASS", expired_db="FAIL")
    texts = {f["resource_id"]: f["status_extended"] for f in world.run.of("rds_instance_certificate_expiration")}
    assert "expired" in texts["expired-db"] and "rds-ca-rsa2048-g1" in texts["good-db"]
    assert "bad-mysql" not in texts  # no certificate details: nothing to judge


def test_instance_copy_tags_to_snapshots(world):
    _outcomes(world, "rds_instance_copy_tags_to_snapshots", bad_db="FAIL", good_db="PASS")
    assert "bad-cluster-1" not in world.run.statuses("rds_instance_copy_tags_to_snapshots")


def test_instance_default_admin(world):
    _outcomes(world, "rds_instance_default_admin", bad_db="FAIL", bad_mysql="FAIL", good_db="PASS")


def test_instance_deletion_protection(world):
    _outcomes(world, "rds_instance_deletion_protection", bad_db="FAIL", good_db="PASS")
    assert "bad-cluster-1" not in world.run.statuses("rds_instance_deletion_protection")


def test_instance_deprecated_engine_version(world):
    check = "rds_instance_deprecated_engine_version"
    _outcomes(world, check, bad_db="FAIL", bad_mysql="FAIL", good_db="PASS", expired_db="PASS")
    # aurora-mysql is not in the hook's answer: no version is offered, so the member fails too.
    assert world.run.status(check, "bad-cluster-1") == "FAIL"


def test_instance_enhanced_monitoring_enabled(world):
    _outcomes(world, "rds_instance_enhanced_monitoring_enabled", bad_db="FAIL", good_db="PASS")


def test_instance_iam_authentication_enabled(world):
    _outcomes(world, "rds_instance_iam_authentication_enabled", bad_db="FAIL", good_db="PASS")


def test_instance_inside_vpc(world):
    # moto places an instance without a DB subnet group in no VPC, which is what EC2-Classic looked like.
    _outcomes(world, "rds_instance_inside_vpc", bad_db="FAIL", good_db="PASS")
    good = next(f for f in world.run.of("rds_instance_inside_vpc") if f["resource_id"] == "good-db")
    assert world.vpc_id in good["status_extended"]


def test_instance_integration_cloudwatch_logs(world):
    _outcomes(world, "rds_instance_integration_cloudwatch_logs", bad_db="FAIL", good_db="PASS")


def test_instance_non_default_port(world):
    _outcomes(world, "rds_instance_non_default_port", bad_db="FAIL", good_db="PASS", bad_mysql="FAIL")


def test_instance_transport_encrypted(world):
    check = "rds_instance_transport_encrypted"
    _outcomes(world, check, bad_db="FAIL", good_db="PASS", bad_mysql="FAIL", expired_db="PASS")
    _outcomes(world, check, bad_cluster="FAIL", good_cluster="PASS")
    types = {f["resource_id"]: f["resource_type"] for f in world.run.of(check)}
    assert types["good-cluster"] == "AwsRdsDbCluster" and types["good-db"] == "AwsRdsDbInstance"
    assert "bad-cluster-1" not in types  # a member's TLS setting is its cluster's


def test_snapshots_encrypted(world):
    _outcomes(world, "rds_snapshots_encrypted", bad_db_snap="FAIL", good_db_snap="PASS")
    _outcomes(world, "rds_snapshots_encrypted", bad_cluster_snap="FAIL", good_cluster_snap="PASS")
    types = {f["resource_id"]: f["resource_type"] for f in world.run.of("rds_snapshots_encrypted")}
    assert types["good-cluster-snap"] == "AwsRdsDbClusterSnapshot" and types["good-db-snap"] == "AwsRdsDbSnapshot"


def test_snapshots_public_access(world):
    check = "rds_snapshots_public_access"
    _outcomes(world, check, bad_db_snap="FAIL", good_db_snap="PASS", bad_cluster_snap="FAIL", good_cluster_snap="PASS")
    # automated snapshots cannot be shared, so they are not judged
    assert all(not name.startswith("rds:") for name in world.run.statuses(check))


EU_SUBSCRIPTIONS = "arn:aws:rds:eu-west-1:123456789012:event-subscriptions"
US_SUBSCRIPTIONS = "arn:aws:rds:us-east-1:123456789012:event-subscriptions"


def _region_text(world, check_id, uid):
    return next(f["status_extended"] for f in world.run.of(check_id) if f["resource_uid"] == uid)


def test_cluster_critical_event_subscription(world):
    check = "rds_cluster_critical_event_subscription"
    assert world.run.status(check, US_SUBSCRIPTIONS) == "FAIL"
    assert world.run.status(check, EU_SUBSCRIPTIONS) == "PASS"
    assert "failure" in _region_text(world, check, US_SUBSCRIPTIONS)
    assert "maintenance and failure" not in _region_text(world, check, US_SUBSCRIPTIONS)


def test_instance_critical_event_subscription(world):
    check = "rds_instance_critical_event_subscription"
    assert world.run.status(check, US_SUBSCRIPTIONS) == "FAIL"
    assert world.run.status(check, EU_SUBSCRIPTIONS) == "PASS"
    text = _region_text(world, check, US_SUBSCRIPTIONS)
    assert "bad-db" in text and "good-db," not in text  # good-db is covered by its own subscription


def test_instance_event_subscription_parameter_groups(world):
    check = "rds_instance_event_subscription_parameter_groups"
    assert world.run.status(check, US_SUBSCRIPTIONS) == "FAIL"  # its only subscription is disabled
    assert world.run.status(check, EU_SUBSCRIPTIONS) == "PASS"


def test_instance_event_subscription_security_groups(world):
    check = "rds_instance_event_subscription_security_groups"
    assert world.run.status(check, US_SUBSCRIPTIONS) == "FAIL"
    assert world.run.status(check, EU_SUBSCRIPTIONS) == "PASS"
    assert {f["resource_type"] for f in world.run.of(check)} == {"AwsRdsEventSubscription"}


# -- data that could not be read gives no verdict ----------------------------------------------------------


@pytest.mark.parametrize(
    "check, denied, resource",
    [
        ("rds_instance_transport_encrypted", "rds:DescribeDBParameters", "good-db"),
        ("rds_instance_transport_encrypted", "rds:DescribeDBClusterParameters", "good-cluster"),
        ("rds_snapshots_public_access", "rds:DescribeDBSnapshotAttributes", "good-db-snap"),
        ("rds_snapshots_public_access", "rds:DescribeDBClusterSnapshotAttributes", "good-cluster-snap"),
        ("rds_instance_deprecated_engine_version", "rds:DescribeDBEngineVersions", "good-db"),
        ("rds_instance_critical_event_subscription", "rds:DescribeEventSubscriptions", None),
        ("rds_cluster_critical_event_subscription", "rds:DescribeEventSubscriptions", None),
        ("rds_instance_event_subscription_parameter_groups", "rds:DescribeEventSubscriptions", None),
        ("rds_instance_event_subscription_security_groups", "rds:DescribeEventSubscriptions", None),
    ],
)
def test_unreadable_detail_gives_no_verdict(world_builder, scan, check, denied, resource):
    from postureflow.testing import DeniedAccess

    access = DeniedAccess(denied)
    run = scan("rds", regions=["us-east-1"], access=access)
    statuses = run.statuses(check)
    assert statuses and set(statuses.values()) == {"MANUAL"} if resource is None else statuses[resource] == "MANUAL"
    assert access.hits


UNLISTED_CHECKS = (
    "rds_cluster_multi_az", "rds_cluster_backtrack_enabled", "rds_cluster_copy_tags_to_snapshots",
    "rds_cluster_default_admin", "rds_cluster_deletion_protection", "rds_cluster_iam_authentication_enabled",
    "rds_cluster_integration_cloudwatch_logs", "rds_cluster_minor_version_upgrade_enabled",
    "rds_cluster_non_default_port", "rds_cluster_storage_encrypted", "rds_instance_minor_version_upgrade_enabled",
    "rds_instance_multi_az", "rds_instance_no_public_access", "rds_instance_storage_encrypted",
    "rds_instance_backup_enabled", "rds_instance_certificate_expiration", "rds_instance_copy_tags_to_snapshots",
    "rds_instance_default_admin", "rds_instance_deletion_protection", "rds_instance_enhanced_monitoring_enabled",
    "rds_instance_iam_authentication_enabled", "rds_instance_inside_vpc", "rds_instance_integration_cloudwatch_logs",
    "rds_instance_non_default_port", "rds_snapshots_encrypted",
)  # fmt: skip


def test_unlisted_databases_give_no_pass_or_fail(world_builder, scan):
    """Every check judging what the listings carry: with the listings denied, no PASS and no FAIL (one scan)."""
    from postureflow.testing import DeniedAccess

    denied = ("rds:DescribeDBInstances", "rds:DescribeDBClusters", "rds:DescribeDBSnapshots",
              "rds:DescribeDBClusterSnapshots")  # fmt: skip
    run = scan("rds", regions=["us-east-1"], access=DeniedAccess(*denied))
    for check in UNLISTED_CHECKS:
        assert {f["status"] for f in run.of(check)} <= {"MANUAL"}, check
    assert "rds:describe_db_instances" in {e["api"] for e in run.errors}


@pytest.fixture
def world_builder(aws):
    rds = _rds()
    _build_instances(rds)
    _build_clusters(rds)
    _build_event_subscriptions(rds)


def test_replicas_judged_only_when_the_audit_config_asks():
    from postureflow.config import audit_config
    from postureflow.inventory import Resource

    check = all_checks()["rds_instance_backup_enabled"]
    replica = Resource("instances", "arn:replica", "replica-db", "us-east-1", {},
                       {"engine": "postgres", "read_replica_source": "source-db", "backup_retention_days": 0})  # fmt: skip
    inventory = {"rds.instances": [replica]}
    now = dt.datetime(2026, 11, 22, tzinfo=dt.timezone.utc)
    assert list(check.evaluate(inventory, now, audit_config())) == []
    asked = audit_config({"check_rds_instance_replicas": True})
    assert [r.status for r in check.evaluate(inventory, now, asked)] == ["FAIL"]


def _extended_support_hook(access):
    """moto's DescribeDBInstances leaves EngineLifecycleSupport out: this hook enrols old-db in Extended Support."""

    def amend(parsed, **_):
        for db in parsed.get("DBInstances", []):
            enrolled = db["DBInstanceIdentifier"] == "old-db"
            db["EngineLifecycleSupport"] = "open-source-rds-extended-support" if enrolled else (
                "open-source-rds-extended-support-disabled")

    access.on_client(lambda client, service, region: region == "us-east-1" and client.meta.events.register(
        "after-call.rds.DescribeDBInstances", amend))  # fmt: skip
    return access


def test_instance_extended_support(scan):
    _instance("old-db")
    _instance("current-db")
    run = scan("rds", regions=["us-east-1"], access=_extended_support_hook(AwsAccess.from_default_chain()))
    assert run.status("rds_instance_extended_support", "old-db") == "FAIL"
    assert run.status("rds_instance_extended_support", "current-db") == "PASS"


def test_instance_extended_support_unlisted(scan):
    from postureflow.testing import DeniedAccess

    _instance("old-db")
    run = scan("rds", regions=["us-east-1"], access=DeniedAccess("rds:DescribeDBInstances"))
    assert run.of("rds_instance_extended_support") == []
    assert "rds:describe_db_instances" in {e["api"] for e in run.errors}
