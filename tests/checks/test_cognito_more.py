"""Cognito checks added for issue 12 (password policy, MFA, deletion protection, sign-up, recovery, threat
protection actions, WAF, app clients, identity pools), on moto.

moto lacks DescribeRiskConfiguration: answered in its place (answer_in_moto) with BLOCK everywhere for the
strict pool and notify-only for the others.
"""

from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import DeniedAccess, answer_in_moto, scan_in_moto

REGION = "eu-west-1"
STRICT_POLICY = {"MinimumLength": 16, "RequireUppercase": True, "RequireLowercase": True, "RequireNumbers": True,
                 "RequireSymbols": True, "TemporaryPasswordValidityDays": 3}  # fmt: skip
LAX_POLICY = {"MinimumLength": 8, "RequireUppercase": False, "RequireLowercase": False, "RequireNumbers": False,
              "RequireSymbols": False, "TemporaryPasswordValidityDays": 30}  # fmt: skip


def _risk(region, request):
    strict = STATE["strict_id"] in str(request.get("body"))
    action = "BLOCK" if strict else "NO_ACTION"
    takeover = {f"{level}Action": {"Notify": False, "EventAction": action if strict else "MFA_IF_CONFIGURED"}
                for level in ("Low", "Medium", "High")}  # fmt: skip
    return {"RiskConfiguration": {
        "CompromisedCredentialsRiskConfiguration": {"EventFilter": ["SIGN_IN", "SIGN_UP"], "Actions": {"EventAction": action}},
        "AccountTakeoverRiskConfiguration": {"Actions": takeover},
    }}  # fmt: skip


STATE = {}
ANSWERS = {"cognito-idp:DescribeRiskConfiguration": _risk}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        idp = boto3.client("cognito-idp", region_name=REGION)
        strict = idp.create_user_pool(
            PoolName="strict-pool", Policies={"PasswordPolicy": STRICT_POLICY}, MfaConfiguration="ON",
            DeletionProtection="ACTIVE", AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
            AccountRecoverySetting={"RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1},
                                                           {"Name": "verified_phone_number", "Priority": 2}]},
            UserPoolAddOns={"AdvancedSecurityMode": "ENFORCED"},
            SmsConfiguration={"SnsCallerArn": "arn:aws:iam::123456789012:role/sms"},
        )["UserPool"]  # fmt: skip
        STATE["strict_id"] = strict["Id"]
        lax = idp.create_user_pool(
            PoolName="lax-pool", Policies={"PasswordPolicy": LAX_POLICY}, MfaConfiguration="OFF",
            AccountRecoverySetting={"RecoveryMechanisms": [{"Name": "verified_phone_number", "Priority": 1}]},
            UserPoolAddOns={"AdvancedSecurityMode": "ENFORCED"},
        )["UserPool"]  # fmt: skip
        idp.create_user_pool(PoolName="bare-pool")
        idp.create_user_pool_client(UserPoolId=strict["Id"], ClientName="strict-client",
                                    PreventUserExistenceErrors="ENABLED", EnableTokenRevocation=True)  # fmt: skip
        idp.create_user_pool_client(UserPoolId=lax["Id"], ClientName="lax-client",
                                    PreventUserExistenceErrors="LEGACY", EnableTokenRevocation=False)  # fmt: skip
        waf = boto3.client("wafv2", region_name=REGION)
        acl = waf.create_web_acl(Name="pool-acl", Scope="REGIONAL", DefaultAction={"Allow": {}},
                                 VisibilityConfig={"SampledRequestsEnabled": False, "CloudWatchMetricsEnabled": False,
                                                   "MetricName": "acl"})["Summary"]  # fmt: skip
        waf.associate_web_acl(WebACLArn=acl["ARN"], ResourceArn=strict["Arn"])
        identity = boto3.client("cognito-identity", region_name=REGION)
        identity.create_identity_pool(IdentityPoolName="guest_pool", AllowUnauthenticatedIdentities=True)
        identity.create_identity_pool(IdentityPoolName="members_pool", AllowUnauthenticatedIdentities=False)

        access = answer_in_moto(AwsAccess.from_default_chain(), REGION, ANSWERS)
        run = scan_in_moto(Lake(str(tmp_path_factory.mktemp("lake"))), ["cognito"], [REGION], access=access)

        def denied(*ops):
            refusing = answer_in_moto(DeniedAccess(*ops), REGION, ANSWERS)
            result = scan_in_moto(Lake(str(tmp_path_factory.mktemp("denied"))), ["cognito"], [REGION], access=refusing)
            assert refusing.hits
            return result

        unread = {
            "pool": denied("cognito-idp:DescribeUserPool"),
            "risk": denied("cognito-idp:DescribeRiskConfiguration"),
            "waf": denied("wafv2:GetWebACLForResource"),
            "client": denied("cognito-idp:DescribeUserPoolClient"),
            "identity": denied("cognito-identity:DescribeIdentityPool"),
        }
    return SimpleNamespace(run=run, calls=access.call_log, unread=unread)


