import json
from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import answer_in_moto, scan_denied, scan_in_moto

REGION = "us-east-1"
ACCOUNT = "123456789012"


def _answer(access, name, answer):
    """Answer one operation moto does not implement, without sending it (answer_in_moto)."""

    def reply(region, params):
        request = json.loads(params.get("body") or b"{}")  # a JSON-protocol request's parameters
        return answer(request) if callable(answer) else answer

    answer_in_moto(access, REGION, {name: reply})


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        ec2 = boto3.client("ec2", region_name=REGION)
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnets = [
            ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24", AvailabilityZone=f"{REGION}{az}")["Subnet"][
                "SubnetId"
            ]
            for i, az in enumerate("ab")
        ]
        elbv2 = boto3.client("elbv2", region_name=REGION)

        def lb(name, kind="application", subnet_ids=subnets, **attributes):
            # AWS's default scheme, which moto leaves unset unless told
            arn = elbv2.create_load_balancer(Name=name, Subnets=subnet_ids, Type=kind, Scheme="internet-facing")["LoadBalancers"][0][
                "LoadBalancerArn"
            ]
            if attributes:
                elbv2.modify_load_balancer_attributes(
                    LoadBalancerArn=arn, Attributes=[{"Key": k, "Value": v} for k, v in attributes.items()]
                )
            return arn

        bad = lb("alb-bad", **{"routing.http.desync_mitigation_mode": "monitor"})
        good = lb(
            "alb-good",
            **{
                "deletion_protection.enabled": "true",
                "routing.http.drop_invalid_header_fields.enabled": "true",
                "routing.http.desync_mitigation_mode": "defensive",
                "access_logs.s3.enabled": "true",
                "access_logs.s3.bucket": "lb-logs",
            },
        )
        lb(
            "alb-monitor-dropping",
            **{
                "routing.http.desync_mitigation_mode": "monitor",
                "routing.http.drop_invalid_header_fields.enabled": "true",
            },
        )
        lb("nlb-one-zone", kind="network", subnet_ids=subnets[:1])
        lb("gwlb", kind="gateway")

        group = elbv2.create_target_group(Name="web", Protocol="HTTP", Port=80, VpcId=vpc)["TargetGroups"][0]
        forward = [{"Type": "forward", "TargetGroupArn": group["TargetGroupArn"]}]
        redirect = [
            {"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}
        ]
        elbv2.create_listener(LoadBalancerArn=bad, Protocol="HTTP", Port=80, DefaultActions=forward)
        elbv2.create_listener(LoadBalancerArn=good, Protocol="HTTP", Port=80, DefaultActions=redirect)
        certificate = boto3.client("acm", region_name=REGION).request_certificate(DomainName="example.com")[
            "CertificateArn"
        ]
        elbv2.create_listener(
            LoadBalancerArn=good,
            Protocol="HTTPS",
            Port=443,
            DefaultActions=forward,
            Certificates=[{"CertificateArn": certificate}],
        )

        elbv2.create_listener(
            LoadBalancerArn=good, Protocol="HTTPS", Port=8443, DefaultActions=forward,
            Certificates=[{"CertificateArn": certificate}], SslPolicy="ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09",
        )  # fmt: skip
        open_sg = ec2.create_security_group(GroupName="alb-open", Description="open", VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=open_sg, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])  # fmt: skip
        closed_sg = ec2.create_security_group(GroupName="alb-closed", Description="closed", VpcId=vpc)["GroupId"]
        public = elbv2.create_load_balancer(Name="alb-public", Subnets=subnets, SecurityGroups=[open_sg], Scheme="internet-facing")
        public = public["LoadBalancers"][0]["LoadBalancerArn"]
        elbv2.create_listener(
            LoadBalancerArn=public, Protocol="HTTPS", Port=443, DefaultActions=forward,
            Certificates=[{"CertificateArn": certificate}], SslPolicy="ELBSecurityPolicy-2016-08",
        )  # fmt: skip
        elbv2.create_load_balancer(Name="alb-shielded", Subnets=subnets, SecurityGroups=[closed_sg], Scheme="internet-facing")
        elbv2.create_load_balancer(Name="alb-internal", Subnets=subnets, SecurityGroups=[open_sg], Scheme="internal")
        tls = lb("nlb-tls", kind="network", **{"load_balancing.cross_zone.enabled": "true"})
        tcp_group = elbv2.create_target_group(Name="tcp", Protocol="TCP", Port=443, VpcId=vpc)["TargetGroups"][0]
        elbv2.create_listener(
            LoadBalancerArn=tls, Protocol="TLS", Port=443, Certificates=[{"CertificateArn": certificate}],
            SslPolicy="ELBSecurityPolicy-TLS13-1-2-2021-06",
            DefaultActions=[{"Type": "forward", "TargetGroupArn": tcp_group["TargetGroupArn"]}],
        )  # fmt: skip

        wafv2 = boto3.client("wafv2", region_name=REGION)
        visibility = {"SampledRequestsEnabled": False, "CloudWatchMetricsEnabled": False, "MetricName": "m"}
        acl = wafv2.create_web_acl(
            Name="edge", Scope="REGIONAL", DefaultAction={"Allow": {}}, VisibilityConfig=visibility
        )
        wafv2.associate_web_acl(WebACLArn=acl["Summary"]["ARN"], ResourceArn=good)
        classic = lb("alb-classic-waf")

        access = AwsAccess.from_default_chain()
        _waf_answers(access, classic)
        run = scan_in_moto(Lake(str(tmp_path_factory.mktemp("elbv2-lake"))), ["elbv2"], regions=[REGION], access=access)
        unread = scan_denied(
            str(tmp_path_factory.mktemp("elbv2-denied")),
            ["elbv2"],
            [REGION],
            "elbv2:DescribeLoadBalancerAttributes",
            "elbv2:DescribeListeners",
        )
        no_groups = scan_denied(
            str(tmp_path_factory.mktemp("elbv2-no-groups")), ["elbv2"], [REGION], "ec2:DescribeSecurityGroups"
        )
        unlisted = scan_denied(str(tmp_path_factory.mktemp("elbv2-unlisted")), ["elbv2"], [REGION], "elbv2:DescribeLoadBalancers")
    return SimpleNamespace(run=run, calls=access.call_log, unread=unread, no_groups=no_groups, unlisted=unlisted)


