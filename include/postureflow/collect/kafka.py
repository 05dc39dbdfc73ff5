"""Amazon MSK: provisioned and serverless Kafka clusters, and MSK Connect connectors.

Calls per region: kafka ListClustersV2 (it carries the encryption,
authentication, monitoring and connectivity settings), ListKafkaVersions when
there are clusters, and
kafkaconnect ListConnectors (it carries each connector's encryption in transit).
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector


@collector("kafka")
def collect_kafka(scope: RegionScope) -> None:
    client = scope.client("kafka")
    clusters = scope.list(client, "list_clusters_v2", "ClusterInfoList", kind="clusters").value or []
    latest = None
    if clusters:
        latest = scope.list(client, "list_kafka_versions", "KafkaVersions").map(
            lambda found: max((v["Version"] for v in found if v.get("Status") == "ACTIVE"), key=version_key, default=None)
        )
    for cluster in clusters:
        _add_cluster(scope, cluster, latest)
    connect = scope.client("kafkaconnect")
    for connector in scope.list(connect, "list_connectors", "connectors", kind="connectors").value or []:
        encryption = connector.get("kafkaClusterEncryptionInTransit") or {}
        scope.add(
            "connectors",
            uid=connector["connectorArn"],
            id=connector.get("connectorName") or connector["connectorArn"].rsplit("/", 2)[-2],
            state=connector.get("connectorState"),
            encryption_in_transit=encryption.get("encryptionType"),
            authentication=(connector.get("kafkaClusterClientAuthentication") or {}).get("authenticationType"),
        )


def version_key(version: str) -> tuple:
    """'3.6.0.1' -> (3, 6, 0, 1); a suffix such as '.tiered' sorts the same release just after its plain form."""
    return tuple(int(part) if part.isdigit() else -1 for part in version.split("."))


def _add_cluster(scope: RegionScope, cluster: dict, latest) -> None:
    serverless = cluster.get("ClusterType") == "SERVERLESS"
    details = cluster.get("Serverless" if serverless else "Provisioned") or {}
    auth = details.get("ClientAuthentication") or {}
    sasl = auth.get("Sasl") or {}
    encryption = details.get("EncryptionInfo") or {}
    in_transit = encryption.get("EncryptionInTransit") or {}
    connectivity = (details.get("BrokerNodeGroupInfo") or {}).get("ConnectivityInfo") or {}
    arn = cluster["ClusterArn"]
    scope.add(
        "clusters",
        uid=arn,
        id=cluster.get("ClusterName") or arn.rsplit("/", 2)[-2],
        tags=cluster.get("Tags"),
        state=cluster.get("State"),
        serverless=serverless,
        kafka_version=(details.get("CurrentBrokerSoftwareInfo") or {}).get("KafkaVersion"),
        # the newest ACTIVE version MSK offers in the region (provisioned clusters only)
        latest_kafka_version=None if serverless else latest,
        # AWS's defaults when a setting is absent: TLS between clients and brokers, TLS inside the cluster.
        client_broker_encryption=in_transit.get("ClientBroker", "TLS"),
        in_cluster_encryption=bool(in_transit.get("InCluster", True)),
        data_volume_kms_key_id=(encryption.get("EncryptionAtRest") or {}).get("DataVolumeKMSKeyId"),
        tls_authentication=bool((auth.get("Tls") or {}).get("Enabled")),
        sasl_iam=bool((sasl.get("Iam") or {}).get("Enabled")),
        sasl_scram=bool((sasl.get("Scram") or {}).get("Enabled")),
        unauthenticated_access=bool((auth.get("Unauthenticated") or {}).get("Enabled")),
        public_access_type=(connectivity.get("PublicAccess") or {}).get("Type") or "DISABLED",
        enhanced_monitoring=details.get("EnhancedMonitoring") or "DEFAULT",
    )
