"""IAM (global): users merged with the credential report, the root account, groups,
roles, managed policies, the password policy, server certificates and SAML providers.

API calls per run (each once, except the credential report poll):
  iam:GenerateCredentialReport, iam:GetCredentialReport (repeated only while AWS
  answers ReportInProgress), iam:GetAccountAuthorizationDetails (paginated, once
  per entity filter: User, Group, Role, LocalManagedPolicy), iam:ListPolicies
  (Scope=AWS, OnlyAttached) + iam:GetPolicyVersion per attached AWS-managed policy,
  iam:GetAccountSummary, iam:ListVirtualMFADevices, iam:GetAccountPasswordPolicy,
  iam:ListServerCertificates, iam:ListSAMLProviders.

Nothing secret is stored: no key material, no MFA seeds, no certificate bodies.
"""

from __future__ import annotations

import csv
import io
import json
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.exceptions import ClientError

from postureflow.collect.base import RECORDED_ERROR_CODES, RegionScope, ScanError, collector

ROOT_ROW = "<root_account>"
POLICY_THREADS = 8
# How long to wait for AWS to finish building the credential report.
REPORT_POLL_SECONDS = (1, 2, 2, 3, 3, 5, 5, 5, 10, 10, 10, 15)
# No report to read (generation was refused or failed): recorded, not raised.
REPORT_MISSING = ("ReportNotPresent", "ReportExpired")

# Credential report values that mean "no date".
_NO_DATE = {"", "N/A", "no_information", "not_supported"}


