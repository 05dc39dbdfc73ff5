"""RDS checks (DocumentDB and Neptune resources, which share the RDS API, are left to their own services).

Settings an Aurora or Multi-AZ DB cluster owns (backups, deletion protection,
copy-tags-to-snapshot, IAM authentication, log exports, the master user, the
port, the TLS parameter group) are judged on the cluster by the rds_cluster_*
checks; the rds_instance_* checks for those settings judge standalone
instances only, so one misconfiguration gives one finding.
"""

from __future__ import annotations

from typing import Callable, Iterable

from postureflow.checks.backup import judge_protected
from postureflow.checks._in_use import SCAN_UNUSED, judged
from postureflow.checks.base import FAIL, PASS, Result, check, days_since, no_verdict
from postureflow.inventory import Resource
from postureflow.collect.rds import is_rds_engine

DEFAULT_ADMIN_USERNAMES = ("admin", "postgres")
CERTIFICATE_MIN_DAYS_LEFT = 90  # about three months
# Engine name prefix -> its default port.
DEFAULT_PORTS = {
    "aurora-postgresql": 5432,
    "postgres": 5432,
    "aurora-mysql": 3306,
    "aurora": 3306,
    "mysql": 3306,
    "mariadb": 3306,
    "oracle": 1521,
    "sqlserver": 1433,
    "db2": 50000,
}
FORCE_SSL_ENGINES = ("postgres", "aurora-postgresql", "sqlserver")
SECURE_TRANSPORT_ENGINES = ("mysql", "mariadb", "aurora-mysql", "aurora")
IAM_AUTH_ENGINES = ("postgres", "mysql", "mariadb")
# Subscription states in which RDS cannot deliver notifications.
UNDELIVERABLE = ("no-permission", "topic-not-exist")


def _rds(resources):
    return [r for r in resources if is_rds_engine(r.get("engine"))]


def _standalone(instances):
    return [db for db in _rds(instances) if not db.get("cluster_id")]


def of_engine(resources, engine: str):
    """The records of one engine (DocumentDB's is "docdb", Neptune's "neptune")."""
    return [r for r in resources if (r.get("engine") or "").lower() == engine]


def judge_public_subnets(resources, subnets, noun: str):
    """FAIL a resource whose ``subnet_ids`` include a public subnet (a ``vpc.subnets`` record routing to an
    internet gateway); no verdict when one of its subnets is not in the inventory."""
    known = {(s.region, s.id): s for s in subnets}
    for resource in resources:
        ids = resource.get("subnet_ids") or []
        missing = [sid for sid in ids if (resource.region, sid) not in known]
        if missing:
            yield no_verdict(FAIL(resource, ""), [f"subnet(s) {', '.join(missing)} (not in the inventory)"])
            continue
        public = [sid for sid in ids if known[(resource.region, sid)].get("public")]
        if public:
            yield FAIL(resource, f"{noun} {resource.id} uses public subnets: {', '.join(public)}.")
        else:
            yield PASS(resource, f"{noun} {resource.id} uses no public subnet.")


def _engine(resource) -> str:
    return (resource.get("engine") or "").lower()


def judge_flag(resources: Iterable[Resource], ok: Callable[[Resource], bool], noun: str, passed: str, failed: str):
    """PASS where ``ok(resource)``, FAIL elsewhere; the texts follow "<noun> <id> ..."."""
    for resource in resources:
        if ok(resource):
            yield PASS(resource, f"{noun} {resource.id} {passed}.")
        else:
            yield FAIL(resource, f"{noun} {resource.id} {failed}.")


def judge_retention(clusters, noun: str, minimum: int):
    for cluster in clusters:
        days = cluster.get("backup_retention_days") or 0
        kept = f"{days} day" if days == 1 else f"{days} days"
        if days >= minimum:
            yield PASS(cluster, f"{noun} {cluster.id} keeps automated backups for {kept}.")
        elif days:
            yield FAIL(cluster, f"{noun} {cluster.id} keeps automated backups for only {kept} (under {minimum}).")
        else:
            yield FAIL(cluster, f"{noun} {cluster.id} has automated backups turned off.")


def judge_public_snapshots(snapshots, noun: str):
    """Manual snapshots whose sharing attribute was read: FAIL when anyone may restore them."""
    for snap in snapshots:
        if snap.get("snapshot_type") != "manual" or (snap.readable("public") and snap.get("public") is None):
            continue  # automated, or deleted meanwhile (an unread sharing attribute gives no verdict)
        if snap.get("public"):
            yield FAIL(snap, f"{noun} {snap.id} is shared publicly: any AWS account can restore it.")
        else:
            yield PASS(snap, f"{noun} {snap.id} is not shared publicly.")


# -- clusters -------------------------------------------------------------------------------------


