"""DynamoDB: tables, DAX clusters, and the AWS Backup selections that can cover tables.

Calls per region: paginated ListTables; per table DescribeTable,
DescribeContinuousBackups and ListTagsOfResource; paginated DAX DescribeClusters;
AWS Backup paginated ListBackupPlans, then ListBackupSelections per plan and
GetBackupSelection per selection.

The AWS Backup selections are stored as they are (resources, exclusions, tag
conditions); the check decides which tables they cover. They belong in a
``backup`` collector once one exists; until then this is their only reader.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from postureflow.collect.base import RegionScope, collector

TABLE_THREADS = 8
NOT_FOUND = ("ResourceNotFoundException",)
TABLE_GONE = NOT_FOUND + ("TableNotFoundException",)


@collector("dynamodb")
def collect_dynamodb(scope: RegionScope) -> None:
    client = scope.client("dynamodb")
    names = list(scope.paginate(client, "list_tables", "TableNames"))
    with ThreadPoolExecutor(max_workers=TABLE_THREADS) as pool:
        list(pool.map(lambda name: _collect_table(scope, client, name), names))
    _collect_dax(scope)
    _collect_backup_selections(scope)


def _collect_table(scope: RegionScope, client, name: str) -> None:
    answer = scope.call(client, "describe_table", absent=NOT_FOUND, TableName=name)
    table = (answer or {}).get("Table")
    if not table:
        return
    arn = table.get("TableArn") or scope.arn("dynamodb", f"table/{name}")
    backups = scope.call(client, "describe_continuous_backups", absent=TABLE_GONE, TableName=name)
    pitr = ((backups or {}).get("ContinuousBackupsDescription") or {}).get("PointInTimeRecoveryDescription") or {}
    tags = list(scope.paginate(client, "list_tags_of_resource", "Tags", ResourceArn=arn))
    sse = table.get("SSEDescription") or {}
    scope.add(
        "tables",
        uid=arn,
        id=name,
        tags=tags,
        status=table.get("TableStatus"),
        deletion_protection=bool(table.get("DeletionProtectionEnabled")),
        # ENABLED / DISABLED, or None when DescribeContinuousBackups could not be read.
        pitr_status=pitr.get("PointInTimeRecoveryStatus") if backups is not None else None,
        sse_type=sse.get("SSEType"),
        sse_status=sse.get("Status"),
        kms_key_arn=sse.get("KMSMasterKeyArn"),
        billing_mode=(table.get("BillingModeSummary") or {}).get("BillingMode"),
    )


def _collect_dax(scope: RegionScope) -> None:
    dax = scope.client("dax")
    for cluster in scope.paginate(dax, "describe_clusters", "Clusters"):
        name = cluster["ClusterName"]
        scope.add(
            "dax_clusters",
            uid=cluster.get("ClusterArn") or scope.arn("dax", f"cache/{name}"),
            id=name,
            status=cluster.get("Status"),
            sse_status=(cluster.get("SSEDescription") or {}).get("Status"),
            endpoint_encryption=cluster.get("ClusterEndpointEncryptionType"),
        )


def _collect_backup_selections(scope: RegionScope) -> None:
    backup = scope.client("backup")
    for plan in scope.paginate(backup, "list_backup_plans", "BackupPlansList"):
        plan_arn = plan.get("BackupPlanArn") or scope.arn("backup", f"backup-plan:{plan['BackupPlanId']}")
        summaries = _selection_summaries(scope, backup, plan["BackupPlanId"])
        if summaries is None:
            # The plan's selections could not be listed: one incomplete record says "unknown coverage".
            _add_selection(scope, plan, plan_arn, {"SelectionId": "unreadable"}, None)
            continue
        for summary in summaries:
            answer = scope.call(
                backup,
                "get_backup_selection",
                absent=NOT_FOUND,
                BackupPlanId=plan["BackupPlanId"],
                SelectionId=summary["SelectionId"],
            )
            _add_selection(scope, plan, plan_arn, summary, answer)


def _selection_summaries(scope: RegionScope, backup, plan_id: str) -> list[dict] | None:
    """Every selection of a plan; None when a page could not be read."""
    summaries: list[dict] = []
    params = {"BackupPlanId": plan_id, "MaxResults": 1000}
    while True:
        page = scope.call(backup, "list_backup_selections", **params)
        if page is None:
            return None
        summaries.extend(page.get("BackupSelectionsList") or [])
        if not page.get("NextToken"):
            return summaries
        params["NextToken"] = page["NextToken"]


def _add_selection(scope: RegionScope, plan: dict, plan_arn: str, summary: dict, answer: dict | None) -> None:
    selection = (answer or {}).get("BackupSelection") or {}
    scope.add(
        "backup_selections",
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
