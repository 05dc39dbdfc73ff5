import boto3

from postureflow.aws import AwsAccess

CONTACT = {
    "FirstName": "Ada",
    "LastName": "Lovelace",
    "ContactType": "PERSON",
    "AddressLine1": "1 Main St",
    "City": "Seattle",
    "State": "WA",
    "CountryCode": "US",
    "ZipCode": "98101",
    "PhoneNumber": "+1.2065550100",
    "Email": "ada@example.com",
}


def _unlock(parsed, **_):
    """moto reports every domain as transfer-locked; this hook amends its ListDomains answer so the domain
    named unlocked-*.com reads as it would after DisableDomainTransferLock."""
    for domain in parsed.get("Domains", []):
        if domain["DomainName"].startswith("unlocked-"):
            domain["TransferLock"] = False


def test_domains_transferlock_enabled(scan):
    domains = boto3.client("route53domains", region_name="us-east-1")
    for name in ("locked-example.com", "unlocked-example.com"):
        domains.register_domain(
            DomainName=name, DurationInYears=2, AdminContact=CONTACT, RegistrantContact=CONTACT, TechContact=CONTACT
        )
    access = AwsAccess.from_default_chain()
    # on the session, so every client made during the scan has it (the engine drops its clients after
    # each service, and route53 is scanned after ec2, whose inventory its dangling-IP check reads)
    access.session().events.register("after-call.route-53-domains.ListDomains", _unlock)
    run = scan("route53", regions=["eu-west-1", "us-east-1"], access=access)
    assert run.statuses("route53_domains_transferlock_enabled") == {
        "locked-example.com": "PASS",
        "unlocked-example.com": "FAIL",
    }
    assert {f["region"] for f in run.of("route53_domains_transferlock_enabled")} == {"us-east-1"}
    assert [e for e in run.errors if e["service"] == "route53"] == [] and access.call_log.repeated() == []


def _domain(name, private):
    boto3.client("route53domains", region_name="us-east-1").register_domain(
        DomainName=name, DurationInYears=2, AdminContact=CONTACT, RegistrantContact=CONTACT, TechContact=CONTACT,
        PrivacyProtectAdminContact=private,
    )  # fmt: skip


def _zones():
    route53 = boto3.client("route53", region_name="us-east-1")
    logs = boto3.client("logs", region_name="us-east-1")
    logs.create_log_group(logGroupName="/aws/route53/logged.example.com")
    group = logs.describe_log_groups()["logGroups"][0]["arn"]  # moto wants the ARN with its ":*"
    ids = {}
    for name in ("logged.example.com", "silent.example.com"):
        ids[name] = route53.create_hosted_zone(Name=name, CallerReference=name)["HostedZone"]["Id"].rsplit("/", 1)[-1]
    route53.create_query_logging_config(HostedZoneId=ids["logged.example.com"], CloudWatchLogsLogGroupArn=group)
    ec2 = boto3.client("ec2", region_name="us-east-1")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ids["internal.example"] = route53.create_hosted_zone(
        Name="internal.example", CallerReference="internal", VPC={"VPCRegion": "us-east-1", "VPCId": vpc},
        HostedZoneConfig={"PrivateZone": True},
    )["HostedZone"]["Id"].rsplit("/", 1)[-1]  # fmt: skip
    return ids


def test_domains_privacy_protection_enabled(scan):
    _domain("private-example.com", True)
    _domain("public-example.com", False)
    run = scan("route53", regions=["us-east-1"])
    assert run.statuses("route53_domains_privacy_protection_enabled") == {
        "private-example.com": "PASS",
        "public-example.com": "FAIL",
    }


def test_public_hosted_zones_cloudwatch_logging_enabled(scan):
    ids = _zones()
    run = scan("route53", regions=["us-east-1"])
    assert run.statuses("route53_public_hosted_zones_cloudwatch_logging_enabled") == {
        ids["logged.example.com"]: "PASS",
        ids["silent.example.com"]: "FAIL",
    }  # the private zone is not judged


def test_unreadable_details_give_no_verdict(aws, tmp_path):
    from postureflow.testing import scan_denied

    _domain("private-example.com", True)
    ids = _zones()
    run = scan_denied(
        str(tmp_path), ["route53"], ["us-east-1"], "route53domains:GetDomainDetail", "route53:ListQueryLoggingConfigs"
    )
    assert run.statuses("route53_domains_privacy_protection_enabled") == {"private-example.com": "MANUAL"}
    # (moto's RegisterDomain also creates a public hosted zone for the domain)
    zones = run.statuses("route53_public_hosted_zones_cloudwatch_logging_enabled")
    assert zones[ids["logged.example.com"]] == zones[ids["silent.example.com"]] == "MANUAL"
    assert set(zones.values()) == {"MANUAL"} and ids["internal.example"] not in zones
