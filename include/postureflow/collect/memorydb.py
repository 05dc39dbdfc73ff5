"""MemoryDB: clusters with their upgrade and in-transit encryption settings.

Calls per region: DescribeClusters (paginated; it describes every cluster).
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector


@collector("memorydb")
def collect_memorydb(scope: RegionScope) -> None:
    clusters = scope.list(scope.client("memorydb"), "describe_clusters", "Clusters", kind="clusters")
    for cluster in clusters.value or []:
        scope.add(
            "clusters",
            uid=cluster.get("ARN") or scope.arn("memorydb", f"cluster/{cluster['Name']}"),
            id=cluster["Name"],
            auto_minor_version_upgrade=bool(cluster.get("AutoMinorVersionUpgrade")),
            tls_enabled=bool(cluster.get("TLSEnabled")),
        )
