import json
from types import SimpleNamespace

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import scan_in_moto

ACCOUNT = "123456789012"
REGIONS = ["us-east-1", "eu-west-1"]
ROLE = f"arn:aws:iam::{ACCOUNT}:role/dax"
# AWS Backup selections for us-east-1: one by tag, one by ARN pattern with an exclusion.
SELECTIONS = {
    "sel-by-tag": {
        "SelectionName": "daily-tagged",
        "IamRoleArn": ROLE,
        "Resources": [],
        "ListOfTags": [{"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "daily"}],
    },
    "sel-by-arn": {
        "SelectionName": "orders-tables",
        "IamRoleArn": ROLE,
        "Resources": [f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders-*"],
        "NotResources": [f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders-scratch"],
    },
}


def _table(name, region="us-east-1", tags=None, **settings):
    client = boto3.client("dynamodb", region_name=region)
    client.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        Tags=[{"Key": k, "Value": v} for k, v in (tags or {}).items()],
        **settings,
    )
    return client


def _build():
    _table("tbl-bare")
    guarded = _table("tbl-guarded", tags={"backup": "daily"}, DeletionProtectionEnabled=True)
    guarded.update_continuous_backups(
        TableName="tbl-guarded", PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
    )
    _table("orders-2026")
    _table("orders-scratch")
    _table("tbl-eu", region="eu-west-1")
    _backup_plans()
    dax = boto3.client("dax", region_name="us-east-1")
    dax.create_cluster(ClusterName="dax-plain", NodeType="dax.t3.small", ReplicationFactor=1, IamRoleArn=ROLE)
    dax.create_cluster(
        ClusterName="dax-sealed",
        NodeType="dax.t3.small",
        ReplicationFactor=1,
        IamRoleArn=ROLE,
        SSESpecification={"Enabled": True},
    )


def _backup_plans():
    for region, name in (("us-east-1", "nightly"), ("eu-west-1", "eu-locked")):
        boto3.client("backup", region_name=region).create_backup_plan(
            BackupPlan={"BackupPlanName": name, "Rules": [{"RuleName": "daily", "TargetBackupVaultName": "Default"}]}
        )


def _backup_hooks(access):
    """The table check reads backup.selections, which the backup collector gathers. moto keeps backup plans
    but implements neither ListBackupSelections nor GetBackupSelection, so before-call hooks on the backup
    collector's clients answer them in moto's place: the us-east-1 plan has SELECTIONS; in eu-west-1 listing
    the plan's selections is denied."""

    def reply(status, body):
        return AWSResponse("https://backup.amazonaws.com", status, {}, None), body

    def list_selections(region):
        if region == "eu-west-1":
            denied = {"Error": {"Code": "AccessDeniedException", "Message": "not allowed"}}
            return lambda **_: reply(403, denied)
        return lambda **_: reply(200, {"BackupSelectionsList": [{"SelectionId": s} for s in SELECTIONS]})

    def get_selection(params, **_):
        return reply(200, {"BackupSelection": SELECTIONS[params["url_path"].rsplit("/", 1)[-1]]})

    def hook(client, service, region):  # on every backup client the scan makes (released between services)
        if service == "backup" and region in REGIONS:
            client.meta.events.register("before-call.backup.ListBackupSelections", list_selections(region))
            client.meta.events.register("before-call.backup.GetBackupSelection", get_selection)

    access.on_client(hook)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        _build()
        access = AwsAccess.from_default_chain()
        _backup_hooks(access)
        lake = Lake(str(tmp_path_factory.mktemp("dynamodb-lake")))
        run = scan_in_moto(lake, ["dynamodb"], REGIONS, access=access)
    return SimpleNamespace(run=run, calls=access.call_log)


def test_collected_without_errors_or_repeats(world):
    errors = [(e["region"], e["api"], e["error_code"]) for e in world.run.errors]
    assert errors == [("eu-west-1", "backup:list_backup_selections", "AccessDeniedException")]
    assert world.calls.repeated() == []
    assert "tbl-eu" in world.run.statuses("dynamodb_table_deletion_protection_enabled")


def test_deletion_protection(world):
    check = "dynamodb_table_deletion_protection_enabled"
    assert world.run.status(check, "tbl-bare") == "FAIL"
    assert world.run.status(check, "tbl-guarded") == "PASS"


def test_pitr(world):
    check = "dynamodb_tables_pitr_enabled"
    assert world.run.status(check, "tbl-bare") == "FAIL"
    assert world.run.status(check, "tbl-guarded") == "PASS"


def test_dax_encryption(world):
    check = "dynamodb_accelerator_cluster_encryption_enabled"
    assert world.run.status(check, "dax-plain") == "FAIL"
    assert world.run.status(check, "dax-sealed") == "PASS"


def test_protected_by_backup_plan(world):
    check = "dynamodb_table_protected_by_backup_plan"
    assert world.run.status(check, "tbl-bare") == "FAIL"
    assert world.run.status(check, "tbl-guarded") == "PASS"  # selected by its backup=daily tag
    assert world.run.status(check, "orders-2026") == "PASS"  # selected by ARN pattern
    assert world.run.status(check, "orders-scratch") == "FAIL"  # excluded by NotResources
    # The eu-west-1 plan's selections could not be read, so coverage there is unknown.
    assert world.run.status(check, "tbl-eu") == "MANUAL"


@pytest.mark.parametrize(
    "check, denied",
    [
        ("dynamodb_tables_pitr_enabled", "dynamodb:DescribeContinuousBackups"),
        ("dynamodb_table_deletion_protection_enabled", "dynamodb:DescribeTable"),
        ("dynamodb_tables_pitr_enabled", "dynamodb:DescribeTable"),
    ],
)
def test_unreadable_table_gives_no_verdict(scan, check, denied):
    from postureflow.testing import DeniedAccess

    _table("tbl-unknown")
    access = DeniedAccess(denied)
    run = scan("dynamodb", regions=["us-east-1"], access=access)
    assert run.statuses(check) == {"tbl-unknown": "MANUAL"}
    assert access.hits


def test_unlisted_dax_clusters_give_nothing(scan):
    from postureflow.testing import DeniedAccess

    boto3.client("dax", region_name="us-east-1").create_cluster(
        ClusterName="dax-hidden", NodeType="dax.t3.small", ReplicationFactor=1, IamRoleArn=ROLE
    )
    run = scan("dynamodb", regions=["us-east-1"], access=DeniedAccess("dax:DescribeClusters"))
    assert run.of("dynamodb_accelerator_cluster_encryption_enabled") == []
    assert "dax:describe_clusters" in {e["api"] for e in run.errors}


# -- checks added for issue 12 --------------------------------------------------------------------------

OTHER = "111122223333"


def _provisioned(name, region="us-east-1"):
    boto3.client("dynamodb", region_name=region).create_table(
        TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PROVISIONED",
        ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5},
    )  # fmt: skip


def _table_policy(name, principal):
    arn = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/{name}"
    statement = {"Effect": "Allow", "Principal": {"AWS": principal}, "Action": "dynamodb:GetItem", "Resource": arn}
    boto3.client("dynamodb", region_name="us-east-1").put_resource_policy(
        ResourceArn=arn, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    )


@pytest.fixture
def new_world(aws):
    _provisioned("tbl-fixed")
    _provisioned("tbl-scaling")
    scaling = boto3.client("application-autoscaling", region_name="us-east-1")
    for dimension in ("dynamodb:table:ReadCapacityUnits", "dynamodb:table:WriteCapacityUnits"):
        scaling.register_scalable_target(ServiceNamespace="dynamodb", ResourceId="table/tbl-scaling",
                                         ScalableDimension=dimension, MinCapacity=5, MaxCapacity=50)  # fmt: skip
    _table("tbl-shared")
    _table_policy("tbl-shared", f"arn:aws:iam::{OTHER}:root")
    _table("tbl-own")
    _table_policy("tbl-own", f"arn:aws:iam::{ACCOUNT}:role/app")
    _table("tbl-cmk", SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": "alias/app"})
    dax = boto3.client("dax", region_name="us-east-1")
    dax.create_cluster(ClusterName="dax-plain", NodeType="dax.t3.small", ReplicationFactor=1, IamRoleArn=ROLE)
    dax.create_cluster(ClusterName="dax-spread", NodeType="dax.t3.small", ReplicationFactor=3, IamRoleArn=ROLE,
                       ClusterEndpointEncryptionType="TLS")  # fmt: skip


def _spread_nodes(access):
    """moto lists no nodes while a cluster is creating (and would place them all in zone a): this hook gives
    dax-spread three nodes in zones a, b and c."""

    def spread(parsed, **_):
        for cluster in parsed.get("Clusters", []):
            if cluster["ClusterName"] == "dax-spread":
                cluster["Nodes"] = [{"NodeId": f"dax-spread-{z}", "AvailabilityZone": f"us-east-1{z}"} for z in "abc"]

    access.on_client(lambda client, service, region: region == "us-east-1" and client.meta.events.register(
        "after-call.dax.DescribeClusters", spread))  # fmt: skip
    return access


@pytest.mark.parametrize(
    "check, bad, good",
    [
        ("dynamodb_accelerator_cluster_in_transit_encryption_enabled", "dax-plain", "dax-spread"),
        ("dynamodb_accelerator_cluster_multi_az", "dax-plain", "dax-spread"),
        ("dynamodb_table_autoscaling_enabled", "tbl-fixed", "tbl-scaling"),
        ("dynamodb_table_cross_account_access", "tbl-shared", "tbl-own"),
        ("dynamodb_tables_kms_cmk_encryption_enabled", "tbl-own", "tbl-cmk"),
    ],
)
def test_new_checks_fail_bad_and_pass_good(new_world, scan, check, bad, good):
    run = scan("dynamodb", regions=["us-east-1"], access=_spread_nodes(AwsAccess.from_default_chain()))
    assert run.status(check, bad) == "FAIL"
    assert run.status(check, good) == "PASS"


def test_trusted_accounts_are_the_audit_config_key():
    import datetime as dt

    from postureflow.checks import all_checks
    from postureflow.config import audit_config
    from postureflow.inventory import Resource

    policy = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"}, "Action": "*"}]}
    table = Resource("tables", f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/t", "t", "us-east-1", {}, {"policy": policy})
    check, now = all_checks()["dynamodb_table_cross_account_access"], dt.datetime.now(dt.timezone.utc)
    assert [r.status for r in check.evaluate({"dynamodb.tables": [table]}, now, audit_config())] == ["FAIL"]
    trusted = audit_config({"trusted_account_ids": [OTHER]})
    assert [r.status for r in check.evaluate({"dynamodb.tables": [table]}, now, trusted)] == ["PASS"]


@pytest.mark.parametrize(
    "check, denied, resource",
    [
        ("dynamodb_accelerator_cluster_in_transit_encryption_enabled", "dax:DescribeClusters", None),
        ("dynamodb_accelerator_cluster_multi_az", "dax:DescribeClusters", None),
        ("dynamodb_table_autoscaling_enabled", "application-autoscaling:DescribeScalableTargets", "tbl-fixed"),
        ("dynamodb_table_cross_account_access", "dynamodb:GetResourcePolicy", "tbl-own"),
        ("dynamodb_tables_kms_cmk_encryption_enabled", "dynamodb:DescribeTable", "tbl-cmk"),
    ],
)
def test_new_checks_give_no_verdict_on_unread_data(new_world, scan, check, denied, resource):
    from postureflow.testing import DeniedAccess

    access = DeniedAccess(denied)
    run = scan("dynamodb", regions=["us-east-1"], access=access)
    if resource is None:
        assert run.of(check) == []
    else:
        assert run.status(check, resource) == "MANUAL"
    assert access.hits


def test_demo_seed_gives_both_outcomes(scan):
    from postureflow.demo import seed_misc

    seed_misc.seed(boto3.session.Session(), ACCOUNT, ["us-east-1"])
    run = scan("dynamodb", "secretsmanager", regions=["us-east-1"])
    for check_id, bad, good in (
        ("dynamodb_table_deletion_protection_enabled", "pf-demo-bad-table", "pf-demo-good-table"),
        ("dynamodb_tables_pitr_enabled", "pf-demo-bad-table", "pf-demo-good-table"),
        ("dynamodb_tables_kms_cmk_encryption_enabled", "pf-demo-bad-table", "pf-demo-good-table"),
        ("secretsmanager_automatic_rotation_enabled", "pf-demo-bad-secret", "pf-demo-good-secret"),
    ):
        assert (run.status(check_id, bad), run.status(check_id, good)) == ("FAIL", "PASS"), check_id
