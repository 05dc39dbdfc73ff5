import boto3
from botocore.stub import Stubber

from postureflow.aws import AwsAccess

HUB = "arn:aws:securityhub:us-east-1:123456789012:hub/default"
FSBP = "arn:aws:securityhub:us-east-1::standards/aws-foundational-security-best-practices/v/1.0.0"


def test_enabled_per_region(scan):
    boto3.client("securityhub", region_name="us-east-1").enable_security_hub()
    run = scan("securityhub")
    # on, but moto cannot list its standards and integrations: no verdict (it used to PASS)
    assert run.status("securityhub_enabled", "securityhub-us-east-1") == "MANUAL"
    assert run.status("securityhub_enabled", "securityhub-eu-west-1") == "FAIL"
    # a region where the hub is off is a finding, not a scan error (moto lacks the standards listings,
    # which are the only errors here)
    assert {(e["region"], e["api"]) for e in run.errors} <= {
        ("us-east-1", "securityhub:get_enabled_standards"),
        ("us-east-1", "securityhub:list_enabled_products_for_import"),
        ("us-east-1", "securityhub:list_organization_admin_accounts"),
        ("us-east-1", "securityhub:describe_organization_configuration"),
    }


def _stub_hub(access, standards, products, admins=(), auto_enable=False):
    # moto has no GetEnabledStandards / ListEnabledProductsForImport: the us-east-1 client is stubbed.
    stub = Stubber(access.client("securityhub", "us-east-1"))
    stub.add_response("describe_hub", {"HubArn": HUB, "SubscribedAt": "2026-01-01T00:00:00Z"})
    stub.add_response(
        "get_enabled_standards",
        {
            "StandardsSubscriptions": [
                {
                    "StandardsSubscriptionArn": f"{HUB}/sub/{i}",
                    "StandardsArn": arn,
                    "StandardsInput": {},
                    "StandardsStatus": "READY",
                }
                for i, arn in enumerate(standards)
            ]
        },
    )
    stub.add_response("list_enabled_products_for_import", {"ProductSubscriptions": products})
    stub.add_response(
        "list_organization_admin_accounts", {"AdminAccounts": [{"AccountId": a, "Status": "ENABLED"} for a in admins]}
    )
    stub.add_response("describe_organization_configuration", {"AutoEnable": auto_enable})
    return stub


def test_enabled_without_standards_or_integrations_fails(scan):
    access = AwsAccess.from_default_chain()
    with _stub_hub(access, [], []):
        run = scan("securityhub", regions=["us-east-1"], access=access)
    assert run.status("securityhub_enabled", "securityhub-us-east-1") == "FAIL"
    assert "no standard or integration" in run.of("securityhub_enabled")[0]["status_extended"]
    assert run.errors == []


def test_enabled_with_a_standard_passes(scan):
    access = AwsAccess.from_default_chain()
    with _stub_hub(access, [FSBP], []):
        run = scan("securityhub", regions=["us-east-1"], access=access)
    assert run.status("securityhub_enabled", HUB) == "PASS"
    assert "1 standards" in run.of("securityhub_enabled")[0]["status_extended"]


def test_unreadable_hub_gives_no_verdict(scan):
    from postureflow.testing import DeniedAccess

    boto3.client("securityhub", region_name="us-east-1").enable_security_hub()
    run = scan("securityhub", access=DeniedAccess("securityhub:DescribeHub"))
    assert set(run.statuses("securityhub_enabled").values()) == {"MANUAL"}


def test_delegated_admin_enabled_all_regions(scan):
    check = "securityhub_delegated_admin_enabled_all_regions"
    loose = AwsAccess.from_default_chain()
    with _stub_hub(loose, [FSBP], [], admins=(), auto_enable=False):
        run = scan("securityhub", regions=["us-east-1"], access=loose)
    assert run.statuses(check) == {"securityhub-us-east-1": "FAIL"}
    assert "no delegated administrator" in run.of(check)[0]["status_extended"]
    tight = AwsAccess.from_default_chain()
    with _stub_hub(tight, [FSBP], [], admins=("210987654321",), auto_enable=True):
        run = scan("securityhub", regions=["us-east-1"], access=tight)
    assert run.statuses(check) == {"securityhub-us-east-1": "PASS"}


def test_delegated_admin_unreadable_gives_no_verdict_and_a_hub_off_fails(scan):
    from postureflow.testing import DeniedAccess

    check = "securityhub_delegated_admin_enabled_all_regions"
    boto3.client("securityhub", region_name="us-east-1").enable_security_hub()
    refused = DeniedAccess("securityhub:ListOrganizationAdminAccounts")
    run = scan("securityhub", regions=["us-east-1"], access=refused)
    assert refused.hits and run.statuses(check) == {"securityhub-us-east-1": "MANUAL"}
    run = scan("securityhub", regions=["eu-west-1"])  # the hub is off there (moto): known, so FAIL
    assert run.status(check, "securityhub-eu-west-1") == "FAIL"
