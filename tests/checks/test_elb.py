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
            Tags=[{"Key": "team", "Value": "web"}],
        )
        elb.modify_load_balancer_attributes(
            LoadBalancerName="clb-good",
            LoadBalancerAttributes={
                "CrossZoneLoadBalancing": {"Enabled": True},
                "AccessLog": {"Enabled": True, "S3BucketName": "lb-logs", "EmitInterval": 5},
            },
        )
        access = AwsAccess.from_default_chain()
        lake = Lake(str(tmp_path_factory.mktemp("elb-lake")))
        run = scan_in_moto(lake, ["elb"], regions=["us-east-1", REGION], access=access)
        unread = scan_denied(
            str(tmp_path_factory.mktemp("elb-denied")), ["elb"], [REGION], "elb:DescribeLoadBalancerAttributes"
        )
    return SimpleNamespace(run=run, calls=access.call_log, unread=unread)


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
    assert world.unread.statuses(check) == {"clb-bad": "MANUAL", "clb-good": "MANUAL"}
    # the listing's own facts are still judged
    assert world.unread.statuses("elb_ssl_listeners") == {"clb-bad": "FAIL", "clb-good": "PASS"}
