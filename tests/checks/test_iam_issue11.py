"""Issue 11's IAM cases: each failed before (PASS where it should FAIL, or a verdict on unknown data)
and passes now.

Policies are created in moto and judged by a real scan. The credential-report cases build the
inventory records by hand (moto's report has no root row and cannot back-date keys) and run the
registered check through ``Check.evaluate``, as the engine does.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from postureflow.checks import all_checks
from postureflow.config import audit_config
from postureflow.inventory import Resource
from postureflow.testing import DeniedAccess

from .test_iam import ACCOUNT, _install_managed_policies, _iam

NOW = dt.datetime(2026, 11, 22, 12, tzinfo=dt.timezone.utc)


def _doc(*statements) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _allow(action, resource="*", **extra) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


# name -> (document, expected by check id)
ADMIN = "iam_customer_attached_policy_no_administrative_privileges"
ESCALATION = "iam_policy_allows_privilege_escalation"
ASSUME = "iam_no_custom_policy_permissive_role_assumption"
POLICIES = {
    "notaction-iam": (_doc({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}), {ADMIN: "FAIL"}),
    "star-notresource": (_doc({"Effect": "Allow", "Action": "*", "NotResource": f"arn:aws:s3:::vault/*"}),
                         {ADMIN: "FAIL"}),  # fmt: skip
    "narrow": (_doc(_allow(["s3:GetObject", "iam:GetRole"])), {ADMIN: "PASS", ESCALATION: "PASS", ASSUME: "PASS"}),
    "esc-attach-role-policy": (_doc(_allow("iam:AttachRolePolicy")), {ESCALATION: "FAIL", ADMIN: "PASS"}),
    "esc-put-role-policy": (_doc(_allow("iam:PutRolePolicy")), {ESCALATION: "FAIL"}),
    "esc-update-assume-role-policy": (_doc(_allow("iam:UpdateAssumeRolePolicy")), {ESCALATION: "FAIL"}),
    "esc-lambda-update-config": (_doc(_allow("lambda:UpdateFunctionConfiguration")), {ESCALATION: "FAIL"}),
    "esc-ssm-send-command": (_doc(_allow("ssm:SendCommand")), {ESCALATION: "FAIL"}),
    "esc-ssm-start-session": (_doc(_allow("ssm:StartSession")), {ESCALATION: "FAIL"}),
    "esc-cfn-update-stack": (_doc(_allow("cloudformation:UpdateStack")), {ESCALATION: "FAIL"}),
    "esc-codebuild-start-build": (_doc(_allow("codebuild:StartBuild")), {ESCALATION: "FAIL"}),
    "esc-passrole-apprunner": (_doc(_allow(["iam:PassRole", "apprunner:CreateService"])), {ESCALATION: "FAIL"}),
    "esc-passrole-autoscaling": (_doc(_allow(["iam:PassRole", "autoscaling:Create*"])), {ESCALATION: "FAIL"}),
    "esc-passrole-spot": (_doc(_allow(["iam:PassRole", "ec2:RequestSpotInstances"])), {ESCALATION: "FAIL"}),
    "esc-passrole-ecs-runtask": (_doc(_allow(["iam:PassRole", "ecs:RunTask"])), {ESCALATION: "FAIL"}),
    "esc-passrole-sagemaker": (_doc(_allow(["iam:PassRole", "sagemaker:CreateTrainingJob"])), {ESCALATION: "FAIL"}),
    "esc-passrole-glue": (_doc(_allow(["iam:PassRole", "glue:CreateJob", "glue:StartJobRun"])), {ESCALATION: "FAIL"}),
    "esc-ec2-modify-restart": (_doc(_allow(["ec2:ModifyInstanceAttribute", "ec2:StopInstances", "ec2:StartInstances"])),
                               {ESCALATION: "FAIL"}),  # fmt: skip
    "esc-denied": (_doc(_allow("iam:AttachRolePolicy"), {"Effect": "Deny", "Action": "iam:*", "Resource": "*"}),
                   {ESCALATION: "PASS"}),  # fmt: skip
    "assume-own-roles": (_doc(_allow("sts:AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/*")), {ASSUME: "FAIL"}),
    "assume-notresource": (_doc({"Effect": "Allow", "Action": "sts:AssumeRole",
                                 "NotResource": f"arn:aws:iam::{ACCOUNT}:role/admin"}), {ASSUME: "FAIL"}),  # fmt: skip
    "assume-one-role": (_doc(_allow("sts:AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/deployer")), {ASSUME: "PASS"}),
    "assume-path-prefix": (_doc(_allow("sts:AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/ci/*")), {ASSUME: "PASS"}),
}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws
    from moto.iam.models import iam_backends

    from postureflow.lake import Lake
    from postureflow.testing import scan_in_moto

    with mock_aws():
        _install_managed_policies(iam_backends[ACCOUNT]["aws"])
        iam = _iam()
        trust = _doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"})
        iam.create_role(RoleName="holder", AssumeRolePolicyDocument=trust)
        iam.attach_role_policy(RoleName="holder", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
        for name, (document, _) in POLICIES.items():
            arn = iam.create_policy(PolicyName=name, PolicyDocument=document)["Policy"]["Arn"]
            iam.attach_role_policy(RoleName="holder", PolicyArn=arn)
        run = scan_in_moto(Lake(str(tmp_path_factory.mktemp("ok"))), ["iam"], regions=["us-east-1"])
        denied = scan_in_moto(Lake(str(tmp_path_factory.mktemp("denied"))), ["iam"], regions=["us-east-1"],
                              access=DeniedAccess("iam:GetPolicyVersion"))  # fmt: skip
        return run, denied


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_policy_cases(world, name):
    run, _ = world
    for check_id, expected in POLICIES[name][1].items():
        assert run.status(check_id, name) == expected, (check_id, run.of(check_id))


def test_unreadable_aws_managed_policy_gives_no_verdict(world):
    run, denied = world
    check_id = "iam_aws_attached_policy_no_administrative_privileges"
    assert run.status(check_id, "AdministratorAccess") == "FAIL"
    assert denied.status(check_id, "AdministratorAccess") == "MANUAL"
    assert all(f["status_extended"].startswith("No verdict:") for f in denied.of(check_id))


# -- checks run on hand-built inventory (what moto cannot produce) -------------------------------------


def _run(check_id: str, kind: str, records: list[Resource], config=None) -> list:
    check = all_checks()[check_id]
    return list(check.evaluate({f"iam.{kind}": records}, NOW, config))


def _record(kind: str, rid: str, **data) -> Resource:
    return Resource(kind=kind, uid=f"arn:aws:iam::{ACCOUNT}:{'policy' if kind == 'policies' else 'user'}/{rid}",
                    id=rid, region="us-east-1", tags={}, data=data)  # fmt: skip


def _ago(days: float) -> str:
    return (NOW - dt.timedelta(days=days)).isoformat()


@pytest.mark.parametrize("check_id", [ADMIN, ESCALATION, ASSUME])
def test_unparseable_document_is_no_verdict(check_id):
    policy = _record("policies", "broken", aws_managed=False, attachment_count=1, document="{not json")
    [result] = _run(check_id, "policies", [policy])
    assert result.status == "MANUAL" and result.status_extended.startswith("No verdict:")


def test_unparseable_inline_policy_is_no_verdict():
    inline = _record("inline_policies", "user/x/p", name="p", entity_type="user", entity_name="x",
                     document={"Statement": "Allow everything"})  # fmt: skip
    for check_id in ("iam_inline_policy_no_administrative_privileges", "iam_inline_policy_allows_privilege_escalation"):
        [result] = _run(check_id, "inline_policies", [inline])
        assert result.status == "MANUAL", check_id


def _user(name, keys=(), **data) -> Resource:
    facts = {"in_credential_report": True, "password_enabled": False, "password_last_used": None,
             "password_last_changed": None, "mfa_active": False, "access_keys": list(keys)}  # fmt: skip
    return _record("users", name, **{**facts, **data})


def test_rotate_message_names_the_real_age():
    # 90.6 days is 90 whole days (Prowler counts whole days): not older than 90
    fresh = _user("fresh", [{"slot": 1, "active": True, "last_rotated": _ago(90.6), "last_used": _ago(1)}])
    stale = _user("stale", [{"slot": 1, "active": True, "last_rotated": _ago(91.2), "last_used": _ago(1)}])
    results = {r.resource.id: r for r in _run("iam_rotate_access_key_90_days", "users", [fresh, stale])}
    assert results["fresh"].status == "PASS"
    assert results["stale"].status == "FAIL"
    assert "91 days ago" in results["stale"].status_extended
    assert "(90 days)" not in results["stale"].status_extended


def test_unused_key_and_console_thresholds_are_separate_config_keys():
    user = _user("idle", [{"slot": 1, "active": True, "last_rotated": _ago(100), "last_used": _ago(60)}],
                 password_enabled=True, password_last_used=_ago(60), mfa_active=True)  # fmt: skip
    default = audit_config()
    assert _run("iam_user_accesskey_unused", "users", [user], default)[0].status == "FAIL"
    assert _run("iam_user_console_access_unused", "users", [user], default)[0].status == "FAIL"
    keys_90 = audit_config({"max_unused_access_keys_days": 90})
    assert _run("iam_user_accesskey_unused", "users", [user], keys_90)[0].status == "PASS"
    assert _run("iam_user_console_access_unused", "users", [user], keys_90)[0].status == "FAIL"  # its own key
    console_90 = audit_config({"max_console_access_days": 90})
    assert _run("iam_user_console_access_unused", "users", [user], console_90)[0].status == "PASS"
    checks = all_checks()
    assert checks["iam_user_accesskey_unused"].config_keys == ("max_unused_access_keys_days",)
    assert checks["iam_user_console_access_unused"].config_keys == ("max_console_access_days",)
    # the value is part of the check's version: a backfill knows what it judged with
    assert checks["iam_user_accesskey_unused"].version_for(keys_90) != checks["iam_user_accesskey_unused"].version_for(
        default)


def _root(**data) -> Resource:
    facts = {"in_credential_report": True, "password_enabled": None, "password_last_used": None,
             "password_last_changed": None, "mfa_active": False, "access_keys": [],
             "account_mfa_enabled": False, "account_access_keys_present": False, "virtual_mfa_serials": []}  # fmt: skip
    return Resource(kind="root", uid=f"arn:aws:iam::{ACCOUNT}:root", id="<root_account>", region="us-east-1",
                    tags={}, data={**facts, **data})  # fmt: skip


@pytest.mark.parametrize("check_id", ["iam_root_mfa_enabled", "iam_root_hardware_mfa_enabled"])
def test_root_without_credentials_reports_nothing(check_id):
    # Root credentials managed by the organization: no password, no keys, nothing for MFA to protect
    assert _run(check_id, "root", [_root(password_enabled=False)]) == []
    # A root that has its password ("not_supported" in the report: None) is judged
    assert _run(check_id, "root", [_root()])[0].status == "FAIL"
    with_key = _root(password_enabled=False, access_keys=[{"slot": 1, "active": True, "last_rotated": _ago(3),
                                                            "last_used": None}])  # fmt: skip
    assert _run(check_id, "root", [with_key])[0].status == "FAIL"


def test_root_mfa_unread_is_no_verdict():
    root = _root(mfa_active=None, account_mfa_enabled=None, in_credential_report=None,
                 _unread={"in_credential_report": "iam:GetCredentialReport AccessDenied",
                          "mfa_active": "iam:GetCredentialReport AccessDenied",
                          "account_mfa_enabled": "iam:GetAccountSummary AccessDenied"})  # fmt: skip
    [result] = _run("iam_root_mfa_enabled", "root", [root])
    assert result.status == "MANUAL"


def test_unreadable_account_data_gives_no_verdict(scan):
    """Password policy, SAML providers, group/role listings refused: those checks say so instead of judging."""
    _iam().create_role(RoleName="r", AssumeRolePolicyDocument=_doc({"Effect": "Allow", "Action": "sts:AssumeRole",
                                                                      "Principal": {"Service": "ec2.amazonaws.com"}}))
    ok = scan("iam", regions=["us-east-1"])
    assert ok.status("iam_password_policy_minimum_length_14", "account-password-policy") == "FAIL"
    assert ok.status("iam_support_role_created", "AWSSupportAccess") == "FAIL"
    denied = scan("iam", regions=["us-east-1"], access=DeniedAccess(
        "iam:GetAccountPasswordPolicy", "iam:ListSAMLProviders", "iam:GetAccountAuthorizationDetails"))
    for check_id in ("iam_password_policy_minimum_length_14", "iam_password_policy_reuse_24",
                     "iam_password_policy_symbol", "iam_check_saml_providers_sts", "iam_support_role_created",
                     "iam_policy_cloudshell_admin_not_attached"):  # fmt: skip
        findings = denied.of(check_id)
        assert findings and {f["status"] for f in findings} == {"MANUAL"}, (check_id, findings)
