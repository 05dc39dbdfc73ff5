"""RDS: DB instances, DB clusters, their snapshots, event subscriptions, and the few facts behind them.

DescribeDBInstances/DescribeDBClusters/DescribeDBClusterSnapshots also return
DocumentDB and Neptune resources (they share the RDS API); they are stored with
their engine, and the ``documentdb`` and ``neptune`` checks read them from here
instead of calling the same APIs again.

Calls per region: one listing each of DB instances, DB clusters (and, when there are
clusters, DB subnet groups), DB
snapshots, DB cluster snapshots and event subscriptions; DescribeDBSnapshotAttributes
/ DescribeDBClusterSnapshotAttributes once per manual snapshot (only manual
snapshots can be shared); DescribeDBParameters / DescribeDBClusterParameters once
per parameter group in use where a TLS-enforcing parameter applies; and
DescribeDBEngineVersions once per RDS engine in use.
"""

from __future__ import annotations

from typing import Iterable

from postureflow.collect.base import Outcome, RegionScope, collector

# Engines whose resources belong to the documentdb and neptune services.
OTHER_SERVICE_ENGINES = ("docdb", "neptune")

# Parameters that make an engine refuse unencrypted client connections.
TRANSPORT_PARAMETERS = ("rds.force_ssl", "require_secure_transport")
TRANSPORT_ENGINE_PREFIXES = ("postgres", "aurora-postgresql", "mysql", "mariadb", "aurora-mysql", "aurora", "sqlserver")

NO_GROUP = ("DBParameterGroupNotFound",)


def is_rds_engine(engine: str | None) -> bool:
    return (engine or "").lower() not in OTHER_SERVICE_ENGINES


def _supports_transport_parameter(engine: str | None) -> bool:
    return (engine or "").lower().startswith(TRANSPORT_ENGINE_PREFIXES)


@collector("rds")
def collect_rds(scope: RegionScope) -> None:
    rds = scope.client("rds")
    instances = scope.list(rds, "describe_db_instances", "DBInstances", kind="instances").value or []
    clusters = scope.list(rds, "describe_db_clusters", "DBClusters", kind="clusters").value or []

    # Cluster members take TLS settings from the cluster's parameter group, so only standalone
    # instances need their own.
    instance_groups = {
        _parameter_group(db)
        for db in instances
        if not db.get("DBClusterIdentifier") and _supports_transport_parameter(db.get("Engine"))
    }
    cluster_groups = {
        c.get("DBClusterParameterGroup")
        for c in clusters
        if _supports_transport_parameter(c.get("Engine"))
    }
    instance_params = _parameters(scope, rds, "describe_db_parameters", "DBParameterGroupName", instance_groups)
    cluster_params = _parameters(
        scope, rds, "describe_db_cluster_parameters", "DBClusterParameterGroupName", cluster_groups
    )

    for db in instances:
        _add_instance(scope, db, instance_params)
    subnet_groups = None
    if clusters:
        subnet_groups = scope.list(rds, "describe_db_subnet_groups", "DBSubnetGroups").map(
            lambda groups: {g["DBSubnetGroupName"]: [s["SubnetIdentifier"] for s in g.get("Subnets") or []] for g in groups}
        )
    for cluster in clusters:
        _add_cluster(scope, cluster, cluster_params, subnet_groups)
    _collect_snapshots(scope, rds)
    _collect_event_subscriptions(scope, rds)
    _collect_engine_versions(scope, rds, {db.get("Engine") for db in instances if is_rds_engine(db.get("Engine"))})


def _parameter_group(db: dict) -> str | None:
    groups = db.get("DBParameterGroups") or []
    return groups[0].get("DBParameterGroupName") if groups else None


