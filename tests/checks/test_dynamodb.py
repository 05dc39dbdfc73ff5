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

    for region in REGIONS:
        events = access.client("backup", region).meta.events
        events.register("before-call.backup.ListBackupSelections", list_selections(region))
        events.register("before-call.backup.GetBackupSelection", get_selection)


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
