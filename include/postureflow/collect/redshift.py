"""Redshift: provisioned clusters with their logging, TLS parameter and network placement.

Calls per region: paginated DescribeClusters; when there are clusters, one
paginated DescribeClusterSubnetGroups; DescribeLoggingStatus per cluster; and a
paginated DescribeClusterParameters once per parameter group in use (for
require_ssl).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from postureflow.collect.base import RegionScope, collector

CLUSTER_THREADS = 8
TLS_PARAMETER = "require_ssl"
NOT_FOUND = ("ClusterNotFound", "ClusterNotFoundFault")


@collector("redshift")
def collect_redshift(scope: RegionScope) -> None:
    client = scope.client("redshift")
    clusters = list(scope.paginate(client, "describe_clusters", "Clusters"))
    if not clusters:
        return
    subnets = {
        group["ClusterSubnetGroupName"]: [s["SubnetIdentifier"] for s in group.get("Subnets", [])]
        for group in scope.paginate(client, "describe_cluster_subnet_groups", "ClusterSubnetGroups")
    }
    groups = sorted({_parameter_group(c) for c in clusters} - {None})
    with ThreadPoolExecutor(max_workers=CLUSTER_THREADS) as pool:
        require_ssl = dict(zip(groups, pool.map(lambda g: _require_ssl(scope, client, g), groups)))
        logging = list(pool.map(lambda c: _logging(scope, client, c["ClusterIdentifier"]), clusters))
    for cluster, log_status in zip(clusters, logging):
        cluster_id = cluster["ClusterIdentifier"]
        group = _parameter_group(cluster)
        scope.add(
            "clusters",
            uid=scope.arn("redshift", f"cluster:{cluster_id}"),
            id=cluster_id,
            tags=cluster.get("Tags"),
            status=cluster.get("ClusterStatus"),
            vpc_id=cluster.get("VpcId"),
            subnet_ids=subnets.get(cluster.get("ClusterSubnetGroupName") or "", []),
            security_group_ids=[
                g["VpcSecurityGroupId"] for g in cluster.get("VpcSecurityGroups", []) if g.get("Status") == "active"
            ],
            publicly_accessible=bool(cluster.get("PubliclyAccessible")),
            endpoint_address=(cluster.get("Endpoint") or {}).get("Address"),
            port=(cluster.get("Endpoint") or {}).get("Port"),
            encrypted=bool(cluster.get("Encrypted")),
            kms_key_id=cluster.get("KmsKeyId"),
            allow_version_upgrade=bool(cluster.get("AllowVersionUpgrade")),
            automated_snapshot_retention_days=cluster.get("AutomatedSnapshotRetentionPeriod"),
            parameter_group=group,
            # True/False from the parameter group; None when the group could not be read.
            require_ssl=require_ssl.get(group),
            # None when DescribeLoggingStatus could not be read.
            logging_enabled=None if log_status is None else bool(log_status.get("LoggingEnabled")),
            log_destination=(log_status or {}).get("LogDestinationType") or None,
        )


def _parameter_group(cluster: dict) -> str | None:
    groups = cluster.get("ClusterParameterGroups") or [{}]
    return groups[0].get("ParameterGroupName")


def _require_ssl(scope: RegionScope, client, group: str) -> bool | None:
    params = list(scope.paginate(client, "describe_cluster_parameters", "Parameters", ParameterGroupName=group))
    if not params:
        return None  # the group could not be read (a scan error says why)
    return any(
        str(p.get("ParameterName", "")).lower() == TLS_PARAMETER and str(p.get("ParameterValue", "")).lower() == "true"
        for p in params
    )


def _logging(scope: RegionScope, client, cluster_id: str) -> dict | None:
    return scope.call(client, "describe_logging_status", absent=NOT_FOUND, ClusterIdentifier=cluster_id)
