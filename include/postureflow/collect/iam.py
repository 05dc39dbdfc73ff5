"""IAM (global): users merged with the credential report, the root user, groups, roles
(with their trust policies), inline and managed policies, the password policy, server
certificates and SAML providers. One function per IAM entity.

API calls per run (each once, except the report polls):
  iam:GenerateCredentialReport, iam:GetCredentialReport (repeated only while AWS
  answers ReportInProgress), iam:GetAccountAuthorizationDetails (paginated, once
  per entity filter: User, Group, Role, LocalManagedPolicy), iam:ListPolicies
  (Scope=AWS, OnlyAttached) + iam:GetPolicyVersion per attached AWS-managed policy,
  iam:GetAccountSummary, iam:ListVirtualMFADevices, iam:GetAccountPasswordPolicy,
  iam:ListServerCertificates, iam:ListSAMLProviders; for each user and each role
  that is not service-linked, iam:GenerateServiceLastAccessedDetails and
  iam:GetServiceLastAccessedDetails (repeated only while the job is IN_PROGRESS,
  and per page).

A listing that fails marks its kinds incomplete (checks reading them give no
verdict); a read that fails leaves the fields it feeds unread (no verdict on
those resources). A policy document that is not JSON is kept as its text, so
the checks can say it could not be parsed instead of judging an empty policy.

Nothing secret is stored: no key material, no MFA seeds, no certificate bodies.
"""

from __future__ import annotations

import csv
import io
import json
import time
import urllib.parse
from typing import Any

from postureflow.collect.base import OK, Outcome, RegionScope, collector

ROOT_ROW = "<root_account>"
# How long to wait for AWS to finish building the credential report or a last-accessed job.
REPORT_POLL_SECONDS = (1, 2, 2, 3, 3, 5, 5, 5, 10, 10, 10, 15)
# GetCredentialReport codes: still building; no report to read (generation was refused or failed).
REPORT_BUILDING = "ReportInProgress"
REPORT_MISSING = ("ReportNotPresent", "ReportExpired")
# Credential report values that mean "no date".
_NO_DATE = {"", "N/A", "no_information", "not_supported"}
# The credential-report facts each user and the root carry.
REPORT_FIELDS = ("in_credential_report", "password_enabled", "password_last_used", "password_last_changed",
                 "mfa_active", "access_keys")  # fmt: skip


@collector("iam", scope="global")
def collect_iam(scope: RegionScope) -> None:
    iam = scope.client("iam")
    # Ask for the report first: AWS builds it while we read everything else. If we may not
    # generate one, a recent report may still be readable.
    scope.fetch(iam, "generate_credential_report", absent=("LimitExceeded", "ServiceFailure"))
    mfa_devices = scope.list(iam, "list_virtual_mfa_devices", "VirtualMFADevices")
    report = _credential_report(scope, iam)
    users = scope.list(iam, "get_account_authorization_details", "UserDetailList", kind=("users", "inline_policies"),
                       Filter=["User"])  # fmt: skip
    roles = scope.list(iam, "get_account_authorization_details", "RoleDetailList",
                       kind=("roles", "inline_policies"), Filter=["Role"])  # fmt: skip
    # AWS owns the permissions of service-linked roles: there is nothing stale to remove from them.
    tracked = [u["Arn"] for u in users.value or []] + [r["Arn"] for r in roles.value or [] if not _service_linked(r)]
    last_accessed = _services_last_accessed(scope, iam, tracked)

    _users(scope, users.value or [], report, mfa_devices, last_accessed)
    _root(scope, iam, report, mfa_devices)
    _groups(scope, iam)
    _roles(scope, roles.value or [], last_accessed)
    _customer_policies(scope, iam)
    _aws_policies(scope, iam)
    _password_policy(scope, iam)
    _server_certificates(scope, iam)
    _saml_providers(scope, iam)
    # The anchor of account-wide findings (no SAML provider at all, ...).
    scope.add("account", uid=scope.arn("iam", "root", region=""), id=scope.account_id)


# -- one function per IAM entity ------------------------------------------------------------------


