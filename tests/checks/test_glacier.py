"""S3 Glacier checks.

moto implements vaults but not GetVaultAccessPolicy (it answers 404 "not yet implemented"), so the
tests answer that call with a botocore before-call hook, from policies kept in ``POLICIES``.
"""

import json

import boto3
from botocore.awsrequest import AWSResponse

from postureflow.aws import AwsAccess
from postureflow.testing import DeniedAccess

ACCOUNT = "123456789012"
REGIONS = ["us-east-1", "eu-west-1"]


def _statement(principal, condition=None):
    statement = {"Effect": "Allow", "Principal": principal, "Action": "glacier:*", "Resource": "*"}
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


POLICIES = {
    "open-vault": _statement("*"),
    "shared-vault": _statement({"AWS": "arn:aws:iam::111122223333:root"}),
    "vpc-vault": _statement("*", {"StringEquals": {"aws:SourceVpce": "vpce-0123456789abcdef0"}}),
}


def _policy_access():
    access = AwsAccess.from_default_chain()

    def remember(params, context, **_):
        context["test_vault"] = params.get("vaultName")

    def answer(context, **_):
        policy = POLICIES.get(context.get("test_vault"))
        if policy is None:
            error = {"Code": "ResourceNotFoundException", "Message": "No vault access policy is set"}
            return AWSResponse("https://glacier", 404, {}, None), {"Error": error, "ResponseMetadata": {}}
        return AWSResponse("https://glacier", 200, {}, None), {"policy": {"Policy": json.dumps(policy)}}

    for region in REGIONS:
        events = access.client("glacier", region).meta.events
        events.register("before-parameter-build.glacier.GetVaultAccessPolicy", remember)
        events.register("before-call.glacier.GetVaultAccessPolicy", answer)
    return access


def test_vaults_policy_public_access(scan):
    boto3.client("glacier", region_name="us-east-1").create_vault(vaultName="open-vault")
    boto3.client("glacier", region_name="us-east-1").create_vault(vaultName="shared-vault")
    boto3.client("glacier", region_name="eu-west-1").create_vault(vaultName="vpc-vault")
    boto3.client("glacier", region_name="eu-west-1").create_vault(vaultName="private-vault")
    run = scan("glacier", access=_policy_access())
    assert run.statuses("glacier_vaults_policy_public_access") == {
        "open-vault": "FAIL",
        "shared-vault": "PASS",
        "vpc-vault": "PASS",
        "private-vault": "PASS",
    }
    regions = {f["resource_id"]: f["region"] for f in run.of("glacier_vaults_policy_public_access")}
    assert regions["vpc-vault"] == "eu-west-1"
    assert not run.errors


def test_vault_whose_policy_cannot_be_read_is_not_judged(scan):
    boto3.client("glacier", region_name="us-east-1").create_vault(vaultName="unread-vault")
    run = scan("glacier")  # moto's own answer: 404 "not yet implemented", recorded as a scan error
    assert run.statuses("glacier_vaults_policy_public_access") == {"unread-vault": "MANUAL"}
    assert "No verdict" in run.of("glacier_vaults_policy_public_access")[0]["status_extended"]
    assert [e["api"] for e in run.errors] == ["glacier:get_vault_access_policy"]


def test_vault_policy_denied_gives_no_verdict(scan):
    boto3.client("glacier", region_name="eu-west-1").create_vault(vaultName="denied-vault")
    access = DeniedAccess("glacier:GetVaultAccessPolicy", base=_policy_access())
    run = scan("glacier", access=access)
    assert run.statuses("glacier_vaults_policy_public_access") == {"denied-vault": "MANUAL"}
    assert access.hits
