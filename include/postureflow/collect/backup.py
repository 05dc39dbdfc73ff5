"""AWS Backup: plans, their resource selections, and vaults, per region.

Calls per region: ListBackupPlans and ListBackupVaults (paged by hand, so that a
listing that fails records "unknown", not "none"); ListBackupSelections per plan
and GetBackupSelection per selection.

Records:
- ``plans``: one per backup plan;
- ``selections``: one per selection, stored as they are (resources, exclusions,
  tag conditions); ``checks.backup.selects`` decides which resources one covers.
  Other services' ``*_protected_by_backup_plan`` checks read them;
- ``vaults``: one per backup vault (its encryption key);
- ``regions``: one per region, whether the plans and vaults could be listed and how
  many there are (the ``*_exist`` checks judge the region).
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector

NOT_FOUND = ("ResourceNotFoundException",)


@collector("backup")
def collect_backup(scope: RegionScope) -> None:
    client = scope.client("backup")
    plans = _listing(scope, client, "list_backup_plans", "BackupPlansList")
    for plan in plans or []:
        _collect_plan(scope, client, plan)
    vaults = _listing(scope, client, "list_backup_vaults", "BackupVaultList")
    for vault in vaults or []:
        name = vault["BackupVaultName"]
        scope.add(
            "vaults",
            uid=vault.get("BackupVaultArn") or scope.arn("backup", f"backup-vault:{name}"),
            id=name,
            encryption_key_arn=vault.get("EncryptionKeyArn"),
            locked=bool(vault.get("Locked")),
            recovery_points=vault.get("NumberOfRecoveryPoints"),
        )
    scope.add(
        "regions",
        uid=scope.arn("backup", "backup-settings"),
        id=f"backup-{scope.region}",
        # None when the listing could not be read (a scan error says why).
        plan_count=None if plans is None else len(plans),
        plan_names=sorted(p.get("BackupPlanName") or p["BackupPlanId"] for p in plans or []),
        vault_count=None if vaults is None else len(vaults),
        vault_names=sorted(v["BackupVaultName"] for v in vaults or []),
    )


def _listing(scope: RegionScope, client, operation: str, result_key: str, **params) -> list[dict] | None:
    """Every item over all pages; None when a page could not be read."""
    items: list[dict] = []
    while True:
        page = scope.call(client, operation, **params)
        if page is None:
            return None
        items.extend(page.get(result_key) or [])
        if not page.get("NextToken"):
            return items
        params["NextToken"] = page["NextToken"]


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
    summaries = _listing(
        scope, client, "list_backup_selections", "BackupSelectionsList", BackupPlanId=plan_id, MaxResults=1000
    )
    if summaries is None:
        # The plan's selections could not be listed: one incomplete record says "unknown coverage".
        _add_selection(scope, plan, plan_arn, {"SelectionId": "unreadable"}, None)
        return
    for summary in summaries:
        answer = scope.call(
            client, "get_backup_selection", absent=NOT_FOUND, BackupPlanId=plan_id, SelectionId=summary["SelectionId"]
        )
        _add_selection(scope, plan, plan_arn, summary, answer)


def _add_selection(scope: RegionScope, plan: dict, plan_arn: str, summary: dict, answer: dict | None) -> None:
    selection = (answer or {}).get("BackupSelection") or {}
    scope.add(
        "selections",
        uid=f"{plan_arn}/selection/{summary['SelectionId']}",
        id=summary["SelectionId"],
        plan_id=plan["BackupPlanId"],
        plan_name=plan.get("BackupPlanName"),
        selection_name=summary.get("SelectionName") or selection.get("SelectionName"),
        # False when the selection (or the plan's list of selections) could not be read.
        complete=answer is not None,
        resources=selection.get("Resources") or [],
        not_resources=selection.get("NotResources") or [],
        list_of_tags=selection.get("ListOfTags") or [],
        conditions=selection.get("Conditions") or {},
    )
