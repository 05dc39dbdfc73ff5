"""rds_instance_protected_by_backup_plan and rds_cluster_protected_by_backup_plan: RDS inventory judged
against the backup collector's selections."""

from types import SimpleNamespace

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import scan_in_moto

ACCOUNT = "123456789012"
REGIONS = ["us-east-1", "eu-west-1"]
ROLE = f"arn:aws:iam::{ACCOUNT}:role/backup"
SELECTIONS = {
    "sel-tagged": {
        "SelectionName": "tagged",
        "IamRoleArn": ROLE,
        "ListOfTags": [{"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "daily"}],
    },
    "sel-clusters": {
        "SelectionName": "prod-clusters",
        "IamRoleArn": ROLE,
        "Resources": [f"arn:aws:rds:us-east-1:{ACCOUNT}:cluster:prod-*"],
    },
}


def _instance(name, region="us-east-1", tags=None, **kwargs):
    boto3.client("rds", region_name=region).create_db_instance(
        DBInstanceIdentifier=name,
        DBInstanceClass="db.t3.micro",
        Engine="postgres",
        AllocatedStorage=20,
        MasterUsername="admin1",
        MasterUserPassword="password123",
        Tags=[{"Key": k, "Value": v} for k, v in (tags or {}).items()],
        **kwargs,
    )


def _cluster(name, region="us-east-1"):
    rds = boto3.client("rds", region_name=region)
    rds.create_db_cluster(
        DBClusterIdentifier=name, Engine="aurora-postgresql", MasterUsername="admin1", MasterUserPassword="password123"
    )
    rds.create_db_instance(
        DBInstanceIdentifier=f"{name}-a",
        DBClusterIdentifier=name,
        DBInstanceClass="db.r6g.large",
        Engine="aurora-postgresql",
    )


def _build():
    _instance("db-covered", tags={"backup": "daily"})
    _instance("db-bare", tags={"backup": "weekly"})
    _instance("db-eu", region="eu-west-1", tags={"backup": "daily"})  # no plan in eu-west-1
    _cluster("prod-orders")
    _cluster("dev-orders")
    boto3.client("backup", region_name="us-east-1").create_backup_plan(
        BackupPlan={"BackupPlanName": "daily", "Rules": [{"RuleName": "daily", "TargetBackupVaultName": "Default"}]}
    )


def _answer_selections(access):
    """moto keeps backup plans but implements neither ListBackupSelections nor GetBackupSelection, so
    before-call hooks on the backup collector's us-east-1 client answer both from SELECTIONS."""

    def reply(body):
        return AWSResponse("https://backup.amazonaws.com", 200, {}, None), body

    listed = [{"SelectionId": k, "SelectionName": v["SelectionName"]} for k, v in SELECTIONS.items()]

    def get_selection(params, **_):
        selection_id = params["url_path"].rstrip("/").rsplit("/", 1)[-1]
        return reply({"SelectionId": selection_id, "BackupSelection": SELECTIONS[selection_id]})

    events = access.client("backup", "us-east-1").meta.events
    events.register("before-call.backup.ListBackupSelections", lambda **_: reply({"BackupSelectionsList": listed}))
    events.register("before-call.backup.GetBackupSelection", get_selection)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        _build()
        access = AwsAccess.from_default_chain()
        _answer_selections(access)
        lake = Lake(str(tmp_path_factory.mktemp("rds-backup-lake")))
        run = scan_in_moto(lake, ["rds"], REGIONS, access=access)
    return SimpleNamespace(run=run, calls=access.call_log)


def test_backup_inventory_collected_first(world):
    services = [r.service for r in world.run.results]
    assert services.index("backup") < services.index("rds")
    # (moto lacks rds:DescribeDBEngineVersions, an rds scan error that does not concern these checks)
    assert not [e for e in world.run.errors if e["service"] == "backup"]
    assert world.calls.repeated() == []


def test_instance_protected_by_backup_plan(world):
    check = "rds_instance_protected_by_backup_plan"
    assert world.run.status(check, "db-covered") == "PASS"  # selected by its backup=daily tag
    assert world.run.status(check, "db-bare") == "FAIL"
    assert world.run.status(check, "db-eu") == "FAIL"  # same tag, but no plan in its region
    judged = world.run.statuses(check)
    assert "prod-orders-a" not in judged and "dev-orders-a" not in judged  # members are judged on their cluster


def test_cluster_protected_by_backup_plan(world):
    check = "rds_cluster_protected_by_backup_plan"
    assert world.run.status(check, "prod-orders") == "PASS"  # selected by ARN pattern
    assert world.run.status(check, "dev-orders") == "FAIL"
