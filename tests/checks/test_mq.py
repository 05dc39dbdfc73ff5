"""Amazon MQ checks on brokers created in moto: FAIL, PASS and no verdict for each."""

from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import scan_denied, scan_in_moto

REGION = "us-east-1"
USERS = [{"Username": "admin", "Password": "moto-only-password"}]


def _broker(mq, name, engine, mode, **extra):
    mq.create_broker(
        BrokerName=name, EngineType=engine, EngineVersion="5.17.6" if engine == "ACTIVEMQ" else "3.13",
        HostInstanceType="mq.m5.large", DeploymentMode=mode, Users=USERS, **extra,
    )  # fmt: skip


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        mq = boto3.client("mq", region_name=REGION)
        _broker(mq, "loose-amq", "ACTIVEMQ", "SINGLE_INSTANCE", PubliclyAccessible=True, AutoMinorVersionUpgrade=False,
                Logs={"General": True, "Audit": False})  # fmt: skip
        _broker(mq, "tight-amq", "ACTIVEMQ", "ACTIVE_STANDBY_MULTI_AZ", PubliclyAccessible=False,
                AutoMinorVersionUpgrade=True, Logs={"General": True, "Audit": True})  # fmt: skip
        _broker(mq, "loose-rabbit", "RABBITMQ", "SINGLE_INSTANCE", PubliclyAccessible=True,
                AutoMinorVersionUpgrade=False, Logs={"General": False})  # fmt: skip
        _broker(mq, "tight-rabbit", "RABBITMQ", "CLUSTER_MULTI_AZ", PubliclyAccessible=False,
                AutoMinorVersionUpgrade=True, Logs={"General": True})  # fmt: skip
        access = AwsAccess.from_default_chain()
        run = scan_in_moto(Lake(str(tmp_path_factory.mktemp("lake"))), ["mq"], [REGION], access=access)
        unread = scan_denied(str(tmp_path_factory.mktemp("denied")), ["mq"], [REGION], "mq:DescribeBroker")
    return SimpleNamespace(run=run, calls=access.call_log, unread=unread)


def test_active_deployment_mode(world):
    assert world.run.statuses("mq_broker_active_deployment_mode") == {"loose-amq": "FAIL", "tight-amq": "PASS"}


def test_cluster_deployment_mode(world):
    assert world.run.statuses("mq_broker_cluster_deployment_mode") == {"loose-rabbit": "FAIL", "tight-rabbit": "PASS"}


@pytest.mark.parametrize(
    "check",
    ["mq_broker_auto_minor_version_upgrades", "mq_broker_logging_enabled", "mq_broker_not_publicly_accessible"],
)
def test_every_broker(world, check):
    assert world.run.statuses(check) == {
        "loose-amq": "FAIL", "tight-amq": "PASS", "loose-rabbit": "FAIL", "tight-rabbit": "PASS",
    }  # fmt: skip


@pytest.mark.parametrize(
    "check",
    [
        "mq_broker_auto_minor_version_upgrades",
        "mq_broker_logging_enabled",
        "mq_broker_not_publicly_accessible",
    ],
)
def test_unreadable_broker_gives_no_verdict(world, check):
    statuses = world.unread.statuses(check)
    assert len(statuses) == 4 and set(statuses.values()) == {"MANUAL"}


@pytest.mark.parametrize("check", ["mq_broker_active_deployment_mode", "mq_broker_cluster_deployment_mode"])
def test_unreadable_deployment_gives_no_verdict(world, check):
    # the listing names each broker's engine, so only the brokers of the engine the check is about are judged
    statuses = world.unread.statuses(check)
    assert len(statuses) == 2 and set(statuses.values()) == {"MANUAL"}


def test_calls(world):
    assert world.run.errors == [] and world.calls.repeated() == []
