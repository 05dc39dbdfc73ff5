"""CloudFront checks: three distributions in one moto account, scanned once.

moto stores a distribution's configuration but reports every distribution with the default certificate
and drops OriginAccessControlId, so a botocore hook puts back, in moto's GetDistributionConfig answer,
the ViewerCertificate and Origin Access Control ids the test created the distribution with.
"""

from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import scan_denied, scan_in_moto

ACCOUNT = "123456789012"
CACHE_POLICY = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CERT = f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/11111111-2222-3333-4444-555555555555"
SENT: dict[str, dict] = {}  # CallerReference -> what moto drops


def _custom(origin_id, policy="https-only", protocols=("TLSv1.2",)):
    return {
        "Id": origin_id,
        "DomainName": f"{origin_id}.example.com",
        "CustomOriginConfig": {
            "HTTPPort": 80,
            "HTTPSPort": 443,
            "OriginProtocolPolicy": policy,
            "OriginSslProtocols": {"Quantity": len(protocols), "Items": list(protocols)},
        },
    }


def _s3(origin_id, bucket, oac=None):
    origin = {"Id": origin_id, "DomainName": f"{bucket}.s3.us-east-1.amazonaws.com",
              "S3OriginConfig": {"OriginAccessIdentity": ""}}  # fmt: skip
    if oac:
        origin["OriginAccessControlId"] = oac
    return origin


def _distribution(name, origins, viewer="redirect-to-https", certificate=None, groups=(), **config):
    cfg = {
        "CallerReference": name,
        "Comment": name,
        "Enabled": True,
        "Origins": {"Quantity": len(origins), "Items": origins},
        "DefaultCacheBehavior": {
            "TargetOriginId": origins[0]["Id"],
            "ViewerProtocolPolicy": viewer,
            "CachePolicyId": CACHE_POLICY,
        },
        **config,
    }
    if groups:
        cfg["OriginGroups"] = {"Quantity": len(groups), "Items": list(groups)}
    certificate = certificate or {"CloudFrontDefaultCertificate": True}
    cfg["ViewerCertificate"] = certificate
    SENT[name] = {"ViewerCertificate": certificate, "oac": {o["Id"]: o.get("OriginAccessControlId") for o in origins}}
    cf = boto3.client("cloudfront", region_name="us-east-1")
    return cf.create_distribution(DistributionConfig=cfg)["Distribution"]["Id"]


def _group(group_id, *members):
    return {
        "Id": group_id,
        "FailoverCriteria": {"StatusCodes": {"Quantity": 1, "Items": [503]}},
        "Members": {"Quantity": len(members), "Items": [{"OriginId": m} for m in members]},
    }


def _certificate(method, minimum="TLSv1.2_2021"):
    return {"ACMCertificateArn": CERT, "SSLSupportMethod": method, "MinimumProtocolVersion": minimum}


def _build():
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="site-content")
    good = _distribution(
        "good",
        [_custom("app"), _custom("app-standby"), _s3("assets", "site-content", oac="E2QWRUHEXAMPLE")],
        certificate=_certificate("sni-only", minimum="TLSv1.3_2025"),
        groups=[_group("app-failover", "app", "app-standby")],
        DefaultRootObject="index.html",
        Logging={"Enabled": True, "IncludeCookies": False, "Bucket": "cf-logs.s3.amazonaws.com", "Prefix": "good/"},
        WebACLId=f"arn:aws:wafv2:us-east-1:{ACCOUNT}:global/webacl/edge/abc",
    )
    bad = _distribution(
        "bad",
        [_custom("legacy", policy="match-viewer", protocols=("TLSv1", "TLSv1.2")), _s3("old-assets", "deleted-bucket")],
        viewer="allow-all",
    )
    vip = _distribution(
        "vip",
        [_custom("plain", policy="http-only")],
        certificate=_certificate("vip"),
    )
    return {"good": good, "bad": bad, "vip": vip}


def _restore_access():
    access = AwsAccess.from_default_chain()

    def restore(parsed, **_):
        config = parsed.get("DistributionConfig") or {}
        sent = SENT.get(config.get("CallerReference"))
        if not sent:
            return
        config["ViewerCertificate"] = dict(sent["ViewerCertificate"])
        if config.get("CallerReference") == "good":  # moto drops both; AWS keeps what was sent
            config["DefaultCacheBehavior"]["FieldLevelEncryptionId"] = "C3KM2WVD605UAY"
            config["Restrictions"] = {"GeoRestriction": {"RestrictionType": "whitelist", "Quantity": 1, "Items": ["DE"]}}
        for origin in (config.get("Origins") or {}).get("Items") or []:
            origin["OriginAccessControlId"] = sent["oac"].get(origin["Id"]) or ""

    events = access.client("cloudfront", "us-east-1").meta.events
    events.register("after-call.cloudfront.GetDistributionConfig", restore)
    return access


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        ids = _build()
        access = _restore_access()
        lake = Lake(str(tmp_path_factory.mktemp("cloudfront-lake")))
        run = scan_in_moto(lake, ["cloudfront"], regions=["us-east-1", "eu-west-1"], access=access)
        unread = scan_denied(
            str(tmp_path_factory.mktemp("cloudfront-denied")), ["cloudfront"], ["us-east-1"], "cloudfront:GetDistributionConfig"
        )
        unlisted = scan_denied(
            str(tmp_path_factory.mktemp("cloudfront-unlisted")), ["cloudfront"], ["us-east-1"], "cloudfront:ListDistributions"
        )
    return SimpleNamespace(run=run, ids=ids, calls=access.call_log, unread=unread, unlisted=unlisted)