@collector("iam", scope="global")
def collect_iam(scope: RegionScope) -> None:
    iam = scope.client("iam")
    partition = scope.partition
    account = scope.account_id

    # Ask for the report first: AWS builds it while we read everything else. If we may not
    # generate one, a recent report may still be readable.
    scope.call(iam, "generate_credential_report", absent=("LimitExceeded", "ServiceFailure"))

    users, users_ok = _complete(
        scope, scope.paginate(iam, "get_account_authorization_details", "UserDetailList", Filter=["User"])
    )
    groups, groups_ok = _complete(
        scope, scope.paginate(iam, "get_account_authorization_details", "GroupDetailList", Filter=["Group"])
    )
    roles, roles_ok = _complete(
        scope, scope.paginate(iam, "get_account_authorization_details", "RoleDetailList", Filter=["Role"])
    )
    local_policies = list(
        scope.paginate(iam, "get_account_authorization_details", "Policies", Filter=["LocalManagedPolicy"])
    )
    aws_policies = list(scope.paginate(iam, "list_policies", "Policies", Scope="AWS", OnlyAttached=True))

    summary = (scope.call(iam, "get_account_summary") or {}).get("SummaryMap")
    mfa_devices, mfa_listed = _complete(scope, scope.paginate(iam, "list_virtual_mfa_devices", "VirtualMFADevices"))

    report = _credential_report(scope, iam)

    # -- users, merged with their credential report row --------------------------------------
    for user in users:
        row = (report or {}).get(user["UserName"])
        if row is not None and row.get("arn") not in (None, user["Arn"]):
            row = None  # a deleted and re-created user of the same name: the row is stale
        scope.add(
            "users",
            uid=user["Arn"],
            id=user["UserName"],
            tags=user.get("Tags"),
            attached_policies=[p["PolicyArn"] for p in user.get("AttachedManagedPolicies", [])],
            inline_policies=[p["PolicyName"] for p in user.get("UserPolicyList", [])],
            **_report_facts(row),
        )

    # -- the root user --------------------------------------------------------------------------
    root_row = (report or {}).get(ROOT_ROW)
    if root_row is not None or summary is not None:
        root_arn = (root_row or {}).get("arn") or f"arn:{partition}:iam::{account}:root"
        root_virtual = None
        if mfa_listed:
            root_virtual = [d["SerialNumber"] for d in mfa_devices if _is_root_device(d, root_arn)]
        scope.add(
            "root",
            uid=root_arn,
            id=ROOT_ROW,
            **_report_facts(root_row),
            account_mfa_enabled=None if summary is None else bool(summary.get("AccountMFAEnabled")),
            account_access_keys_present=None if summary is None else bool(summary.get("AccountAccessKeysPresent")),
            virtual_mfa_serials=root_virtual,
        )

    # -- groups and roles -----------------------------------------------------------------------
    for group in groups:
        scope.add(
            "groups",
            uid=group["Arn"],
            id=group["GroupName"],
            attached_policies=[p["PolicyArn"] for p in group.get("AttachedManagedPolicies", [])],
            inline_policies=[p["PolicyName"] for p in group.get("GroupPolicyList", [])],
        )
    for role in roles:
        scope.add(
            "roles",
            uid=role["Arn"],
            id=role["RoleName"],
            tags=role.get("Tags"),
            attached_policies=[p["PolicyArn"] for p in role.get("AttachedManagedPolicies", [])],
            inline_policies=[p["PolicyName"] for p in role.get("RolePolicyList", [])],
        )

    # -- managed policies -----------------------------------------------------------------------
    for policy in local_policies:
        default = next((v for v in policy.get("PolicyVersionList", []) if v.get("IsDefaultVersion")), {})
        _add_policy(scope, policy, default.get("Document"), aws_managed=False)

    def aws_policy(policy: dict) -> None:
        version = scope.call(
            iam, "get_policy_version", PolicyArn=policy["Arn"], VersionId=policy["DefaultVersionId"]
        )
        if version is not None:
            _add_policy(scope, policy, version["PolicyVersion"].get("Document"), aws_managed=True)

    with ThreadPoolExecutor(max_workers=POLICY_THREADS) as pool:
        list(pool.map(aws_policy, aws_policies))

    # -- account-wide settings ------------------------------------------------------------------
    (password_policy,), policy_read = _complete(
        scope, [scope.call(iam, "get_account_password_policy", absent=("NoSuchEntity",))]
    )
    if policy_read:  # absent (not configured) or present; not denied
        settings = (password_policy or {}).get("PasswordPolicy", {})
        scope.add(
            "password_policy",
            uid=f"arn:{partition}:iam::{account}:account-password-policy",
            id="account-password-policy",
            configured=password_policy is not None,
            minimum_length=settings.get("MinimumPasswordLength"),
            reuse_prevention=settings.get("PasswordReusePrevention"),
            max_age=settings.get("MaxPasswordAge"),
            require_symbols=settings.get("RequireSymbols"),
            require_numbers=settings.get("RequireNumbers"),
            require_uppercase=settings.get("RequireUppercaseCharacters"),
            require_lowercase=settings.get("RequireLowercaseCharacters"),
        )

    certificates = scope.paginate(iam, "list_server_certificates", "ServerCertificateMetadataList")
    for cert in {c["Arn"]: c for c in certificates}.values():  # one record per certificate
        scope.add(
            "server_certificates",
            uid=cert["Arn"],
            id=cert["ServerCertificateName"],
            expiration=cert.get("Expiration"),
            upload_date=cert.get("UploadDate"),
        )

    saml = scope.call(iam, "list_saml_providers")
    saml_listed = saml is not None
    for provider in (saml or {}).get("SAMLProviderList", []):
        scope.add(
            "saml_providers",
            uid=provider["Arn"],
            id=provider["Arn"].rsplit("/", 1)[-1],
            valid_until=provider.get("ValidUntil"),
        )

    # One record for the account itself: the anchor of account-wide checks, and which
    # listings were complete (a check does not judge what it could not see).
    scope.add(
        "account",
        uid=f"arn:{partition}:iam::{account}:root",
        id=account,
        users_listed=users_ok,
        groups_listed=groups_ok,
        roles_listed=roles_ok,
        saml_providers_listed=saml_listed,
        credential_report=report is not None,
    )


