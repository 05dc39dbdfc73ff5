"""Neptune checks, on the Neptune clusters and cluster snapshots the rds collector lists (engine "neptune")."""

from __future__ import annotations

from postureflow.checks.base import check
from postureflow.checks.rds import judge_flag, judge_public_snapshots, judge_public_subnets, judge_retention, of_engine

MIN_BACKUP_RETENTION_DAYS = 7


def _neptune(resources):
    return of_engine(resources, "neptune")


@check(
    id="neptune_cluster_backup_enabled",
    title="Neptune DB cluster keeps automated backups for at least 7 days",
    severity="medium",
    resource_type="AwsRdsDbCluster",
    reads=["rds.clusters"],
    risk="A short backup retention leaves little time to notice data loss or corruption before the last good "
    "restore point is gone.",
    remediation="Modify the Neptune cluster with --backup-retention-period 7 or more.",
)
def neptune_cluster_backup_enabled(clusters):
    yield from judge_retention(_neptune(clusters), "Neptune cluster", MIN_BACKUP_RETENTION_DAYS)


@check(
    id="neptune_cluster_copy_tags_to_snapshots",
    title="Neptune DB cluster copies its tags to snapshots",
    severity="low",
    resource_type="AwsRdsDbCluster",
    reads=["rds.clusters"],
    risk="Snapshots without the cluster's tags escape tag-based ownership, cost allocation and access policies.",
    remediation="Modify the Neptune cluster with --copy-tags-to-snapshot.",
)
def neptune_cluster_copy_tags_to_snapshots(clusters):
    yield from judge_flag(
        _neptune(clusters),
        lambda c: c.get("copy_tags_to_snapshot"),
        "Neptune cluster",
        "copies its tags to snapshots",
        "does not copy its tags to snapshots",
    )


@check(
    id="neptune_cluster_deletion_protection",
    title="Neptune DB cluster has deletion protection enabled",
    severity="medium",
    resource_type="Other",
    reads=["rds.clusters"],
    risk="Without deletion protection a single API call or console click deletes the graph database.",
    remediation="Modify the Neptune cluster with --deletion-protection.",
)
def neptune_cluster_deletion_protection(clusters):
    yield from judge_flag(
        _neptune(clusters),
        lambda c: c.get("deletion_protection"),
        "Neptune cluster",
        "has deletion protection enabled",
        "does not have deletion protection enabled",
    )


@check(
    id="neptune_cluster_iam_authentication_enabled",
    title="Neptune DB cluster has IAM database authentication enabled",
    severity="medium",
    resource_type="AwsRdsDbCluster",
    reads=["rds.clusters"],
    risk="Without IAM authentication any client that reaches the endpoint can query the graph; requests are "
    "neither authenticated nor attributable.",
    remediation="Modify the Neptune cluster with --enable-iam-database-authentication and grant neptune-db:* "
    "actions to the principals that need them.",
)
def neptune_cluster_iam_authentication_enabled(clusters):
    yield from judge_flag(
        _neptune(clusters),
        lambda c: c.get("iam_auth"),
        "Neptune cluster",
        "has IAM database authentication enabled",
        "does not have IAM database authentication enabled",
    )


@check(
    id="neptune_cluster_integration_cloudwatch_logs",
    title="Neptune DB cluster publishes audit logs to CloudWatch Logs",
    severity="medium",
    resource_type="Other",
    reads=["rds.clusters"],
    risk="Without exported audit logs, queries against the graph leave no record to alarm on or investigate.",
    remediation="Set neptune_enable_audit_log=1 in the cluster parameter group and modify the cluster with "
    "--cloudwatch-logs-export-configuration EnableLogTypes=audit.",
)
def neptune_cluster_integration_cloudwatch_logs(clusters):
    yield from judge_flag(
        _neptune(clusters),
        lambda c: "audit" in (c.get("cloudwatch_logs") or []),
        "Neptune cluster",
        "publishes its audit log to CloudWatch Logs",
        "does not publish its audit log to CloudWatch Logs",
    )


@check(
    id="neptune_cluster_multi_az",
    title="Neptune DB cluster has instances in more than one Availability Zone",
    severity="medium",
    resource_type="AwsRdsDbCluster",
    reads=["rds.clusters"],
    risk="A cluster whose instances all sit in one Availability Zone goes down with that zone.",
    remediation="Add a read replica in another Availability Zone to the Neptune cluster.",
)
def neptune_cluster_multi_az(clusters):
    yield from judge_flag(
        _neptune(clusters),
        lambda c: c.get("multi_az"),
        "Neptune cluster",
        "has instances in more than one Availability Zone",
        "is not Multi-AZ",
    )


@check(
    id="neptune_cluster_public_snapshot",
    title="Neptune DB cluster snapshot is not shared publicly",
    severity="critical",
    resource_type="AwsRdsDbClusterSnapshot",
    reads=["rds.cluster_snapshots"],
    risk="Any AWS account can restore a public snapshot and read the whole graph it holds.",
    remediation="Remove 'all' from the snapshot's restore attribute (modify-db-cluster-snapshot-attribute "
    "--values-to-remove all) and share it with named accounts only.",
)
def neptune_cluster_public_snapshot(cluster_snapshots):
    yield from judge_public_snapshots(_neptune(cluster_snapshots), "Neptune cluster snapshot")


@check(
    id="neptune_cluster_snapshot_encrypted",
    title="Neptune DB cluster snapshot is encrypted at rest",
    severity="medium",
    resource_type="AwsRdsDbClusterSnapshot",
    reads=["rds.cluster_snapshots"],
    risk="An unencrypted snapshot holds a full copy of the graph that anyone who can copy or restore it can read.",
    remediation="Copy the snapshot with a KMS key (copy-db-cluster-snapshot --kms-key-id) and delete the "
    "unencrypted one; encrypt the source cluster so new snapshots are encrypted.",
)
def neptune_cluster_snapshot_encrypted(cluster_snapshots):
    yield from judge_flag(
        _neptune(cluster_snapshots),
        lambda s: s.get("encrypted"),
        "Neptune cluster snapshot",
        "is encrypted",
        "is not encrypted",
    )


@check(
    id="neptune_cluster_storage_encrypted",
    title="Neptune DB cluster storage is encrypted at rest",
    severity="high",
    resource_type="Other",
    reads=["rds.clusters"],
    risk="Unencrypted cluster storage, snapshots and backups can be read by anyone who obtains a copy of them.",
    remediation="Encryption cannot be turned on in place: restore an encrypted copy of a snapshot into a new "
    "Neptune cluster and move to it.",
)
def neptune_cluster_storage_encrypted(clusters):
    yield from judge_flag(
        _neptune(clusters),
        lambda c: c.get("storage_encrypted"),
        "Neptune cluster",
        "has encrypted storage",
        "does not encrypt its storage",
    )


@check(
    id="neptune_cluster_uses_public_subnet",
    title="Neptune DB cluster uses no public subnet",
    severity="medium",
    resource_type="AwsRdsDbCluster",
    reads=["rds.clusters", "vpc.subnets"],
    risk="A cluster in subnets that route to an internet gateway is one security group rule away from being "
    "reachable from the internet.",
    remediation="Move the cluster to a DB subnet group made of private subnets.",
)
def neptune_cluster_uses_public_subnet(clusters, subnets):
    yield from judge_public_subnets(_neptune(clusters), subnets, "Neptune cluster")
