"""Shield Advanced checks: protected and unprotected resources of several services; no subscription; no verdict."""

from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import DeniedAccess, answer_in_moto, scan_in_moto

REGION = "us-east-1"
ACCOUNT = "123456789012"
SERVICES = ["shield", "ec2", "elb", "elbv2", "cloudfront", "route53"]


def _answer(access, active=True):
    """moto has neither shield:GetSubscriptionState nor globalaccelerator:ListAccelerators: answer_in_moto
    answers them (an ACTIVE or INACTIVE subscription; one protected and one unprotected accelerator)."""
    accelerators = {"Accelerators": [
        {"AcceleratorArn": f"arn:aws:globalaccelerator::{ACCOUNT}:accelerator/{name}", "Name": name, "Enabled": True}
        for name in ("guarded-ga", "bare-ga")]}  # fmt: skip
    answer_in_moto(access, REGION, {"shield:GetSubscriptionState": {"SubscriptionState": "ACTIVE" if active else "INACTIVE"}})
    return answer_in_moto(access, "us-west-2", {"globalaccelerator:ListAccelerators": accelerators})


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        ec2 = boto3.client("ec2", region_name=REGION)
        guarded_eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
        bare_eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
        vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
        subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.7.{i}.0/24", AvailabilityZone=f"{REGION}{z}")["Subnet"]["SubnetId"]
                   for i, z in enumerate("ab")]  # fmt: skip
        elbv2 = boto3.client("elbv2", region_name=REGION)
        albs = {name: elbv2.create_load_balancer(Name=name, Subnets=subnets, Scheme=scheme, Type="application")["LoadBalancers"][0]["LoadBalancerArn"]
                for name, scheme in (("guarded-alb", "internet-facing"), ("bare-alb", "internet-facing"), ("inner-alb", "internal"))}  # fmt: skip
        elb = boto3.client("elb", region_name=REGION)
        listener = [{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 80}]
        for name in ("guarded-clb", "bare-clb"):
            elb.create_load_balancer(LoadBalancerName=name, Listeners=listener, AvailabilityZones=[f"{REGION}a"])
        cloudfront = boto3.client("cloudfront", region_name=REGION)
        distributions = {}
        for name in ("guarded-cf", "bare-cf"):
            config = {"CallerReference": name, "Comment": name, "Enabled": True,
                      "Origins": {"Quantity": 1, "Items": [{"Id": "o", "DomainName": "example.com",
                                                            "CustomOriginConfig": {"HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only"}}]},
                      "DefaultCacheBehavior": {"TargetOriginId": "o", "ViewerProtocolPolicy": "https-only", "MinTTL": 0,
                                               "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}}}}  # fmt: skip
            distributions[name] = cloudfront.create_distribution(DistributionConfig=config)["Distribution"]
        route53 = boto3.client("route53", region_name=REGION)
        zones = {name: route53.create_hosted_zone(Name=f"{name}.example.com", CallerReference=name)["HostedZone"]["Id"].rsplit("/", 1)[-1]
                 for name in ("guarded-zone", "bare-zone")}  # fmt: skip
        shield = boto3.client("shield", region_name=REGION)
        shield.create_subscription()
        for arn in (f"arn:aws:ec2:{REGION}:{ACCOUNT}:eip-allocation/{guarded_eip}", albs["guarded-alb"],
                    f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/guarded-clb",
                    f"arn:aws:globalaccelerator::{ACCOUNT}:accelerator/guarded-ga", distributions["guarded-cf"]["ARN"],
                    f"arn:aws:route53:::hostedzone/{zones['guarded-zone']}"):  # fmt: skip
            shield.create_protection(Name=arn.rsplit("/", 1)[-1], ResourceArn=arn)

        def scan(access, name):
            return scan_in_moto(Lake(str(tmp_path_factory.mktemp(name))), SERVICES, [REGION], access=access)

        access = _answer(AwsAccess.from_default_chain())
        run = scan(access, "lake")
        inactive = scan(_answer(AwsAccess.from_default_chain(), active=False), "inactive")
        refused = _answer(DeniedAccess("shield:ListProtections"))
        unread = scan(refused, "denied")
        assert refused.hits
        # the subscription state unread while the protections list reads (empty): still no verdict
        state_refused = _answer(DeniedAccess("shield:GetSubscriptionState"))
        state_unread = scan(state_refused, "state-denied")
        assert state_refused.hits
    return SimpleNamespace(run=run, inactive=inactive, unread=unread, state_unread=state_unread, calls=access.call_log,
                           eips={"guarded": guarded_eip, "bare": bare_eip},
                           distributions={name: d["Id"] for name, d in distributions.items()}, zones=zones)  # fmt: skip


def test_elastic_ips(world):
    assert world.run.statuses("shield_advanced_protection_in_associated_elastic_ips") == {
        world.eips["guarded"]: "PASS", world.eips["bare"]: "FAIL"}  # fmt: skip


def test_classic_load_balancers(world):
    assert world.run.statuses("shield_advanced_protection_in_classic_load_balancers") == {
        "guarded-clb": "PASS", "bare-clb": "FAIL"}  # fmt: skip


def test_internet_facing_load_balancers(world):
    # the internal ALB is not judged
    assert world.run.statuses("shield_advanced_protection_in_internet_facing_load_balancers") == {
        "guarded-alb": "PASS", "bare-alb": "FAIL"}  # fmt: skip


def test_cloudfront_distributions(world):
    assert world.run.statuses("shield_advanced_protection_in_cloudfront_distributions") == {
        world.distributions["guarded-cf"]: "PASS", world.distributions["bare-cf"]: "FAIL"}  # fmt: skip


def test_route53_hosted_zones(world):
    statuses = world.run.statuses("shield_advanced_protection_in_route53_hosted_zones")
    assert {world.zones["guarded-zone"], world.zones["bare-zone"]} <= set(statuses) or statuses
    by_name = {name: statuses.get(zone_id) or statuses.get(f"{name}.example.com.") for name, zone_id in world.zones.items()}
    assert by_name == {"guarded-zone": "PASS", "bare-zone": "FAIL"}


def test_global_accelerators(world):
    assert world.run.statuses("shield_advanced_protection_in_global_accelerators") == {
        "guarded-ga": "PASS", "bare-ga": "FAIL"}  # fmt: skip


def test_without_a_subscription_nothing_is_judged(world):
    assert not [f for f in world.inactive.findings if f["service"] == "shield"]


@pytest.mark.parametrize("check", [
    "shield_advanced_protection_in_associated_elastic_ips", "shield_advanced_protection_in_classic_load_balancers",
    "shield_advanced_protection_in_internet_facing_load_balancers", "shield_advanced_protection_in_global_accelerators",
    "shield_advanced_protection_in_cloudfront_distributions", "shield_advanced_protection_in_route53_hosted_zones"])
def test_unreadable_protections_give_no_verdict(world, check):
    statuses = world.unread.statuses(check)
    assert statuses and set(statuses.values()) == {"MANUAL"}


@pytest.mark.parametrize("check", ["shield_advanced_protection_in_associated_elastic_ips",
                                   "shield_advanced_protection_in_cloudfront_distributions"])
def test_unreadable_subscription_state_gives_no_verdict(world, check):
    statuses = world.state_unread.statuses(check)
    assert statuses and set(statuses.values()) == {"MANUAL"}


def test_calls(world):
    assert not [e for e in world.run.errors if e["service"] == "shield"]
