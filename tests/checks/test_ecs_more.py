"""ECS checks added for issue 12 (Container Insights, Fargate platform version, non-blocking logging), on moto."""

from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import scan_denied, scan_in_moto

REGION = "us-east-1"
LOG = {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/app", "awslogs-region": REGION}}
NON_BLOCKING = {"logDriver": "awslogs", "options": {**LOG["options"], "mode": "non-blocking", "max-buffer-size": "25m"}}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        ecs = boto3.client("ecs", region_name=REGION)
        ecs.create_cluster(clusterName="watched", settings=[{"name": "containerInsights", "value": "enhanced"}])
        ecs.create_cluster(clusterName="dark")
        ecs.register_task_definition(family="blocking", containerDefinitions=[
            {"name": "app", "image": "app:1", "memory": 128, "logConfiguration": LOG},
            {"name": "quiet", "image": "quiet:1", "memory": 64},
        ])  # fmt: skip
        ecs.register_task_definition(family="flowing", containerDefinitions=[
            {"name": "app", "image": "app:1", "memory": 128, "logConfiguration": NON_BLOCKING},
        ])  # fmt: skip
        ecs.register_task_definition(family="silent", containerDefinitions=[{"name": "app", "image": "a:1", "memory": 64}])
        for name, version in (("old-svc", "1.3.0"), ("latest-svc", "LATEST"), ("pinned-svc", "1.4.0")):
            ecs.create_service(cluster="watched", serviceName=name, taskDefinition="flowing", desiredCount=0,
                               launchType="FARGATE", platformVersion=version)  # fmt: skip
        ecs.create_service(cluster="watched", serviceName="ec2-svc", taskDefinition="flowing", desiredCount=0,
                           launchType="EC2")  # fmt: skip
        access = AwsAccess.from_default_chain()
        run = scan_in_moto(Lake(str(tmp_path_factory.mktemp("lake"))), ["ecs"], [REGION], access=access)
        denied = lambda *ops: scan_denied(str(tmp_path_factory.mktemp("denied")), ["ecs"], [REGION], *ops)  # noqa: E731
        unread = {
            "clusters": denied("ecs:DescribeClusters"),
            "services": denied("ecs:DescribeServices"),
            "task_definitions": denied("ecs:DescribeTaskDefinition"),
        }
    return SimpleNamespace(run=run, calls=access.call_log, unread=unread)


def test_cluster_container_insights(world):
    assert world.run.statuses("ecs_cluster_container_insights_enabled") == {"watched": "PASS", "dark": "FAIL"}


def test_fargate_latest_platform_version(world):
    # default fargate_linux_latest_version 1.4.0; the EC2 service is not judged
    assert world.run.statuses("ecs_service_fargate_latest_platform_version") == {
        "old-svc": "FAIL", "latest-svc": "PASS", "pinned-svc": "PASS",
    }  # fmt: skip


def test_logging_block_mode(world):
    # "silent" logs nowhere: not judged here
    statuses = world.run.statuses("ecs_task_definitions_logging_block_mode")
    assert statuses == {"blocking:1": "FAIL", "flowing:1": "PASS"}


@pytest.mark.parametrize(
    "check, refused",
    [
        ("ecs_cluster_container_insights_enabled", "clusters"),
        ("ecs_service_fargate_latest_platform_version", "services"),
        ("ecs_task_definitions_logging_block_mode", "task_definitions"),
    ],
)
def test_unreadable_data_gives_no_verdict(world, check, refused):
    statuses = world.unread[refused].statuses(check)
    assert statuses and set(statuses.values()) == {"MANUAL"}


def test_calls(world):
    assert world.run.errors == [] and world.calls.repeated() == []
