"""RDS checks (DocumentDB and Neptune resources, which share the RDS API, are left to their own services)."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check

OTHER_SERVICE_ENGINES = ("docdb", "neptune")


def _rds(resources):
    return [r for r in resources if (r.get("engine") or "").lower() not in OTHER_SERVICE_ENGINES]


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
