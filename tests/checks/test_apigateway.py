from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import scan_denied, scan_in_moto

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
        client = boto3.client("apigateway", region_name=REGION)
        client.create_rest_api(name="vault", endpointConfiguration={"types": ["PRIVATE"]})
        locked = client.create_rest_api(name="locked")["id"]
        root = client.get_resources(restApiId=locked)["items"][0]["id"]
        client.put_method(restApiId=locked, resourceId=root, httpMethod="GET", authorizationType="AWS_IAM")
        client.put_method(restApiId=locked, resourceId=root, httpMethod="OPTIONS", authorizationType="NONE")  # CORS
        for name, policy in (("pq.example.com", "SecurityPolicy_TLS13_1_2_PQ_2025_09"), ("old.example.com", "TLS_1_0")):
            client.create_domain_name(
                domainName=name, regionalCertificateArn=f"arn:aws:acm:{REGION}:123456789012:certificate/x",
                endpointConfiguration={"types": ["REGIONAL"]}, securityPolicy=policy,
            )  # fmt: skip
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
        unread = scan_denied(str(tmp_path_factory.mktemp("apigw-denied")), ["apigateway"], [REGION], "apigateway:GetStages")
        no_methods = scan_denied(str(tmp_path_factory.mktemp("apigw-res")), ["apigateway"], [REGION], "apigateway:GetResources")
        no_domains = scan_denied(str(tmp_path_factory.mktemp("apigw-dom")), ["apigateway"], [REGION], "apigateway:GetDomainNames")
    return SimpleNamespace(run=run, calls=access.call_log, good=good, unread=unread, no_methods=no_methods,
                           no_domains=no_domains)  # fmt: skip


def _with_certificate(parsed, **_):
    """Also sets what moto's UpdateStage ignores: tracing, cache settings and stage variables."""
    for stage in parsed.get("item", []):
        if stage["stageName"] == "secure":
            stage["clientCertificateId"] = "cert-123"
            stage.update(tracingEnabled=True, cacheClusterEnabled=True, variables={"backend": "api.internal"})
            stage.setdefault("methodSettings", {}).setdefault("*/*", {})["cacheDataEncrypted"] = True
        elif stage["stageName"] == "live":
            stage.update(cacheClusterEnabled=True)
            stage.setdefault("methodSettings", {}).setdefault("*/*", {})["cacheDataEncrypted"] = False
        elif stage["stageName"] == "dev":
            stage.update(variables={"DB_PASSWORD": "Tr0ub4dor-and-3", "region": "us-east-1"})


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


STAGE_CHECKS = [
    ("apigateway_restapi_no_secrets_in_stage_variables", {"shop/dev": "FAIL", "bank/secure": "PASS", "mixed/live": "PASS"}),
    ("apigateway_restapi_cache_encrypted", {"bank/secure": "PASS", "mixed/live": "FAIL"}),
    ("apigateway_restapi_tracing_enabled", {"shop/dev": "FAIL", "bank/secure": "PASS", "mixed/live": "FAIL"}),
]


@pytest.mark.parametrize("check,expected", STAGE_CHECKS, ids=[row[0] for row in STAGE_CHECKS])
def test_stage_checks(world, check, expected):
    assert world.run.statuses(check) == expected


def test_secret_values_are_never_reported(world):
    finding = next(f for f in world.run.of("apigateway_restapi_no_secrets_in_stage_variables") if f["status"] == "FAIL")
    assert "DB_PASSWORD" in finding["status_extended"] and "Tr0ub4dor" not in finding["status_extended"]


def test_restapi_public(world):
    assert world.run.statuses("apigateway_restapi_public") == {
        "shop": "FAIL", "bank": "FAIL", "mixed": "FAIL", "vault": "PASS", "locked": "FAIL",
    }  # fmt: skip


@pytest.mark.parametrize("check", [row[0] for row in STAGE_CHECKS] + ["apigateway_restapi_logging_enabled"])
def test_unreadable_stages_give_no_verdict(world, check):
    statuses = world.unread.statuses(check)
    assert {"shop/*", "bank/*", "mixed/*"} <= set(statuses) and set(statuses.values()) == {"MANUAL"}


def test_restapi_authorizers_enabled(world):
    # shop, bank and mixed have GET / with authorization NONE; locked uses IAM (its CORS OPTIONS is open by
    # design); vault has no method and serves nothing
    expected = {"shop": "FAIL", "bank": "FAIL", "mixed": "FAIL", "locked": "PASS"}
    assert world.run.statuses("apigateway_restapi_authorizers_enabled") == expected


def test_restapi_public_with_authorizer(world):
    statuses = world.run.statuses("apigateway_restapi_public_with_authorizer")
    assert statuses["shop"] == "FAIL" and statuses["locked"] == "PASS" and "vault" not in statuses


@pytest.mark.parametrize("check", ["apigateway_restapi_authorizers_enabled", "apigateway_restapi_public_with_authorizer"])
def test_unreadable_methods_give_no_verdict(world, check):
    # vault (private) is judged by the first only: with its methods unread, even "no method" is unknown
    statuses = world.no_methods.statuses(check)
    assert {"shop", "locked"} <= set(statuses) and set(statuses.values()) == {"MANUAL"}


def test_domain_name_pqc_tls_enabled(world):
    check = "apigateway_domain_name_pqc_tls_enabled"
    assert world.run.statuses(check) == {"pq.example.com": "PASS", "old.example.com": "FAIL"}
    assert world.no_domains.of(check) == []
