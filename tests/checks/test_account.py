import boto3
from botocore.stub import Stubber

from postureflow.aws import AwsAccess

ACCOUNT = "123456789012"
CONTACT = {
    "FullName": "Jane Doe",
    "PhoneNumber": "+15555550100",
    "AddressLine1": "1 Main Street",
    "City": "Seattle",
    "CountryCode": "US",
    "PostalCode": "98101",
}


def _stub_account(access, contact, security=None, billing=None, operations=None):
    # moto has no GetContactInformation, so the account client is stubbed for every call.
    stub = Stubber(access.client("account", "us-east-1"))
    if contact is None:
        stub.add_client_error("get_contact_information", "ResourceNotFoundException", "No contact information.")
    else:
        stub.add_response("get_contact_information", {"ContactInformation": contact})
    if security is None:
        stub.add_client_error("get_alternate_contact", "ResourceNotFoundException", "No contact of that type.")
    else:
        stub.add_response("get_alternate_contact", {"AlternateContact": security})
    for other in (billing, operations):
        if other is None:
            stub.add_client_error("get_alternate_contact", "ResourceNotFoundException", "No contact of that type.")
        else:
            stub.add_response("get_alternate_contact", {"AlternateContact": other})
    return stub


def _alternate(kind, name, email, phone):
    return {"AlternateContactType": kind, "Name": name, "EmailAddress": email, "PhoneNumber": phone, "Title": kind}


DISTINCT = "account_maintain_different_contact_details_to_security_billing_and_operations"


def test_distinct_contacts_pass(scan):
    access = AwsAccess.from_default_chain()
    with _stub_account(access, CONTACT, _alternate("SECURITY", "Sec Team", "sec@example.com", "+15555550101"),
                       _alternate("BILLING", "Billing", "bill@example.com", "+15555550102"),
                       _alternate("OPERATIONS", "Ops", "ops@example.com", "+15555550103")):  # fmt: skip
        run = scan("account", access=access)
    assert run.status(DISTINCT, ACCOUNT) == "PASS"


def test_shared_or_missing_contacts_fail(scan):
    access = AwsAccess.from_default_chain()
    # billing and operations are the same person, whose phone is also the root contact's
    with _stub_account(access, CONTACT, _alternate("SECURITY", "Sec Team", "sec@example.com", "+15555550101"),
                       _alternate("BILLING", "Jane Doe", "jane@example.com", "+1 555 555 0100"),
                       _alternate("OPERATIONS", "Jane Doe", "jane@example.com", "+15555550100")):  # fmt: skip
        run = scan("account", access=access)
    finding = run.of(DISTINCT)[0]
    assert finding["status"] == "FAIL" and "name" in finding["status_extended"]
    assert "Jane" not in finding["status_extended"] and "jane@" not in finding["status_extended"]
    access = AwsAccess.from_default_chain()
    with _stub_account(access, CONTACT, _alternate("SECURITY", "Sec Team", "sec@example.com", "+15555550101")):
        run = scan("account", access=access)
    assert run.status(DISTINCT, ACCOUNT) == "FAIL"
    assert "billing, operations" in run.of(DISTINCT)[0]["status_extended"]


def test_unreadable_contacts_give_no_verdict(scan):
    from postureflow.testing import DeniedAccess

    refused = DeniedAccess("account:GetAlternateContact")
    run = scan("account", access=refused)
    assert refused.hits and run.status(DISTINCT, ACCOUNT) == "MANUAL"


def test_contact_details_complete_passes(scan):
    access = AwsAccess.from_default_chain()
    with _stub_account(access, CONTACT):
        run = scan("account", access=access)
    assert run.status("account_maintain_current_contact_details", ACCOUNT) == "PASS"
    assert run.of("account_maintain_current_contact_details")[0]["region"] == "us-east-1"


def test_contact_details_missing_fails(scan):
    access = AwsAccess.from_default_chain()
    with _stub_account(access, None):
        run = scan("account", access=access)
    assert run.status("account_maintain_current_contact_details", ACCOUNT) == "FAIL"
    assert run.errors == []


def test_contact_details_blank_fields_fail(scan):
    # the API requires every field, but a blank one (whitespace) is as good as missing
    access = AwsAccess.from_default_chain()
    with _stub_account(access, {**CONTACT, "PhoneNumber": " ", "PostalCode": " "}):
        run = scan("account", access=access)
    assert run.status("account_maintain_current_contact_details", ACCOUNT) == "FAIL"
    text = run.of("account_maintain_current_contact_details")[0]["status_extended"]
    assert "PhoneNumber" in text and "PostalCode" in text and "FullName" not in text


def test_security_contact(scan):
    run = scan("account")
    assert run.status("account_security_contact_information_is_registered", ACCOUNT) == "FAIL"
    # moto lacks GetContactInformation: that is a scan error and no verdict on the contact details
    assert run.status("account_maintain_current_contact_details", ACCOUNT) == "MANUAL"
    assert [e["api"] for e in run.errors] == ["account:get_contact_information"]
    boto3.client("account", region_name="us-east-1").put_alternate_contact(
        AlternateContactType="SECURITY",
        EmailAddress="security@example.com",
        Name="Security Team",
        PhoneNumber="+15555550101",
        Title="CISO",
    )
    assert scan("account").status("account_security_contact_information_is_registered", ACCOUNT) == "PASS"


def test_security_contact_without_phone_fails(scan):
    access = AwsAccess.from_default_chain()
    security = {
        "AlternateContactType": "SECURITY",
        "Name": "Sec",
        "EmailAddress": "sec@example.com",
        "PhoneNumber": " ",  # required by the API, so blank rather than absent
    }
    with _stub_account(access, CONTACT, security):
        run = scan("account", access=access)
    assert run.status("account_security_contact_information_is_registered", ACCOUNT) == "FAIL"


def test_security_questions_are_manual(scan):
    run = scan("account")
    finding = run.of("account_security_questions_are_registered_in_the_aws_account")
    assert [(f["resource_id"], f["status"]) for f in finding] == [(ACCOUNT, "MANUAL")]
    assert finding[0]["resource_uid"] == f"arn:aws:iam::{ACCOUNT}:root"
    assert "console" in finding[0]["status_extended"]
