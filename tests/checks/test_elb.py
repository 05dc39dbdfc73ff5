from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import scan_denied, scan_in_moto

REGION = "eu-west-1"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        elb = boto3.client("elb", region_name=REGION)
        certificate = boto3.client("acm", region_name=REGION).request_certificate(DomainName="example.com")[
            "CertificateArn"
        ]
        elb.create_load_balancer(
            LoadBalancerName="clb-bad",
            Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 8080}],
            AvailabilityZones=[f"{REGION}a"],
        )
        elb.create_load_balancer(
            LoadBalancerName="clb-good",
            Listeners=[
                {"Protocol": "HTTPS", "LoadBalancerPort": 443, "InstancePort": 8080, "SSLCertificateId": certificate},
                {"Protocol": "SSL", "LoadBalancerPort": 8443, "InstancePort": 8443, "SSLCertificateId": certificate},
            ],
            AvailabilityZones=[f"{REGION}a", f"{REGION}b"],
            Scheme="internal",
            Tags=[{"Key": "team", "Value": "web"}],
        )
        elb.modify_load_balancer_attributes(
            LoadBalancerName="clb-good",
            LoadBalancerAttributes={
                "CrossZoneLoadBalancing": {"Enabled": True},
                "AccessLog": {"Enabled": True, "S3BucketName": "lb-logs", "EmitInterval": 5},
                "ConnectionDraining": {"Enabled": True, "Timeout": 300},
                "AdditionalAttributes": [{"Key": "elb.http.desyncmitigationmode", "Value": "strictest"}],
            },
        )
        elb.modify_load_balancer_attributes(
            LoadBalancerName="clb-bad",
            LoadBalancerAttributes={"AdditionalAttributes": [{"Key": "elb.http.desyncmitigationmode", "Value": "monitor"}]},
        )
        # a custom-named policy following the TLS 1.2 predefined policy (Prowler looks for the predefined name)
        _ssl_policy(elb, "clb-good", "strict-tls", [("Reference-Security-Policy", "ELBSecurityPolicy-TLS-1-2-2017-01")])
        elb.set_load_balancer_policies_of_listener(LoadBalancerName="clb-good", LoadBalancerPort=443, PolicyNames=["strict-tls"])
        elb.set_load_balancer_policies_of_listener(LoadBalancerName="clb-good", LoadBalancerPort=8443, PolicyNames=["strict-tls"])
        elb.create_load_balancer(
            LoadBalancerName="clb-weak",
            Listeners=[{"Protocol": "HTTPS", "LoadBalancerPort": 443, "InstancePort": 8080, "SSLCertificateId": IAM_CERT},
                       {"Protocol": "SSL", "LoadBalancerPort": 8443, "InstancePort": 8443, "SSLCertificateId": certificate}],
            AvailabilityZones=[f"{REGION}a"],
        )  # fmt: skip
        _ssl_policy(elb, "clb-weak", "old-tls", [("Protocol-TLSv1", "true"), ("Protocol-TLSv1.2", "true"),
                                                 ("ECDHE-RSA-AES128-GCM-SHA256", "true"), ("DES-CBC3-SHA", "true")])  # fmt: skip
        elb.set_load_balancer_policies_of_listener(LoadBalancerName="clb-weak", LoadBalancerPort=443, PolicyNames=["old-tls"])
        access = AwsAccess.from_default_chain()
        lake = Lake(str(tmp_path_factory.mktemp("elb-lake")))
        run = scan_in_moto(lake, ["elb", "acm"], regions=["us-east-1", REGION], access=access)
        denied = {
            op: scan_denied(str(tmp_path_factory.mktemp("elb-denied")), ["elb", "acm"], [REGION], op)
            for op in ("elb:DescribeLoadBalancerAttributes", "elb:DescribeLoadBalancerPolicies", "acm:ListCertificates",
                       "elb:DescribeLoadBalancers")
        }  # fmt: skip
    return SimpleNamespace(run=run, calls=access.call_log, unread=denied["elb:DescribeLoadBalancerAttributes"], denied=denied)


