"""Amazon MSK checks: cluster encryption, authentication, exposure and monitoring; MSK Connect encryption.

MSK Serverless fixes these settings itself: TLS everywhere, IAM authentication
only, no public endpoint and service-managed monitoring, so serverless clusters
pass each cluster check with a message that says why.
"""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check, no_verdict


def _judge(clusters, serverless_reason: str, good, passed, failed):
    """Serverless clusters pass for ``serverless_reason``; others PASS when ``good(cluster)``.

    ``passed`` and ``failed`` finish the sentence "MSK cluster <name> ..." (a string, or a function of the cluster).
    """
    for cluster in clusters:
        if cluster.get("serverless"):
            yield PASS(cluster, f"MSK cluster {cluster.id} is serverless, which {serverless_reason}.")
            continue
        verdict, text = (PASS, passed) if good(cluster) else (FAIL, failed)
        yield verdict(cluster, f"MSK cluster {cluster.id} {text(cluster) if callable(text) else text}.")


@check(
    id="kafka_cluster_enhanced_monitoring_enabled",
    title="MSK cluster has enhanced monitoring enabled",
    severity="medium",
    resource_type="AwsMskCluster",
    reads=["kafka.clusters"],
    risk="At the DEFAULT level only cluster-wide metrics are published, so broker- and topic-level problems such "
    "as disk exhaustion or consumer lag go unnoticed until they cause an outage.",
    remediation="Set the cluster's enhanced monitoring level to PER_BROKER or finer "
    "(aws kafka update-monitoring --enhanced-monitoring PER_BROKER).",
)
def kafka_cluster_enhanced_monitoring_enabled(clusters):
    yield from _judge(
        clusters,
        "publishes its monitoring metrics itself",
        lambda c: (c.get("enhanced_monitoring") or "DEFAULT") != "DEFAULT",
        lambda c: f"has enhanced monitoring at level {c.get('enhanced_monitoring')}",
        "only publishes DEFAULT-level metrics",
    )


def _transit_gaps(cluster) -> str:
    gaps = []
    if cluster.get("client_broker_encryption") != "TLS":
        gaps.append(f"client-broker traffic allows {cluster.get('client_broker_encryption')}")
    if not cluster.get("in_cluster_encryption"):
        gaps.append("traffic between brokers is not encrypted")
    return f"does not encrypt all traffic in transit: {'; '.join(gaps)}"


@check(
    id="kafka_cluster_in_transit_encryption_enabled",
    title="MSK cluster encrypts data in transit between clients and brokers and inside the cluster",
    severity="high",
    resource_type="AwsMskCluster",
    reads=["kafka.clusters"],
    risk="Plaintext listeners or unencrypted broker-to-broker traffic expose messages and credentials to anyone "
    "who can observe the network.",
    remediation="Use TLS-only client-broker encryption and in-cluster encryption (a new cluster is needed to turn "
    "in-cluster encryption on).",
)
def kafka_cluster_in_transit_encryption_enabled(clusters):
    yield from _judge(
        clusters,
        "always encrypts traffic with TLS",
        lambda c: c.get("client_broker_encryption") == "TLS" and c.get("in_cluster_encryption"),
        "uses TLS for client-broker and in-cluster traffic",
        _transit_gaps,
    )


@check(
    id="kafka_cluster_is_public",
    title="MSK cluster is not publicly accessible",
    severity="critical",
    resource_type="AwsMskCluster",
    reads=["kafka.clusters"],
    risk="Brokers with public IP addresses can be reached from the internet and probed or attacked directly.",
    remediation="Turn off public access on the cluster (aws kafka update-connectivity with PublicAccess Type "
    "DISABLED) and reach it through the VPC or private connectivity.",
)
def kafka_cluster_is_public(clusters):
    yield from _judge(
        clusters,
        "offers no public endpoint",
        lambda c: (c.get("public_access_type") or "DISABLED") == "DISABLED",
        "is not publicly accessible",
        lambda c: f"is publicly accessible ({c.get('public_access_type')})",
    )


@check(
    id="kafka_cluster_mutual_tls_authentication_enabled",
    title="MSK cluster authenticates clients with mutual TLS",
    severity="high",
    resource_type="AwsMskCluster",
    reads=["kafka.clusters"],
    risk="Without client certificate authentication, any client that can reach the brokers and satisfy the other "
    "configured mechanisms can connect.",
    remediation="Enable TLS client authentication with an AWS Private CA on the cluster "
    "(aws kafka update-security --client-authentication Tls={...}).",
)
def kafka_cluster_mutual_tls_authentication_enabled(clusters):
    yield from _judge(
        clusters,
        "always requires IAM-authenticated TLS connections",
        lambda c: c.get("tls_authentication"),
        "authenticates clients with mutual TLS",
        "does not authenticate clients with mutual TLS",
    )