@check(
    id="rds_cluster_multi_az",
    title="RDS DB cluster spans more than one Availability Zone",
    severity="medium",
    resource_type="AwsRdsDbCluster",
    reads=["rds.clusters"],
    risk="A cluster whose instances all sit in one Availability Zone goes down with that zone.",
    remediation="Add a reader instance in another Availability Zone (Aurora) or create the cluster as a Multi-AZ "
    "DB cluster.",
)
def rds_cluster_multi_az(clusters):
    for cluster in _rds(clusters):
        if cluster.get("multi_az"):
            yield PASS(cluster, f"RDS cluster {cluster.id} has instances in more than one Availability Zone.")
        else:
            yield FAIL(cluster, f"RDS cluster {cluster.id} is not Multi-AZ.")


@check(
    id="rds_cluster_backtrack_enabled",
    title="Aurora MySQL DB cluster has Backtrack enabled",
    severity="low",
    resource_type="AwsRdsDbCluster",
    reads=["rds.clusters"],
    risk="Without Backtrack, undoing a bad write or a dropped table means a slower point-in-time restore into a "
    "new cluster.",
    remediation="Set a backtrack window on the Aurora MySQL cluster (--backtrack-window, in seconds); a cluster "
    "created without Backtrack must be restored from a snapshot with it enabled.",
)
def rds_cluster_backtrack_enabled(clusters):
    aurora_mysql = [c for c in _rds(clusters) if _engine(c) in ("aurora-mysql", "aurora")]
    for cluster in aurora_mysql:
        window = cluster.get("backtrack_window") or 0
        if window > 0:
            yield PASS(cluster, f"Aurora MySQL cluster {cluster.id} can be backtracked up to {window} seconds.")
        else:
            yield FAIL(cluster, f"Aurora MySQL cluster {cluster.id} does not have Backtrack enabled.")


@check(
    id="rds_cluster_copy_tags_to_snapshots",
    title="RDS DB cluster copies its tags to snapshots",
    severity="low",
    resource_type="AwsRdsDbCluster",
    reads=["rds.clusters"],
    risk="Snapshots without the cluster's tags escape tag-based ownership, cost allocation and access policies.",
    remediation="Modify the cluster with --copy-tags-to-snapshot.",
)
def rds_cluster_copy_tags_to_snapshots(clusters):
    yield from judge_flag(
        _rds(clusters),
        lambda c: c.get("copy_tags_to_snapshot"),
        "RDS cluster",
        "copies its tags to snapshots",
        "does not copy its tags to snapshots",
    )


@check(
    id="rds_cluster_default_admin",
    title="RDS DB cluster does not use a default master username",
    severity="medium",
    resource_type="AwsRdsDbCluster",
    reads=["rds.clusters"],
    risk="A well-known master username (admin, postgres) leaves only the password to guess.",
    remediation="Create a new cluster with a custom master username and migrate to it (the master username "
    "cannot be changed).",
)
def rds_cluster_default_admin(clusters):
    yield from _judge_default_admin(_rds(clusters), "RDS cluster")


def _judge_default_admin(resources, noun: str):
    for resource in resources:
        user = resource.get("master_username")
        if user in DEFAULT_ADMIN_USERNAMES:
            yield FAIL(resource, f"{noun} {resource.id} uses the default master username {user}.")
        else:
            yield PASS(resource, f"{noun} {resource.id} does not use a default master username.")


@check(
    id="rds_cluster_deletion_protection",
    title="RDS DB cluster has deletion protection enabled",
    severity="medium",
    resource_type="AwsRdsDbCluster",
    reads=["rds.clusters"],
    risk="Without deletion protection a single API call or console click deletes the cluster and its data.",
    remediation="Modify the cluster with --deletion-protection.",
)
def rds_cluster_deletion_protection(clusters):
    yield from judge_flag(
        _rds(clusters),
        lambda c: c.get("deletion_protection"),
        "RDS cluster",
        "has deletion protection enabled",
        "does not have deletion protection enabled",
    )


@check(
    id="rds_cluster_iam_authentication_enabled",
    title="RDS DB cluster has IAM database authentication enabled",
    severity="medium",
    resource_type="AwsRdsDbCluster",
    reads=["rds.clusters"],
    risk="Without IAM authentication, database access rests on long-lived passwords managed outside IAM.",
    remediation="Modify the cluster with --enable-iam-database-authentication and grant rds-db:connect to the "
    "principals that need it.",
)
def rds_cluster_iam_authentication_enabled(clusters):
    yield from judge_flag(
        _rds(clusters),
        lambda c: c.get("iam_auth"),
        "RDS cluster",
        "has IAM database authentication enabled",
        "does not have IAM database authentication enabled",
    )


