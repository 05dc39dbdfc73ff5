"""ElastiCache checks: Redis OSS / Valkey patching, backups and authentication."""

from __future__ import annotations

from postureflow.checks.base import FAIL, MANUAL, PASS, check
from postureflow.checks.rds import judge_public_subnets
from postureflow.versions import version_tuple

REDIS_ENGINES = ("redis", "valkey")
# Redis OSS 6.0 brought role-based access control (user groups); before it AUTH tokens are the only gate.
RBAC_VERSION = (6, 0)


def _redis_deployments(replication_groups, cache_clusters) -> list:
    """Redis/Valkey replication groups plus the Redis/Valkey clusters that stand alone (no replication group)."""
    groups = [g for g in replication_groups if (g.get("engine") or "redis").lower() in REDIS_ENGINES]
    solo = [
        c
        for c in cache_clusters
        if (c.get("engine") or "").lower() in REDIS_ENGINES and not c.get("replication_group_id")
    ]
    return groups + solo


def _label(resource) -> str:
    kind = "replication group" if resource.kind == "replication_groups" else "cache cluster"
    return f"ElastiCache {kind} {resource.id}"


@check(
    id="elasticache_redis_cluster_auto_minor_version_upgrades",
    title="ElastiCache Redis OSS / Valkey cache applies minor version upgrades automatically",
    severity="high",
    resource_type="Other",
    reads=["elasticache.replication_groups", "elasticache.cache_clusters"],
    risk="Minor engine releases carry security fixes; a cache that never takes them keeps known vulnerabilities.",
    remediation="Set AutoMinorVersionUpgrade to true on the replication group or cache cluster "
    "(aws elasticache modify-replication-group --auto-minor-version-upgrade).",
)
def elasticache_redis_cluster_auto_minor_version_upgrades(replication_groups, cache_clusters):
    for cache in _redis_deployments(replication_groups, cache_clusters):
        setting = cache.get("auto_minor_version_upgrade")
        if setting is None:
            yield MANUAL(cache, f"{_label(cache)} did not report its automatic minor version upgrade setting.")
        elif setting:
            yield PASS(cache, f"{_label(cache)} applies minor version upgrades automatically.")
        else:
            yield FAIL(cache, f"{_label(cache)} does not apply minor version upgrades automatically.")


@check(
    id="elasticache_redis_cluster_backup_enabled",
    title="ElastiCache Redis OSS / Valkey cache keeps automatic snapshots long enough",
    severity="high",
    resource_type="Other",
    reads=["elasticache.replication_groups", "elasticache.cache_clusters"],
    risk="Without automatic snapshots, or with a short retention, data lost to a failure, a bad deployment or "
    "ransomware cannot be restored.",
    remediation="Set the snapshot retention limit to at least minimum_snapshot_retention_period days (7 by "
    "default; aws elasticache modify-replication-group --snapshot-retention-limit 7).",
    config=["minimum_snapshot_retention_period"],
)
def elasticache_redis_cluster_backup_enabled(replication_groups, cache_clusters, config):
    minimum = int(config["minimum_snapshot_retention_period"])
    for cache in _redis_deployments(replication_groups, cache_clusters):
        days = int(cache.get("snapshot_retention_days") or 0)
        if days >= minimum:
            yield PASS(cache, f"{_label(cache)} keeps automatic snapshots for {days} days.")
        elif days > 0:
            yield FAIL(
                cache,
                f"{_label(cache)} keeps automatic snapshots for only {days} days "
                f"(fewer than {minimum}).",
            )
        else:
            yield FAIL(cache, f"{_label(cache)} takes no automatic snapshots.")


@check(
    id="elasticache_redis_replication_group_auth_enabled",
    title="ElastiCache Redis OSS replication group below version 6.0 requires an AUTH token",
    severity="medium",
    resource_type="Other",
    reads=["elasticache.replication_groups"],
    risk="Before Redis OSS 6.0 the AUTH token is the only authentication; without it anyone who can reach the "
    "endpoint can read and overwrite every key.",
    remediation="Enable in-transit encryption and set an AUTH token on the replication group "
    "(aws elasticache modify-replication-group --auth-token ... --auth-token-update-strategy ROTATE), "
    "or upgrade to 6.0+ and use RBAC user groups.",
)
def elasticache_redis_replication_group_auth_enabled(replication_groups):
    for group in replication_groups:
        if (group.get("engine") or "redis").lower() not in REDIS_ENGINES:
            continue
        version = version_tuple(group.get("engine_version"))
        shown = group.get("engine_version") or "unknown version"
        token = group.get("auth_token_enabled")
        user_groups = group.get("user_group_ids") or []
        if version is not None and version < RBAC_VERSION:
            if token:
                yield PASS(group, f"{_label(group)} ({shown}) requires an AUTH token.")
            else:
                yield FAIL(group, f"{_label(group)} ({shown}) does not require an AUTH token.")
        elif token or user_groups:
            how = "an AUTH token" if token else f"RBAC user group(s) {', '.join(user_groups)}"
            yield PASS(group, f"{_label(group)} ({shown}) authenticates clients with {how}.")
        else:
            yield MANUAL(
                group,
                f"{_label(group)} ({shown}) has neither an AUTH token nor RBAC user groups; on 6.0+ "
                "access should be controlled with RBAC user groups.",
            )


