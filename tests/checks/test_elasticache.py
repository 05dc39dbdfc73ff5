from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import scan_in_moto

REGIONS = ["us-east-1", "eu-west-1"]
NODE = "cache.t3.micro"


def _group(client, group_id, version, **settings):
    client.create_replication_group(
        ReplicationGroupId=group_id,
        ReplicationGroupDescription=group_id,
        Engine="redis",
        EngineVersion=version,
        CacheNodeType=NODE,
        NumCacheClusters=1,
        **settings,
    )
    # moto's DescribeCacheClusters does not list a replication group's members, so the member is created
    # explicitly; its EngineVersion is where the collector reads the group's version from.
    client.create_cache_cluster(
        CacheClusterId=f"{group_id}-001",
        ReplicationGroupId=group_id,
        Engine="redis",
        EngineVersion=version,
        CacheNodeType=NODE,
        NumCacheNodes=1,
    )


def _build():
    client = boto3.client("elasticache", region_name="us-east-1")
    _group(client, "rg-legacy", "5.0.6", AutoMinorVersionUpgrade=False, SnapshotRetentionLimit=0)
    _group(
        client,
        "rg-secure",
        "5.0.6",
        AutoMinorVersionUpgrade=True,
        SnapshotRetentionLimit=7,
        TransitEncryptionEnabled=True,
        AuthToken="a-long-enough-auth-token-123",
    )
    _group(client, "rg-short", "6.2", AutoMinorVersionUpgrade=True, SnapshotRetentionLimit=3)
    _group(client, "rg-modern", "7.1", AutoMinorVersionUpgrade=True, SnapshotRetentionLimit=14)
    client.create_cache_cluster(
        CacheClusterId="solo-redis",
        Engine="redis",
        CacheNodeType=NODE,
        NumCacheNodes=1,
        AutoMinorVersionUpgrade=False,
        SnapshotRetentionLimit=10,
    )
    client.create_cache_cluster(CacheClusterId="memcached-1", Engine="memcached", CacheNodeType=NODE, NumCacheNodes=1)
    eu = boto3.client("elasticache", region_name="eu-west-1")
    _group(eu, "rg-eu", "7.1", AutoMinorVersionUpgrade=True, SnapshotRetentionLimit=7)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        _build()
        access = AwsAccess.from_default_chain()
        lake = Lake(str(tmp_path_factory.mktemp("elasticache-lake")))
        run = scan_in_moto(lake, ["elasticache"], REGIONS, access=access)
    return SimpleNamespace(run=run, calls=access.call_log)


def test_collected_without_errors_or_repeats(world):
    assert world.run.errors == []
    assert world.calls.repeated() == []


def test_auto_minor_version_upgrades(world):
    check = "elasticache_redis_cluster_auto_minor_version_upgrades"
    assert world.run.status(check, "rg-legacy") == "FAIL"
    assert world.run.status(check, "rg-secure") == "PASS"
    assert world.run.status(check, "rg-eu") == "PASS"
    # A Redis cluster outside any replication group is judged on its own ...
    assert world.run.status(check, "solo-redis") == "FAIL"
    # ... while group members and Memcached clusters are not.
    judged = world.run.statuses(check)
    assert "rg-legacy-001" not in judged and "memcached-1" not in judged


def test_backup_enabled(world):
    check = "elasticache_redis_cluster_backup_enabled"
    assert world.run.status(check, "rg-legacy") == "FAIL"
    assert world.run.status(check, "rg-short") == "FAIL"  # 3 days is fewer than 7
    assert world.run.status(check, "rg-secure") == "PASS"
    assert world.run.status(check, "solo-redis") == "PASS"


def test_replication_group_auth(world):
    check = "elasticache_redis_replication_group_auth_enabled"
    assert world.run.status(check, "rg-legacy") == "FAIL"  # 5.0.6 without an AUTH token
    assert world.run.status(check, "rg-secure") == "PASS"  # 5.0.6 with one
    assert world.run.status(check, "rg-modern") == "MANUAL"  # 7.1: RBAC territory, nothing configured
    assert "solo-redis" not in world.run.statuses(check)


@pytest.mark.parametrize(
    "check",
    [
        "elasticache_redis_cluster_auto_minor_version_upgrades",
        "elasticache_redis_cluster_backup_enabled",
    ],
)
def test_unlisted_members_give_no_verdict(scan, check):
    from postureflow.testing import DeniedAccess

    _group(boto3.client("elasticache", region_name="us-east-1"), "rg-unknown", "7.1", AutoMinorVersionUpgrade=True)
    # the member clusters could not be listed: the group's version (and any standalone cluster) is unknown
    run = scan("elasticache", regions=["us-east-1"], access=DeniedAccess("elasticache:DescribeCacheClusters"))
    assert run.statuses(check) == {"rg-unknown": "MANUAL"}