@check(
    id="rds_cluster_integration_cloudwatch_logs",
    title="RDS DB cluster exports its logs to CloudWatch Logs",
    severity="medium",
    resource_type="AwsRdsDbCluster",
    reads=["rds.clusters"],
    risk="Database logs that stay on the cluster are lost with it and cannot feed alarms or investigations.",
    remediation="Modify the cluster with --cloudwatch-logs-export-configuration to publish its audit, error and "
    "other logs (postgresql for PostgreSQL engines).",
)
def rds_cluster_integration_cloudwatch_logs(clusters):
    yield from _judge_log_exports(_rds(clusters), "RDS cluster")


def _judge_log_exports(resources, noun: str):
    for resource in resources:
        logs = resource.get("cloudwatch_logs") or []
        if logs:
            yield PASS(resource, f"{noun} {resource.id} exports {', '.join(logs)} logs to CloudWatch Logs.")
        else:
            yield FAIL(resource, f"{noun} {resource.id} does not export any logs to CloudWatch Logs.")


@check(
    id="rds_cluster_minor_version_upgrade_enabled",
    title="RDS DB cluster applies minor engine upgrades automatically",
    severity="medium",
    resource_type="AwsRdsDbCluster",
    reads=["rds.clusters"],
    risk="Without automatic minor upgrades, security fixes in the database engine wait for someone to apply them.",
    remediation="Modify the cluster with --auto-minor-version-upgrade.",
)
def rds_cluster_minor_version_upgrade_enabled(clusters):
    judged = [c for c in _rds(clusters) if c.get("auto_minor_version_upgrade") is not None]
    yield from judge_flag(
        judged,
        lambda c: c.get("auto_minor_version_upgrade"),
        "RDS cluster",
        "applies minor engine version upgrades automatically",
        "does not apply minor engine version upgrades automatically",
    )


@check(
    id="rds_cluster_non_default_port",
    title="RDS DB cluster does not listen on its engine's default port",
    severity="low",
    resource_type="AwsRdsDbCluster",
    reads=["rds.clusters"],
    risk="A database on its engine's well-known port is the first thing automated scans probe.",
    remediation="Create the cluster on a non-default port (the port of an Aurora cluster can be changed with "
    "modify-db-cluster --port) and update clients and security groups.",
)
def rds_cluster_non_default_port(clusters):
    yield from _judge_ports(_rds(clusters), "port", "RDS cluster")


def _default_port(engine: str) -> int | None:
    for prefix, port in sorted(DEFAULT_PORTS.items(), key=lambda kv: -len(kv[0])):
        if engine.startswith(prefix):
            return port
    return None


def _judge_ports(resources, field: str, noun: str):
    for resource in resources:
        port, default = resource.get(field), _default_port(_engine(resource))
        if port is None or default is None:
            continue
        if port == default:
            yield FAIL(resource, f"{noun} {resource.id} listens on {_engine(resource)}'s default port {port}.")
        else:
            yield PASS(resource, f"{noun} {resource.id} listens on port {port}, not the engine's default {default}.")


@check(
    id="rds_cluster_storage_encrypted",
    title="RDS DB cluster storage is encrypted at rest",
    severity="high",
    resource_type="AwsRdsDbCluster",
    reads=["rds.clusters"],
    risk="Unencrypted cluster storage, snapshots and backups can be read by anyone who obtains a copy of them.",
    remediation="Encryption cannot be turned on in place: restore an encrypted copy of a snapshot into a new "
    "cluster and move to it.",
)
def rds_cluster_storage_encrypted(clusters):
    yield from judge_flag(
        _rds(clusters),
        lambda c: c.get("storage_encrypted"),
        "RDS cluster",
        "has encrypted storage",
        "does not encrypt its storage",
    )


# -- instances ------------------------------------------------------------------------------------


@check(
    id="rds_instance_minor_version_upgrade_enabled",
    title="RDS DB instance applies minor engine upgrades automatically",
    severity="medium",
    resource_type="AwsRdsDbInstance",
    reads=["rds.instances"],
    risk="Without automatic minor upgrades, security fixes in the database engine wait for someone to apply them.",
    remediation="Modify the instance and turn on Auto minor version upgrade (--auto-minor-version-upgrade).",
)
def rds_instance_minor_version_upgrade_enabled(instances):
    for db in _rds(instances):
        if db.get("auto_minor_version_upgrade"):
            yield PASS(db, f"RDS instance {db.id} applies minor engine version upgrades automatically.")
        else:
            yield FAIL(db, f"RDS instance {db.id} does not apply minor engine version upgrades automatically.")


