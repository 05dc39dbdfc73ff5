"""EKS: clusters.

Calls per region: ListClusters and DescribeCluster once per cluster.
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector


@collector("eks")
def collect_eks(scope: RegionScope) -> None:
    eks = scope.client("eks")
    names = scope.list(eks, "list_clusters", "clusters", kind="clusters")
    scope.each(names.value or [], lambda name: _collect_cluster(scope, eks, name))


def _collect_cluster(scope: RegionScope, eks, name: str) -> None:
    answer = scope.fetch(eks, "describe_cluster", absent=("ResourceNotFoundException",), name=name)
    if answer.state == "absent":
        return  # deleted since the listing
    if not answer.ok:
        scope.add_unreadable("clusters", answer, uid=scope.arn("eks", f"cluster/{name}"), id=name)
        return
    cluster = answer.value.get("cluster") or {}
    vpc = cluster.get("resourcesVpcConfig") or {}
    logging = (cluster.get("logging") or {}).get("clusterLogging") or []
    scope.add(
        "clusters",
        uid=cluster.get("arn") or scope.arn("eks", f"cluster/{name}"),
        id=name,
        tags=cluster.get("tags"),
        status=cluster.get("status"),
        version=cluster.get("version"),
        endpoint_public_access=vpc.get("endpointPublicAccess"),
        endpoint_private_access=vpc.get("endpointPrivateAccess"),
        public_access_cidrs=vpc.get("publicAccessCidrs") or [],
        cluster_security_group_id=vpc.get("clusterSecurityGroupId"),
        secrets_encryption_keys=[
            (config.get("provider") or {}).get("keyArn")
            for config in cluster.get("encryptionConfig") or []
            if "secrets" in (config.get("resources") or [])
        ],
        enabled_log_types=sorted({t for entry in logging if entry.get("enabled") for t in entry.get("types", [])}),
        deletion_protection=cluster.get("deletionProtection"),
    )
