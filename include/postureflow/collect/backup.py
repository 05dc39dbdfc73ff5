"""AWS Backup: plans, their resource selections, vaults and their recovery points, report plans, per region.

Calls per region: ListBackupPlans, ListBackupVaults and ListReportPlans (all pages);
ListBackupSelections per plan and GetBackupSelection per selection;
ListRecoveryPointsByBackupVault per vault.

Records:
- ``plans``: one per backup plan;
- ``selections``: one per selection, stored as they are (resources, exclusions,
  tag conditions); ``checks.backup.selects`` decides which resources one covers.
  Other services' ``*_protected_by_backup_plan`` checks read them. A plan whose
  selections could not be listed, or a selection that could not be read, leaves
  an unreadable selection record: coverage there is unknown;
- ``vaults``: one per backup vault (its encryption key);
- ``recovery_points``: one per recovery point (whether it is encrypted);
- ``regions``: one per region, how many plans, vaults and report plans there are
  (unread when the listing failed; the ``*_exist`` checks judge the region).
"""

from __future__ import annotations

from postureflow.collect.base import Outcome, RegionScope, collector

NOT_FOUND = ("ResourceNotFoundException",)


@collector("backup")
def collect_backup(scope: RegionScope) -> None:
    client = scope.client("backup")
    plans = scope.list(client, "list_backup_plans", "BackupPlansList", kind="plans")
    scope.each(plans.value or [], lambda plan: _collect_plan(scope, client, plan))
    vaults = scope.list(client, "list_backup_vaults", "BackupVaultList", kind="vaults")
    scope.each(vaults.value or [], lambda vault: _collect_vault(scope, client, vault))
    reports = scope.list(client, "list_report_plans", "ReportPlans", token=("NextToken", "NextToken"))
    scope.add(
        "regions",
        uid=scope.arn("backup", "backup-settings"),
        id=f"backup-{scope.region}",
        plan_count=plans.map(len),
        plan_names=sorted(p.get("BackupPlanName") or p["BackupPlanId"] for p in plans.value or []),
        vault_count=vaults.map(len),
        vault_names=sorted(v["BackupVaultName"] for v in vaults.value or []),
        report_plan_count=reports.map(len),
        report_plan_names=sorted(r.get("ReportPlanName") or "" for r in reports.value or []),
    )


def _collect_vault(scope: RegionScope, client, vault: dict) -> None:
    name = vault["BackupVaultName"]
    vault_arn = vault.get("BackupVaultArn") or scope.arn("backup", f"backup-vault:{name}")
    scope.add(
        "vaults",
        uid=vault_arn,
        id=name,
        encryption_key_arn=vault.get("EncryptionKeyArn"),
        locked=bool(vault.get("Locked")),
        recovery_points=vault.get("NumberOfRecoveryPoints"),
    )
    points = scope.list(
        client, "list_recovery_points_by_backup_vault", "RecoveryPoints", kind="recovery_points", BackupVaultName=name
    )
    for point in points.value or []:
        scope.add(
            "recovery_points",
            uid=point["RecoveryPointArn"],
            id=point["RecoveryPointArn"].rsplit(":", 1)[-1],
            vault_name=name,
            resource_arn=point.get("ResourceArn"),
            resource_type=point.get("ResourceType"),
            status=point.get("Status"),
            encrypted=bool(point.get("IsEncrypted")),
            encryption_key_arn=point.get("EncryptionKeyArn"),
        )


def _collect_plan(scope: RegionScope, client, plan: dict) -> None:
    plan_id = plan["BackupPlanId"]
    plan_arn = plan.get("BackupPlanArn") or scope.arn("backup", f"backup-plan:{plan_id}")
    scope.add(
        "plans",
        uid=plan_arn,
        id=plan.get("BackupPlanName") or plan_id,
        plan_id=plan_id,
        version_id=plan.get("VersionId"),
        last_execution=plan.get("LastExecutionDate"),
    )
    summaries = scope.list(
        client, "list_backup_selections", "BackupSelectionsList", BackupPlanId=plan_id, MaxResults=1000
    )
    if not summaries.known:
        _add_selection(scope, plan, plan_arn, {"SelectionId": "unreadable"}, summaries)
        return
    for summary in summaries.value:
        answer = scope.fetch(
            client, "get_backup_selection", absent=NOT_FOUND, BackupPlanId=plan_id, SelectionId=summary["SelectionId"]
        )
        if answer.state != "absent":  # absent: deleted since it was listed
            _add_selection(scope, plan, plan_arn, summary, answer)


def _add_selection(scope: RegionScope, plan: dict, plan_arn: str, summary: dict, answer: Outcome) -> None:
    uid = f"{plan_arn}/selection/{summary['SelectionId']}"
    names = dict(plan_id=plan["BackupPlanId"], plan_name=plan.get("BackupPlanName"))
    if not answer.ok:
        # which resources it covers is unknown: the protected_by_backup_plan checks give no verdict
        scope.add_unreadable("selections", answer, uid=uid, id=summary["SelectionId"], **names)
        return
    selection = answer.value.get("BackupSelection") or {}
    scope.add(
        "selections",
        uid=uid,
        id=summary["SelectionId"],
        **names,
        selection_name=summary.get("SelectionName") or selection.get("SelectionName"),
        resources=selection.get("Resources") or [],
        not_resources=selection.get("NotResources") or [],
        list_of_tags=selection.get("ListOfTags") or [],
        conditions=selection.get("Conditions") or {},
        # Deprecated: checks.ec2_ebs still reads it; readers should test ``readable("resources")``.
        complete=True,
    )
