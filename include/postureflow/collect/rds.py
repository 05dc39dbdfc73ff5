"""RDS: DB instances and DB clusters, one paginated listing each per region.

DescribeDBInstances/DescribeDBClusters also return DocumentDB and Neptune
resources (they share the RDS API); they are stored with their engine so the
RDS checks can leave them to their own services.
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector


@collector("rds")
def collect_rds(scope: RegionScope) -> None:
    rds = scope.client("rds")
    for db in scope.paginate(rds, "describe_db_instances", "DBInstances"):
        scope.add(
            "instances",
            uid=db["DBInstanceArn"],
            id=db["DBInstanceIdentifier"],
            tags=db.get("TagList", []),
            engine=db.get("Engine"),
            engine_version=db.get("EngineVersion"),
            cluster_id=db.get("DBClusterIdentifier"),
            multi_az=bool(db.get("MultiAZ")),
            publicly_accessible=bool(db.get("PubliclyAccessible")),
            storage_encrypted=bool(db.get("StorageEncrypted")),
            auto_minor_version_upgrade=bool(db.get("AutoMinorVersionUpgrade")),
            endpoint_port=(db.get("Endpoint") or {}).get("Port"),
            security_group_ids=[g["VpcSecurityGroupId"] for g in db.get("VpcSecurityGroups", [])],
        )
    for cluster in scope.paginate(rds, "describe_db_clusters", "DBClusters"):
        scope.add(
            "clusters",
            uid=cluster["DBClusterArn"],
            id=cluster["DBClusterIdentifier"],
            tags=cluster.get("TagList", []),
            engine=cluster.get("Engine"),
            engine_mode=cluster.get("EngineMode"),
            multi_az=bool(cluster.get("MultiAZ")),
            storage_encrypted=bool(cluster.get("StorageEncrypted")),
            members=[m["DBInstanceIdentifier"] for m in cluster.get("DBClusterMembers", [])],
        )
