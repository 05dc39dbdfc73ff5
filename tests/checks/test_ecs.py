"""ECS checks against services, task sets and task definitions created in moto, scanned once."""

from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import scan_denied, scan_in_moto

REGION = "us-east-1"
LOGS = {"logDriver": "awslogs", "options": {"awslogs-group": "app", "awslogs-region": REGION}}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        ec2 = boto3.client("ec2", region_name=REGION)
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
        group = ec2.create_security_group(GroupName="tasks", Description="tasks", VpcId=vpc)["GroupId"]

        def network(public):
            return {
                "awsvpcConfiguration": {
                    "subnets": [subnet],
                    "securityGroups": [group],
                    "assignPublicIp": "ENABLED" if public else "DISABLED",
                }
            }

        ecs = boto3.client("ecs", region_name=REGION)
        ecs.register_task_definition(
            family="risky",
            networkMode="host",
            pidMode="host",
            containerDefinitions=[
                {
                    "name": "app",
                    "image": "app:1",
                    "memory": 256,
                    "environment": [
                        {"name": "DB_PASSWORD", "value": "tr0ub4dor-and-3"},
                        {"name": "LOG_LEVEL", "value": "debug"},
                    ],
                },
                {"name": "sidecar", "image": "sidecar:1", "memory": 64, "privileged": True, "logConfiguration": LOGS},
            ],
        )
        ecs.register_task_definition(
            family="careful",
            networkMode="host",
            containerDefinitions=[
                {
                    "name": "app",
                    "image": "app:1",
                    "memory": 256,
                    "user": "1000:1000",
                    "readonlyRootFilesystem": True,
                    "logConfiguration": LOGS,
                    "environment": [{"name": "LOG_LEVEL", "value": "info"}],
                    "secrets": [
                        {"name": "DB_PASSWORD", "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/db"}
                    ],
                }
            ],
        )
        ecs.register_task_definition(
            family="bridged",
            networkMode="bridge",
            containerDefinitions=[{"name": "app", "image": "app:1", "memory": 128, "logConfiguration": LOGS}],
        )

        ecs.create_cluster(clusterName="apps")
        for name, public in (("public-svc", True), ("private-svc", False)):
            ecs.create_service(
                cluster="apps",
                serviceName=name,
                taskDefinition="careful",
                desiredCount=0,
                launchType="FARGATE",
                networkConfiguration=network(public),
            )
        ecs.create_service(cluster="apps", serviceName="bridge-svc", taskDefinition="bridged", desiredCount=0)
        ecs.create_service(
            cluster="apps", serviceName="external-svc", desiredCount=0, deploymentController={"type": "EXTERNAL"}
        )
        task_sets = {
            public: ecs.create_task_set(
                cluster="apps", service="external-svc", taskDefinition="careful", networkConfiguration=network(public)
            )["taskSet"]["id"]
            for public in (True, False)
        }
        # more than one DescribeServices batch (10 per call)
        for n in range(11):
            ecs.create_service(cluster="apps", serviceName=f"filler-{n}", taskDefinition="bridged", desiredCount=0)

        access = AwsAccess.from_default_chain()
        lake = Lake(str(tmp_path_factory.mktemp("ecs-lake")))
        run = scan_in_moto(lake, ["ecs"], regions=[REGION, "eu-west-1"], access=access)
        denied = lambda *ops: scan_denied(str(tmp_path_factory.mktemp("denied")), ["ecs"], [REGION], *ops)
        unread = {
            "services": denied("ecs:DescribeServices"),
            "task_definitions": denied("ecs:DescribeTaskDefinition"),
            "listing": denied("ecs:ListClusters", "ecs:ListTaskDefinitions"),
        }
    return SimpleNamespace(run=run, calls=access.call_log, task_sets=task_sets, unread=unread)