@check(
    id="rds_instance_multi_az",
    title="RDS DB instance is deployed across Availability Zones",
    severity="medium",
    resource_type="AwsRdsDbInstance",
    reads=["rds.instances", "rds.clusters"],
    risk="A single-AZ database is unavailable for the length of any outage or maintenance in its zone.",
    remediation="Modify the instance to a Multi-AZ deployment (--multi-az), or for a cluster member add a replica "
    "in another Availability Zone.",
)
def rds_instance_multi_az(instances, clusters):
    cluster_multi_az = {(c.region, c.id): bool(c.get("multi_az")) for c in clusters}
    for db in _rds(instances):
        cluster_id = db.get("cluster_id")
        if cluster_id and (db.region, cluster_id) in cluster_multi_az:
            if cluster_multi_az[(db.region, cluster_id)]:
                yield PASS(db, f"RDS instance {db.id} belongs to cluster {cluster_id}, which is Multi-AZ.")
            else:
                yield FAIL(db, f"RDS instance {db.id} belongs to cluster {cluster_id}, which is not Multi-AZ.")
        elif db.get("multi_az"):
            yield PASS(db, f"RDS instance {db.id} has a Multi-AZ deployment.")
        else:
            yield FAIL(db, f"RDS instance {db.id} is deployed in a single Availability Zone.")


@check(
    id="rds_instance_no_public_access",
    title="RDS DB instance is not publicly accessible",
    severity="critical",
    resource_type="AwsRdsDbInstance",
    reads=["rds.instances"],
    risk="A publicly accessible database gets a public DNS address and can be reached from the internet wherever "
    "its security groups and subnet allow, exposing it to password guessing and engine exploits.",
    remediation="Modify the instance with --no-publicly-accessible and reach it through the VPC, a VPN or a "
    "bastion instead.",
)
def rds_instance_no_public_access(instances):
    for db in _rds(instances):
        if db.get("publicly_accessible"):
            yield FAIL(db, f"RDS instance {db.id} is publicly accessible.")
        else:
            yield PASS(db, f"RDS instance {db.id} is not publicly accessible.")


@check(
    id="rds_instance_storage_encrypted",
    title="RDS DB instance storage is encrypted at rest",
    severity="high",
    resource_type="AwsRdsDbInstance",
    reads=["rds.instances"],
    risk="Unencrypted storage, snapshots and backups can be read by anyone who obtains a copy of them.",
    remediation="Encryption cannot be turned on in place: copy a snapshot with encryption enabled and restore "
    "the instance from it.",
)
def rds_instance_storage_encrypted(instances):
    for db in _rds(instances):
        if db.get("storage_encrypted"):
            yield PASS(db, f"RDS instance {db.id} has encrypted storage.")
        else:
            yield FAIL(db, f"RDS instance {db.id} does not encrypt its storage.")


@check(
    id="rds_instance_backup_enabled",
    title="RDS DB instance has automated backups enabled",
    severity="medium",
    resource_type="AwsRdsDbInstance",
    reads=["rds.instances"],
    risk="Without automated backups there is no point-in-time recovery after data loss, corruption or a "
    "ransomware attack.",
    remediation="Modify the instance with a backup retention period of at least 1 day (--backup-retention-period).",
    config=["check_rds_instance_replicas"],
)
def rds_instance_backup_enabled(instances, config):
    # Read replicas are rebuilt from their source, whose backups are what count, unless the audit
    # config asks for them too (Prowler's check_rds_instance_replicas).
    replicas = bool(config["check_rds_instance_replicas"])
    primaries = [db for db in _standalone(instances) if replicas or not db.get("read_replica_source")]
    for db in primaries:
        days = db.get("backup_retention_days") or 0
        if days > 0:
            yield PASS(db, f"RDS instance {db.id} keeps automated backups for {days} days.")
        else:
            yield FAIL(db, f"RDS instance {db.id} has automated backups turned off.")


@check(
    id="rds_instance_protected_by_backup_plan",
    title="RDS DB instance is covered by an AWS Backup plan",
    severity="high",
    resource_type="AwsRdsDbInstance",
    reads=["rds.instances", "backup.selections"],
    risk="An instance no backup plan selects has only its automated backups, which are deleted with it and "
    "live in the same account: nothing independent to restore from after deletion or ransomware.",
    remediation="Assign the instance to an AWS Backup plan, by ARN or by a tag the plan's resource selection uses.",
)
def rds_instance_protected_by_backup_plan(instances, selections):
    # AWS Backup protects a cluster member through its cluster (rds_cluster_protected_by_backup_plan), and a
    # read replica is rebuilt from its source, so both are left out.
    primaries = [db for db in _standalone(instances) if not db.get("read_replica_source")]
    yield from judge_protected(primaries, selections, "RDS instance")


@check(
    id="rds_cluster_protected_by_backup_plan",
    title="RDS DB cluster is covered by an AWS Backup plan",
    severity="high",
    resource_type="AwsRdsDbCluster",
    reads=["rds.clusters", "backup.selections"],
    risk="A cluster no backup plan selects has only its automated backups, which are deleted with it and "
    "live in the same account: nothing independent to restore from after deletion or ransomware.",
    remediation="Assign the cluster to an AWS Backup plan, by ARN or by a tag the plan's resource selection uses.",
)
def rds_cluster_protected_by_backup_plan(clusters, selections):
    yield from judge_protected(_rds(clusters), selections, "RDS cluster")


