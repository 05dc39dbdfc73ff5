"""Redshift: provisioned clusters with their logging, TLS parameter and network placement.

Calls per region: DescribeClusters (all pages); when there are clusters,
DescribeClusterSubnetGroups (all pages); DescribeLoggingStatus per cluster; and
DescribeClusterParameters (all pages) once per parameter group in use (for
require_ssl).
"""

from __future__ import annotations

from postureflow.collect.base import Outcome, RegionScope, collector

TLS_PARAMETER = "require_ssl"
NOT_FOUND = ("ClusterNotFound", "ClusterNotFoundFault")


@collector("redshift")
def collect_redshift(scope: RegionScope) -> None:
    client = scope.client("redshift")
    clusters = scope.list(client, "describe_clusters", "Clusters", kind="clusters").value or []
    if not clusters:
        return
    subnet_groups = scope.list(client, "describe_cluster_subnet_groups", "ClusterSubnetGroups").map(
        lambda groups: {g["ClusterSubnetGroupName"]: [s["SubnetIdentifier"] for s in g.get("Subnets", [])] for g in groups}
    )
    groups = sorted({_parameter_group(c) for c in clusters} - {None})
    require_ssl = dict(zip(groups, scope.each(groups, lambda g: _require_ssl(scope, client, g))))
    logging = scope.each(
        clusters,
        lambda c: scope.fetch(client, "describe_logging_status", absent=NOT_FOUND, ClusterIdentifier=c["ClusterIdentifier"]),
    )
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
            subnet_ids=subnet_groups.map(lambda found: found.get(cluster.get("ClusterSubnetGroupName") or "", [])),
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
            enhanced_vpc_routing=bool(cluster.get("EnhancedVpcRouting")),
            # "Enabled" / "Disabled"; None where the API leaves it out (single-AZ clusters of old node types)
            multi_az=cluster.get("MultiAZ"),
            master_username=cluster.get("MasterUsername"),
            database_name=cluster.get("DBName"),
            parameter_group=group,
            # True/False from the parameter group; unread (no verdict) when the group could not be read.
            require_ssl=require_ssl.get(group) if group else None,
            logging_enabled=log_status.map(lambda s: bool(s.get("LoggingEnabled"))),
            log_destination=log_status.map(lambda s: s.get("LogDestinationType") or None),
        )


def _parameter_group(cluster: dict) -> str | None:
    groups = cluster.get("ClusterParameterGroups") or [{}]
    return groups[0].get("ParameterGroupName")


def _require_ssl(scope: RegionScope, client, group: str) -> Outcome:
    params = scope.list(client, "describe_cluster_parameters", "Parameters", ParameterGroupName=group)
    return params.map(
        lambda found: any(
            str(p.get("ParameterName", "")).lower() == TLS_PARAMETER and str(p.get("ParameterValue", "")).lower() == "true"
            for p in found
        )
    )
