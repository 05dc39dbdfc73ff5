from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import answer_in_moto, scan_in_moto

ACCOUNT = "123456789012"
REGIONS = ["us-east-1", "eu-west-1"]
CA = f"arn:aws:acm-pca:us-east-1:{ACCOUNT}:certificate-authority/11111111-2222-3333-4444-555555555555"


def _provisioned(name, public, client_broker, in_cluster, authentication, monitoring):
    # CreateCluster (v1): moto's CreateClusterV2 drops EncryptionInfo and ClientAuthentication.
    boto3.client("kafka", region_name="us-east-1").create_cluster(
        ClusterName=name,
        KafkaVersion="3.6.0",
        NumberOfBrokerNodes=3,
        BrokerNodeGroupInfo={
            "InstanceType": "kafka.m5.large",
            "ClientSubnets": ["subnet-0a", "subnet-0b", "subnet-0c"],
            "ConnectivityInfo": {"PublicAccess": {"Type": public}},
        },
        EncryptionInfo={"EncryptionInTransit": {"ClientBroker": client_broker, "InCluster": in_cluster}},
        ClientAuthentication=authentication,
        EnhancedMonitoring=monitoring,
    )


def _build():
    unauthenticated = {"Unauthenticated": {"Enabled": True}}
    _provisioned("msk-open", "SERVICE_PROVIDED_EIPS", "TLS_PLAINTEXT", False, unauthenticated, "DEFAULT")
    _provisioned(
        "msk-locked",
        "DISABLED",
        "TLS",
        True,
        {"Tls": {"Enabled": True, "CertificateAuthorityArnList": [CA]}, "Sasl": {"Iam": {"Enabled": True}}},
        "PER_TOPIC_PER_BROKER",
    )
    boto3.client("kafka", region_name="eu-west-1").create_cluster_v2(
        ClusterName="msk-serverless", Serverless={"VpcConfigs": [{"SubnetIds": ["subnet-0a", "subnet-0b"]}]}
    )


def _connector(name, encryption, region):
    return {
        "connectorArn": f"arn:aws:kafkaconnect:{region}:{ACCOUNT}:connector/{name}/0a1b2c3d-4e5f",
        "connectorName": name,
        "connectorState": "RUNNING",
        "kafkaClusterEncryptionInTransit": {"encryptionType": encryption},
        "kafkaClusterClientAuthentication": {"authenticationType": "IAM"},
    }


def _connector_hook(access):
    """moto does not implement MSK Connect: answer_in_moto answers ListConnectors in moto's place, with a
    PLAINTEXT and a TLS connector in us-east-1 and none in eu-west-1."""

    def connectors(region, _):
        if region == "us-east-1":
            return {"connectors": [_connector("sink-plain", "PLAINTEXT", region), _connector("sink-tls", "TLS", region)]}
        return {"connectors": []}

    # moto does not implement ListKafkaVersions either
    return answer_in_moto(access, REGIONS, {"kafkaconnect:ListConnectors": connectors,
                                            "kafka:ListKafkaVersions": {"KafkaVersions": VERSIONS}})  # fmt: skip


LATEST = "3.8.0"
VERSIONS = [{"Version": v, "Status": status} for v, status in
            (("1.1.1", "DEPRECATED"), ("2.8.1", "ACTIVE"), ("3.6.0", "ACTIVE"), (LATEST, "ACTIVE"), ("3.6.0.1", "ACTIVE"))]  # fmt: skip


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        _build()
        # kafka_cluster_encryption_at_rest_uses_cmk reads the KMS inventory, which real accounts never lack
        # (the AWS managed aws/kafka key); moto starts without keys
        boto3.client("kms", region_name="us-east-1").create_key()
        access = AwsAccess.from_default_chain()
        _connector_hook(access)
        run = scan_in_moto(Lake(str(tmp_path_factory.mktemp("kafka-lake"))), ["kafka"], REGIONS, access=access)
    return SimpleNamespace(run=run, calls=access.call_log)


def _cluster_check(world, check):
    assert world.run.status(check, "msk-open") == "FAIL"
    assert world.run.status(check, "msk-locked") == "PASS"
    assert world.run.status(check, "msk-serverless") == "PASS"


def test_collected_without_errors_or_repeats(world):
    assert world.run.errors == []
    assert world.calls.repeated() == []


def test_enhanced_monitoring(world):
    _cluster_check(world, "kafka_cluster_enhanced_monitoring_enabled")


def test_in_transit_encryption(world):
    _cluster_check(world, "kafka_cluster_in_transit_encryption_enabled")


def test_is_public(world):
    _cluster_check(world, "kafka_cluster_is_public")


def test_mutual_tls(world):
    _cluster_check(world, "kafka_cluster_mutual_tls_authentication_enabled")


def test_unrestricted_access(world):
    _cluster_check(world, "kafka_cluster_unrestricted_access_disabled")


def test_connector_in_transit_encryption(world):
    check = "kafka_connector_in_transit_encryption_enabled"
    assert world.run.status(check, "sink-plain") == "FAIL"
    assert world.run.status(check, "sink-tls") == "PASS"


def test_unlisted_clusters_give_no_verdict(scan):
    from postureflow.testing import DeniedAccess

    _build()
    run = scan("kafka", regions=["us-east-1"], access=DeniedAccess("kafka:ListClustersV2"))
    assert [f for f in run.findings if f["check_id"].startswith("kafka_cluster")] == []
    assert "kafka:list_clusters_v2" in {e["api"] for e in run.errors}


# -- checks added for issue 12 --------------------------------------------------------------------------


@pytest.fixture
def msk_world(aws):
    key = boto3.client("kms", region_name="us-east-1").create_key()["KeyMetadata"]["Arn"]

    def cluster(name, version, kms_key=None):
        boto3.client("kafka", region_name="us-east-1").create_cluster(
            ClusterName=name, KafkaVersion=version, NumberOfBrokerNodes=3,
            BrokerNodeGroupInfo={"InstanceType": "kafka.m5.large", "ClientSubnets": ["subnet-0a", "subnet-0b"]},
            EncryptionInfo={"EncryptionAtRest": {"DataVolumeKMSKeyId": kms_key}} if kms_key else {},
        )  # fmt: skip

    cluster("msk-old", "2.8.1")
    cluster("msk-new", LATEST, key)


@pytest.mark.parametrize("check", ["kafka_cluster_encryption_at_rest_uses_cmk", "kafka_cluster_uses_latest_version"])
def test_new_checks_fail_bad_and_pass_good(msk_world, scan, check):
    run = scan("kafka", regions=["us-east-1"], access=_connector_hook(AwsAccess.from_default_chain()))
    assert run.status(check, "msk-old") == "FAIL"
    assert run.status(check, "msk-new") == "PASS"


@pytest.mark.parametrize(
    "check, denied",
    [
        ("kafka_cluster_encryption_at_rest_uses_cmk", "kms:DescribeKey"),
        ("kafka_cluster_uses_latest_version", "kafka:ListKafkaVersions"),
    ],
)
def test_new_checks_give_no_verdict_on_unread_data(msk_world, scan, check, denied):
    from postureflow.testing import DeniedAccess

    access = _connector_hook(DeniedAccess(denied))
    run = scan("kafka", regions=["us-east-1"], access=access)
    assert run.status(check, "msk-new") == "MANUAL"
    assert access.hits
