from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import scan_in_moto

REGIONS = ["us-east-1", "eu-west-1"]
REGION = "us-east-1"
TLS_GROUP = "pg-require-tls"


def _network():
    """A VPC whose subnet routes to an internet gateway, one security group open to the internet on 5439 and one
    that is not."""
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.20.1.0/24")["Subnet"]["SubnetId"]
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    open_sg = ec2.create_security_group(GroupName="rs-open", Description="open", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=open_sg,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 5439, "ToPort": 5439, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    closed_sg = ec2.create_security_group(GroupName="rs-closed", Description="closed", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=closed_sg,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 5439, "ToPort": 5439, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}],
    )
    redshift = boto3.client("redshift", region_name=REGION)
    redshift.create_cluster_subnet_group(ClusterSubnetGroupName="public-net", Description="x", SubnetIds=[subnet])
    return open_sg, closed_sg


def _cluster(name, region=REGION, **settings):
    boto3.client("redshift", region_name=region).create_cluster(
        ClusterIdentifier=name,
        NodeType="dc2.large",
        MasterUsername="awsuser",
        MasterUserPassword="Passw0rd-for-tests",
        **settings,
    )


def _build():
    open_sg, closed_sg = _network()
    redshift = boto3.client("redshift", region_name=REGION)
    redshift.create_cluster_parameter_group(
        ParameterGroupName=TLS_GROUP, ParameterGroupFamily="redshift-1.0", Description="TLS required"
    )
    public = dict(PubliclyAccessible=True, ClusterSubnetGroupName="public-net")
    _cluster("rs-exposed", VpcSecurityGroupIds=[open_sg], AllowVersionUpgrade=False, **public)
    redshift.modify_cluster(ClusterIdentifier="rs-exposed", AutomatedSnapshotRetentionPeriod=0)
    _cluster("rs-public-closed", VpcSecurityGroupIds=[closed_sg], **public)
    _cluster(
        "rs-private",
        Encrypted=True,
        AllowVersionUpgrade=True,
        AutomatedSnapshotRetentionPeriod=7,
        ClusterParameterGroupName=TLS_GROUP,
    )
    boto3.client("s3", region_name=REGION).create_bucket(Bucket="rs-audit-logs")
    redshift.enable_logging(ClusterIdentifier="rs-private", BucketName="rs-audit-logs", S3KeyPrefix="audit/")
    _cluster("rs-eu", region="eu-west-1")


def _require_ssl_hook(access):
    """moto cannot change a parameter group's values (no ModifyClusterParameterGroup), so this hook amends moto's
    DescribeClusterParameters answer: require_ssl is true in pg-require-tls."""

    def remember_group(params, context, **_):
        context["parameter_group"] = params.get("ParameterGroupName")

    def set_require_ssl(parsed, context, **_):
        if context.get("parameter_group") != TLS_GROUP:
            return
        for parameter in parsed.get("Parameters", []):
            if parameter["ParameterName"] == "require_ssl":
                parameter["ParameterValue"] = "true"

    def hook(client, service, region):  # on every redshift client the scan makes (released between services)
        if service == "redshift" and region in REGIONS:
            client.meta.events.register("before-parameter-build.redshift.DescribeClusterParameters", remember_group)
            client.meta.events.register("after-call.redshift.DescribeClusterParameters", set_require_ssl)

    access.on_client(hook)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        _build()
        access = AwsAccess.from_default_chain()
        _require_ssl_hook(access)
        run = scan_in_moto(Lake(str(tmp_path_factory.mktemp("redshift-lake"))), ["redshift"], REGIONS, access=access)
    return SimpleNamespace(run=run, calls=access.call_log)


def test_collected_without_errors_or_repeats(world):
    assert [e for e in world.run.errors if e["service"] == "redshift"] == []
    assert world.calls.repeated() == []
    assert "rs-eu" in world.run.statuses("redshift_cluster_encrypted_at_rest")
    # One DescribeClusterParameters per parameter group in use, not per cluster.
    assert world.calls.calls[("redshift", REGION, "DescribeClusterParameters")] == 2


def test_public_access(world):
    check = "redshift_cluster_public_access"
    assert world.run.status(check, "rs-exposed") == "FAIL"
    assert world.run.status(check, "rs-private") == "PASS"
    # Publicly accessible in a public subnet, but no security group admits the internet.
    assert world.run.status(check, "rs-public-closed") == "PASS"


