from types import SimpleNamespace

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from postureflow.aws import AwsAccess
from postureflow.checks.backup import selects
from postureflow.inventory import Resource
from postureflow.lake import Lake
from postureflow.testing import scan_in_moto

ACCOUNT = "123456789012"
# us-east-1 has plans and vaults; eu-west-1 a vault but no plan; eu-central-1 nothing at all.
REGIONS = ["us-east-1", "eu-west-1", "eu-central-1"]
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/backup"
SELECTIONS = {
    "sel-tagged": {
        "SelectionName": "tagged",
        "IamRoleArn": ROLE,
        "ListOfTags": [{"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "daily"}],
    },
    "sel-tables": {
        "SelectionName": "tables",
        "IamRoleArn": ROLE,
        "Resources": [f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/*"],
    },
}


def _build():
    east = boto3.client("backup", region_name="us-east-1")
    east.create_backup_vault(BackupVaultName="vault-plain")
    east.create_backup_vault(BackupVaultName="vault-sealed", EncryptionKeyArn=KEY)
    for name in ("nightly", "weekly"):
        east.create_backup_plan(
            BackupPlan={"BackupPlanName": name, "Rules": [{"RuleName": "r", "TargetBackupVaultName": "vault-sealed"}]}
        )
    boto3.client("backup", region_name="eu-west-1").create_backup_vault(BackupVaultName="eu-vault")


def answer_selections(access, region: str, selections: dict) -> None:
    """moto keeps backup plans and vaults but implements neither ListBackupSelections nor GetBackupSelection
    (nor CreateBackupSelection), so before-call hooks on the collector's client answer both: every plan in
    ``region`` has ``selections`` (selection id -> BackupSelection)."""

    def reply(body):
        return AWSResponse("https://backup.amazonaws.com", 200, {}, None), body

    listed = [{"SelectionId": k, "SelectionName": v["SelectionName"]} for k, v in selections.items()]

    def get_selection(params, **_):
        selection_id = params["url_path"].rstrip("/").rsplit("/", 1)[-1]
        return reply({"SelectionId": selection_id, "BackupSelection": selections[selection_id]})

    events = access.client("backup", region).meta.events
    events.register("before-call.backup.ListBackupSelections", lambda **_: reply({"BackupSelectionsList": listed}))
    events.register("before-call.backup.GetBackupSelection", get_selection)


RECOVERY_POINTS = {
    "vault-sealed": [
        {"RecoveryPointArn": f"arn:aws:backup:us-east-1:{ACCOUNT}:recovery-point:rp-sealed", "IsEncrypted": True,
         "EncryptionKeyArn": KEY, "Status": "COMPLETED"},
        {"RecoveryPointArn": f"arn:aws:backup:us-east-1:{ACCOUNT}:recovery-point:rp-plain", "IsEncrypted": False,
         "Status": "COMPLETED"},
    ],
}


def answer_recovery_points(access, regions, points: dict) -> None:
    """moto does not implement ListRecoveryPointsByBackupVault: a before-call hook answers it from
    ``points`` (vault name -> recovery points)."""

    def reply(params, **_):
        vault = params["url_path"].split("/backup-vaults/", 1)[1].split("/", 1)[0]
        body = {"RecoveryPoints": points.get(vault, []), "ResponseMetadata": {}}
        return AWSResponse("https://backup.amazonaws.com", 200, {}, None), body

    for region in regions:
        access.client("backup", region).meta.events.register("before-call.backup.ListRecoveryPointsByBackupVault", reply)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        _build()
        access = AwsAccess.from_default_chain()
        answer_selections(access, "us-east-1", SELECTIONS)
        answer_recovery_points(access, REGIONS, RECOVERY_POINTS)
        lake = Lake(str(tmp_path_factory.mktemp("backup-lake")))
        run = scan_in_moto(lake, ["backup"], REGIONS, access=access)
    return SimpleNamespace(run=run, calls=access.call_log, lake=lake)


def test_collected_once_without_errors(world):
    assert world.run.errors == []
    assert world.calls.repeated() == []
    calls = world.calls.calls
    # Two plans with two selections each: one listing per plan, one GetBackupSelection per selection.
    assert calls[("backup", "us-east-1", "ListBackupSelections")] == 2
    assert calls[("backup", "us-east-1", "GetBackupSelection")] == 4
    assert ("backup", "eu-west-1", "ListBackupSelections") not in calls


def test_plans_exist(world):
    check = "backup_plans_exist"
    assert world.run.status(check, "backup-us-east-1") == "PASS"
    assert world.run.status(check, "backup-eu-west-1") == "FAIL"  # a vault, but nothing scheduled into it
    assert "backup-eu-central-1" not in world.run.statuses(check)  # AWS Backup not used there


def test_vaults_exist(world):
    check = "backup_vaults_exist"
    assert world.run.status(check, "backup-us-east-1") == "PASS"
    assert world.run.status(check, "backup-eu-west-1") == "PASS"
    assert world.run.status(check, "backup-eu-central-1") == "FAIL"


def test_vaults_encrypted(world):
    check = "backup_vaults_encrypted"
    assert world.run.status(check, "vault-plain") == "FAIL"
    assert world.run.status(check, "vault-sealed") == "PASS"
    assert world.run.status(check, "eu-vault") == "FAIL"


def test_unreadable_listing_gives_no_verdict(tmp_path):
    """A denied ListBackupVaults / ListBackupPlans records a scan error and no "none exist" FAIL, but a
    no-verdict result on the region (before-call hooks stand in for the denial)."""
    from moto import mock_aws

    def denied(**_):
        body = {"Error": {"Code": "AccessDeniedException", "Message": "not allowed"}}
        return AWSResponse("https://backup.amazonaws.com", 403, {}, None), body

    with mock_aws():
        access = AwsAccess.from_default_chain()
        events = access.client("backup", "us-east-1").meta.events
        events.register("before-call.backup.ListBackupVaults", denied)
        events.register("before-call.backup.ListBackupPlans", denied)
        run = scan_in_moto(Lake(str(tmp_path)), ["backup"], ["us-east-1"], access=access)
    assert sorted(e["api"] for e in run.errors) == ["backup:list_backup_plans", "backup:list_backup_vaults"]
    assert run.statuses("backup_vaults_exist") == {"backup-us-east-1": "MANUAL"}
    assert run.statuses("backup_plans_exist") == {"backup-us-east-1": "MANUAL"}


def _resource(arn, tags=None):
    return Resource("tables", arn, arn.rsplit("/", 1)[-1], "us-east-1", tags or {}, {})


def _selection(**facts):
    return Resource("selections", "sel", "sel", "us-east-1", {}, facts)


def test_selects():
    table = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders"
    by_arn = _selection(resources=[f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/*"])
    assert selects(by_arn, table, {})
    excluded = _selection(resources=by_arn["resources"], not_resources=[table])
    assert not selects(excluded, table, {})
    by_tag = _selection(list_of_tags=[{"ConditionType": "STRINGEQUALS", "ConditionKey": "backup", "ConditionValue": "y"}])
    assert selects(by_tag, table, {"backup": "y"})
    assert not selects(by_tag, table, {"backup": "n"})
    conditioned = _selection(
        resources=["*"],
        conditions={"StringNotEquals": [{"ConditionKey": "aws:ResourceTag/env", "ConditionValue": "dev"}]},
    )
    assert selects(conditioned, table, {"env": "prod"})
    assert not selects(conditioned, table, {"env": "dev"})


def test_unreadable_selection_gives_no_verdict_on_uncovered_resources(scan):
    """dynamodb's protected_by_backup_plan: a table no readable selection covers, in a region where a
    plan's selections could not be listed, gets no verdict; a covered one still PASSes."""
    from postureflow.testing import DeniedAccess

    backup = boto3.client("backup", region_name="us-east-1")
    backup.create_backup_plan(BackupPlan={"BackupPlanName": "p", "Rules": [{"RuleName": "r", "TargetBackupVaultName": "v"}]})
    boto3.client("dynamodb", region_name="us-east-1").create_table(
        TableName="t-unknown", KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
    )
    access = DeniedAccess("backup:ListBackupSelections")
    run = scan("dynamodb", regions=["us-east-1"], access=access)
    assert run.statuses("dynamodb_table_protected_by_backup_plan") == {"t-unknown": "MANUAL"}
    assert access.hits


# -- checks added for issue 12 --------------------------------------------------------------------------


def test_recovery_point_encrypted(world):
    assert world.run.statuses("backup_recovery_point_encrypted") == {"rp-sealed": "PASS", "rp-plain": "FAIL"}


def test_recovery_points_unlisted_give_no_verdict(scan):
    from postureflow.testing import DeniedAccess

    boto3.client("backup", region_name="us-east-1").create_backup_vault(BackupVaultName="vault-sealed")
    access = DeniedAccess("backup:ListRecoveryPointsByBackupVault")
    run = scan("backup", regions=["us-east-1"], access=access)
    assert run.of("backup_recovery_point_encrypted") == [] and access.hits


def _plan(region, name="p"):
    boto3.client("backup", region_name=region).create_backup_plan(
        BackupPlan={"BackupPlanName": name, "Rules": [{"RuleName": "r", "TargetBackupVaultName": "v"}]}
    )


def test_reportplans_exist(scan):
    _plan("us-east-1")
    _plan("eu-west-1")
    boto3.client("backup", region_name="us-east-1").create_report_plan(
        ReportPlanName="weekly_jobs", ReportDeliveryChannel={"S3BucketName": "backup-reports"},
        ReportSetting={"ReportTemplate": "BACKUP_JOB_REPORT"},
    )  # fmt: skip
    run = scan("backup", regions=["us-east-1", "eu-west-1", "eu-central-1"])
    # eu-central-1 has no backup plan: not judged
    assert run.statuses("backup_reportplans_exist") == {"backup-us-east-1": "PASS", "backup-eu-west-1": "FAIL"}


def test_reportplans_unreadable_gives_no_verdict(scan):
    from postureflow.testing import DeniedAccess

    _plan("us-east-1")
    access = DeniedAccess("backup:ListReportPlans")
    run = scan("backup", regions=["us-east-1"], access=access)
    assert run.statuses("backup_reportplans_exist") == {"backup-us-east-1": "MANUAL"}
