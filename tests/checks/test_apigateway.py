from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import scan_in_moto

REGION = "us-east-1"
VISIBILITY = {"SampledRequestsEnabled": False, "CloudWatchMetricsEnabled": False, "MetricName": "m"}


def _api(name, stage, *patches):
    client = boto3.client("apigateway", region_name=REGION)
    api_id = client.create_rest_api(name=name)["id"]
    root = client.get_resources(restApiId=api_id)["items"][0]["id"]
    client.put_method(restApiId=api_id, resourceId=root, httpMethod="GET", authorizationType="NONE")
    client.put_integration(restApiId=api_id, resourceId=root, httpMethod="GET", type="MOCK")
    client.create_deployment(restApiId=api_id, stageName=stage)
    if patches:
        operations = [{"op": "replace", "path": path, "value": value} for path, value in patches]
        client.update_stage(restApiId=api_id, stageName=stage, patchOperations=operations)
    return api_id


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        _api("shop", "dev")
        good = _api("bank", "secure", ("/*/*/logging/loglevel", "INFO"))
        _api("mixed", "live", ("/*/*/logging/loglevel", "ERROR"), ("/~1items/GET/logging/loglevel", "OFF"))
        wafv2 = boto3.client("wafv2", region_name=REGION)
        acl = wafv2.create_web_acl(
            Name="api-acl", Scope="REGIONAL", DefaultAction={"Allow": {}}, VisibilityConfig=VISIBILITY
        )
        wafv2.associate_web_acl(
            WebACLArn=acl["Summary"]["ARN"], ResourceArn=f"arn:aws:apigateway:{REGION}::/restapis/{good}/stages/secure"
        )
        access = AwsAccess.from_default_chain()
        # moto ignores a patch of /clientCertificateId, so this hook amends its GetStages answer: the
        # stage named "secure" carries a client certificate, as it would after that patch in AWS.
        access.client("apigateway", REGION).meta.events.register("after-call.api-gateway.GetStages", _with_certificate)
        lake = Lake(str(tmp_path_factory.mktemp("apigateway-lake")))
        run = scan_in_moto(lake, ["apigateway"], regions=[REGION, "eu-west-1"], access=access)
    return SimpleNamespace(run=run, calls=access.call_log, good=good)


def _with_certificate(parsed, **_):
    for stage in parsed.get("item", []):
        if stage["stageName"] == "secure":
            stage["clientCertificateId"] = "cert-123"


def test_client_certificate(world):
    assert world.run.status("apigateway_restapi_client_certificate_enabled", "shop/dev") == "FAIL"
    assert world.run.status("apigateway_restapi_client_certificate_enabled", "bank/secure") == "PASS"


def test_logging(world):
    mixed = next(f for f in world.run.of("apigateway_restapi_logging_enabled") if f["resource_id"] == "mixed/live")
    assert "turns logging off for ~1items/GET" in mixed["status_extended"]
    assert world.run.statuses("apigateway_restapi_logging_enabled") == {
        "shop/dev": "FAIL",
        "bank/secure": "PASS",
        "mixed/live": "FAIL",
    }


def test_waf_acl_attached(world):
    assert world.run.status("apigateway_restapi_waf_acl_attached", "shop/dev") == "FAIL"
    assert world.run.status("apigateway_restapi_waf_acl_attached", "bank/secure") == "PASS"


def test_stage_uid_is_its_arn(world):
    arn = f"arn:aws:apigateway:{REGION}::/restapis/{world.good}/stages/secure"
    assert world.run.status("apigateway_restapi_logging_enabled", arn) == "PASS"
    assert world.run.errors == [] and world.calls.repeated() == []