def _users(scope: RegionScope, users: list[dict], report: Outcome, mfa_devices: Outcome,
           last_accessed: dict[str, Outcome]) -> None:  # fmt: skip
    for user in users:
        arn = user["Arn"]
        scope.add(
            "users",
            uid=arn,
            id=user["UserName"],
            tags=user.get("Tags"),
            groups=sorted(user.get("GroupList", [])),
            attached_policies=[p["PolicyArn"] for p in user.get("AttachedManagedPolicies", [])],
            inline_policies=[p["PolicyName"] for p in user.get("UserPolicyList", [])],
            virtual_mfa_serials=mfa_devices.map(lambda devices, arn=arn: _assigned_virtual_devices(devices, arn)),
            services_last_accessed=last_accessed[arn],
            **_user_facts(report, user),
        )
        _add_inline_policies(scope, "user", user, user.get("UserPolicyList", []))


def _root(scope: RegionScope, iam, report: Outcome, mfa_devices: Outcome) -> None:
    summary = scope.fetch(iam, "get_account_summary").get("SummaryMap")
    row = report.map(lambda rows: rows.get(ROOT_ROW))
    root_arn = (row.value or {}).get("arn") or scope.arn("iam", "root", region="")
    scope.add(
        "root",
        uid=root_arn,
        id=ROOT_ROW,
        **_report_fields(row),
        account_mfa_enabled=summary.map(lambda s: bool((s or {}).get("AccountMFAEnabled"))),
        account_access_keys_present=summary.map(lambda s: bool((s or {}).get("AccountAccessKeysPresent"))),
        virtual_mfa_serials=mfa_devices.map(lambda devices: [d["SerialNumber"] for d in devices if _is_root_device(d, root_arn)]),
    )  # fmt: skip


def _groups(scope: RegionScope, iam) -> None:
    groups = scope.list(iam, "get_account_authorization_details", "GroupDetailList",
                        kind=("groups", "inline_policies"), Filter=["Group"])  # fmt: skip
    for group in groups.value or []:
        scope.add(
            "groups",
            uid=group["Arn"],
            id=group["GroupName"],
            attached_policies=[p["PolicyArn"] for p in group.get("AttachedManagedPolicies", [])],
            inline_policies=[p["PolicyName"] for p in group.get("GroupPolicyList", [])],
        )
        _add_inline_policies(scope, "group", group, group.get("GroupPolicyList", []))


def _service_linked(role: dict) -> bool:
    return role.get("Path", "").startswith("/aws-service-role/")


def _roles(scope: RegionScope, roles: list[dict], last_accessed: dict[str, Outcome]) -> None:
    for role in roles:
        scope.add(
            "roles",
            uid=role["Arn"],
            id=role["RoleName"],
            tags=role.get("Tags"),
            path=role.get("Path", "/"),
            service_linked=_service_linked(role),
            services_last_accessed=last_accessed.get(role["Arn"], Outcome(OK, None)),
            trust_policy=_document(role.get("AssumeRolePolicyDocument")),
            attached_policies=[p["PolicyArn"] for p in role.get("AttachedManagedPolicies", [])],
            inline_policies=[p["PolicyName"] for p in role.get("RolePolicyList", [])],
        )
        _add_inline_policies(scope, "role", role, role.get("RolePolicyList", []))


def _customer_policies(scope: RegionScope, iam) -> None:
    policies = scope.list(iam, "get_account_authorization_details", "Policies", kind="policies",
                          Filter=["LocalManagedPolicy"])  # fmt: skip
    for policy in policies.value or []:
        default = next((v for v in policy.get("PolicyVersionList", []) if v.get("IsDefaultVersion")), {})
        _add_policy(scope, policy, Outcome(OK, default.get("Document")), aws_managed=False)


def _aws_policies(scope: RegionScope, iam) -> None:
    """Attached AWS-managed policies, each with its default version's document."""
    policies = scope.list(iam, "list_policies", "Policies", kind="policies", Scope="AWS", OnlyAttached=True)

    def one(policy: dict) -> None:
        version = scope.fetch(iam, "get_policy_version", absent=("NoSuchEntity",), PolicyArn=policy["Arn"],
                              VersionId=policy["DefaultVersionId"])  # fmt: skip
        if version.state != "absent":  # absent: the policy was deleted since the listing
            _add_policy(scope, policy, version.get("PolicyVersion").map(lambda v: (v or {}).get("Document")), True)

    scope.each(policies.value or [], one)