# -- checks added for issue 12 --------------------------------------------------------------------------


@check(
    id="elasticache_cluster_uses_public_subnet",
    title="ElastiCache cluster runs in no public subnet",
    severity="medium",
    resource_type="Other",
    reads=["elasticache.cache_clusters", "vpc.subnets"],
    risk="Cache nodes in a subnet that routes to an internet gateway are one security group rule away from "
    "being reachable from the internet.",
    remediation="Move the cluster to a cache subnet group made of private subnets.",
)
def elasticache_cluster_uses_public_subnet(cache_clusters, subnets):
    yield from judge_public_subnets(cache_clusters, subnets, "ElastiCache cache cluster")


def _redis_groups(replication_groups):
    return [g for g in replication_groups if (g.get("engine") or "redis").lower() in REDIS_ENGINES]


@check(
    id="elasticache_redis_cluster_automatic_failover_enabled",
    title="ElastiCache Redis OSS / Valkey replication group fails over automatically",
    severity="medium",
    resource_type="Other",
    reads=["elasticache.replication_groups"],
    risk="Without automatic failover, the loss of the primary node leaves the cache unable to take writes until "
    "someone promotes a replica.",
    remediation="Enable automatic failover on the replication group (it needs at least one replica).",
)
def elasticache_redis_cluster_automatic_failover_enabled(replication_groups):
    for group in _redis_groups(replication_groups):
        if group.get("automatic_failover") == "enabled":
            yield PASS(group, f"{_label(group)} fails over automatically.")
        else:
            yield FAIL(group, f"{_label(group)} does not fail over automatically.")


@check(
    id="elasticache_redis_cluster_multi_az_enabled",
    title="ElastiCache Redis OSS / Valkey replication group is Multi-AZ",
    severity="medium",
    resource_type="Other",
    reads=["elasticache.replication_groups"],
    risk="Without Multi-AZ, a zone failure can take the primary and its replicas down together.",
    remediation="Enable Multi-AZ on the replication group, with replicas in other Availability Zones.",
)
def elasticache_redis_cluster_multi_az_enabled(replication_groups):
    for group in _redis_groups(replication_groups):
        if group.get("multi_az") == "enabled":
            yield PASS(group, f"{_label(group)} is Multi-AZ.")
        else:
            yield FAIL(group, f"{_label(group)} is not Multi-AZ.")


@check(
    id="elasticache_redis_cluster_in_transit_encryption_enabled",
    title="ElastiCache Redis OSS / Valkey replication group encrypts traffic in transit",
    severity="medium",
    resource_type="Other",
    reads=["elasticache.replication_groups"],
    risk="Without TLS, cached data and AUTH tokens cross the network in clear text.",
    remediation="Enable in-transit encryption on the replication group (TransitEncryptionEnabled, mode required).",
)
def elasticache_redis_cluster_in_transit_encryption_enabled(replication_groups):
    for group in _redis_groups(replication_groups):
        if group.get("transit_encryption"):
            yield PASS(group, f"{_label(group)} encrypts traffic in transit.")
        else:
            yield FAIL(group, f"{_label(group)} does not encrypt traffic in transit.")


@check(
    id="elasticache_redis_cluster_rest_encryption_enabled",
    title="ElastiCache Redis OSS / Valkey replication group encrypts data at rest",
    severity="medium",
    resource_type="Other",
    reads=["elasticache.replication_groups"],
    risk="Without encryption at rest, data on the nodes' disks and in backups is readable by anyone who obtains "
    "the storage or a snapshot.",
    remediation="Encryption at rest is chosen at creation: create an encrypted replication group from a backup "
    "and move clients to it.",
)
def elasticache_redis_cluster_rest_encryption_enabled(replication_groups):
    for group in _redis_groups(replication_groups):
        if group.get("at_rest_encryption"):
            yield PASS(group, f"{_label(group)} encrypts data at rest.")
        else:
            yield FAIL(group, f"{_label(group)} does not encrypt data at rest.")