@check(
    id="kafka_cluster_unrestricted_access_disabled",
    title="MSK cluster does not allow unauthenticated access",
    severity="critical",
    resource_type="AwsMskCluster",
    reads=["kafka.clusters"],
    risk="With unauthenticated access on, anyone who can reach the brokers can produce and consume on every topic.",
    remediation="Turn off unauthenticated access and use IAM, SASL/SCRAM or mutual TLS client authentication "
    "(aws kafka update-security).",
)
def kafka_cluster_unrestricted_access_disabled(clusters):
    yield from _judge(
        clusters,
        "always requires authentication",
        lambda c: not c.get("unauthenticated_access"),
        "requires clients to authenticate",
        "allows unauthenticated client access",
    )


@check(
    id="kafka_connector_in_transit_encryption_enabled",
    title="MSK Connect connector encrypts its traffic to the Kafka cluster",
    severity="high",
    resource_type="Other",
    reads=["kafka.connectors"],
    risk="A connector that talks PLAINTEXT to the cluster exposes the records it moves and any credentials on the "
    "network.",
    remediation="Recreate the connector with kafkaClusterEncryptionInTransit set to TLS.",
)
def kafka_connector_in_transit_encryption_enabled(connectors):
    for connector in connectors:
        kind = connector.get("encryption_in_transit") or "PLAINTEXT"
        if kind == "TLS":
            yield PASS(connector, f"MSK Connect connector {connector.id} uses TLS to reach its Kafka cluster.")
        else:
            yield FAIL(connector, f"MSK Connect connector {connector.id} reaches its Kafka cluster over {kind}.")


# -- checks added for issue 12 --------------------------------------------------------------------------


@check(
    id="kafka_cluster_encryption_at_rest_uses_cmk",
    title="MSK cluster encrypts data at rest with a customer managed KMS key",
    severity="medium",
    resource_type="AwsMskCluster",
    reads=["kafka.clusters", "kms.keys"],
    risk="With the AWS managed key, who may decrypt the brokers' volumes cannot be restricted or separated from "
    "other users of the account's MSK key.",
    remediation="Create the cluster with EncryptionAtRest DataVolumeKMSKeyId set to a customer managed key "
    "(it cannot be changed on an existing cluster).",
)
def kafka_cluster_encryption_at_rest_uses_cmk(clusters, keys):
    by_arn = {k.uid: k for k in keys}
    for cluster in clusters:
        if cluster.get("serverless"):
            yield PASS(cluster, f"MSK serverless cluster {cluster.id} is always encrypted at rest by AWS.")
            continue
        key_arn = cluster.get("data_volume_kms_key_id")
        key = by_arn.get(key_arn)
        if key_arn and key is None:
            # a key of another account, or one the KMS inventory lacks: who manages it is unknown
            yield no_verdict(FAIL(cluster, ""), [f"KMS key {key_arn} (not in the inventory)"])
        elif key is not None and key.get("manager") == "CUSTOMER":
            yield PASS(cluster, f"MSK cluster {cluster.id} encrypts data at rest with customer managed key {key.id}.")
        else:
            yield FAIL(cluster, f"MSK cluster {cluster.id} encrypts data at rest with the AWS managed key.")


@check(
    id="kafka_cluster_uses_latest_version",
    title="MSK cluster runs the latest Kafka version MSK offers",
    severity="medium",
    resource_type="AwsMskCluster",
    reads=["kafka.clusters"],
    risk="Older Apache Kafka versions miss security fixes and reach end of support, after which MSK upgrades "
    "them on its own schedule.",
    remediation="Upgrade the cluster to the latest Kafka version (aws kafka update-cluster-kafka-version).",
)
def kafka_cluster_uses_latest_version(clusters):
    for cluster in clusters:
        if cluster.get("serverless"):
            yield PASS(cluster, f"MSK serverless cluster {cluster.id} has its Kafka version managed by AWS.")
            continue
        current, latest = cluster.get("kafka_version"), cluster.get("latest_kafka_version")
        if latest is None and cluster.readable("latest_kafka_version"):
            continue  # MSK listed no active version to compare with
        if current == latest:
            yield PASS(cluster, f"MSK cluster {cluster.id} runs Kafka {current}, the latest version.")
        else:
            yield FAIL(cluster, f"MSK cluster {cluster.id} runs Kafka {current}; the latest is {latest}.")
