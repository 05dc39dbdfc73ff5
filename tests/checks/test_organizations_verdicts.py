"""Organizations verdicts the other tests leave out: organization-wide settings that could not be read
(iam_root_credentials_management_enabled is an IAM check, but judges the organization record)."""

from __future__ import annotations

import json

import boto3
import pytest

from postureflow.testing import scan_denied

REGION_LIMIT = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Deny", "NotAction": "iam:*", "Resource": "*",
    "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1"]}},
}]}  # fmt: skip


@pytest.fixture
def organization(aws):
    org = boto3.client("organizations", region_name="us-east-1")
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    policy = org.create_policy(Content=json.dumps(REGION_LIMIT), Description="regions", Name="regions",
                               Type="SERVICE_CONTROL_POLICY")  # fmt: skip
    org.attach_policy(PolicyId=policy["Policy"]["PolicySummary"]["Id"], TargetId=root)


@pytest.mark.parametrize("check, refused", [
    ("organizations_scp_check_deny_regions", "organizations:DescribePolicy"),
    ("organizations_scp_check_deny_regions", "organizations:ListPolicies"),
    ("organizations_delegated_administrators", "organizations:ListDelegatedAdministrators"),
    ("iam_root_credentials_management_enabled", "iam:ListOrganizationsFeatures"),
])  # fmt: skip
def test_unread_organization_settings_get_no_verdict(organization, tmp_path, check, refused):
    run = scan_denied(str(tmp_path), ["organizations", "iam"], ["us-east-1"], refused)
    assert [f["status"] for f in run.of(check)] == ["MANUAL"]