def _add_instance(scope: RegionScope, db: dict, instance_params: dict) -> None:
    endpoint = db.get("Endpoint") or {}
    certificate = db.get("CertificateDetails") or {}
    group = _parameter_group(db)
    scope.add(
        "instances",
        uid=db["DBInstanceArn"],
        id=db["DBInstanceIdentifier"],
        tags=db.get("TagList", []),
        engine=db.get("Engine"),
        engine_version=db.get("EngineVersion"),
        cluster_id=db.get("DBClusterIdentifier"),
        read_replica_source=db.get("ReadReplicaSourceDBInstanceIdentifier"),
        multi_az=bool(db.get("MultiAZ")),
        publicly_accessible=bool(db.get("PubliclyAccessible")),
        storage_encrypted=bool(db.get("StorageEncrypted")),
        auto_minor_version_upgrade=bool(db.get("AutoMinorVersionUpgrade")),
        endpoint_port=endpoint.get("Port") or db.get("DbInstancePort") or None,
        security_group_ids=[g["VpcSecurityGroupId"] for g in db.get("VpcSecurityGroups", [])],
        db_security_groups=[g.get("DBSecurityGroupName") for g in db.get("DBSecurityGroups", [])],
        vpc_id=(db.get("DBSubnetGroup") or {}).get("VpcId"),
        master_username=db.get("MasterUsername"),
        backup_retention_days=db.get("BackupRetentionPeriod", 0),
        copy_tags_to_snapshot=bool(db.get("CopyTagsToSnapshot")),
        deletion_protection=bool(db.get("DeletionProtection")),
        monitoring_interval=db.get("MonitoringInterval") or 0,
        iam_auth=bool(db.get("IAMDatabaseAuthenticationEnabled")),
        cloudwatch_logs=db.get("EnabledCloudwatchLogsExports") or [],
        parameter_group=group,
        # {parameter: value}; None where no TLS parameter applies; unread when the group could not be read
        transport_parameters=instance_params.get(group),
        engine_lifecycle_support=db.get("EngineLifecycleSupport"),
        ca_certificate_id=certificate.get("CAIdentifier") or db.get("CACertificateIdentifier"),
        certificate_valid_till=certificate.get("ValidTill"),
    )


def _add_cluster(scope: RegionScope, cluster: dict, cluster_params: dict, subnet_groups: Outcome) -> None:
    group = cluster.get("DBClusterParameterGroup")
    subnet_group = cluster.get("DBSubnetGroup")
    scope.add(
        "clusters",
        uid=cluster["DBClusterArn"],
        id=cluster["DBClusterIdentifier"],
        tags=cluster.get("TagList", []),
        engine=cluster.get("Engine"),
        engine_version=cluster.get("EngineVersion"),
        engine_mode=cluster.get("EngineMode"),
        multi_az=bool(cluster.get("MultiAZ")),
        storage_encrypted=bool(cluster.get("StorageEncrypted")),
        members=[m["DBInstanceIdentifier"] for m in cluster.get("DBClusterMembers", [])],
        master_username=cluster.get("MasterUsername"),
        port=cluster.get("Port"),
        backup_retention_days=cluster.get("BackupRetentionPeriod", 0),
        backtrack_window=cluster.get("BacktrackWindow") or 0,
        copy_tags_to_snapshot=bool(cluster.get("CopyTagsToSnapshot")),
        deletion_protection=bool(cluster.get("DeletionProtection")),
        iam_auth=bool(cluster.get("IAMDatabaseAuthenticationEnabled")),
        cloudwatch_logs=cluster.get("EnabledCloudwatchLogsExports") or [],
        # Absent where the API does not report it for the cluster's kind (then it is not judged).
        auto_minor_version_upgrade=cluster.get("AutoMinorVersionUpgrade"),
        parameter_group=group,
        transport_parameters=cluster_params.get(group),
        engine_lifecycle_support=cluster.get("EngineLifecycleSupport"),
        subnet_group=subnet_group,
        subnet_ids=subnet_groups.map(lambda found: found.get(subnet_group, [])),
    )


def _parameters(scope: RegionScope, rds, operation: str, name_param: str, groups: Iterable[str | None]) -> dict:
    """group name -> Outcome of {TLS parameter: value} for each parameter group in use."""
    names = sorted(g for g in groups if g)

    def read(group: str) -> Outcome:
        params = scope.list(rds, operation, "Parameters", absent=NO_GROUP, **{name_param: group})
        return params.map(
            lambda found: {p["ParameterName"]: p.get("ParameterValue") for p in found if p.get("ParameterName") in TRANSPORT_PARAMETERS}
        )

    return dict(zip(names, scope.each(names, read)))


def _restore_attribute(answer: dict, result_key: str, attributes_key: str) -> list[str]:
    for attribute in (answer.get(result_key) or {}).get(attributes_key, []):
        if attribute.get("AttributeName") == "restore":
            return list(attribute.get("AttributeValues") or [])
    return []