def test_service_no_assign_public_ip(world):
    check = "ecs_service_no_assign_public_ip"
    assert world.run.status(check, "public-svc") == "FAIL"
    assert world.run.status(check, "private-svc") == "PASS"
    assert world.run.status(check, "bridge-svc") == "PASS"
    assert len(world.run.of(check)) == 15  # every service, across both DescribeServices batches


def test_task_set_no_assign_public_ip(world):
    check = "ecs_task_set_no_assign_public_ip"
    assert world.run.status(check, world.task_sets[True]) == "FAIL"
    assert world.run.status(check, world.task_sets[False]) == "PASS"


def test_task_definitions_no_privileged_containers(world):
    assert world.run.status("ecs_task_definitions_no_privileged_containers", "risky:1") == "FAIL"
    assert world.run.status("ecs_task_definitions_no_privileged_containers", "careful:1") == "PASS"


def test_task_definitions_containers_readonly_access(world):
    assert world.run.status("ecs_task_definitions_containers_readonly_access", "risky:1") == "FAIL"
    assert world.run.status("ecs_task_definitions_containers_readonly_access", "careful:1") == "PASS"


def test_task_definitions_host_namespace_not_shared(world):
    assert world.run.status("ecs_task_definitions_host_namespace_not_shared", "risky:1") == "FAIL"
    assert world.run.status("ecs_task_definitions_host_namespace_not_shared", "careful:1") == "PASS"


def test_task_definitions_host_networking_mode_users(world):
    check = "ecs_task_definitions_host_networking_mode_users"
    assert world.run.status(check, "risky:1") == "FAIL"  # host network, unprivileged "app" with no user
    assert world.run.status(check, "careful:1") == "PASS"  # host network, user 1000
    assert world.run.status(check, "bridged:1") == "PASS"  # no host network
    (finding,) = [f for f in world.run.of(check) if f["resource_id"] == "risky:1"]
    assert "app" in finding["status_extended"] and "sidecar" not in finding["status_extended"]


def test_task_definitions_logging_enabled(world):
    assert world.run.status("ecs_task_definitions_logging_enabled", "risky:1") == "FAIL"
    assert world.run.status("ecs_task_definitions_logging_enabled", "careful:1") == "PASS"


def test_task_definitions_no_environment_secrets(world):
    check = "ecs_task_definitions_no_environment_secrets"
    assert world.run.status(check, "risky:1") == "FAIL"
    assert world.run.status(check, "careful:1") == "PASS"  # the password comes from SSM via "secrets"
    (finding,) = [f for f in world.run.of(check) if f["resource_id"] == "risky:1"]
    assert "app/DB_PASSWORD" in finding["status_extended"]
    assert "tr0ub4dor" not in finding["status_extended"]


def test_each_call_made_once_and_no_scan_errors(world):
    assert world.calls.repeated() == []
    assert world.run.errors == []


@pytest.mark.parametrize(
    "check, refused",
    [
        ("ecs_service_no_assign_public_ip", "services"),
        ("ecs_task_definitions_no_privileged_containers", "task_definitions"),
        ("ecs_task_definitions_containers_readonly_access", "task_definitions"),
        ("ecs_task_definitions_host_namespace_not_shared", "task_definitions"),
        ("ecs_task_definitions_host_networking_mode_users", "task_definitions"),
        ("ecs_task_definitions_logging_enabled", "task_definitions"),
        ("ecs_task_definitions_no_environment_secrets", "task_definitions"),
    ],
)
def test_unreadable_descriptions_give_no_verdict(world, check, refused):
    statuses = world.unread[refused].statuses(check)
    assert statuses and set(statuses.values()) == {"MANUAL"}


def test_unlisted_resources_give_no_findings(world):
    run = world.unread["listing"]
    assert not [f for f in run.findings if f["status"] in ("PASS", "FAIL")]
    assert {"ecs:list_clusters", "ecs:list_task_definitions"} <= {e["api"] for e in run.errors}