POOL_CHECKS = [
    "cognito_user_pool_password_policy_minimum_length_14",
    "cognito_user_pool_password_policy_lowercase",
    "cognito_user_pool_password_policy_uppercase",
    "cognito_user_pool_password_policy_number",
    "cognito_user_pool_password_policy_symbol",
    "cognito_user_pool_temporary_password_expiration",
    "cognito_user_pool_mfa_enabled",
    "cognito_user_pool_deletion_protection_enabled",
    "cognito_user_pool_self_registration_disabled",
    "cognito_user_pool_account_recovery_sms_not_preferred",
    "cognito_user_pool_blocks_compromised_credentials_sign_in_attempts",
    "cognito_user_pool_blocks_potential_malicious_sign_in_attempts",
    "cognito_user_pool_waf_acl_attached",
]
CLIENT_CHECKS = ["cognito_user_pool_client_prevent_user_existence_errors", "cognito_user_pool_client_token_revocation_enabled"]


@pytest.mark.parametrize("check", POOL_CHECKS)
def test_pool_checks(world, check):
    statuses = world.run.statuses(check)
    assert statuses["strict-pool"] == "PASS" and statuses["lax-pool"] == "FAIL"


def test_bare_pool_takes_cognito_defaults(world):
    # moto's defaults: a password policy of 8 characters with every class required, 7-day temporary passwords
    assert world.run.status("cognito_user_pool_account_recovery_sms_not_preferred", "bare-pool") == "FAIL"
    assert world.run.status("cognito_user_pool_blocks_compromised_credentials_sign_in_attempts", "bare-pool") == "FAIL"


@pytest.mark.parametrize("check", CLIENT_CHECKS)
def test_client_checks(world, check):
    assert world.run.statuses(check) == {"strict-client": "PASS", "lax-client": "FAIL"}


def test_identity_pool_guest_access(world):
    statuses = world.run.statuses("cognito_identity_pool_guest_access_disabled")
    assert statuses == {"guest_pool": "FAIL", "members_pool": "PASS"}


@pytest.mark.parametrize("check", POOL_CHECKS)
def test_unreadable_pool_gives_no_verdict(world, check):
    assert set(world.unread["pool"].statuses(check).values()) == {"MANUAL"}


@pytest.mark.parametrize(
    "check, refused",
    [
        ("cognito_user_pool_blocks_compromised_credentials_sign_in_attempts", "risk"),
        ("cognito_user_pool_blocks_potential_malicious_sign_in_attempts", "risk"),
        ("cognito_user_pool_waf_acl_attached", "waf"),
        ("cognito_user_pool_client_prevent_user_existence_errors", "client"),
        ("cognito_user_pool_client_token_revocation_enabled", "client"),
        ("cognito_identity_pool_guest_access_disabled", "identity"),
    ],
)
def test_unreadable_detail_gives_no_verdict(world, check, refused):
    statuses = world.unread[refused].statuses(check)
    if refused == "risk":  # only the pools enforcing threat protection are asked; bare-pool is known to FAIL
        assert statuses == {"strict-pool": "MANUAL", "lax-pool": "MANUAL", "bare-pool": "FAIL"}
    else:
        assert statuses and set(statuses.values()) == {"MANUAL"}


def test_calls(world):
    assert world.run.errors == [] and world.calls.repeated() == []
