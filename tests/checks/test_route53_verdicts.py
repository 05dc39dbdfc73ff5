"""Route 53 verdicts the other Route 53 tests leave out: a domain whose transfer lock could not be read."""

from __future__ import annotations

import boto3

from postureflow.lake import Lake
from postureflow.testing import DeniedAccess, scan_in_moto

CONTACT = {"FirstName": "Ada", "LastName": "Lovelace", "ContactType": "PERSON", "AddressLine1": "1 Main St",
           "City": "Seattle", "State": "WA", "CountryCode": "US", "ZipCode": "98101",
           "PhoneNumber": "+1.5555550100", "Email": "ada@example.com"}  # fmt: skip


def _listing_without_lock(client, service: str, region: str) -> None:
    """AWS's ListDomains may leave TransferLock out (the collector then reads the EPP status codes of
    GetDomainDetail); moto always sends it, so this hook removes it from moto's answer."""

    def drop(parsed, **_):
        for domain in parsed.get("Domains", []):
            domain.pop("TransferLock", None)

    client.meta.events.register("after-call.route-53-domains.ListDomains", drop)


def test_domain_whose_transfer_lock_could_not_be_read_gets_no_verdict(aws, tmp_path):
    boto3.client("route53domains", region_name="us-east-1").register_domain(
        DomainName="quiet-example.com", DurationInYears=2, AdminContact=CONTACT, RegistrantContact=CONTACT,
        TechContact=CONTACT,
    )  # fmt: skip
    access = DeniedAccess("route53domains:GetDomainDetail")
    access.on_client(_listing_without_lock)
    run = scan_in_moto(Lake(str(tmp_path)), ["route53"], regions=["us-east-1"], access=access)
    assert access.hits
    assert run.statuses("route53_domains_transferlock_enabled") == {"quiet-example.com": "MANUAL"}
