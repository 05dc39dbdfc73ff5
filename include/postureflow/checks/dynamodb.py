"""DynamoDB checks: table recovery and deletion protection, DAX encryption."""

from __future__ import annotations

from postureflow import arn
from postureflow import policy as _policy
from postureflow.checks.backup import judge_protected
from postureflow.checks.base import FAIL, PASS, check, no_verdict


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


# -- checks added for issue 12 --------------------------------------------------------------------------


@check(
    id="dynamodb_accelerator_cluster_in_transit_encryption_enabled",
    title="DynamoDB Accelerator (DAX) cluster encrypts traffic in transit",
    severity="medium",
    resource_type="Other",
    reads=["dynamodb.dax_clusters"],
    risk="Without TLS on the cluster endpoint, cached items and requests cross the network in clear text.",
    remediation="Encryption in transit can only be chosen at creation: create a DAX cluster with "
    "ClusterEndpointEncryptionType TLS, move clients to it and delete the old one.",
)
def dynamodb_accelerator_cluster_in_transit_encryption_enabled(dax_clusters):
    for cluster in dax_clusters:
        if cluster.get("endpoint_encryption") == "TLS":
            yield PASS(cluster, f"DAX cluster {cluster.id} encrypts traffic in transit with TLS.")
        else:
            yield FAIL(cluster, f"DAX cluster {cluster.id} does not encrypt traffic in transit.")


@check(
    id="dynamodb_accelerator_cluster_multi_az",
    title="DynamoDB Accelerator (DAX) cluster has nodes in more than one Availability Zone",
    severity="medium",
    resource_type="Other",
    reads=["dynamodb.dax_clusters"],
    risk="A cluster whose nodes share one Availability Zone becomes unavailable when that zone fails.",
    remediation="Add nodes in other Availability Zones (increase the replication factor with zones spread).",
)
def dynamodb_accelerator_cluster_multi_az(dax_clusters):
    for cluster in dax_clusters:
        zones = cluster.get("node_zones") or []
        if len(zones) > 1:
            yield PASS(cluster, f"DAX cluster {cluster.id} has nodes in {', '.join(zones)}.")
        else:
            yield FAIL(cluster, f"DAX cluster {cluster.id} has its nodes in one Availability Zone or none.")


@check(
    id="dynamodb_table_autoscaling_enabled",
    title="DynamoDB table scales its capacity automatically",
    severity="medium",
    resource_type="AwsDynamoDbTable",
    reads=["dynamodb.tables"],
    risk="A provisioned table without auto scaling throttles requests when traffic exceeds its fixed capacity, "
    "making the application unavailable.",
    remediation="Use on-demand capacity, or register the table's read and write capacity with Application Auto "
    "Scaling and add target-tracking policies.",
)
def dynamodb_table_autoscaling_enabled(tables):
    for table in tables:
        if table.get("billing_mode") != "PROVISIONED":
            yield PASS(table, f"DynamoDB table {table.id} uses on-demand capacity.")
            continue
        scaling = table.get("autoscaling") or {}
        missing = [side for side in ("read", "write") if not scaling.get(side)]
        if missing:
            yield FAIL(table, f"DynamoDB table {table.id} has no auto scaling for its {' and '.join(missing)} capacity.")
        else:
            yield PASS(table, f"DynamoDB table {table.id} scales its read and write capacity automatically.")


@check(
    id="dynamodb_table_cross_account_access",
    title="DynamoDB table's resource policy admits no other account",
    severity="medium",
    resource_type="AwsDynamoDbTable",
    reads=["dynamodb.tables"],
    risk="A resource policy that lets principals of other (untrusted) accounts in exposes the table's items to "
    "them, outside your identity governance.",
    remediation="Limit the table's resource policy to principals of this account, or of the accounts listed in "
    "trusted_account_ids.",
    config=["trusted_account_ids"],
)
def dynamodb_table_cross_account_access(tables, config):
    trusted = {str(a) for a in config["trusted_account_ids"] or ()}
    for table in tables:
        document = table.get("policy")
        if document is None and table.readable("policy"):
            continue  # no resource policy (like Prowler, not judged)
        if not _policy.parseable(document):
            yield no_verdict(FAIL(table, ""), ["its policy (not a JSON policy document)"])
            continue
        outside = _policy.outside_accounts(document, arn.account_of(table.uid)) - trusted
        if outside:
            yield FAIL(table, f"DynamoDB table {table.id} has a resource policy admitting "
                       f"{_policy.summary('anyone' if a == '*' else a for a in outside)}.")  # fmt: skip
        else:
            yield PASS(table, f"DynamoDB table {table.id} has a resource policy admitting no untrusted account.")


@check(
    id="dynamodb_tables_kms_cmk_encryption_enabled",
    title="DynamoDB table is encrypted with a KMS key",
    severity="medium",
    resource_type="AwsDynamoDbTable",
    reads=["dynamodb.tables"],
    risk="A table on DynamoDB's own key gives no key policy to restrict, and no CloudTrail record of, who "
    "decrypts its data.",
    remediation="Switch the table's encryption to an AWS KMS key, preferably a customer managed one "
    "(aws dynamodb update-table --sse-specification Enabled=true,SSEType=KMS,KMSMasterKeyId=...).",
)
def dynamodb_tables_kms_cmk_encryption_enabled(tables):
    for table in tables:
        if table.get("sse_type") == "KMS":
            yield PASS(table, f"DynamoDB table {table.id} is encrypted with KMS key {table.get('kms_key_arn')}.")
        else:
            yield FAIL(table, f"DynamoDB table {table.id} is encrypted with DynamoDB's own key.")
