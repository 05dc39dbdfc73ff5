"""IAM (global): users merged with the credential report, the root account, groups,
roles (with their trust policies), inline and managed policies, the password policy,
server certificates and SAML providers.

API calls per run (each once, except the report polls):
  iam:GenerateCredentialReport, iam:GetCredentialReport (repeated only while AWS
  answers ReportInProgress), iam:GetAccountAuthorizationDetails (paginated, once
  per entity filter: User, Group, Role, LocalManagedPolicy), iam:ListPolicies
  (Scope=AWS, OnlyAttached) + iam:GetPolicyVersion per attached AWS-managed policy,
  iam:GetAccountSummary, iam:ListVirtualMFADevices, iam:GetAccountPasswordPolicy,
  iam:ListServerCertificates, iam:ListSAMLProviders; for each user with an active
  access key, iam:GenerateServiceLastAccessedDetails and
  iam:GetServiceLastAccessedDetails (repeated only while the job is IN_PROGRESS).

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

from botocore.exceptions import ClientError, EndpointConnectionError
from botocore.parsers import ResponseParserError

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
    rows = {}
    for user in users:
        row = (report or {}).get(user["UserName"])
        if row is not None and row.get("arn") not in (None, user["Arn"]):
            row = None  # a deleted and re-created user of the same name: the row is stale
        rows[user["Arn"]] = _report_facts(row)
    keyed = [arn for arn, facts in rows.items() if any(k["active"] for k in facts["access_keys"] or [])]
    reach = _services_with_access(scope, iam, keyed)
    for user in users:
        scope.add(
            "users",
            uid=user["Arn"],
            id=user["UserName"],
            tags=user.get("Tags"),
            groups=sorted(user.get("GroupList", [])),
            attached_policies=[p["PolicyArn"] for p in user.get("AttachedManagedPolicies", [])],
            inline_policies=[p["PolicyName"] for p in user.get("UserPolicyList", [])],
            virtual_mfa_serials=_assigned_virtual_devices(mfa_devices, user["Arn"]) if mfa_listed else None,
            services_with_access=reach.get(user["Arn"]),
            **rows[user["Arn"]],
        )
        _add_inline_policies(scope, "user", user, user.get("UserPolicyList", []))

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
        _add_inline_policies(scope, "group", group, group.get("GroupPolicyList", []))
    for role in roles:
        scope.add(
            "roles",
            uid=role["Arn"],
            id=role["RoleName"],
            tags=role.get("Tags"),
            path=role.get("Path", "/"),
            service_linked=role.get("Path", "").startswith("/aws-service-role/"),
            trust_policy=_document(role.get("AssumeRolePolicyDocument")),
            attached_policies=[p["PolicyArn"] for p in role.get("AttachedManagedPolicies", [])],
            inline_policies=[p["PolicyName"] for p in role.get("RolePolicyList", [])],
        )
        _add_inline_policies(scope, "role", role, role.get("RolePolicyList", []))

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


def attempt(scope: RegionScope, client, operation: str, absent=(), **params) -> tuple[dict | None, str | None]:
    """Like ``scope.call``, but also says which "absent" code answered, and records an operation
    the endpoint does not implement (moto raises NotImplementedError in-process and answers an
    HTML 500 page as a server) as a scan error."""
    try:
        return getattr(client, operation)(**params), None
    except ClientError as err:
        code = str(err.response.get("Error", {}).get("Code", ""))
        if code in absent:
            return None, code
        if code in RECORDED_ERROR_CODES:
            message = err.response.get("Error", {}).get("Message", str(err))
            _record(scope, operation, code, message, client.meta.service_model.service_name)
            return None, None
        raise
    except NotImplementedError as err:
        _record(scope, operation, "NotImplemented", str(err), client.meta.service_model.service_name)
        return None, None
    except EndpointConnectionError as err:
        _record(scope, operation, "EndpointConnectionError", str(err), client.meta.service_model.service_name)
        return None, None
    except ResponseParserError as err:
        # An answer that is not the API's format at all (moto_server's HTML 500 page for an
        # operation it lacks, a proxy's error page): recorded as the server error it is.
        _record(scope, operation, "500", str(err), client.meta.service_model.service_name)
        return None, None


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


def _add_inline_policies(scope: RegionScope, entity_type: str, entity: dict, policies: list[dict]) -> None:
    """One record per inline policy: its own uid, since an entity may embed several."""
    name = entity[f"{entity_type.capitalize()}Name"]
    for policy in policies:
        scope.add(
            "inline_policies",
            uid=f"{entity['Arn']}/inline-policy/{policy['PolicyName']}",
            id=f"{entity_type}/{name}/{policy['PolicyName']}",
            name=policy["PolicyName"],
            entity_type=entity_type,
            entity_name=name,
            entity_arn=entity["Arn"],
            document=_document(policy.get("PolicyDocument")),
        )


def _assigned_virtual_devices(devices: list[dict], user_arn: str) -> list[str]:
    return sorted(d["SerialNumber"] for d in devices if (d.get("User") or {}).get("Arn") == user_arn)


def _is_root_device(device: dict, root_arn: str) -> bool:
    user_arn = (device.get("User") or {}).get("Arn", "")
    if user_arn:
        return user_arn == root_arn or user_arn.endswith(":root")
    return device.get("SerialNumber", "").endswith(":mfa/root-account-mfa-device")


# -- services reachable with a user's credentials ---------------------------------------------


def _services_with_access(scope: RegionScope, iam, user_arns: list[str]) -> dict[str, list[str]]:
    """user ARN -> the service namespaces its permissions reach (IAM's service last-accessed report).

    Asked only for users with an active access key. One report job per user; if the first
    request is refused, the rest are not tried.
    """
    if not user_arns:
        return {}
    first, _ = attempt(scope, iam, "generate_service_last_accessed_details", Arn=user_arns[0])
    if first is None:
        return {}
    jobs = {user_arns[0]: first["JobId"]}

    def generate(arn: str) -> tuple[str, str | None]:
        response, _ = attempt(scope, iam, "generate_service_last_accessed_details", Arn=arn)
        return arn, None if response is None else response["JobId"]

    with ThreadPoolExecutor(max_workers=POLICY_THREADS) as pool:
        jobs.update((arn, job) for arn, job in pool.map(generate, user_arns[1:]) if job)
        results = dict(zip(jobs, pool.map(lambda job: _job_services(scope, iam, job), jobs.values())))
    return {arn: services for arn, services in results.items() if services is not None}


def _job_services(scope: RegionScope, iam, job_id: str) -> list[str] | None:
    services: list[str] = []
    for wait in (0, *REPORT_POLL_SECONDS):
        if wait:
            time.sleep(wait)
        page, _ = attempt(scope, iam, "get_service_last_accessed_details", JobId=job_id)
        if page is None:
            return None
        if page.get("JobStatus") == "IN_PROGRESS":
            continue
        if page.get("JobStatus") == "FAILED":
            message = (page.get("Error") or {}).get("Message", "the report job failed")
            _record(scope, "get_service_last_accessed_details", "JobFailed", message)
            return None
        services.extend(s["ServiceNamespace"] for s in page.get("ServicesLastAccessed", []))
        while page.get("IsTruncated") and page.get("Marker"):
            page, _ = attempt(scope, iam, "get_service_last_accessed_details", JobId=job_id, Marker=page["Marker"])
            if page is None:
                return None
            services.extend(s["ServiceNamespace"] for s in page.get("ServicesLastAccessed", []))
        return sorted(set(services))
    _record(scope, "get_service_last_accessed_details", "JobInProgress", "the report was not ready in time")
    return None


# -- the credential report ---------------------------------------------------------------------


def _record(scope: RegionScope, operation: str, code: str, message: str, service: str = "iam") -> None:
    scope.collection.error(ScanError(scope.service, scope.region, f"{service}:{operation}", code, message[:1000]))


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
