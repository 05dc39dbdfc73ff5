import boto3

from postureflow.aws import AwsAccess
from postureflow.demo import seed_misc

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


def test_neptune_resources_left_to_their_service(scan):
    # Neptune (like DocumentDB) shares the RDS API; its clusters and instances are not RDS findings.
    _rds().create_db_cluster(DBClusterIdentifier="graph", Engine="neptune")
    _rds().create_db_instance(
        DBInstanceIdentifier="graph-1", DBClusterIdentifier="graph", DBInstanceClass="db.r5.large", Engine="neptune"
    )
    run = scan("rds")
    for check_id in RDS_CHECKS:
        assert run.of(check_id) == []


def test_no_databases_no_findings(scan):
    run = scan("rds")
    assert all(run.of(c) == [] for c in RDS_CHECKS)
    assert run.errors == []


def test_demo_seed_gives_both_outcomes(scan):
    seed_misc.seed(boto3.session.Session(), "123456789012", ["us-east-1", "eu-west-1"])
    access = AwsAccess.from_default_chain()
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