def _collect_snapshots(scope: RegionScope, rds) -> None:
    snapshots = scope.list(rds, "describe_db_snapshots", "DBSnapshots", kind="snapshots").value or []
    cluster_snapshots = scope.list(
        rds, "describe_db_cluster_snapshots", "DBClusterSnapshots", kind="cluster_snapshots"
    ).value or []

    def instance_sharing(snapshot: dict) -> Outcome:
        return scope.fetch(
            rds, "describe_db_snapshot_attributes", absent=("DBSnapshotNotFound",),
            DBSnapshotIdentifier=snapshot["DBSnapshotIdentifier"],
        ).map(lambda r: _restore_attribute(r, "DBSnapshotAttributesResult", "DBSnapshotAttributes"))  # fmt: skip

    def cluster_sharing(snapshot: dict) -> Outcome:
        return scope.fetch(
            rds, "describe_db_cluster_snapshot_attributes", absent=("DBClusterSnapshotNotFoundFault",),
            DBClusterSnapshotIdentifier=snapshot["DBClusterSnapshotIdentifier"],
        ).map(lambda r: _restore_attribute(r, "DBClusterSnapshotAttributesResult", "DBClusterSnapshotAttributes"))  # fmt: skip

    # Only manual snapshots can be shared: only their attributes are read.
    manual = [s for s in snapshots if s.get("SnapshotType") == "manual"]
    manual_clusters = [s for s in cluster_snapshots if s.get("SnapshotType") == "manual"]
    sharing = dict(zip((s["DBSnapshotArn"] for s in manual), scope.each(manual, instance_sharing)))
    cluster_sharing_by_arn = dict(
        zip((s["DBClusterSnapshotArn"] for s in manual_clusters), scope.each(manual_clusters, cluster_sharing))
    )

    for snap in snapshots:
        arn = snap["DBSnapshotArn"]
        scope.add(
            "snapshots",
            uid=arn,
            id=snap["DBSnapshotIdentifier"],
            tags=snap.get("TagList", []),
            engine=snap.get("Engine"),
            instance_id=snap.get("DBInstanceIdentifier"),
            snapshot_type=snap.get("SnapshotType"),
            encrypted=bool(snap.get("Encrypted")),
            **_sharing_facts(sharing.get(arn)),
        )
    for snap in cluster_snapshots:
        arn = snap["DBClusterSnapshotArn"]
        scope.add(
            "cluster_snapshots",
            uid=arn,
            id=snap["DBClusterSnapshotIdentifier"],
            tags=snap.get("TagList", []),
            engine=snap.get("Engine"),
            cluster_id=snap.get("DBClusterIdentifier"),
            snapshot_type=snap.get("SnapshotType"),
            encrypted=bool(snap.get("StorageEncrypted")),
            **_sharing_facts(cluster_sharing_by_arn.get(arn)),
        )


def _sharing_facts(restore: Outcome | None) -> dict:
    """public: True/False for a manual snapshot whose attributes were read; None for an automated one
    (or one deleted meanwhile); unread when they could not be read."""
    if restore is None or restore.state == "absent":
        return {"public": None, "shared_with_accounts": None}
    return {
        "public": restore.map(lambda values: "all" in values),
        "shared_with_accounts": restore.map(lambda values: sorted(v for v in values if v != "all")),
    }


def _collect_event_subscriptions(scope: RegionScope, rds) -> None:
    subscriptions = scope.list(rds, "describe_event_subscriptions", "EventSubscriptionsList")
    scope.add(
        "event_subscriptions",
        uid=scope.arn("rds", "event-subscriptions"),
        id="event-subscriptions",
        # unread when the listing failed: the event-notification checks give no verdict in this region
        subscriptions=subscriptions.map(lambda found: [
            {
                "name": s.get("CustSubscriptionId"),
                "arn": s.get("EventSubscriptionArn"),
                "enabled": bool(s.get("Enabled")),
                "status": s.get("Status"),
                "source_type": s.get("SourceType"),
                "source_ids": s.get("SourceIdsList") or [],
                "categories": [c.lower() for c in s.get("EventCategoriesList") or []],
            }
            for s in found
        ]),
    )  # fmt: skip


def _collect_engine_versions(scope: RegionScope, rds, engines: set[str | None]) -> None:
    """The engine versions RDS still offers in this region, for each engine in use."""
    names = sorted(e for e in engines if e)
    listings = scope.each(
        names, lambda engine: scope.list(rds, "describe_db_engine_versions", "DBEngineVersions", Engine=engine)
    )
    for engine, versions in zip(names, listings):
        scope.add(
            "engine_versions",
            uid=scope.arn("rds", f"engine-versions/{engine}"),
            id=engine,
            engine=engine,
            versions=versions.map(
                lambda found: sorted({v["EngineVersion"] for v in found if v.get("Status", "available") != "deprecated"})
            ),
        )