def _password_policy(scope: RegionScope, iam) -> None:
    answer = scope.fetch(iam, "get_account_password_policy", absent=("NoSuchEntity",))
    settings = answer.get("PasswordPolicy", {})

    def setting(name: str) -> Outcome:
        return settings.map(lambda s: s.get(name))

    scope.add(
        "password_policy",
        uid=scope.arn("iam", "account-password-policy", region=""),
        id="account-password-policy",
        configured=answer.map(lambda _: True).absent_as(False),
        minimum_length=setting("MinimumPasswordLength"),
        reuse_prevention=setting("PasswordReusePrevention"),
        max_age=setting("MaxPasswordAge"),
        require_symbols=setting("RequireSymbols"),
        require_numbers=setting("RequireNumbers"),
        require_uppercase=setting("RequireUppercaseCharacters"),
        require_lowercase=setting("RequireLowercaseCharacters"),
    )


def _server_certificates(scope: RegionScope, iam) -> None:
    listing = scope.list(iam, "list_server_certificates", "ServerCertificateMetadataList", kind="server_certificates")
    for cert in {c["Arn"]: c for c in listing.value or []}.values():  # one record per certificate
        scope.add(
            "server_certificates",
            uid=cert["Arn"],
            id=cert["ServerCertificateName"],
            expiration=cert.get("Expiration"),
            upload_date=cert.get("UploadDate"),
        )


def _saml_providers(scope: RegionScope, iam) -> None:
    listing = scope.list(iam, "list_saml_providers", "SAMLProviderList", kind="saml_providers")
    for provider in listing.value or []:
        scope.add(
            "saml_providers",
            uid=provider["Arn"],
            id=provider["Arn"].rsplit("/", 1)[-1],
            valid_until=provider.get("ValidUntil"),
        )


# -- policies ---------------------------------------------------------------------------------------


def _add_policy(scope: RegionScope, policy: dict, document: Outcome, aws_managed: bool) -> None:
    scope.add(
        "policies",
        uid=policy["Arn"],
        id=policy.get("PolicyName") or policy["Arn"].rsplit("/", 1)[-1],  # moto's GAAD omits the name
        aws_managed=aws_managed,
        attachment_count=policy.get("AttachmentCount", 0),
        default_version=policy.get("DefaultVersionId"),
        document=document.map(_document),
    )


def _document(document: Any) -> dict | str | None:
    """Policy documents come decoded from botocore; accept the raw URL-encoded JSON too. A text that
    is not JSON is kept as it is: the checks report it as unparseable (no verdict)."""
    if document is None or isinstance(document, dict):
        return document
    text = urllib.parse.unquote(document) if "%" in document else document
    try:
        return json.loads(text)
    except ValueError:
        return text


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


# -- services a user's or role's permissions reach, and when each was last used ---------------------


def _services_last_accessed(scope: RegionScope, iam, arns: list[str]) -> dict[str, Outcome]:
    """user or role ARN -> the outcome of {service namespace: last authenticated (ISO time) or None
    (never used)} for every service its permissions reach (IAM's service last-accessed report).
    One job per identity, all started before any is read (AWS builds them side by side); if the first
    request is refused, the rest are not tried. An identity deleted since the listing is absent (None)."""
    if not arns:
        return {}
    absent = ("NoSuchEntity",)
    first = scope.fetch(iam, "generate_service_last_accessed_details", absent=absent, Arn=arns[0])
    if not first.known:
        return {arn: first for arn in arns}
    rest = scope.each(arns[1:], lambda arn: scope.fetch(iam, "generate_service_last_accessed_details",
                                                        absent=absent, Arn=arn))  # fmt: skip
    jobs = dict(zip(arns, [first, *rest]))
    results = scope.each(list(jobs.values()), lambda job: _job_services(scope, iam, job.value["JobId"]) if job.ok else job)
    return dict(zip(jobs, results))


