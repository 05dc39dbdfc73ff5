"""AWS Organizations checks against moto (the scanned account is the management account).

moto does not implement iam:ListOrganizationsFeatures, which the organizations collector
reads for IAM's root credentials management; a hook answers it as AWS does.
"""

from __future__ import annotations

import json

import boto3
import pytest

from postureflow.aws import AwsAccess

ACCOUNT = "123456789012"
REGIONS_SCP = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "DenyOutsideEU",
            "Effect": "Deny",
            "NotAction": ["iam:*", "organizations:*", "sts:*", "support:*", "cloudfront:*", "route53:*"],
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}},
        }
    ],
}
TAGGING_SCP = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Deny", "Action": "ec2:RunInstances", "Resource": "*",
                   "Condition": {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}}}],
}  # fmt: skip


def _access_on(access: AwsAccess) -> AwsAccess:
    """``access`` with the IAM answer moto lacks (see _access)."""
    from postureflow.testing import answer_in_moto

    return answer_in_moto(access, "us-east-1", {"iam:ListOrganizationsFeatures": {"EnabledFeatures": []}})


def _access(hooks: dict | None = None) -> AwsAccess:
    """AwsAccess whose IAM client answers ListOrganizationsFeatures (moto lacks it); ``hooks`` maps
    an Organizations operation to a function that replaces moto's parsed answer."""
    from botocore.awsrequest import AWSResponse

    access = AwsAccess.from_default_chain()
    ok = AWSResponse("https://iam.amazonaws.com/", 200, {}, None)
    features = {"OrganizationId": "o-any", "EnabledFeatures": ["RootCredentialsManagement"], "ResponseMetadata": {}}
    access.client("iam", "us-east-1").meta.events.register(
        "before-call.iam.ListOrganizationsFeatures", lambda **_: (ok, features)
    )
    events = access.client("organizations", "us-east-1").meta.events
    for operation, amend in (hooks or {}).items():
        events.register(f"before-call.organizations.{operation}", amend)
    return access


@pytest.fixture
def org(aws):
    client = boto3.client("organizations", region_name="us-east-1")
    org_id = client.create_organization(FeatureSet="ALL")["Organization"]["Id"]
    return client, org_id


def _policy(client, name, document):
    return client.create_policy(
        Name=name, Description=name, Type="SERVICE_CONTROL_POLICY", Content=json.dumps(document)
    )["Policy"]["PolicySummary"]["Id"]


def test_not_in_an_organization_judges_nothing_but_membership(scan):
    run = scan("organizations", access=_access())
    assert {f["check_id"] for f in run.findings} == {"organizations_account_part_of_organizations"}
    assert run.statuses("organizations_account_part_of_organizations") == {ACCOUNT: "FAIL"}
    assert run.errors == []


def test_account_part_of_organizations(org, scan):
    assert scan("organizations", access=_access()).statuses("organizations_account_part_of_organizations") == {
        ACCOUNT: "PASS"
    }
    from postureflow.testing import DeniedAccess

    refused = _access_on(DeniedAccess("organizations:DescribeOrganization"))
    run = scan("organizations", access=refused)
    assert refused.hits and run.statuses("organizations_account_part_of_organizations") == {ACCOUNT: "MANUAL"}


AI_OPT_OUT = {"services": {"default": {"opt_out_policy": {"@@assign": "optOut",
                                                          "@@operators_allowed_for_child_policies": ["@@none"]}}}}
AI_OVERRIDABLE = {"services": {"default": {"opt_out_policy": {"@@assign": "optOut"}}}}
TAGS = {"tags": {"costcenter": {"tag_key": {"@@assign": "CostCenter"}}}}


def _typed_policy(client, kind, name, document, attach_to=None):
    policy = client.create_policy(Name=name, Description=name, Type=kind, Content=json.dumps(document))
    policy_id = policy["Policy"]["PolicySummary"]["Id"]
    if attach_to:
        client.attach_policy(PolicyId=policy_id, TargetId=attach_to)
    return policy_id


