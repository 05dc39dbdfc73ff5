"""Transfer Family checks on servers created in moto: FAIL, PASS and no verdict."""

from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import scan_denied, scan_in_moto

REGION = "us-east-1"
CHECKS = [
    "transfer_server_in_transit_encryption_enabled",
    "transfer_server_fips_security_policy_enabled",
    "transfer_server_pqc_ssh_kex_enabled",
]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        transfer = boto3.client("transfer", region_name=REGION)
        loose = transfer.create_server(Protocols=["FTP", "SFTP"], SecurityPolicyName="TransferSecurityPolicy-2018-11",
                                       EndpointType="VPC")["ServerId"]  # fmt: skip
        tight = transfer.create_server(Protocols=["SFTP"], SecurityPolicyName="TransferSecurityPolicy-FIPS-2025-03")[
            "ServerId"
        ]
        access = AwsAccess.from_default_chain()
        run = scan_in_moto(Lake(str(tmp_path_factory.mktemp("lake"))), ["transfer"], [REGION], access=access)
        unread = scan_denied(str(tmp_path_factory.mktemp("denied")), ["transfer"], [REGION], "transfer:DescribeServer")
    return SimpleNamespace(run=run, calls=access.call_log, unread=unread, loose=loose, tight=tight)


@pytest.mark.parametrize("check", CHECKS)
def test_fail_and_pass(world, check):
    assert world.run.statuses(check) == {world.loose: "FAIL", world.tight: "PASS"}


@pytest.mark.parametrize("check", CHECKS)
def test_unreadable_server_gives_no_verdict(world, check):
    assert world.unread.statuses(check) == {world.loose: "MANUAL", world.tight: "MANUAL"}


def test_calls(world):
    assert world.run.errors == [] and world.calls.repeated() == []
