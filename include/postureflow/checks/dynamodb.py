"""DynamoDB checks: table recovery and deletion protection, DAX encryption."""

from __future__ import annotations

from postureflow.checks.backup import judge_protected
from postureflow.checks.base import FAIL, PASS, check


@check(
    id="dynamodb_accelerator_cluster_encryption_enabled",
    title="DynamoDB Accelerator (DAX) cluster encrypts data at rest",
    severity="medium",
    resource_type="Other",
    reads=["dynamodb.dax_clusters"],
    risk="A DAX cluster without encryption at rest keeps cached table items, configuration and logs unencrypted on "
    "its nodes' disks.",
    remediation="Encryption at rest can only be chosen at creation: create a new DAX cluster with server-side "
    "encryption enabled, point clients at it and delete the old one.",
)
def dynamodb_accelerator_cluster_encryption_enabled(dax_clusters):
    for cluster in dax_clusters:
        status = cluster.get("sse_status") or "DISABLED"
        if status in ("ENABLED", "ENABLING"):
            yield PASS(cluster, f"DAX cluster {cluster.id} encrypts data at rest.")
        else:
            yield FAIL(cluster, f"DAX cluster {cluster.id} does not encrypt data at rest (SSE {status}).")


@check(
    id="dynamodb_table_deletion_protection_enabled",
    title="DynamoDB table has deletion protection enabled",
    severity="medium",
    resource_type="AwsDynamoDbTable",
    reads=["dynamodb.tables"],
    risk="Without deletion protection one mistaken or malicious DeleteTable call destroys the table and its data.",
    remediation="Enable deletion protection on the table (aws dynamodb update-table --deletion-protection-enabled).",
)
def dynamodb_table_deletion_protection_enabled(tables):
    for table in tables:
        if table.get("deletion_protection"):
            yield PASS(table, f"DynamoDB table {table.id} has deletion protection enabled.")
        else:
            yield FAIL(table, f"DynamoDB table {table.id} does not have deletion protection enabled.")


@check(
    id="dynamodb_tables_pitr_enabled",
    title="DynamoDB table has point-in-time recovery enabled",
    severity="medium",
    resource_type="AwsDynamoDbTable",
    reads=["dynamodb.tables"],
    risk="Without point-in-time recovery, items lost to an accidental write or delete cannot be restored to the "
    "moment before it happened.",
    remediation="Enable point-in-time recovery on the table (aws dynamodb update-continuous-backups "
    "--point-in-time-recovery-specification PointInTimeRecoveryEnabled=true).",
)
def dynamodb_tables_pitr_enabled(tables):
    for table in tables:
        status = table.get("pitr_status")
        if status == "ENABLED":
            yield PASS(table, f"DynamoDB table {table.id} has point-in-time recovery enabled.")
        else:
            yield FAIL(table, f"DynamoDB table {table.id} does not have point-in-time recovery enabled.")


@check(
    id="dynamodb_table_protected_by_backup_plan",
    title="DynamoDB table is covered by an AWS Backup plan",
    severity="medium",
    resource_type="AwsDynamoDbTable",
    reads=["dynamodb.tables", "backup.selections"],
    risk="A table no backup plan selects has no scheduled, retained, independently stored backups to recover "
    "from deletion, corruption or ransomware.",
    remediation="Assign the table to an AWS Backup plan, by ARN or by a tag the plan's resource selection uses.",
)
def dynamodb_table_protected_by_backup_plan(tables, selections):
    yield from judge_protected(tables, selections, "DynamoDB table")