@check(
    id="rds_instance_certificate_expiration",
    title="RDS DB instance server certificate is valid for more than three months",
    severity="high",
    resource_type="AwsRdsDbInstance",
    reads=["rds.instances"],
    risk="When the server certificate expires, clients that verify it can no longer connect over TLS, and "
    "rushed workarounds tend to switch verification off.",
    remediation="Rotate the instance to a current certificate authority (modify-db-instance "
    "--ca-certificate-identifier, e.g. rds-ca-rsa2048-g1) and update client trust stores.",
)
def rds_instance_certificate_expiration(instances, now):
    for db in _rds(instances):
        age = days_since(db.get("certificate_valid_till"), now)
        if age is None:
            continue
        left = int(-age)
        ca = db.get("ca_certificate_id") or "its CA"
        if age >= 0:
            yield FAIL(db, f"RDS instance {db.id} has a server certificate from {ca} that has expired.")
        elif left <= CERTIFICATE_MIN_DAYS_LEFT:
            yield FAIL(db, f"RDS instance {db.id} has a server certificate from {ca} that expires in {left} days.")
        else:
            yield PASS(db, f"RDS instance {db.id} has a server certificate from {ca} valid for {left} more days.")


@check(
    id="rds_instance_copy_tags_to_snapshots",
    title="RDS DB instance copies its tags to snapshots",
    severity="low",
    resource_type="AwsRdsDbInstance",
    reads=["rds.instances"],
    risk="Snapshots without the instance's tags escape tag-based ownership, cost allocation and access policies.",
    remediation="Modify the instance with --copy-tags-to-snapshot.",
)
def rds_instance_copy_tags_to_snapshots(instances):
    yield from judge_flag(
        _standalone(instances),
        lambda db: db.get("copy_tags_to_snapshot"),
        "RDS instance",
        "copies its tags to snapshots",
        "does not copy its tags to snapshots",
    )


@check(
    id="rds_instance_default_admin",
    title="RDS DB instance does not use a default master username",
    severity="medium",
    resource_type="AwsRdsDbInstance",
    reads=["rds.instances"],
    risk="A well-known master username (admin, postgres) leaves only the password to guess.",
    remediation="Create a new instance with a custom master username and migrate to it (the master username "
    "cannot be changed).",
)
def rds_instance_default_admin(instances):
    yield from _judge_default_admin(_standalone(instances), "RDS instance")


@check(
    id="rds_instance_deletion_protection",
    title="RDS DB instance has deletion protection enabled",
    severity="medium",
    resource_type="AwsRdsDbInstance",
    reads=["rds.instances"],
    risk="Without deletion protection a single API call or console click deletes the database.",
    remediation="Modify the instance with --deletion-protection.",
)
def rds_instance_deletion_protection(instances):
    yield from judge_flag(
        _standalone(instances),
        lambda db: db.get("deletion_protection"),
        "RDS instance",
        "has deletion protection enabled",
        "does not have deletion protection enabled",
    )


@check(
    id="rds_instance_deprecated_engine_version",
    title="RDS DB instance runs an engine version RDS still offers",
    severity="high",
    resource_type="AwsRdsDbInstance",
    reads=["rds.instances", "rds.engine_versions"],
    risk="A deprecated engine version no longer gets security fixes and is upgraded by RDS on its own schedule.",
    remediation="Upgrade the instance to a supported engine version (modify-db-instance --engine-version).",
)
def rds_instance_deprecated_engine_version(instances, engine_versions):
    offered = {(e.region, e.get("engine")): set(e.get("versions") or []) for e in engine_versions if e.readable("versions")}
    # engines whose offered versions could not be listed: named, not read (reading another kind's unread
    # field would void every verdict of the check, not just these)
    unknown = {(e.region, e.id): e.unread.get("versions") for e in engine_versions if not e.readable("versions")}
    for db in _rds(instances):
        key = (db.region, db.get("engine"))
        if key in unknown:
            yield no_verdict(FAIL(db, ""), [f"the {key[1]} versions RDS offers ({unknown[key]})"])
            continue
        versions = offered.get(key)
        if versions is None:
            continue
        label = f"{db.get('engine')} {db.get('engine_version')}"
        if db.get("engine_version") in versions:
            yield PASS(db, f"RDS instance {db.id} runs {label}, a version RDS still offers.")
        else:
            yield FAIL(db, f"RDS instance {db.id} runs {label}, which RDS no longer offers in {db.region}.")