def _waf_answers(access, classic_protected):
    from moto.wafv2.models import wafv2_backends

    # moto lacks wafv2 ListResourcesForWebACL: it is answered from moto's own record of associate_web_acl calls.
    def associated(params):
        acl = wafv2_backends[ACCOUNT][REGION].wacls[params["WebACLArn"]]
        return {"ResourceArns": list(acl.associated_resources)}

    _answer(access, "wafv2:ListResourcesForWebACL", associated)
    # moto has no WAF Classic at all: the regional listing is answered with one web ACL protecting one ALB,
    # and the global rule groups with none.
    _answer(access, "waf-regional:ListWebACLs", {"WebACLs": [{"WebACLId": "classic-1", "Name": "classic"}]})
    _answer(access, "waf-regional:ListResourcesForWebACL", {"ResourceArns": [classic_protected]})
    _answer(access, "waf:ListRuleGroups", {"RuleGroups": []})


def _status(world, check, name):
    return world.run.status(check, name)


def test_drop_invalid_header_fields(world):
    check = "elbv2_alb_drop_invalid_header_fields_enabled"
    assert _status(world, check, "alb-bad") == "FAIL"
    assert _status(world, check, "alb-good") == "PASS"
    assert "nlb-one-zone" not in world.run.statuses(check)


def test_deletion_protection(world):
    assert _status(world, "elbv2_deletion_protection", "alb-bad") == "FAIL"
    assert _status(world, "elbv2_deletion_protection", "alb-good") == "PASS"
    assert _status(world, "elbv2_deletion_protection", "nlb-one-zone") == "FAIL"


def test_desync_mitigation_mode(world):
    check = "elbv2_desync_mitigation_mode"
    assert _status(world, check, "alb-bad") == "FAIL"
    assert _status(world, check, "alb-good") == "PASS"
    assert _status(world, check, "alb-monitor-dropping") == "PASS"


def test_unknown_desync_mode_gives_no_verdict():
    # Issue 11: a mode the check does not know used to FAIL; dropping invalid headers still PASSes.
    from postureflow.checks import all_checks
    from postureflow.inventory import Resource

    def alb(name, mode, drops):
        data = {"type": "application", "desync_mitigation_mode": mode, "drop_invalid_header_fields": drops}
        return Resource("load_balancers", f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:loadbalancer/app/{name}/1",
                        name, REGION, {}, data)  # fmt: skip

    balancers = [alb("future", "some-new-mode", False), alb("unset", None, False), alb("future-drop", "x", True)]
    check = all_checks()["elbv2_desync_mitigation_mode"]
    results = {r.resource.id: r for r in check.evaluate({"elbv2.load_balancers": balancers}, None)}
    assert {name: r.status for name, r in results.items()} == {"future": "MANUAL", "unset": "MANUAL", "future-drop": "PASS"}
    assert results["future"].status_extended.startswith("No verdict:")


UNREAD_ATTRIBUTE_CHECKS = [
    "elbv2_alb_drop_invalid_header_fields_enabled",
    "elbv2_deletion_protection",
    "elbv2_desync_mitigation_mode",
    "elbv2_logging_enabled",
    "elbv2_ssl_listeners",
    "elbv2_cross_zone_load_balancing_enabled",
    "elbv2_insecure_ssl_ciphers",
    "elbv2_listener_fips_tls_enabled",
    "elbv2_listener_pqc_tls_enabled",
    "elbv2_listeners_underneath",
    "elbv2_nlb_tls_termination_enabled",
]