IAM_CERT = "arn:aws:iam::123456789012:server-certificate/uploaded"


def _ssl_policy(elb, lb, name, attributes):
    elb.create_load_balancer_policy(
        LoadBalancerName=lb, PolicyName=name, PolicyTypeName="SSLNegotiationPolicyType",
        PolicyAttributes=[{"AttributeName": k, "AttributeValue": v} for k, v in attributes],
    )  # fmt: skip


@pytest.mark.parametrize(
    "check",
    ["elb_cross_zone_load_balancing_enabled", "elb_is_in_multiple_az", "elb_logging_enabled", "elb_ssl_listeners"],
)
def test_classic_load_balancer_checks(world, check):
    assert world.run.status(check, "clb-bad") == "FAIL"
    assert world.run.status(check, "clb-good") == "PASS"


def test_findings_carry_tags_and_arn(world):
    finding = next(f for f in world.run.of("elb_ssl_listeners") if f["resource_id"] == "clb-good")
    assert finding["resource_uid"] == f"arn:aws:elasticloadbalancing:{REGION}:123456789012:loadbalancer/clb-good"
    assert dict(finding["resource_tags"]) == {"team": "web"}


def test_no_scan_errors_or_repeated_calls(world):
    assert world.run.errors == []
    assert world.calls.repeated() == []


@pytest.mark.parametrize("check", ["elb_cross_zone_load_balancing_enabled", "elb_logging_enabled"])
def test_unreadable_attributes_give_no_verdict(world, check):
    assert world.unread.statuses(check) == {"clb-bad": "MANUAL", "clb-good": "MANUAL", "clb-weak": "MANUAL"}
    # the listing's own facts are still judged
    assert world.unread.statuses("elb_ssl_listeners") == {"clb-bad": "FAIL", "clb-good": "PASS", "clb-weak": "PASS"}


def test_connection_draining_enabled(world):
    check = "elb_connection_draining_enabled"
    assert world.run.statuses(check) == {"clb-bad": "FAIL", "clb-good": "PASS", "clb-weak": "FAIL"}
    assert set(world.unread.statuses(check).values()) == {"MANUAL"}


def test_desync_mitigation_mode(world):
    check = "elb_desync_mitigation_mode"
    statuses = world.run.statuses(check)
    assert statuses["clb-bad"] == "FAIL" and statuses["clb-good"] == "PASS"  # monitor / strictest
    assert set(world.unread.statuses(check).values()) == {"MANUAL"}


def test_insecure_ssl_ciphers(world):
    check = "elb_insecure_ssl_ciphers"
    # clb-bad has no HTTPS/SSL listener: nothing to judge
    assert world.run.statuses(check) == {"clb-good": "PASS", "clb-weak": "FAIL"}
    finding = next(f for f in world.run.of(check) if f["resource_id"] == "clb-weak")
    assert "Protocol-TLSv1," in finding["status_extended"] and "DES-CBC3-SHA" in finding["status_extended"]
    assert "SSL:8443 has no SSL negotiation policy" in finding["status_extended"]
    assert world.denied["elb:DescribeLoadBalancerPolicies"].statuses(check) == {"clb-good": "MANUAL", "clb-weak": "MANUAL"}


def test_internet_facing(world):
    check = "elb_internet_facing"
    assert world.run.statuses(check) == {"clb-bad": "FAIL", "clb-good": "PASS", "clb-weak": "FAIL"}
    assert world.denied["elb:DescribeLoadBalancers"].of(check) == []


def test_ssl_listeners_use_acm_certificate(world):
    check = "elb_ssl_listeners_use_acm_certificate"
    assert world.run.statuses(check) == {"clb-good": "PASS", "clb-weak": "FAIL"}  # clb-weak: an IAM certificate
    assert world.denied["acm:ListCertificates"].statuses(check) == {"clb-good": "MANUAL", "clb-weak": "MANUAL"}
