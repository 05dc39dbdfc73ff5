"""EMR checks: the account's block public access setting and cluster master nodes."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check, no_verdict
from postureflow.checks.dms import group_open_to_internet

# A master node with a public address has a public DNS name under amazonaws.com; a private one has
# an internal name (ip-10-0-0-1.ec2.internal, ...).
PUBLIC_DNS_SUFFIX = ".amazonaws.com"


@check(
    id="emr_cluster_account_public_block_enabled",
    title="EMR block public access is enabled in the region",
    severity="high",
    resource_type="Other",
    reads=["emr.block_public_access"],
    risk="Without block public access, a cluster can be launched with security group rules that open its "
    "nodes to the internet.",
    remediation="Turn on EMR block public access for the region (PutBlockPublicAccessConfiguration), "
    "allowing only the ports that must be public.",
)
def emr_cluster_account_public_block_enabled(settings):
    for setting in settings:
        if setting.get("block_public_security_group_rules"):
            yield PASS(setting, f"EMR block public access is enabled in {setting.region}.")
        else:
            yield FAIL(setting, f"EMR block public access is disabled in {setting.region}.")


@check(
    id="emr_cluster_master_nodes_no_public_ip",
    title="EMR cluster master node has no public IP address",
    severity="medium",
    resource_type="Other",
    reads=["emr.clusters"],
    risk="A master node with a public address can be reached from the internet whenever a security group "
    "rule lets it, exposing the cluster's web interfaces and SSH.",
    remediation="Launch clusters in private subnets (no public IP on launch) and reach them through a "
    "bastion, VPN or Session Manager.",
)
def emr_cluster_master_nodes_no_public_ip(clusters):
    for cluster in clusters:
        dns = cluster.get("master_public_dns_name") or ""
        label = f"EMR cluster {cluster.id} ({cluster.get('name')})"
        if PUBLIC_DNS_SUFFIX in dns:
            yield FAIL(cluster, f"{label} master node has a public address ({dns}).")
        else:
            yield PASS(cluster, f"{label} master node has no public address.")


@check(
    id="emr_cluster_publicly_accesible",
    title="EMR cluster with a public address admits no internet traffic",
    severity="medium",
    resource_type="Other",
    reads=["emr.clusters", "ec2.security_groups"],
    risk="A cluster node with a public address whose security group admits 0.0.0.0/0 exposes the cluster's web "
    "interfaces, SSH and data to the internet.",
    remediation="Remove internet-wide rules from the master and core/task security groups, launch clusters in "
    "private subnets, and turn on EMR block public access.",
)
def emr_cluster_publicly_accesible(clusters, security_groups):
    groups = {(g.region, g.id): g for g in security_groups}
    for cluster in clusters:
        label = f"EMR cluster {cluster.id} ({cluster.get('name')})"
        if PUBLIC_DNS_SUFFIX not in (cluster.get("master_public_dns_name") or ""):
            yield PASS(cluster, f"{label} has no public address.")
            continue
        ids = [*(cluster.get("master_security_group_ids") or []), *(cluster.get("slave_security_group_ids") or [])]
        missing = [gid for gid in ids if (cluster.region, gid) not in groups]
        if missing:
            yield no_verdict(FAIL(cluster, ""), [f"security group(s) {', '.join(missing)} (not in the inventory)"])
            continue
        open_groups = sorted({gid for gid in ids if group_open_to_internet(groups[(cluster.region, gid)])})
        if open_groups:
            yield FAIL(cluster, f"{label} has a public address and security group(s) {', '.join(open_groups)} "
                       "admit the internet.")  # fmt: skip
        else:
            yield PASS(cluster, f"{label} has a public address but no security group admits the internet.")