@check(
    id="rds_instance_enhanced_monitoring_enabled",
    title="RDS DB instance has Enhanced Monitoring enabled",
    severity="low",
    resource_type="AwsRdsDbInstance",
    reads=["rds.instances"],
    risk="Without Enhanced Monitoring, operating-system metrics (processes, memory, I/O) that explain an "
    "incident are not collected.",
    remediation="Modify the instance with --monitoring-interval (1 to 60 seconds) and a --monitoring-role-arn.",
)
def rds_instance_enhanced_monitoring_enabled(instances):
    for db in _rds(instances):
        interval = db.get("monitoring_interval") or 0
        if interval > 0:
            yield PASS(db, f"RDS instance {db.id} has Enhanced Monitoring every {interval} seconds.")
        else:
            yield FAIL(db, f"RDS instance {db.id} does not have Enhanced Monitoring enabled.")


@check(
    id="rds_instance_iam_authentication_enabled",
    title="RDS DB instance has IAM database authentication enabled",
    severity="medium",
    resource_type="AwsRdsDbInstance",
    reads=["rds.instances"],
    risk="Without IAM authentication, database access rests on long-lived passwords managed outside IAM.",
    remediation="Modify the instance with --enable-iam-database-authentication and grant rds-db:connect to the "
    "principals that need it.",
)
def rds_instance_iam_authentication_enabled(instances):
    supported = [db for db in _standalone(instances) if _engine(db).startswith(IAM_AUTH_ENGINES)]
    yield from judge_flag(
        supported,
        lambda db: db.get("iam_auth"),
        "RDS instance",
        "has IAM database authentication enabled",
        "does not have IAM database authentication enabled",
    )


@check(
    id="rds_instance_inside_vpc",
    title="RDS DB instance is deployed in a VPC",
    severity="high",
    resource_type="AwsRdsDbInstance",
    reads=["rds.instances"],
    risk="An instance outside a VPC (EC2-Classic) gets none of a VPC's network isolation, security groups or "
    "flow logs.",
    remediation="Move the instance into a VPC: modify it with a DB subnet group of that VPC, or restore a "
    "snapshot into one.",
)
def rds_instance_inside_vpc(instances):
    for db in _rds(instances):
        if db.get("vpc_id"):
            yield PASS(db, f"RDS instance {db.id} is deployed in VPC {db.get('vpc_id')}.")
        else:
            yield FAIL(db, f"RDS instance {db.id} is not deployed in a VPC.")


@check(
    id="rds_instance_integration_cloudwatch_logs",
    title="RDS DB instance exports its logs to CloudWatch Logs",
    severity="medium",
    resource_type="AwsRdsDbInstance",
    reads=["rds.instances"],
    risk="Database logs that stay on the instance are lost with it and cannot feed alarms or investigations.",
    remediation="Modify the instance with --cloudwatch-logs-export-configuration to publish its error, audit "
    "and other logs.",
)
def rds_instance_integration_cloudwatch_logs(instances):
    yield from _judge_log_exports(_standalone(instances), "RDS instance")


@check(
    id="rds_instance_non_default_port",
    title="RDS DB instance does not listen on its engine's default port",
    severity="low",
    resource_type="AwsRdsDbInstance",
    reads=["rds.instances"],
    risk="A database on its engine's well-known port is the first thing automated scans probe.",
    remediation="Modify the instance with a non-default --db-port-number and update clients and security groups.",
)
def rds_instance_non_default_port(instances):
    yield from _judge_ports(_standalone(instances), "endpoint_port", "RDS instance")


def _enforces_tls(resource) -> bool | None:
    """True/False from the resource's parameter group; None when it was not read or does not apply."""
    params = resource.get("transport_parameters")
    engine = _engine(resource)
    if params is None:
        return None
    if engine.startswith(FORCE_SSL_ENGINES):
        name = "rds.force_ssl"
    elif engine.startswith(SECURE_TRANSPORT_ENGINES):
        name = "require_secure_transport"
    else:
        return None
    return str(params.get(name) or "0").strip().lower() in ("1", "on", "true")


@check(
    id="rds_instance_transport_encrypted",
    title="RDS DB instance or cluster refuses unencrypted client connections",
    severity="high",
    resource_type="AwsRdsDbInstance",
    reads=["rds.instances", "rds.clusters"],
    risk="Without enforced TLS, clients may connect in clear text and credentials and data can be read or "
    "altered on the network.",
    remediation="In the DB (cluster) parameter group set rds.force_ssl=1 (PostgreSQL, SQL Server) or "
    "require_secure_transport=ON (MySQL, MariaDB) and reboot if the parameter is static.",
)
def rds_instance_transport_encrypted(instances, clusters):
    judged = [("RDS instance", db, None) for db in _standalone(instances)]
    judged += [("RDS cluster", c, "AwsRdsDbCluster") for c in _rds(clusters)]
    for noun, resource, resource_type in judged:
        enforced = _enforces_tls(resource)
        group = resource.get("parameter_group")
        if enforced is None and resource.readable("transport_parameters"):
            continue  # no TLS parameter applies (an unread parameter group gives no verdict)
        if enforced:
            yield PASS(resource, f"{noun} {resource.id} requires TLS through parameter group {group}.", resource_type)
        else:
            text = f"{noun} {resource.id} accepts unencrypted connections (parameter group {group})."
            yield FAIL(resource, text, resource_type)