def _complete(scope: RegionScope, items) -> tuple[list, bool]:
    """Drain ``items`` (a scope.paginate or scope.call result); also say whether no API error was recorded."""
    before = len(scope.collection.errors)
    drained = list(items)
    return drained, len(scope.collection.errors) == before


def _add_policy(scope: RegionScope, policy: dict, document: Any, aws_managed: bool) -> None:
    scope.add(
        "policies",
        uid=policy["Arn"],
        id=policy.get("PolicyName") or policy["Arn"].rsplit("/", 1)[-1],  # moto's GAAD omits the name
        aws_managed=aws_managed,
        attachment_count=policy.get("AttachmentCount", 0),
        default_version=policy.get("DefaultVersionId"),
        document=_document(document),
    )


def _document(document: Any) -> dict | None:
    """Policy documents come decoded from botocore; accept the raw URL-encoded JSON too."""
    if document is None or isinstance(document, dict):
        return document
    text = urllib.parse.unquote(document) if "%" in document else document
    try:
        return json.loads(text)
    except ValueError:
        return None


def _is_root_device(device: dict, root_arn: str) -> bool:
    user_arn = (device.get("User") or {}).get("Arn", "")
    if user_arn:
        return user_arn == root_arn or user_arn.endswith(":root")
    return device.get("SerialNumber", "").endswith(":mfa/root-account-mfa-device")


# -- the credential report ---------------------------------------------------------------------


def _record(scope: RegionScope, operation: str, code: str, message: str) -> None:
    scope.collection.error(ScanError(scope.service, scope.region, f"iam:{operation}", code, message[:1000]))


def _credential_report(scope: RegionScope, iam) -> dict[str, dict] | None:
    """The credential report as {user name: row}; polls only while AWS is still building it."""
    for wait in (0, *REPORT_POLL_SECONDS):
        if wait:
            time.sleep(wait)
        try:
            response = iam.get_credential_report()
        except ClientError as err:
            code = str(err.response.get("Error", {}).get("Code", ""))
            if code == "ReportInProgress":
                continue
            if code in RECORDED_ERROR_CODES or code in REPORT_MISSING:
                _record(scope, "get_credential_report", code, err.response.get("Error", {}).get("Message", str(err)))
                return None
            raise
        content = response.get("Content", b"")
        text = content.decode("utf-8") if isinstance(content, bytes) else str(content)
        return {row["user"]: row for row in csv.DictReader(io.StringIO(text)) if row.get("user")}
    _record(scope, "get_credential_report", "ReportInProgress", "the credential report was not ready in time")
    return None


def _report_date(value: str | None) -> str | None:
    return None if value is None or value in _NO_DATE else value


def _report_bool(value: str | None) -> bool | None:
    if value is None or value in ("not_supported", "N/A", ""):
        return None
    return value.lower() == "true"


def _report_facts(row: dict | None) -> dict:
    """The credential report facts checks use; every field None when there is no row."""
    if row is None:
        return {
            "in_credential_report": False,
            "password_enabled": None,
            "password_last_used": None,
            "password_last_changed": None,
            "mfa_active": None,
            "access_keys": None,
        }
    keys = []
    for slot in (1, 2):
        rotated = _report_date(row.get(f"access_key_{slot}_last_rotated"))
        active = _report_bool(row.get(f"access_key_{slot}_active"))
        if rotated is None and not active:
            continue  # no key in this slot
        keys.append(
            {
                "slot": slot,
                "active": bool(active),
                "last_rotated": rotated,
                "last_used": _report_date(row.get(f"access_key_{slot}_last_used_date")),
            }
        )
    return {
        "in_credential_report": True,
        # The root user's password_enabled is "not_supported": it always has one.
        "password_enabled": _report_bool(row.get("password_enabled")),
        # "no_information" (never used, or not since Oct 2014) becomes None.
        "password_last_used": _report_date(row.get("password_last_used")),
        "password_last_changed": _report_date(row.get("password_last_changed")),
        "mfa_active": _report_bool(row.get("mfa_active")),
        "access_keys": keys,
    }
