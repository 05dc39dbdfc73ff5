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
    access.client("route53domains", "us-east-1").meta.events.register(
        "after-call.route-53-domains.ListDomains", _unlock
    )
    run = scan("route53", regions=["eu-west-1", "us-east-1"], access=access)
    assert run.statuses("route53_domains_transferlock_enabled") == {
        "locked-example.com": "PASS",
        "unlocked-example.com": "FAIL",
    }
    assert {f["region"] for f in run.of("route53_domains_transferlock_enabled")} == {"us-east-1"}
    assert run.errors == [] and access.call_log.repeated() == []
