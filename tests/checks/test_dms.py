import json
from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import scan_in_moto

REGION = "eu-west-1"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        ec2 = boto3.client("ec2", region_name=REGION)
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]

        def group(name, cidr):
            group_id = ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"]
            permission = {"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": cidr}]}
            ec2.authorize_security_group_ingress(GroupId=group_id, IpPermissions=[permission])
            return group_id

        internet, office = group("dms-open", "0.0.0.0/0"), group("dms-office", "192.0.2.0/24")
        dms = boto3.client("dms", region_name=REGION)

        def instance(name, public, upgrades, groups):
            dms.create_replication_instance(
                ReplicationInstanceIdentifier=name,
                ReplicationInstanceClass="dms.t3.micro",
                PubliclyAccessible=public,
                AutoMinorVersionUpgrade=upgrades,
                VpcSecurityGroupIds=groups,
            )

        instance("ri-exposed", True, False, [internet])
        instance("ri-public-fenced", True, True, [office])
        instance("ri-private", False, True, [internet])

        def endpoint(name, ssl_mode):
            dms.create_endpoint(
                EndpointIdentifier=name,
                EndpointType="source",
                EngineName="postgres",
                ServerName="db.example.com",
                Port=5432,
                DatabaseName="app",
                Username="replicator",
                Password="not-a-real-one",
                SslMode=ssl_mode,
            )

        endpoint("ep-plain", "none")
        endpoint("ep-tls", "verify-full")
        access = AwsAccess.from_default_chain()
        lake = Lake(str(tmp_path_factory.mktemp("dms-lake")))
        run = scan_in_moto(lake, ["dms"], regions=[REGION], access=access)
    return SimpleNamespace(run=run, calls=access.call_log)


def test_endpoint_ssl(world):
    assert world.run.statuses("dms_endpoint_ssl_enabled") == {"ep-plain": "FAIL", "ep-tls": "PASS"}


def test_minor_version_upgrade(world):
    assert world.run.status("dms_instance_minor_version_upgrade_enabled", "ri-exposed") == "FAIL"
    assert world.run.status("dms_instance_minor_version_upgrade_enabled", "ri-private") == "PASS"


def test_no_public_access(world):
    assert world.run.statuses("dms_instance_no_public_access") == {
        "ri-exposed": "FAIL",
        "ri-public-fenced": "PASS",
        "ri-private": "PASS",
    }


def test_no_errors(world):
    assert [e for e in world.run.errors if e["service"] == "dms"] == []
    assert [k for k in world.calls.repeated() if k[0] == "dms"] == []


def test_unreadable_data_gives_no_verdict(scan):
    from postureflow.testing import DeniedAccess

    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    group = ec2.create_security_group(GroupName="dms-sg", Description="dms", VpcId=vpc)["GroupId"]
    dms = boto3.client("dms", region_name=REGION)
    dms.create_replication_instance(
        ReplicationInstanceIdentifier="ri-unknown", ReplicationInstanceClass="dms.t3.micro", PubliclyAccessible=True,
        VpcSecurityGroupIds=[group],
    )
    # the security groups could not be listed: whether the public instance is reachable is unknown
    run = scan("dms", regions=[REGION], access=DeniedAccess("ec2:DescribeSecurityGroups"))
    assert run.status("dms_instance_no_public_access", "ri-unknown") == "MANUAL"
    # the instances could not be listed: nothing is judged
    run = scan("dms", regions=[REGION], access=DeniedAccess("dms:DescribeReplicationInstances"))
    assert run.of("dms_instance_minor_version_upgrade_enabled") == []
    assert "dms:describe_replication_instances" in {e["api"] for e in run.errors}


# -- checks added for issue 12 --------------------------------------------------------------------------


def _settings(logging_enabled, severity):
    components = [{"Id": c, "Severity": severity} for c in ("SOURCE_CAPTURE", "SOURCE_UNLOAD", "TARGET_APPLY", "TARGET_LOAD")]
    return json.dumps({"Logging": {"EnableLogging": logging_enabled, "LogComponents": components}})


