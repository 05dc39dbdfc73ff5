"""DocumentDB checks, on the DocumentDB clusters and cluster snapshots the rds collector lists (engine "docdb")."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check
from postureflow.checks.rds import judge_flag, judge_public_snapshots, judge_retention, of_engine

MIN_BACKUP_RETENTION_DAYS = 7
LOG_TYPES = ("audit", "profiler")


def _docdb(resources):
    return of_engine(resources, "docdb")


@check(
    id="documentdb_cluster_backup_enabled",
    title="DocumentDB cluster keeps automated backups for at least 7 days",
    severity="medium",
    resource_type="AwsRdsDbCluster",
    reads=["rds.clusters"],
    risk="A short backup retention leaves little time to notice data loss or corruption before the last good "
    "restore point is gone.",
    remediation="Modify the DocumentDB cluster with --backup-retention-period 7 or more.",
)
def documentdb_cluster_backup_enabled(clusters):
    yield from judge_retention(_docdb(clusters), "DocumentDB cluster", MIN_BACKUP_RETENTION_DAYS)


@check(
    id="documentdb_cluster_cloudwatch_log_export",
    title="DocumentDB cluster exports audit and profiler logs to CloudWatch Logs",
    severity="medium",
    resource_type="AwsRdsDbCluster",
    reads=["rds.clusters"],
    risk="Without exported audit and profiler logs, authentication attempts, schema changes and slow or "
    "suspicious queries leave no record to alarm on or investigate.",
    remediation="Turn on audit_logs and profiler in the cluster parameter group and modify the cluster with "
    "--cloudwatch-logs-export-configuration EnableLogTypes=audit,profiler.",
)
def documentdb_cluster_cloudwatch_log_export(clusters):
    for cluster in _docdb(clusters):
        exported = cluster.get("cloudwatch_logs") or []
        missing = [t for t in LOG_TYPES if t not in exported]
        if not missing:
            yield PASS(cluster, f"DocumentDB cluster {cluster.id} exports audit and profiler logs to CloudWatch Logs.")
        else:
            gap = " or ".join(missing)
            yield FAIL(cluster, f"DocumentDB cluster {cluster.id} does not export {gap} logs to CloudWatch Logs.")


@check(
    id="documentdb_cluster_deletion_protection",
    title="DocumentDB cluster has deletion protection enabled",
    severity="medium",
    resource_type="AwsRdsDbCluster",
    reads=["rds.clusters"],
    risk="Without deletion protection a single API call or console click deletes the cluster and its data.",
    remediation="Modify the DocumentDB cluster with --deletion-protection.",
)
def documentdb_cluster_deletion_protection(clusters):
    yield from judge_flag(
        _docdb(clusters),
        lambda c: c.get("deletion_protection"),
        "DocumentDB cluster",
        "has deletion protection enabled",
        "does not have deletion protection enabled",
    )


@check(
    id="documentdb_cluster_multi_az_enabled",
    title="DocumentDB cluster has instances in more than one Availability Zone",
    severity="medium",
    resource_type="AwsRdsDbCluster",
    reads=["rds.clusters"],
    risk="A cluster whose instances all sit in one Availability Zone goes down with that zone.",
    remediation="Add a replica instance in another Availability Zone to the DocumentDB cluster.",
)
def documentdb_cluster_multi_az_enabled(clusters):
    yield from judge_flag(
        _docdb(clusters),
        lambda c: c.get("multi_az"),
        "DocumentDB cluster",
        "has instances in more than one Availability Zone",
        "is not Multi-AZ",
    )


@check(
    id="documentdb_cluster_public_snapshot",
    title="DocumentDB manual cluster snapshot is not shared publicly",
    severity="critical",
    resource_type="AwsRdsDbClusterSnapshot",
    reads=["rds.cluster_snapshots"],
    risk="Any AWS account can restore a public snapshot and read every document it holds.",
    remediation="Remove 'all' from the snapshot's restore attribute (modify-db-cluster-snapshot-attribute "
    "--values-to-remove all) and share it with named accounts only.",
)
def documentdb_cluster_public_snapshot(cluster_snapshots):
    yield from judge_public_snapshots(_docdb(cluster_snapshots), "DocumentDB cluster snapshot")


@check(
    id="documentdb_cluster_storage_encrypted",
    title="DocumentDB cluster storage is encrypted at rest",
    severity="medium",
    resource_type="AwsRdsDbCluster",
    reads=["rds.clusters"],
    risk="Unencrypted cluster storage, snapshots and backups can be read by anyone who obtains a copy of them.",
    remediation="Encryption cannot be turned on in place: restore an encrypted copy of a snapshot into a new "
    "DocumentDB cluster and move to it.",
)
def documentdb_cluster_storage_encrypted(clusters):
    yield from judge_flag(
        _docdb(clusters),
        lambda c: c.get("storage_encrypted"),
        "DocumentDB cluster",
        "has encrypted storage",
        "does not encrypt its storage",
    )