def _job_services(scope: RegionScope, iam, job_id: str) -> Outcome:
    api = "iam:GetServiceLastAccessedDetails"
    for wait in (0, *REPORT_POLL_SECONDS):
        if wait:
            time.sleep(wait)
        page = scope.fetch(iam, "get_service_last_accessed_details", JobId=job_id)
        if not page.ok:
            return page
        status = page.value.get("JobStatus")
        if status == "IN_PROGRESS":
            continue
        if status == "FAILED":
            return scope.failed(api, "JobFailed", (page.value.get("Error") or {}).get("Message", "the report job failed"))
        services = _last_used(page.value)
        while page.value.get("IsTruncated") and page.value.get("Marker"):
            page = scope.fetch(iam, "get_service_last_accessed_details", JobId=job_id, Marker=page.value["Marker"])
            if not page.ok:
                return page
            services.update(_last_used(page.value))
        return Outcome(OK, dict(sorted(services.items())), api)
    return scope.failed(api, "JobInProgress", "the report was not ready in time")


def _last_used(page: dict) -> dict[str, str | None]:
    """{namespace: when the identity last authenticated to it (ISO time), None if never} of one page."""
    found = {}
    for service in page.get("ServicesLastAccessed", []):
        when = service.get("LastAuthenticated")
        found[service["ServiceNamespace"]] = when.isoformat() if hasattr(when, "isoformat") else when
    return found


# -- the credential report ---------------------------------------------------------------------------


def _credential_report(scope: RegionScope, iam) -> Outcome:
    """The credential report as {user name: row}; polls only while AWS is still building it."""
    api = "iam:GetCredentialReport"
    for wait in (0, *REPORT_POLL_SECONDS):
        if wait:
            time.sleep(wait)
        answer = scope.fetch(iam, "get_credential_report", absent=(REPORT_BUILDING, *REPORT_MISSING))
        if answer.code == REPORT_BUILDING:
            continue
        if answer.code in REPORT_MISSING:
            return scope.failed(api, answer.code, "no credential report could be generated")
        return answer.map(_report_rows)
    return scope.failed(api, REPORT_BUILDING, "the credential report was not ready in time")


def _report_rows(response: dict) -> dict[str, dict]:
    content = response.get("Content", b"")
    text = content.decode("utf-8") if isinstance(content, bytes) else str(content)
    return {row["user"]: row for row in csv.DictReader(io.StringIO(text)) if row.get("user")}


def _user_facts(report: Outcome, user: dict) -> dict[str, Outcome]:
    def row_of(rows: dict) -> dict | None:
        row = rows.get(user["UserName"])
        # A deleted and re-created user of the same name: the row is stale.
        return row if row is not None and row.get("arn") in (None, user["Arn"]) else None

    return _report_fields(report.map(row_of))


def _report_fields(row: Outcome) -> dict[str, Outcome]:
    """The credential-report facts as outcomes: unread all together when the report could not be read."""
    return {name: row.map(lambda r, name=name: _report_facts(r)[name]) for name in REPORT_FIELDS}


def _report_date(value: str | None) -> str | None:
    return None if value is None or value in _NO_DATE else value


def _report_bool(value: str | None) -> bool | None:
    if value is None or value in ("not_supported", "N/A", ""):
        return None
    return value.lower() == "true"


def _report_facts(row: dict | None) -> dict:
    """The credential report facts checks use; every field None when there is no row."""
    if row is None:
        return {name: (False if name == "in_credential_report" else None) for name in REPORT_FIELDS}
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
        # The root user's password_enabled is "not_supported" unless the organization removed it.
        "password_enabled": _report_bool(row.get("password_enabled")),
        # "no_information" (never used, or not since Oct 2014) becomes None.
        "password_last_used": _report_date(row.get("password_last_used")),
        "password_last_changed": _report_date(row.get("password_last_changed")),
        "mfa_active": _report_bool(row.get("mfa_active")),
        "access_keys": keys,
    }