@pytest.fixture
def dms_world(aws):
    dms = boto3.client("dms", region_name=REGION)
    for name, multi_az in (("ri-single", False), ("ri-multi", True)):
        dms.create_replication_instance(ReplicationInstanceIdentifier=name, ReplicationInstanceClass="dms.t3.micro",
                                        MultiAZ=multi_az)  # fmt: skip
    common = dict(EndpointType="target", ServerName="db.example.com", Port=1234)

    def endpoint(name, engine, **settings):
        return dms.create_endpoint(EndpointIdentifier=name, EngineName=engine, **common, **settings)["Endpoint"]

    endpoint("mongo-open", "mongodb", MongoDbSettings={"AuthType": "no"})
    endpoint("mongo-auth", "mongodb", MongoDbSettings={"AuthType": "password", "AuthMechanism": "scram-sha-1"})
    endpoint("neptune-plain", "neptune", NeptuneSettings={"S3BucketName": "b", "S3BucketFolder": "f"})
    endpoint("neptune-iam", "neptune", NeptuneSettings={"S3BucketName": "b", "S3BucketFolder": "f", "IamAuthEnabled": True})
    endpoint("redis-plain", "redis", RedisSettings={"ServerName": "r", "Port": 6379, "SslSecurityProtocol": "plaintext"})
    source = endpoint("redis-tls", "redis", RedisSettings={"ServerName": "r", "Port": 6379,
                                                          "SslSecurityProtocol": "ssl-encryption"})  # fmt: skip
    instance = dms.describe_replication_instances()["ReplicationInstances"][0]["ReplicationInstanceArn"]
    for name, settings in (("task-quiet", _settings(False, "LOGGER_SEVERITY_DEFAULT")),
                           ("task-logged", _settings(True, "LOGGER_SEVERITY_DEFAULT"))):  # fmt: skip
        dms.create_replication_task(
            ReplicationTaskIdentifier=name, SourceEndpointArn=source["EndpointArn"],
            TargetEndpointArn=source["EndpointArn"], ReplicationInstanceArn=instance, MigrationType="full-load",
            TableMappings='{"rules": []}', ReplicationTaskSettings=settings,
        )  # fmt: skip


@pytest.mark.parametrize(
    "check, bad, good",
    [
        ("dms_instance_multi_az_enabled", "ri-single", "ri-multi"),
        ("dms_endpoint_mongodb_authentication_enabled", "mongo-open", "mongo-auth"),
        ("dms_endpoint_neptune_iam_authorization_enabled", "neptune-plain", "neptune-iam"),
        ("dms_endpoint_redis_in_transit_encryption_enabled", "redis-plain", "redis-tls"),
        ("dms_replication_task_source_logging_enabled", "task-quiet", "task-logged"),
        ("dms_replication_task_target_logging_enabled", "task-quiet", "task-logged"),
    ],
)
def test_new_checks_fail_bad_and_pass_good(dms_world, scan, check, bad, good):
    run = scan("dms", regions=[REGION])
    assert run.status(check, bad) == "FAIL"
    assert run.status(check, good) == "PASS"


@pytest.mark.parametrize(
    "check, denied",
    [
        ("dms_instance_multi_az_enabled", "dms:DescribeReplicationInstances"),
        ("dms_endpoint_mongodb_authentication_enabled", "dms:DescribeEndpoints"),
        ("dms_endpoint_neptune_iam_authorization_enabled", "dms:DescribeEndpoints"),
        ("dms_endpoint_redis_in_transit_encryption_enabled", "dms:DescribeEndpoints"),
        ("dms_replication_task_source_logging_enabled", "dms:DescribeReplicationTasks"),
        ("dms_replication_task_target_logging_enabled", "dms:DescribeReplicationTasks"),
    ],
)
def test_new_checks_judge_nothing_unlisted(dms_world, scan, check, denied):
    from postureflow.testing import DeniedAccess

    access = DeniedAccess(denied)
    run = scan("dms", regions=[REGION], access=access)
    assert run.of(check) == [] and access.hits