def test_unlisted_groups_give_nothing(scan):
    from postureflow.testing import DeniedAccess

    _group(boto3.client("elasticache", region_name="us-east-1"), "rg-hidden", "7.1")
    run = scan("elasticache", regions=["us-east-1"], access=DeniedAccess("elasticache:DescribeReplicationGroups"))
    assert run.of("elasticache_redis_replication_group_auth_enabled") == []
    assert "elasticache:describe_replication_groups" in {e["api"] for e in run.errors}


def test_backup_retention_minimum_is_the_audit_config_key():
    import datetime as dt

    from postureflow.checks import all_checks
    from postureflow.config import audit_config
    from postureflow.inventory import Resource

    check = all_checks()["elasticache_redis_cluster_backup_enabled"]
    group = Resource("replication_groups", "arn:rg", "rg-5-days", "us-east-1", {},
                     {"engine": "redis", "snapshot_retention_days": 5})  # fmt: skip
    inventory = {"elasticache.replication_groups": [group]}
    now = dt.datetime(2026, 11, 22, tzinfo=dt.timezone.utc)
    assert [r.status for r in check.evaluate(inventory, now, audit_config())] == ["FAIL"]  # Prowler's 7 days
    relaxed = audit_config({"minimum_snapshot_retention_period": 3})
    assert [r.status for r in check.evaluate(inventory, now, relaxed)] == ["PASS"]
    assert check.version_for(relaxed) != check.version_for(audit_config())


# -- checks added for issue 12 --------------------------------------------------------------------------


@pytest.fixture
def cache_world(aws):
    client = boto3.client("elasticache", region_name="us-east-1")
    _group(client, "rg-bare", "7.1")
    _group(client, "rg-hardened", "7.1", AutomaticFailoverEnabled=True, MultiAZEnabled=True,
           TransitEncryptionEnabled=True, AtRestEncryptionEnabled=True)  # fmt: skip
    ec2 = boto3.client("ec2", region_name="us-east-1")
    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    private = ec2.create_subnet(VpcId=vpc, CidrBlock="10.40.1.0/24")["Subnet"]["SubnetId"]
    public = ec2.create_subnet(VpcId=vpc, CidrBlock="10.40.9.0/24")["Subnet"]["SubnetId"]
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    ec2.associate_route_table(RouteTableId=table, SubnetId=public)
    for name, subnet in (("public-net", public), ("private-net", private)):
        client.create_cache_subnet_group(CacheSubnetGroupName=name, CacheSubnetGroupDescription=name,
                                         SubnetIds=[subnet])  # fmt: skip
    for name, group in (("cc-public", "public-net"), ("cc-private", "private-net")):
        client.create_cache_cluster(CacheClusterId=name, Engine="memcached", CacheNodeType=NODE, NumCacheNodes=1,
                                    CacheSubnetGroupName=group)  # fmt: skip


@pytest.mark.parametrize(
    "check, bad, good",
    [
        ("elasticache_cluster_uses_public_subnet", "cc-public", "cc-private"),
        ("elasticache_redis_cluster_automatic_failover_enabled", "rg-bare", "rg-hardened"),
        ("elasticache_redis_cluster_multi_az_enabled", "rg-bare", "rg-hardened"),
        ("elasticache_redis_cluster_in_transit_encryption_enabled", "rg-bare", "rg-hardened"),
        ("elasticache_redis_cluster_rest_encryption_enabled", "rg-bare", "rg-hardened"),
    ],
)
def test_new_checks_fail_bad_and_pass_good(cache_world, scan, check, bad, good):
    run = scan("elasticache", regions=["us-east-1"])
    assert run.status(check, bad) == "FAIL"
    assert run.status(check, good) == "PASS"


@pytest.mark.parametrize(
    "check, denied, resource",
    [
        ("elasticache_cluster_uses_public_subnet", "elasticache:DescribeCacheSubnetGroups", "cc-private"),
        ("elasticache_cluster_uses_public_subnet", "ec2:DescribeSubnets", "cc-private"),
        ("elasticache_redis_cluster_automatic_failover_enabled", "elasticache:DescribeReplicationGroups", None),
        ("elasticache_redis_cluster_multi_az_enabled", "elasticache:DescribeReplicationGroups", None),
        ("elasticache_redis_cluster_in_transit_encryption_enabled", "elasticache:DescribeReplicationGroups", None),
        ("elasticache_redis_cluster_rest_encryption_enabled", "elasticache:DescribeReplicationGroups", None),
    ],
)
def test_new_checks_give_no_verdict_on_unread_data(cache_world, scan, check, denied, resource):
    from postureflow.testing import DeniedAccess

    access = DeniedAccess(denied)
    run = scan("elasticache", regions=["us-east-1"], access=access)
    if resource is None:
        assert run.of(check) == []
    else:
        assert run.status(check, resource) == "MANUAL"
    assert access.hits