def _statuses(world, check):
    names = {v: k for k, v in world.ids.items()}
    return {names[rid]: status for rid, status in world.run.statuses(check).items()}


ALL_BUT_GOOD_FAIL = {"good": "PASS", "bad": "FAIL", "vip": "FAIL"}


@pytest.mark.parametrize(
    "check, expected",
    [
        ("cloudfront_distributions_custom_ssl_certificate", {"good": "PASS", "bad": "FAIL", "vip": "PASS"}),
        ("cloudfront_distributions_https_sni_enabled", {"good": "PASS", "vip": "FAIL"}),
        ("cloudfront_distributions_default_root_object", ALL_BUT_GOOD_FAIL),
        ("cloudfront_distributions_logging_enabled", ALL_BUT_GOOD_FAIL),
        ("cloudfront_distributions_multiple_origin_failover_configured", ALL_BUT_GOOD_FAIL),
        ("cloudfront_distributions_origin_traffic_encrypted", ALL_BUT_GOOD_FAIL),
        ("cloudfront_distributions_using_deprecated_ssl_protocols", {"good": "PASS", "bad": "FAIL", "vip": "PASS"}),
        ("cloudfront_distributions_s3_origin_access_control", {"good": "PASS", "bad": "FAIL"}),
        ("cloudfront_distributions_s3_origin_non_existent_bucket", {"good": "PASS", "bad": "FAIL"}),
        ("cloudfront_distributions_using_waf", ALL_BUT_GOOD_FAIL),
        ("cloudfront_distributions_https_enabled", {"good": "PASS", "bad": "FAIL", "vip": "PASS"}),
        ("cloudfront_distributions_field_level_encryption_enabled", ALL_BUT_GOOD_FAIL),
        ("cloudfront_distributions_geo_restrictions_enabled", ALL_BUT_GOOD_FAIL),
        # bad: default certificate (pinned to TLSv1); vip: TLSv1.2_2021
        ("cloudfront_distributions_pqc_tls_enabled", ALL_BUT_GOOD_FAIL),
    ],
)
def test_distribution_checks(world, check, expected):
    assert _statuses(world, check) == expected


def test_findings_name_the_offending_origins(world):
    by_check = {f["check_id"]: f for f in world.run.findings if f["resource_id"] == world.ids["bad"]}
    assert "deleted-bucket" in by_check["cloudfront_distributions_s3_origin_non_existent_bucket"]["status_extended"]
    assert "legacy: TLSv1" in by_check["cloudfront_distributions_using_deprecated_ssl_protocols"]["status_extended"]
    assert "old-assets" in by_check["cloudfront_distributions_s3_origin_access_control"]["status_extended"]
    assert {f["region"] for f in world.run.findings} == {"us-east-1"}


def test_collection_calls(world):
    assert world.calls.repeated() == []
    assert world.calls.calls[("s3", "us-east-1", "HeadBucket")] == 2
    assert not world.run.errors


@pytest.mark.parametrize(
    "check",
    [
        "cloudfront_distributions_default_root_object",
        "cloudfront_distributions_logging_enabled",
    ],
)
def test_unreadable_configuration_gives_no_verdict(world, check):
    names = {v: k for k, v in world.ids.items()}
    statuses = {names[rid]: status for rid, status in world.unread.statuses(check).items()}
    assert statuses == {"good": "MANUAL", "bad": "MANUAL", "vip": "MANUAL"}


def test_summary_facts_are_judged_without_the_configuration(world):
    # the listing's summary carries behaviours, certificate and restrictions (only logging and the
    # default root object need GetDistributionConfig)
    names = {v: k for k, v in world.ids.items()}
    statuses = {names[rid]: s for rid, s in world.unread.statuses("cloudfront_distributions_https_enabled").items()}
    assert statuses == {"good": "PASS", "bad": "FAIL", "vip": "PASS"}


def test_pqc_tls_unlisted_distributions_are_not_judged(world):
    # the certificate and minimum protocol version come with the listing itself: refused, nothing is judged
    assert world.unlisted.of("cloudfront_distributions_pqc_tls_enabled") == []
    assert {r.service: r.regions for r in world.unlisted.results}["cloudfront"]["us-east-1"] == "incomplete"