@pytest.mark.parametrize(
    "check",
    [
        "redshift_cluster_encrypted_at_rest",
        "redshift_cluster_in_transit_encryption_enabled",
        "redshift_cluster_audit_logging",
        "redshift_cluster_automated_snapshot",
        "redshift_cluster_automatic_upgrades",
    ],
)
def test_fails_exposed_and_passes_private(world, check):
    assert world.run.status(check, "rs-exposed") == "FAIL"
    assert world.run.status(check, "rs-private") == "PASS"


@pytest.mark.parametrize(
    "check, denied",
    [
        ("redshift_cluster_in_transit_encryption_enabled", "redshift:DescribeClusterParameters"),
        ("redshift_cluster_audit_logging", "redshift:DescribeLoggingStatus"),
        ("redshift_cluster_public_access", "redshift:DescribeClusterSubnetGroups"),
        ("redshift_cluster_public_access", "ec2:DescribeSecurityGroups"),
    ],
)
def test_unreadable_data_gives_no_verdict(scan, check, denied):
    from postureflow.testing import DeniedAccess

    _build()
    access = DeniedAccess(denied)
    run = scan("redshift", regions=[REGION], access=access)
    assert run.status(check, "rs-exposed") == "MANUAL"
    assert access.hits


@pytest.mark.parametrize(
    "check",
    [
        "redshift_cluster_encrypted_at_rest",
        "redshift_cluster_automated_snapshot",
        "redshift_cluster_automatic_upgrades",
    ],
)
def test_unlisted_clusters_give_nothing(scan, check):
    from postureflow.testing import DeniedAccess

    _build()
    run = scan("redshift", regions=[REGION], access=DeniedAccess("redshift:DescribeClusters"))
    assert run.of(check) == []
    assert "redshift:describe_clusters" in {e["api"] for e in run.errors}


# -- checks added for issue 12 --------------------------------------------------------------------------


@pytest.fixture
def rs_world(aws):
    _cluster("rs-defaults")  # awsuser, database dev, no enhanced VPC routing, single AZ
    boto3.client("redshift", region_name=REGION).create_cluster(
        ClusterIdentifier="rs-tuned", NodeType="ra3.xlplus", MasterUsername="warehouse_admin",
        MasterUserPassword="Passw0rd-for-tests", DBName="sales", EnhancedVpcRouting=True, MultiAZ=True,
    )  # fmt: skip


def _multi_az_hook(access):
    """moto's DescribeClusters leaves MultiAZ out: this hook reports it Enabled for rs-tuned."""

    def amend(parsed, **_):
        for cluster in parsed.get("Clusters", []):
            cluster["MultiAZ"] = "Enabled" if cluster["ClusterIdentifier"] == "rs-tuned" else "Disabled"

    access.on_client(lambda client, service, region: region == REGION and client.meta.events.register(
        "after-call.redshift.DescribeClusters", amend))  # fmt: skip
    return access


@pytest.mark.parametrize(
    "check",
    [
        "redshift_cluster_enhanced_vpc_routing",
        "redshift_cluster_multi_az_enabled",
        "redshift_cluster_non_default_username",
        "redshift_cluster_non_default_database_name",
    ],
)
def test_new_checks_fail_defaults_and_pass_tuned(rs_world, scan, check):
    run = scan("redshift", regions=[REGION], access=_multi_az_hook(AwsAccess.from_default_chain()))
    assert run.status(check, "rs-defaults") == "FAIL"
    assert run.status(check, "rs-tuned") == "PASS"


@pytest.mark.parametrize(
    "check",
    [
        "redshift_cluster_enhanced_vpc_routing",
        "redshift_cluster_multi_az_enabled",
        "redshift_cluster_non_default_username",
        "redshift_cluster_non_default_database_name",
    ],
)
def test_new_checks_judge_nothing_unlisted(rs_world, scan, check):
    from postureflow.testing import DeniedAccess

    run = scan("redshift", regions=[REGION], access=DeniedAccess("redshift:DescribeClusters"))
    assert run.of(check) == []
    assert "redshift:describe_clusters" in {e["api"] for e in run.errors}
