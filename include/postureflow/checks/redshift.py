"""Redshift checks: cluster exposure, encryption, logging, snapshots and upgrades."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check, no_verdict

DEFAULT_PORT = 5439
INTERNET = {"0.0.0.0/0", "::/0"}


def _admits_internet(rule: dict, port: int) -> bool:
    """An ingress rule that lets 0.0.0.0/0 or ::/0 reach ``port`` over TCP (or all traffic)."""
    sources = {r.get("CidrIp") for r in rule.get("IpRanges") or []} | {
        r.get("CidrIpv6") for r in rule.get("Ipv6Ranges") or []
    }
    if not sources & INTERNET:
        return False
    protocol = str(rule.get("IpProtocol"))
    if protocol == "-1":
        return True
    if protocol not in ("tcp", "6"):
        return False
    low, high = rule.get("FromPort"), rule.get("ToPort")
    return low is not None and high is not None and int(low) <= port <= int(high)


@check(
    id="redshift_cluster_public_access",
    title="Redshift cluster is not reachable from the internet",
    severity="critical",
    resource_type="AwsRedshiftCluster",
    reads=["redshift.clusters", "vpc.subnets", "ec2.security_groups"],
    risk="A publicly accessible cluster in a public subnet whose security group admits the internet can be "
    "probed and brute-forced from anywhere, and its data stolen.",
    remediation="Turn off PubliclyAccessible (aws redshift modify-cluster --no-publicly-accessible), keep the "
    "cluster in private subnets and remove 0.0.0.0/0 and ::/0 from its security groups.",
)
def redshift_cluster_public_access(clusters, subnets, security_groups):
    public_subnets = {(s.region, s.id) for s in subnets if s.get("public")}
    groups = {(g.region, g.id): g for g in security_groups}
    for cluster in clusters:
        name = f"Redshift cluster {cluster.id}"
        endpoint = cluster.get("endpoint_address")
        if not (cluster.get("publicly_accessible") and endpoint):
            yield PASS(cluster, f"{name} is not publicly accessible.")
            continue
        in_public = [sid for sid in cluster.get("subnet_ids") or [] if (cluster.region, sid) in public_subnets]
        if not in_public:
            yield PASS(cluster, f"{name} is set publicly accessible but none of its subnets routes to the internet.")
            continue
        port = int(cluster.get("port") or DEFAULT_PORT)
        missing = [gid for gid in cluster.get("security_group_ids") or [] if (cluster.region, gid) not in groups]
        if missing:
            # a group that was not read could admit anyone: no verdict rather than a PASS
            yield no_verdict(FAIL(cluster, ""), [f"security group(s) {', '.join(missing)} (not in the inventory)"])
            continue
        open_groups = [
            gid
            for gid in cluster.get("security_group_ids") or []
            if any(_admits_internet(rule, port) for rule in groups[(cluster.region, gid)].get("ingress_rules") or [])
        ]
        if open_groups:
            yield FAIL(
                cluster,
                f"{name} is publicly accessible at {endpoint} in public subnet(s) {', '.join(in_public)} and "
                f"security group(s) {', '.join(open_groups)} admit the internet on port {port}.",
            )
        else:
            yield PASS(
                cluster,
                f"{name} is set publicly accessible in a public subnet but no security group admits the internet "
                f"on port {port}.",
            )


@check(
    id="redshift_cluster_encrypted_at_rest",
    title="Redshift cluster is encrypted at rest",
    severity="critical",
    resource_type="AwsRedshiftCluster",
    reads=["redshift.clusters"],
    risk="An unencrypted cluster leaves its data blocks, system metadata and snapshots readable to anyone who "
    "obtains the storage or a snapshot copy.",
    remediation="Enable encryption with an AWS KMS key (aws redshift modify-cluster --encrypted --kms-key-id ...).",
)
def redshift_cluster_encrypted_at_rest(clusters):
    for cluster in clusters:
        if cluster.get("encrypted"):
            key = cluster.get("kms_key_id")
            suffix = f" with KMS key {key}" if key else ""
            yield PASS(cluster, f"Redshift cluster {cluster.id} is encrypted at rest{suffix}.")
        else:
            yield FAIL(cluster, f"Redshift cluster {cluster.id} is not encrypted at rest.")


@check(
    id="redshift_cluster_in_transit_encryption_enabled",
    title="Redshift cluster requires TLS for client connections",
    severity="high",
    resource_type="AwsRedshiftCluster",
    reads=["redshift.clusters"],
    risk="A cluster that accepts unencrypted connections lets credentials and query results cross the network in "
    "clear text.",
    remediation="Set require_ssl to true in a custom parameter group attached to the cluster and reboot it.",
)
def redshift_cluster_in_transit_encryption_enabled(clusters):
    for cluster in clusters:
        required = cluster.get("require_ssl")
        group = cluster.get("parameter_group")
        if required is None and cluster.readable("require_ssl"):
            continue  # no parameter group to judge (an unread one falls through and gives no verdict)
        if required:
            yield PASS(cluster, f"Redshift cluster {cluster.id} requires TLS (require_ssl=true in {group}).")
        else:
            what = f"accepts unencrypted connections (require_ssl is not true in {group})"
            yield FAIL(cluster, f"Redshift cluster {cluster.id} {what}.")


@check(
    id="redshift_cluster_audit_logging",
    title="Redshift cluster has audit logging enabled",
    severity="medium",
    resource_type="AwsRedshiftCluster",
    reads=["redshift.clusters"],
    risk="Without audit logs, connections, user changes and queries leave no trace for investigating misuse.",
    remediation="Enable audit logging to S3 or CloudWatch Logs (aws redshift enable-logging).",
)
def redshift_cluster_audit_logging(clusters):
    for cluster in clusters:
        enabled = cluster.get("logging_enabled")
        if enabled:
            where = cluster.get("log_destination") or "s3"
            yield PASS(cluster, f"Redshift cluster {cluster.id} sends audit logs to {where}.")
        else:
            yield FAIL(cluster, f"Redshift cluster {cluster.id} does not have audit logging enabled.")


@check(
    id="redshift_cluster_automated_snapshot",
    title="Redshift cluster takes automated snapshots",
    severity="high",
    resource_type="AwsRedshiftCluster",
    reads=["redshift.clusters"],
    risk="Without automated snapshots there is no recent restore point after data loss or corruption.",
    remediation="Set an automated snapshot retention period of at least one day, preferably seven or more "
    "(aws redshift modify-cluster --automated-snapshot-retention-period 7).",
)
def redshift_cluster_automated_snapshot(clusters):
    for cluster in clusters:
        days = int(cluster.get("automated_snapshot_retention_days") or 0)
        if days > 0:
            yield PASS(cluster, f"Redshift cluster {cluster.id} keeps automated snapshots for {days} day(s).")
        else:
            yield FAIL(cluster, f"Redshift cluster {cluster.id} takes no automated snapshots.")


@check(
    id="redshift_cluster_automatic_upgrades",
    title="Redshift cluster applies major version upgrades automatically",
    severity="medium",
    resource_type="AwsRedshiftCluster",
    reads=["redshift.clusters"],
    risk="A cluster that is never upgraded keeps engine vulnerabilities that later versions fix.",
    remediation="Allow version upgrades during the maintenance window "
    "(aws redshift modify-cluster --allow-version-upgrade).",
)
def redshift_cluster_automatic_upgrades(clusters):
    for cluster in clusters:
        if cluster.get("allow_version_upgrade"):
            yield PASS(cluster, f"Redshift cluster {cluster.id} applies version upgrades automatically.")
        else:
            yield FAIL(cluster, f"Redshift cluster {cluster.id} does not apply version upgrades automatically.")


# -- checks added for issue 12 --------------------------------------------------------------------------


@check(
    id="redshift_cluster_enhanced_vpc_routing",
    title="Redshift cluster routes COPY and UNLOAD traffic through its VPC",
    severity="medium",
    resource_type="AwsRedshiftCluster",
    reads=["redshift.clusters"],
    risk="Without enhanced VPC routing, COPY and UNLOAD traffic leaves through the internet path, out of reach "
    "of your VPC endpoints' policies, security groups and flow logs.",
    remediation="Enable enhanced VPC routing (aws redshift modify-cluster --enhanced-vpc-routing).",
)
def redshift_cluster_enhanced_vpc_routing(clusters):
    for cluster in clusters:
        if cluster.get("enhanced_vpc_routing"):
            yield PASS(cluster, f"Redshift cluster {cluster.id} has enhanced VPC routing enabled.")
        else:
            yield FAIL(cluster, f"Redshift cluster {cluster.id} does not have enhanced VPC routing enabled.")


@check(
    id="redshift_cluster_multi_az_enabled",
    title="Redshift cluster is deployed in multiple Availability Zones",
    severity="medium",
    resource_type="AwsRedshiftCluster",
    reads=["redshift.clusters"],
    risk="A single-AZ cluster is unavailable for as long as its Availability Zone is.",
    remediation="Enable Multi-AZ on the cluster (RA3 node types: aws redshift modify-cluster --multi-az).",
)
def redshift_cluster_multi_az_enabled(clusters):
    for cluster in clusters:
        if cluster.get("multi_az") == "Enabled":
            yield PASS(cluster, f"Redshift cluster {cluster.id} is deployed in multiple Availability Zones.")
        else:
            yield FAIL(cluster, f"Redshift cluster {cluster.id} runs in a single Availability Zone.")


@check(
    id="redshift_cluster_non_default_username",
    title="Redshift cluster's admin user is not the default awsuser",
    severity="medium",
    resource_type="AwsRedshiftCluster",
    reads=["redshift.clusters"],
    risk="The default admin name is the first one password-guessing attacks try.",
    remediation="Create a new cluster (from a snapshot) with a different master user name.",
)
def redshift_cluster_non_default_username(clusters):
    for cluster in clusters:
        if cluster.get("master_username") == "awsuser":
            yield FAIL(cluster, f"Redshift cluster {cluster.id} uses the default admin user name awsuser.")
        else:
            yield PASS(cluster, f"Redshift cluster {cluster.id} does not use the default admin user name.")


@check(
    id="redshift_cluster_non_default_database_name",
    title="Redshift cluster's database is not named dev",
    severity="low",
    resource_type="AwsRedshiftCluster",
    reads=["redshift.clusters"],
    risk="The default database name is one less thing an attacker has to guess.",
    remediation="Create the cluster with a database name of your own (it cannot be renamed afterwards).",
)
def redshift_cluster_non_default_database_name(clusters):
    for cluster in clusters:
        if cluster.get("database_name") == "dev":
            yield FAIL(cluster, f"Redshift cluster {cluster.id} uses the default database name dev.")
        else:
            yield PASS(cluster, f"Redshift cluster {cluster.id} does not use the default database name.")
