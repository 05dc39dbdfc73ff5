from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import scan_in_moto

REGIONS = ["us-east-1", "eu-west-1"]
ACCOUNT = "123456789012"


def _cluster(name, region="us-east-1"):
    return boto3.client("emr", region_name=region).run_job_flow(
        Name=name,
        ReleaseLabel="emr-6.15.0",
        Instances={
            "MasterInstanceType": "m5.xlarge",
            "SlaveInstanceType": "m5.xlarge",
            "InstanceCount": 2,
            "KeepJobFlowAliveWhenNoSteps": True,
        },
        JobFlowRole="EMR_EC2_DefaultRole",
        ServiceRole="EMR_DefaultRole",
    )["JobFlowId"]


def _amend_clusters(amend):
    """An on_client hook putting ``amend`` after every us-east-1 DescribeCluster call, on the clients the scan
    makes (they are released between services)."""

    def hook(client, service, region):
        if region == "us-east-1":
            client.meta.events.register("after-call.emr.DescribeCluster", amend)

    return hook


def _private_master(parsed, **_):
    """moto gives every master node a public DNS name; this hook amends its DescribeCluster answer so the
    cluster named "private" has the internal name AWS reports for a master node without a public IP."""
    cluster = parsed.get("Cluster") or {}
    if cluster.get("Name") == "private":
        cluster["MasterPublicDnsName"] = "ip-10-0-1-5.ec2.internal"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        boto3.client("emr", region_name="us-east-1").put_block_public_access_configuration(
            BlockPublicAccessConfiguration={
                "BlockPublicSecurityGroupRules": True,
                "PermittedPublicSecurityGroupRuleRanges": [{"MinRange": 22, "MaxRange": 22}],
            }
        )
        ids = {"public": _cluster("public"), "private": _cluster("private")}
        gone = _cluster("gone")
        boto3.client("emr", region_name="us-east-1").terminate_job_flows(JobFlowIds=[gone])
        access = AwsAccess.from_default_chain()
        access.on_client(_amend_clusters(_private_master))
        lake = Lake(str(tmp_path_factory.mktemp("emr-lake")))
        run = scan_in_moto(lake, ["emr"], regions=REGIONS, access=access)
    return SimpleNamespace(run=run, calls=access.call_log, ids=ids, gone=gone)


def test_block_public_access(world):
    check = "emr_cluster_account_public_block_enabled"
    on = f"arn:aws:elasticmapreduce:us-east-1:{ACCOUNT}:block-public-access-configuration"
    off = f"arn:aws:elasticmapreduce:eu-west-1:{ACCOUNT}:block-public-access-configuration"
    assert world.run.status(check, on) == "PASS"
    assert world.run.status(check, off) == "FAIL"


def test_master_nodes_no_public_ip(world):
    statuses = world.run.statuses("emr_cluster_master_nodes_no_public_ip")
    assert statuses == {world.ids["public"]: "FAIL", world.ids["private"]: "PASS"}
    assert world.gone not in statuses  # terminated clusters are not listed


def test_no_errors(world):
    # emr_cluster_publicly_accesible reads the EC2 security groups; moto lacks some EC2 APIs, whose errors are ec2's
    assert [e for e in world.run.errors if e["service"] == "emr"] == [] and world.calls.repeated() == []


def test_unreadable_data_gives_no_verdict(scan):
    from postureflow.testing import DeniedAccess

    cluster = _cluster("unknown")
    access = DeniedAccess("elasticmapreduce:DescribeCluster", "elasticmapreduce:GetBlockPublicAccessConfiguration")
    run = scan("emr", regions=["us-east-1"], access=access)
    assert run.statuses("emr_cluster_master_nodes_no_public_ip") == {cluster: "MANUAL"}
    assert set(run.statuses("emr_cluster_account_public_block_enabled").values()) == {"MANUAL"}
    assert access.hits


# -- checks added for issue 12 --------------------------------------------------------------------------


def _groups_hook(groups: dict):
    """moto's DescribeCluster reports no security groups: this hook names the master and core groups
    (cluster name -> (master group, core group))."""

    def amend(parsed, **_):
        cluster = parsed.get("Cluster") or {}
        if cluster.get("Name") in groups:
            master, core = groups[cluster["Name"]]
            cluster.setdefault("Ec2InstanceAttributes", {}).update(
                {"EmrManagedMasterSecurityGroup": master, "EmrManagedSlaveSecurityGroup": core}
            )

    return amend


@pytest.fixture
def emr_world(aws):
    ec2 = boto3.client("ec2", region_name="us-east-1")
    vpc = ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]

    def group(name, cidr):
        gid = ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 8443, "ToPort": 8443, "IpRanges": [{"CidrIp": cidr}]}])  # fmt: skip
        return gid

    open_group, office = group("emr-open", "0.0.0.0/0"), group("emr-office", "192.0.2.0/24")
    return {"exposed": (open_group, office), "fenced": (office, office)}, {
        "exposed": _cluster("exposed"), "fenced": _cluster("fenced")}


def test_publicly_accessible_fail_and_pass(emr_world, scan):
    groups, ids = emr_world
    access = AwsAccess.from_default_chain()
    access.on_client(_amend_clusters(_groups_hook(groups)))
    run = scan("emr", regions=["us-east-1"], access=access)
    assert run.status("emr_cluster_publicly_accesible", ids["exposed"]) == "FAIL"
    assert run.status("emr_cluster_publicly_accesible", ids["fenced"]) == "PASS"


def test_publicly_accessible_no_verdict_without_security_groups(emr_world, scan):
    from postureflow.testing import DeniedAccess

    groups, ids = emr_world
    access = DeniedAccess("ec2:DescribeSecurityGroups")
    access.on_client(_amend_clusters(_groups_hook(groups)))
    run = scan("emr", regions=["us-east-1"], access=access)
    assert run.status("emr_cluster_publicly_accesible", ids["fenced"]) == "MANUAL"
