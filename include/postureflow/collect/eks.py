"""EKS: clusters.

Calls per region: ListClusters; DescribeCluster and DescribeAddon (vpc-cni) once per cluster.
"""

from __future__ import annotations

import re

from postureflow.collect.base import RegionScope, collector

# {"enableNetworkPolicy": "true"} in the vpc-cni add-on's configuration values (JSON or YAML)
NETWORK_POLICY_ON = re.compile(r"""["']?enableNetworkPolicy["']?\s*:\s*["']?true["']?""", re.IGNORECASE)


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
    cni = scope.fetch(eks, "describe_addon", absent=("ResourceNotFoundException",), clusterName=name, addonName="vpc-cni")
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
        # None: vpc-cni is not installed as an EKS add-on (self-managed, or another CNI)
        vpc_cni_network_policy=cni.map(
            lambda r: bool(NETWORK_POLICY_ON.search((r.get("addon") or {}).get("configurationValues") or ""))
        ),
    )