@pytest.mark.parametrize("check", UNREAD_ATTRIBUTE_CHECKS)
def test_unreadable_attributes_or_listeners_give_no_verdict(world, check):
    statuses = world.unread.statuses(check)
    assert statuses and set(statuses.values()) == {"MANUAL"}


def test_min_azs_comes_from_the_audit_config():
    from postureflow.checks import all_checks
    from postureflow.inventory import Resource

    lb = Resource("load_balancers", "arn:lb/two", "two", REGION, {}, {"availability_zones": ["a", "b"]})
    check = all_checks()["elbv2_is_in_multiple_az"]
    assert [r.status for r in check.evaluate({"elbv2.load_balancers": [lb]}, None)] == ["PASS"]
    assert [r.status for r in check.evaluate({"elbv2.load_balancers": [lb]}, None, {"elbv2_min_azs": 3})] == ["FAIL"]


def test_multiple_az(world):
    assert _status(world, "elbv2_is_in_multiple_az", "nlb-one-zone") == "FAIL"
    assert _status(world, "elbv2_is_in_multiple_az", "alb-good") == "PASS"


def test_logging(world):
    assert _status(world, "elbv2_logging_enabled", "alb-bad") == "FAIL"
    assert _status(world, "elbv2_logging_enabled", "alb-good") == "PASS"
    assert "gwlb" not in world.run.statuses("elbv2_logging_enabled")


def test_ssl_listeners(world):
    statuses = world.run.statuses("elbv2_ssl_listeners")
    assert statuses["alb-bad"] == "FAIL"
    assert statuses["alb-good"] == "PASS"
    assert "alb-monitor-dropping" not in statuses  # no listeners: nothing to judge


def test_waf_acl_attached(world):
    check = "elbv2_waf_acl_attached"
    assert _status(world, check, "alb-bad") == "FAIL"
    assert _status(world, check, "alb-good") == "PASS"
    assert _status(world, check, "alb-classic-waf") == "PASS"


def test_no_identical_calls(world):
    assert world.calls.repeated() == []


def test_cross_zone_load_balancing(world):
    statuses = world.run.statuses("elbv2_cross_zone_load_balancing_enabled")
    assert statuses["nlb-tls"] == "PASS" and statuses["nlb-one-zone"] == "FAIL"
    assert "alb-good" not in statuses  # ALBs always balance across zones


@pytest.mark.parametrize("check, expected", [
    ("elbv2_insecure_ssl_ciphers", {"alb-good": "FAIL", "nlb-tls": "PASS", "alb-public": "FAIL"}),
    ("elbv2_listener_fips_tls_enabled", {"alb-good": "FAIL", "nlb-tls": "FAIL", "alb-public": "FAIL"}),
    ("elbv2_listener_pqc_tls_enabled", {"alb-good": "FAIL", "nlb-tls": "FAIL", "alb-public": "FAIL"}),
])  # fmt: skip
def test_listener_tls_policies(world, check, expected):
    # alb-good: one HTTPS listener with moto's default policy (2016-08), one FIPS PQ; nlb-tls: TLS 1.3/1.2 policy;
    # alb-public: ELBSecurityPolicy-2016-08 (TLS 1.0). Load balancers without HTTPS/TLS listeners: not judged.
    statuses = world.run.statuses(check)
    assert {name: statuses[name] for name in expected} == expected
    assert "alb-bad" not in statuses and "nlb-one-zone" not in statuses


def test_tls_policies_pass_when_every_listener_complies():
    from postureflow.checks import all_checks
    from postureflow.inventory import Resource

    listeners = [{"protocol": "HTTPS", "port": 443, "ssl_policy": "ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09"}]
    lb = Resource("load_balancers", "arn:lb/fips", "fips", REGION, {}, {"type": "application", "listeners": listeners})
    for check in ("elbv2_listener_fips_tls_enabled", "elbv2_listener_pqc_tls_enabled", "elbv2_insecure_ssl_ciphers"):
        assert [r.status for r in all_checks()[check].evaluate({"elbv2.load_balancers": [lb]}, None)] == ["PASS"]


def test_internet_facing(world):
    statuses = world.run.statuses("elbv2_internet_facing")
    assert statuses["alb-public"] == "FAIL"  # 443 open to 0.0.0.0/0
    assert statuses["nlb-one-zone"] == "FAIL"  # internet-facing NLB without security groups
    assert statuses["alb-internal"] == "PASS" and statuses["alb-shielded"] == "PASS"
    assert world.no_groups.status("elbv2_internet_facing", "alb-public") == "MANUAL"


def test_listeners_underneath(world):
    statuses = world.run.statuses("elbv2_listeners_underneath")
    assert statuses["alb-good"] == "PASS" and statuses["nlb-one-zone"] == "FAIL"


def test_nlb_tls_termination(world):
    assert world.run.statuses("elbv2_nlb_tls_termination_enabled") == {"nlb-tls": "PASS", "nlb-one-zone": "FAIL"}


def test_unlisted_load_balancers_are_not_judged(world):
    assert world.unlisted.of("elbv2_internet_facing") == []
