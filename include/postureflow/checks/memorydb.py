"""MemoryDB checks: minor upgrades and encryption in transit."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check


@check(
    id="memorydb_cluster_auto_minor_version_upgrades",
    title="MemoryDB cluster applies minor engine versions automatically",
    severity="medium",
    resource_type="Other",
    reads=["memorydb.clusters"],
    risk="A cluster that never takes minor versions keeps engine flaws that have already been fixed.",
    remediation="Turn on automatic minor version upgrades for the cluster (memorydb update-cluster).",
)
def memorydb_cluster_auto_minor_version_upgrades(clusters):
    for cluster in clusters:
        if cluster.get("auto_minor_version_upgrade"):
            yield PASS(cluster, f"MemoryDB cluster {cluster.id} upgrades minor versions automatically.")
        else:
            yield FAIL(cluster, f"MemoryDB cluster {cluster.id} does not upgrade minor versions automatically.")


@check(
    id="memorydb_cluster_in_transit_encryption_enabled",
    title="MemoryDB cluster encrypts traffic with TLS",
    severity="medium",
    resource_type="Other",
    reads=["memorydb.clusters"],
    risk="Without TLS, commands, data and credentials cross the network in the clear between clients and nodes.",
    remediation="Create the cluster with TLS enabled (it cannot be turned on later) and move clients to it.",
)
def memorydb_cluster_in_transit_encryption_enabled(clusters):
    for cluster in clusters:
        if cluster.get("tls_enabled"):
            yield PASS(cluster, f"MemoryDB cluster {cluster.id} encrypts traffic in transit with TLS.")
        else:
            yield FAIL(cluster, f"MemoryDB cluster {cluster.id} does not encrypt traffic in transit.")