def test_ai_opt_out_and_tag_policies(org, scan):
    client, org_id = org
    ai, tags = "organizations_opt_out_ai_services_policy", "organizations_tags_policies_enabled_and_attached"
    root = client.list_roots()["Roots"][0]["Id"]
    run = scan("organizations", access=_access())
    assert run.status(ai, org_id) == "FAIL" and run.status(tags, org_id) == "FAIL"  # none at all
    _typed_policy(client, "AISERVICES_OPT_OUT_POLICY", "overridable", AI_OVERRIDABLE, attach_to=root)
    _typed_policy(client, "AISERVICES_OPT_OUT_POLICY", "unattached", AI_OPT_OUT)
    _typed_policy(client, "TAG_POLICY", "tags-unattached", TAGS)
    run = scan("organizations", access=_access())
    assert run.status(ai, org_id) == "FAIL" and run.status(tags, org_id) == "FAIL"
    assert "not attached" in run.of(ai)[-1]["status_extended"]
    _typed_policy(client, "AISERVICES_OPT_OUT_POLICY", "strict", AI_OPT_OUT, attach_to=root)
    _typed_policy(client, "TAG_POLICY", "tags", TAGS, attach_to=root)
    run = scan("organizations", access=_access())
    assert run.status(ai, org_id) == "PASS" and run.status(tags, org_id) == "PASS"
    from postureflow.testing import DeniedAccess

    refused = _access_on(DeniedAccess("organizations:ListTargetsForPolicy"))
    run = scan("organizations", access=refused)
    assert refused.hits and run.status(ai, org_id) == "MANUAL" and run.status(tags, org_id) == "MANUAL"


def test_delegated_administrators(org, scan, monkeypatch):
    client, org_id = org
    assert scan("organizations", access=_access()).status("organizations_delegated_administrators", org_id) == "PASS"
    member = client.create_account(Email="security@example.com", AccountName="security")["CreateAccountStatus"][
        "AccountId"
    ]
    client.register_delegated_administrator(AccountId=member, ServicePrincipal="guardduty.amazonaws.com")
    run = scan("organizations", access=_access())
    assert run.status("organizations_delegated_administrators", org_id) == "FAIL"
    text = run.of("organizations_delegated_administrators")[0]["status_extended"]
    assert member in text and "guardduty.amazonaws.com" in text
    import postureflow.checks.organizations as checks

    monkeypatch.setattr(checks, "TRUSTED_DELEGATED_ADMINISTRATORS", frozenset({member}))
    run = scan("organizations", access=_access())
    assert run.status("organizations_delegated_administrators", org_id) == "PASS"
    assert run.errors == []


def test_scp_check_deny_regions(org, scan):
    client, org_id = org
    root = client.list_roots()["Roots"][0]["Id"]
    run = scan("organizations", access=_access())
    assert run.status("organizations_scp_check_deny_regions", org_id) == "FAIL"  # only FullAWSAccess
    narrow = _policy(client, "only-ec2-regions", TAGGING_SCP)  # limits one action, not the regions used
    client.attach_policy(PolicyId=narrow, TargetId=root)
    regions = _policy(client, "eu-only", REGIONS_SCP)
    run = scan("organizations", access=_access())
    assert run.status("organizations_scp_check_deny_regions", org_id) == "FAIL"
    assert "not attached" in run.of("organizations_scp_check_deny_regions")[0]["status_extended"]
    client.attach_policy(PolicyId=regions, TargetId=root)
    run = scan("organizations", access=_access())
    assert run.status("organizations_scp_check_deny_regions", org_id) == "PASS"
    assert "eu-central-1, eu-west-1" in run.of("organizations_scp_check_deny_regions")[0]["status_extended"]
    assert run.errors == []


def test_member_account_reads_nothing_and_records_no_error(org, scan):
    # Seen from a member account: DescribeOrganization names another management account and the
    # management-only listings answer AccessDenied (hooks stand in for both).
    from botocore.awsrequest import AWSResponse

    def other_management(**_):
        body = boto3.client("organizations", region_name="us-east-1").describe_organization()
        body["Organization"]["MasterAccountId"] = "999999999999"
        return AWSResponse("https://organizations.amazonaws.com/", 200, {}, None), body

    def denied(**_):
        error = {"Error": {"Code": "AccessDeniedException", "Message": "not the management account"}}
        return AWSResponse("https://organizations.amazonaws.com/", 400, {}, None), {**error, "ResponseMetadata": {}}

    access = _access({"DescribeOrganization": other_management, "ListPolicies": denied,
                      "ListDelegatedAdministrators": denied})  # fmt: skip
    run = scan("organizations", access=access)
    assert run.errors == []
    assert run.of("organizations_scp_check_deny_regions") == []
    assert run.of("organizations_delegated_administrators") == []