@check(
    id="rds_instance_extended_support",
    title="RDS DB instance is not enrolled in RDS Extended Support",
    severity="medium",
    resource_type="AwsRdsDbInstance",
    reads=["rds.instances"],
    risk="Extended Support means the major version has left standard support: it costs extra per vCPU-hour and "
    "only critical fixes are backported, while the upgrade debt grows.",
    remediation="Upgrade the instance to a major version in standard support, and create new instances with "
    "--engine-lifecycle-support open-source-rds-extended-support-disabled.",
)
def rds_instance_extended_support(instances):
    for db in _rds(instances):
        label = f"RDS instance {db.id} ({db.get('engine')} {db.get('engine_version')})"
        if db.get("engine_lifecycle_support") == "open-source-rds-extended-support":
            yield FAIL(db, f"{label} is enrolled in RDS Extended Support.")
        else:
            yield PASS(db, f"{label} is not enrolled in RDS Extended Support.")


# -- snapshots --------------------------------------------------------------------------------------


@check(
    id="rds_snapshots_encrypted",
    title="RDS DB snapshot or DB cluster snapshot is encrypted",
    severity="high",
    resource_type="AwsRdsDbSnapshot",
    reads=["rds.snapshots", "rds.cluster_snapshots"],
    risk="An unencrypted snapshot holds a full copy of the database that anyone who can copy or restore it can read.",
    remediation="Copy the snapshot with a KMS key (copy-db-snapshot --kms-key-id) and delete the unencrypted one; "
    "encrypt the source database so new snapshots are encrypted.",
)
def rds_snapshots_encrypted(snapshots, cluster_snapshots):
    judged = [("RDS snapshot", s, None) for s in _rds(snapshots)]
    judged += [("RDS cluster snapshot", s, "AwsRdsDbClusterSnapshot") for s in _rds(cluster_snapshots)]
    for noun, snap, resource_type in judged:
        if snap.get("encrypted"):
            yield PASS(snap, f"{noun} {snap.id} is encrypted.", resource_type)
        else:
            yield FAIL(snap, f"{noun} {snap.id} is not encrypted.", resource_type)


@check(
    id="rds_snapshots_public_access",
    title="RDS DB snapshot or DB cluster snapshot is not shared publicly",
    severity="critical",
    resource_type="AwsRdsDbSnapshot",
    reads=["rds.snapshots", "rds.cluster_snapshots"],
    risk="Any AWS account can restore a public snapshot and read every row of the database it holds.",
    remediation="Remove 'all' from the snapshot's restore attribute (modify-db-snapshot-attribute "
    "--values-to-remove all) and share it with named accounts only.",
)
def rds_snapshots_public_access(snapshots, cluster_snapshots):
    yield from judge_public_snapshots(_rds(snapshots), "RDS snapshot")
    for result in judge_public_snapshots(_rds(cluster_snapshots), "RDS cluster snapshot"):
        yield Result(result.status, result.resource, result.status_extended, "AwsRdsDbClusterSnapshot")


# -- event notification subscriptions ---------------------------------------------------------------


def _uncovered(subscriptions, source_type: str, required: tuple[str, ...], sources) -> tuple[dict, set[str]]:
    """({source: missing categories} for sources not fully covered, names of the subscriptions that help).

    A subscription without a source type covers every source type; one without source IDs covers
    every source of its type; one without categories covers every category. ``None`` in
    ``sources`` stands for "any source", which only a subscription without source IDs covers.
    """
    usable = [
        s
        for s in subscriptions
        if s.get("enabled")
        and s.get("status") not in UNDELIVERABLE
        and s.get("source_type") in (None, "", source_type)
    ]
    missing: dict = {}
    helping: set[str] = set()
    for source in sources:
        covered: set[str] = set()
        for sub in usable:
            if sub.get("source_ids") and source not in sub["source_ids"]:
                continue
            adds = set(required) if not sub.get("categories") else set(sub["categories"]) & set(required)
            if adds:
                helping.add(sub.get("name") or "?")
            covered |= adds
        gap = [c for c in required if c not in covered]
        if gap:
            missing[source] = gap
    return missing, helping


