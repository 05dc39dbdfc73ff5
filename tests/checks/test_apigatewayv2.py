from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import scan_denied, scan_in_moto

REGION = "eu-west-1"
LOG_GROUP = f"arn:aws:logs:{REGION}:123456789012:log-group:api-access"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        client = boto3.client("apigatewayv2", region_name=REGION)

        def api(name, protocol="HTTP", routes=(), stages=()):
            api_id = client.create_api(
                Name=name, ProtocolType=protocol, RouteSelectionExpression="$request.body.action"
            )["ApiId"]
            for key, auth in routes:
                client.create_route(ApiId=api_id, RouteKey=key, AuthorizationType=auth)
            for stage, logs in stages:
                extra = (
                    {"AccessLogSettings": {"DestinationArn": LOG_GROUP, "Format": "$context.requestId"}} if logs else {}
                )
                client.create_stage(ApiId=api_id, StageName=stage, **extra)
            return api_id

        api("open-http", routes=[("GET /items", "JWT"), ("POST /items", "NONE")], stages=[("dev", False)])
        api("closed-http", routes=[("GET /items", "AWS_IAM"), ("POST /items", "JWT")], stages=[("prod", True)])
        api("ws-open", "WEBSOCKET", routes=[("$connect", "NONE"), ("$default", "NONE")])
        api("ws-closed", "WEBSOCKET", routes=[("$connect", "AWS_IAM"), ("sendmessage", "NONE")])
        api("no-routes")
        access = AwsAccess.from_default_chain()
        lake = Lake(str(tmp_path_factory.mktemp("apigatewayv2-lake")))
        run = scan_in_moto(lake, ["apigatewayv2"], regions=[REGION], access=access)
        unread = scan_denied(
            str(tmp_path_factory.mktemp("apigwv2-denied")), ["apigatewayv2"], [REGION],
            "apigatewayv2:GetRoutes", "apigatewayv2:GetStages",
        )  # fmt: skip
    return SimpleNamespace(run=run, calls=access.call_log, unread=unread)


def test_access_logging(world):
    assert world.run.statuses("apigatewayv2_api_access_logging_enabled") == {
        "open-http/dev": "FAIL",
        "closed-http/prod": "PASS",
    }


def test_authorizers(world):
    assert world.run.statuses("apigatewayv2_api_authorizers_enabled") == {
        "open-http": "FAIL",
        "closed-http": "PASS",
        "ws-open": "FAIL",
        "ws-closed": "PASS",
    }


def test_no_errors(world):
    assert world.run.errors == [] and world.calls.repeated() == []


@pytest.mark.parametrize("check", ["apigatewayv2_api_access_logging_enabled", "apigatewayv2_api_authorizers_enabled"])
def test_unreadable_routes_or_stages_give_no_verdict(world, check):
    statuses = world.unread.statuses(check)
    assert statuses and set(statuses.values()) == {"MANUAL"}
