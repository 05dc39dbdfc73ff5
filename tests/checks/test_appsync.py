"""AppSync checks on GraphQL APIs created in moto: FAIL, PASS and no verdict."""

from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import scan_denied, scan_in_moto

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/appsync-logs"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        appsync = boto3.client("appsync", region_name=REGION)
        appsync.create_graphql_api(name="keyed-api", authenticationType="API_KEY")
        appsync.create_graphql_api(name="iam-api", authenticationType="AWS_IAM",
                                   logConfig={"fieldLogLevel": "ERROR", "cloudWatchLogsRoleArn": ROLE})  # fmt: skip
        appsync.create_graphql_api(name="sidekey-api", authenticationType="AWS_IAM",
                                   additionalAuthenticationProviders=[{"authenticationType": "API_KEY"}],
                                   logConfig={"fieldLogLevel": "ALL", "cloudWatchLogsRoleArn": ROLE})  # fmt: skip
        access = AwsAccess.from_default_chain()
        run = scan_in_moto(Lake(str(tmp_path_factory.mktemp("lake"))), ["appsync"], [REGION], access=access)
        unlisted = scan_denied(str(tmp_path_factory.mktemp("denied")), ["appsync"], [REGION], "appsync:ListGraphqlApis")
    return SimpleNamespace(run=run, unlisted=unlisted, calls=access.call_log)


def test_field_level_logging(world):
    assert world.run.statuses("appsync_field_level_logging_enabled") == {
        "keyed-api": "FAIL", "iam-api": "PASS", "sidekey-api": "PASS"}  # fmt: skip


def test_no_api_key_authentication(world):
    # an additional API_KEY provider admits key holders as much as the default one does
    assert world.run.statuses("appsync_graphql_api_no_api_key_authentication") == {
        "keyed-api": "FAIL", "iam-api": "PASS", "sidekey-api": "FAIL"}  # fmt: skip


@pytest.mark.parametrize("check", ["appsync_field_level_logging_enabled", "appsync_graphql_api_no_api_key_authentication"])
def test_unlisted_apis_give_no_verdict(world, check):
    assert world.unlisted.of(check) == []
    assert "appsync:list_graphql_apis" in {e["api"] for e in world.unlisted.errors}


def test_calls(world):
    assert world.run.errors == [] and world.calls.repeated() == []