def _judge_subscriptions(settings, sources_by_region: dict, source_type: str, required: tuple[str, ...], what: str,
                         config):
    """One result per region with resources to cover, on the region's event-subscription record; with
    scan_unused_services (as in Prowler) every region, where any future source must be covered."""
    wanted = _words(required)
    for setting in settings:
        sources = sources_by_region.get(setting.region)
        if not sources:
            if not judged(config, False):
                continue
            sources = [None]
        missing, helping = _uncovered(setting.get("subscriptions") or [], source_type, required, sources)
        where = f"RDS event subscriptions in {setting.region}"
        if not missing:
            names = ", ".join(sorted(helping))
            yield PASS(setting, f"{where} ({names}) notify on {wanted} events for {what}.")
            continue
        gaps = [c for c in required if any(c in cats for cats in missing.values())]
        named = sorted(s for s in missing if s is not None)
        scope = f"{what} {', '.join(named)}" if named else what
        yield FAIL(setting, f"{where} do not notify on {_words(gaps)} events for {scope}.")


def _words(items) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _ids_by_region(resources) -> dict[str, list]:
    found: dict[str, list] = {}
    for r in resources:
        found.setdefault(r.region, []).append(r.id)
    return found


@check(
    id="rds_cluster_critical_event_subscription",
    title="RDS event subscription notifies on DB cluster maintenance and failure events",
    severity="medium",
    resource_type="AwsRdsEventSubscription",
    reads=["rds.event_subscriptions", "rds.clusters"],
    config=[SCAN_UNUSED],
    risk="Without notifications, cluster failovers, failures and pending maintenance go unnoticed until "
    "users report an outage.",
    remediation="Create an RDS event subscription with source type db-cluster and the maintenance and failure "
    "categories, delivering to a monitored SNS topic.",
)
def rds_cluster_critical_event_subscription(event_subscriptions, clusters, config):
    sources = _ids_by_region(_rds(clusters))
    required = ("maintenance", "failure")
    yield from _judge_subscriptions(event_subscriptions, sources, "db-cluster", required, "DB clusters", config)


@check(
    id="rds_instance_critical_event_subscription",
    title="RDS event subscription notifies on DB instance maintenance, configuration change and failure events",
    severity="medium",
    resource_type="AwsRdsEventSubscription",
    reads=["rds.event_subscriptions", "rds.instances"],
    config=[SCAN_UNUSED],
    risk="Without notifications, instance failures, configuration changes and pending maintenance go unnoticed.",
    remediation="Create an RDS event subscription with source type db-instance and the maintenance, "
    "configuration change and failure categories, delivering to a monitored SNS topic.",
)
def rds_instance_critical_event_subscription(event_subscriptions, instances, config):
    sources = _ids_by_region(_rds(instances))
    required = ("maintenance", "configuration change", "failure")
    yield from _judge_subscriptions(event_subscriptions, sources, "db-instance", required, "DB instances", config)


@check(
    id="rds_instance_event_subscription_parameter_groups",
    title="RDS event subscription notifies on DB parameter group configuration changes",
    severity="low",
    resource_type="AwsRdsEventSubscription",
    reads=["rds.event_subscriptions", "rds.instances"],
    config=[SCAN_UNUSED],
    risk="A parameter group change (for example turning off TLS enforcement or logging) goes unnoticed.",
    remediation="Create an RDS event subscription with source type db-parameter-group and the configuration "
    "change category, delivering to a monitored SNS topic.",
)
def rds_instance_event_subscription_parameter_groups(event_subscriptions, instances, config):
    groups: dict[str, set] = {}
    for db in _rds(instances):
        groups.setdefault(db.region, set()).add(db.get("parameter_group"))
    sources = {region: sorted(names, key=str) for region, names in groups.items()}
    required = ("configuration change",)
    yield from _judge_subscriptions(event_subscriptions, sources, "db-parameter-group", required, "DB parameter groups", config)


@check(
    id="rds_instance_event_subscription_security_groups",
    title="RDS event subscription notifies on DB security group configuration changes and failures",
    severity="medium",
    resource_type="AwsRdsEventSubscription",
    reads=["rds.event_subscriptions", "rds.instances"],
    config=[SCAN_UNUSED],
    risk="Changes to who may reach the database through a DB security group go unnoticed.",
    remediation="Create an RDS event subscription with source type db-security-group and the configuration "
    "change and failure categories, delivering to a monitored SNS topic.",
)
def rds_instance_event_subscription_security_groups(event_subscriptions, instances, config):
    # DB security groups in use are named; a region whose instances use none needs a subscription for any.
    sources: dict[str, list] = {}
    for db in _rds(instances):
        sources.setdefault(db.region, [])
        sources[db.region] += [g for g in db.get("db_security_groups") or [] if g not in sources[db.region]]
    sources = {region: names or [None] for region, names in sources.items()}
    required = ("configuration change", "failure")
    yield from _judge_subscriptions(event_subscriptions, sources, "db-security-group", required, "DB security groups", config)
