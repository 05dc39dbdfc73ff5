"""EKS checks: API endpoint exposure, secrets encryption, control plane logging, versions and protection."""

from __future__ import annotations

from postureflow.checks.base import FAIL, MANUAL, PASS, check, parse_time
from postureflow.versions import version_tuple

INTERNET = ("0.0.0.0/0", "::/0")
LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")

# End of standard support per Kubernetes minor version (Amazon EKS Kubernetes version calendar).
# After it a cluster is in paid extended support and then force-upgraded; AWS asks you to upgrade.
STANDARD_SUPPORT_ENDS = {
    (1, 21): "2023-02-15",
    (1, 22): "2023-06-04",
    (1, 23): "2023-10-11",
    (1, 24): "2024-01-31",
    (1, 25): "2024-05-01",
    (1, 26): "2024-06-11",
    (1, 27): "2024-07-24",
    (1, 28): "2024-11-26",
    (1, 29): "2025-03-23",
    (1, 30): "2025-07-23",
    (1, 31): "2025-11-26",
    (1, 32): "2026-03-23",
    (1, 33): "2026-07-29",
}


@check(
    id="eks_cluster_not_publicly_accessible",
    title="EKS cluster API endpoint is not open to the whole internet",
    severity="high",
    resource_type="AwsEksCluster",
    reads=["eks.clusters"],
    risk="A public Kubernetes API endpoint reachable from 0.0.0.0/0 can be probed and brute-forced from "
    "anywhere, and any leaked kubeconfig works from anywhere.",
    remediation="Turn off public endpoint access, or restrict publicAccessCidrs to known networks "
    "(aws eks update-cluster-config --resources-vpc-config endpointPublicAccess=false).",
)
def eks_cluster_not_publicly_accessible(clusters):
    for cluster in clusters:
        cidrs = cluster.get("public_access_cidrs") or []
        if not cluster.get("endpoint_public_access"):
            yield PASS(cluster, f"EKS cluster {cluster.id} has no public API endpoint.")
        elif any(c in INTERNET for c in cidrs):
            yield FAIL(cluster, f"EKS cluster {cluster.id} has a public API endpoint open to the internet.")
        else:
            yield PASS(cluster, f"EKS cluster {cluster.id} limits its public API endpoint to {', '.join(cidrs)}.")


@check(
    id="eks_cluster_private_nodes_enabled",
    title="EKS cluster has private API endpoint access turned on",
    severity="high",
    resource_type="AwsEksCluster",
    reads=["eks.clusters"],
    risk="Without private endpoint access, nodes and in-VPC clients must reach the Kubernetes API through "
    "its public endpoint, so that endpoint cannot be closed.",
    remediation="Enable private endpoint access (aws eks update-cluster-config --resources-vpc-config "
    "endpointPrivateAccess=true).",
)
def eks_cluster_private_nodes_enabled(clusters):
    for cluster in clusters:
        if cluster.get("endpoint_private_access"):
            yield PASS(cluster, f"EKS cluster {cluster.id} has private API endpoint access enabled.")
        else:
            yield FAIL(cluster, f"EKS cluster {cluster.id} has private API endpoint access disabled.")


@check(
    id="eks_cluster_kms_cmk_encryption_in_secrets_enabled",
    title="EKS cluster encrypts Kubernetes secrets with a KMS key",
    severity="medium",
    resource_type="AwsEksCluster",
    reads=["eks.clusters"],
    risk="Without envelope encryption, Kubernetes secrets sit in etcd protected only by the default "
    "encryption, with no key policy or audit trail of their decryption.",
    remediation="Associate a KMS key for the secrets resource "
    "(aws eks associate-encryption-config --encryption-config resources=secrets,provider={keyArn=...}).",
)
def eks_cluster_kms_cmk_encryption_in_secrets_enabled(clusters):
    for cluster in clusters:
        keys = [k for k in cluster.get("secrets_encryption_keys") or [] if k]
        if keys:
            yield PASS(cluster, f"EKS cluster {cluster.id} encrypts Kubernetes secrets with KMS key {keys[0]}.")
        else:
            yield FAIL(cluster, f"EKS cluster {cluster.id} does not encrypt Kubernetes secrets with a KMS key.")


@check(
    id="eks_control_plane_logging_all_types_enabled",
    title="EKS cluster sends every control plane log type to CloudWatch Logs",
    severity="medium",
    resource_type="AwsEksCluster",
    reads=["eks.clusters"],
    risk="Missing API, audit or authenticator logs leave no record of who did what in the cluster.",
    remediation="Enable api, audit, authenticator, controllerManager and scheduler logs "
    "(aws eks update-cluster-config --logging ...).",
)
def eks_control_plane_logging_all_types_enabled(clusters):
    for cluster in clusters:
        missing = [t for t in LOG_TYPES if t not in (cluster.get("enabled_log_types") or [])]
        if missing:
            yield FAIL(cluster, f"EKS cluster {cluster.id} does not log control plane types {', '.join(missing)}.")
        else:
            yield PASS(cluster, f"EKS cluster {cluster.id} logs every control plane log type.")


