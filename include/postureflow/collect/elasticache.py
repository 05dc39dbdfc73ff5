"""ElastiCache: replication groups and cache clusters (Redis OSS, Valkey and Memcached).

Calls per region: DescribeReplicationGroups, DescribeCacheClusters and, when
there are clusters, DescribeCacheSubnetGroups (all pages). A replication group reports no engine version of its own;
it is taken from its member clusters, which DescribeCacheClusters lists.
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector


@collector("elasticache")
def collect_elasticache(scope: RegionScope) -> None:
    client = scope.client("elasticache")
    clusters = scope.list(client, "describe_cache_clusters", "CacheClusters", kind="cache_clusters").value or []
    subnet_groups = scope.list(client, "describe_cache_subnet_groups", "CacheSubnetGroups").map(
        lambda groups: {g["CacheSubnetGroupName"]: [s["SubnetIdentifier"] for s in g.get("Subnets") or []] for g in groups}
    ) if clusters else None
    versions: dict[str, list[str]] = {}
    for cluster in clusters:
        if cluster.get("ReplicationGroupId") and cluster.get("EngineVersion"):
            versions.setdefault(cluster["ReplicationGroupId"], []).append(cluster["EngineVersion"])
        scope.add(
            "cache_clusters",
            uid=cluster.get("ARN") or scope.arn("elasticache", f"cluster:{cluster['CacheClusterId']}"),
            id=cluster["CacheClusterId"],
            engine=cluster.get("Engine"),
            engine_version=cluster.get("EngineVersion"),
            status=cluster.get("CacheClusterStatus"),
            replication_group_id=cluster.get("ReplicationGroupId"),
            auto_minor_version_upgrade=cluster.get("AutoMinorVersionUpgrade"),
            snapshot_retention_days=cluster.get("SnapshotRetentionLimit") or 0,
            auth_token_enabled=bool(cluster.get("AuthTokenEnabled")),
            transit_encryption=bool(cluster.get("TransitEncryptionEnabled")),
            at_rest_encryption=bool(cluster.get("AtRestEncryptionEnabled")),
            subnet_group=cluster.get("CacheSubnetGroupName"),
            subnet_ids=subnet_groups.map(lambda found, name=cluster.get("CacheSubnetGroupName"): found.get(name, [])),
        )

    groups = scope.list(client, "describe_replication_groups", "ReplicationGroups", kind="replication_groups")
    for group in groups.value or []:
        group_id = group["ReplicationGroupId"]
        scope.add(
            "replication_groups",
            uid=group.get("ARN") or scope.arn("elasticache", f"replicationgroup:{group_id}"),
            id=group_id,
            engine=group.get("Engine") or "redis",
            # The lowest version among the members: the one that decides which features apply.
            engine_version=min(versions.get(group_id, []), key=_version_key, default=None),
            status=group.get("Status"),
            member_clusters=group.get("MemberClusters") or [],
            auto_minor_version_upgrade=group.get("AutoMinorVersionUpgrade"),
            snapshot_retention_days=group.get("SnapshotRetentionLimit") or 0,
            auth_token_enabled=bool(group.get("AuthTokenEnabled")),
            user_group_ids=group.get("UserGroupIds") or [],
            transit_encryption=bool(group.get("TransitEncryptionEnabled")),
            at_rest_encryption=bool(group.get("AtRestEncryptionEnabled")),
            multi_az=group.get("MultiAZ"),
            automatic_failover=group.get("AutomaticFailover"),
        )


def _version_key(version: str) -> tuple:
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))
