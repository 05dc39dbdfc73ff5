"""DynamoDB checks: table recovery and deletion protection, DAX encryption."""

from __future__ import annotations

from postureflow.checks import _policy
from postureflow.checks.base import FAIL, MANUAL, PASS, check

RESOURCE_TAG = "aws:resourcetag/"


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
        if status is None:
            continue  # DescribeContinuousBackups could not be read: a scan error says so
        if status == "ENABLED":
            yield PASS(table, f"DynamoDB table {table.id} has point-in-time recovery enabled.")
        else:
            yield FAIL(table, f"DynamoDB table {table.id} does not have point-in-time recovery enabled.")


def _tag_conditions_hold(conditions: dict, tags: dict[str, str]) -> bool:
    """All of a selection's Conditions (StringEquals/NotEquals/Like/NotLike on aws:ResourceTag/...) hold."""
    for operator, clauses in (conditions or {}).items():
        op = operator.lower()
        for clause in clauses or []:
            key = str(clause.get("ConditionKey", ""))
            if not key.lower().startswith(RESOURCE_TAG):
                continue
            value = tags.get(key[len(RESOURCE_TAG) :])
            wanted = str(clause.get("ConditionValue", ""))
            if op.endswith("like"):
                hit = value is not None and _policy.matches(value, wanted)
            else:
                hit = value == wanted
            if hit == ("not" in op):
                return False
    return True


def _selects(selection, arn: str, tags: dict[str, str]) -> bool:
    """Whether a ``dynamodb.backup_selections`` record selects the resource ``arn`` with ``tags``.

    Shared: other services' *_protected_by_backup_plan checks (ec2) import it, so keep its signature.
    """
    if _policy.matches(arn, selection.get("not_resources") or []):
        return False
    by_arn = _policy.matches(arn, selection.get("resources") or [])
    by_tag = any(
        str(t.get("ConditionType", "STRINGEQUALS")).upper() == "STRINGEQUALS"
        and tags.get(str(t.get("ConditionKey"))) == str(t.get("ConditionValue"))
        for t in selection.get("list_of_tags") or []
    )
    return (by_arn or by_tag) and _tag_conditions_hold(selection.get("conditions") or {}, tags)


def _plan(selection) -> str:
    return selection.get("plan_name") or selection.get("plan_id")


@check(
    id="dynamodb_table_protected_by_backup_plan",
    title="DynamoDB table is covered by an AWS Backup plan",
    severity="medium",
    resource_type="AwsDynamoDbTable",
    reads=["dynamodb.tables", "dynamodb.backup_selections"],
    risk="A table no backup plan selects has no scheduled, retained, independently stored backups to recover "
    "from deletion, corruption or ransomware.",
    remediation="Assign the table to an AWS Backup plan, by ARN or by a tag the plan's resource selection uses.",
)
def dynamodb_table_protected_by_backup_plan(tables, backup_selections):
    by_region: dict[str, list] = {}
    for selection in backup_selections:
        by_region.setdefault(selection.region, []).append(selection)
    for table in tables:
        selections = by_region.get(table.region, [])
        readable = [s for s in selections if s.get("complete")]
        covering = sorted({_plan(s) for s in readable if _selects(s, table.uid, table.tags)})
        if covering:
            yield PASS(table, f"DynamoDB table {table.id} is covered by AWS Backup plan(s) {', '.join(covering)}.")
        elif any(not s.get("complete") for s in selections):
            yield MANUAL(
                table,
                f"DynamoDB table {table.id} is not covered by any readable backup selection, and some backup "
                "selections in the region could not be read.",
            )
        else:
            yield FAIL(table, f"DynamoDB table {table.id} is not covered by any AWS Backup plan.")