@check(
    id="eks_cluster_uses_a_supported_version",
    title="EKS cluster runs a Kubernetes version in standard support",
    severity="high",
    resource_type="AwsEksCluster",
    reads=["eks.clusters"],
    risk="Past the end of standard support a Kubernetes version gets no more fixes from the community, costs "
    "extra in extended support and is eventually upgraded by AWS on AWS's schedule.",
    remediation="Upgrade the control plane and node groups one minor version at a time "
    "(aws eks update-cluster-version).",
)
def eks_cluster_uses_a_supported_version(clusters, now):
    oldest_known = min(STANDARD_SUPPORT_ENDS)
    for cluster in clusters:
        label = cluster.get("version")
        version = version_tuple(label, 2)
        if version is None:
            if not cluster.readable("version"):
                # DescribeCluster was refused: the evaluation turns this into a no verdict naming why
                yield MANUAL(cluster, f"EKS cluster {cluster.id}: its Kubernetes version could not be read.")
            continue  # a version EKS stated in a form we cannot compare: nothing to judge
        ends = parse_time(STANDARD_SUPPORT_ENDS.get(version))
        if version < oldest_known or (ends is not None and now >= ends):
            since = f" since {ends.date()}" if ends else ""
            yield FAIL(cluster, f"EKS cluster {cluster.id} runs Kubernetes {label}, out of standard support{since}.")
        else:
            yield PASS(cluster, f"EKS cluster {cluster.id} runs Kubernetes {label}, which is in standard support.")


@check(
    id="eks_cluster_deletion_protection_enabled",
    title="EKS cluster has deletion protection turned on",
    severity="high",
    resource_type="AwsEksCluster",
    reads=["eks.clusters"],
    risk="Without deletion protection one API call (or a mistaken pipeline) deletes the cluster and its "
    "control plane state.",
    remediation="Turn deletion protection on (aws eks update-cluster-config --deletion-protection).",
)
def eks_cluster_deletion_protection_enabled(clusters):
    for cluster in clusters:
        protected = cluster.get("deletion_protection")
        if protected is None and cluster.readable("deletion_protection"):
            continue  # DescribeCluster answered without the field: nothing to judge
        if protected:
            yield PASS(cluster, f"EKS cluster {cluster.id} has deletion protection enabled.")
        else:
            yield FAIL(cluster, f"EKS cluster {cluster.id} has deletion protection disabled.")


@check(
    id="eks_cluster_network_policy_enabled",
    title="EKS cluster has a cluster security group controlling control plane traffic",
    severity="high",
    resource_type="AwsEksCluster",
    reads=["eks.clusters"],
    risk="Without the cluster security group, traffic between the control plane and the nodes is not "
    "governed by a network policy that EKS manages.",
    remediation="Recreate or update the cluster so EKS creates its cluster security group, and keep its rules "
    "limited to the control plane and node traffic that is needed.",
)
def eks_cluster_network_policy_enabled(clusters):
    for cluster in clusters:
        group = cluster.get("cluster_security_group_id")
        if group:
            yield PASS(cluster, f"EKS cluster {cluster.id} has the cluster security group {group}.")
        else:
            yield FAIL(cluster, f"EKS cluster {cluster.id} has no cluster security group.")


@check(
    id="eks_cluster_vpc_cni_network_policy_enforced",
    title="EKS cluster enforces Kubernetes network policies through the Amazon VPC CNI add-on",
    severity="medium",
    resource_type="AwsEksCluster",
    reads=["eks.clusters"],
    risk="Without network policy enforcement every pod can reach every other pod: NetworkPolicy objects are "
    "accepted but ignored, and one compromised pod can move laterally across the cluster.",
    remediation="Install vpc-cni as an EKS add-on and set its configuration value enableNetworkPolicy to \"true\" "
    "(aws eks update-addon --addon-name vpc-cni --configuration-values '{\"enableNetworkPolicy\": \"true\"}').",
)
def eks_cluster_vpc_cni_network_policy_enforced(clusters):
    for cluster in clusters:
        enforced = cluster.get("vpc_cni_network_policy")
        if enforced:
            yield PASS(cluster, f"EKS cluster {cluster.id} enforces network policies with the VPC CNI add-on.")
        elif enforced is None:
            yield FAIL(cluster, f"EKS cluster {cluster.id} does not run vpc-cni as an EKS add-on, so network policy "
                       "enforcement through it cannot be configured or verified.")  # fmt: skip
        else:
            yield FAIL(cluster, f"EKS cluster {cluster.id} runs the VPC CNI add-on without network policy enforcement.")
