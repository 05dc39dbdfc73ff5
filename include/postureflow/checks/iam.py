"""IAM checks: the root user, IAM users' credentials and MFA, managed and inline
policies, role trust policies and account settings.

User and root facts come from the IAM credential report (merged into the user
records by the collector). Ages are measured against ``now``, the time the
inventory was collected. The policy-language helpers here (wildcard matching,
who a statement lets in) also serve the KMS, Secrets Manager and Organizations checks.
"""

from __future__ import annotations

import re
from functools import lru_cache

from postureflow.checks.base import FAIL, MANUAL, PASS, check, days_since
from postureflow.inventory import Resource

ROOT_USAGE_DAYS = 1
KEY_ROTATION_DAYS = 90
UNUSED_CREDENTIAL_DAYS = 45
MIN_PASSWORD_LENGTH = 14
PASSWORD_REUSE = 24
CLOUDSHELL_POLICY = "AWSCloudShellFullAccess"
SUPPORT_POLICY = "AWSSupportAccess"
ADMIN_POLICY = "AdministratorAccess"
READONLY_POLICY = "ReadOnlyAccess"
PASSWORD_MAX_AGE_DAYS = 90


# -- helpers ----------------------------------------------------------------------------------


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _grants_full_admin(document: dict | None) -> bool:
    """True when a statement allows every action ("*" or "*:*") on every resource."""
    for statement in _as_list((document or {}).get("Statement")):
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow":
            continue
        actions = _as_list(statement.get("Action"))
        resources = _as_list(statement.get("Resource"))
        if any(a in ("*", "*:*") for a in actions) and "*" in resources:
            return True
    return False


def _active_keys(principal: Resource) -> list[dict]:
    return [k for k in principal.get("access_keys") or [] if k.get("active")]


def _in_report(principal: Resource) -> bool:
    return bool(principal.get("in_credential_report"))


def _partition(account: Resource) -> str:
    parts = account.uid.split(":")
    return parts[1] if len(parts) > 1 and parts[1] else "aws"


def _aws_policy(account: Resource, name: str) -> Resource:
    """The AWS-managed policy an account-wide check is filed against (same ARN in every account)."""
    return Resource(
        kind="policies",
        uid=f"arn:{_partition(account)}:iam::aws:policy/{name}",
        id=name,
        region=account.region,
        tags={},
        data={},
    )


def _attached_to(principals: list[Resource], policy_arn: str) -> list[Resource]:
    return [p for p in principals if policy_arn in (p.get("attached_policies") or [])]


def _names(resources: list[Resource], limit: int = 5) -> str:
    names = sorted(r.id for r in resources)
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _root_mfa(root: Resource) -> bool | None:
    if root.get("mfa_active") is not None:
        return bool(root.get("mfa_active"))
    return root.get("account_mfa_enabled")


# -- the IAM policy language (the KMS and Secrets Manager checks read their policies with it too) --

# Condition keys that tie a grant to known callers, and the operators that compare them positively.
# An IfExists or ForAllValues operator is true when the key is absent, so it limits nobody.
SOURCE_KEYS = frozenset(
    {"aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid", "aws:sourceorgpaths", "aws:sourceowner"}
)
CALLER_KEYS = SOURCE_KEYS | {
    "aws:principalaccount",
    "aws:principalarn",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:userid",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceip",
    "aws:vpcsourceip",
    "kms:calleraccount",
}
_ARN_KEYS = {"aws:sourcearn", "aws:principalarn"}
_PATH_KEYS = {"aws:sourceorgpaths", "aws:principalorgpaths"}
_IP_KEYS = {"aws:sourceip", "aws:vpcsourceip"}
_POSITIVE_OPERATOR = re.compile(
    r"^(ForAnyValue:)?(StringEquals|StringEqualsIgnoreCase|StringLike|ArnEquals|ArnLike|IpAddress)$", re.IGNORECASE
)


def statements(document) -> list[dict]:
    """A policy's statements as a list (a single statement may be written without the list)."""
    if not isinstance(document, dict):
        return []
    return [s for s in _as_list(document.get("Statement")) if isinstance(s, dict)]


@lru_cache(maxsize=4096)
def _wildcard(pattern: str) -> re.Pattern:
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def pattern_matches(pattern, value: str) -> bool:
    """IAM wildcard matching: '*' spans any run of characters, '?' exactly one; case-insensitive."""
    return isinstance(pattern, str) and _wildcard(pattern.strip()).fullmatch(value) is not None


def grants_action(statement: dict, action: str) -> bool:
    """Whether the statement's Action (or, inverted, its NotAction) covers ``action``."""
    if "NotAction" in statement:
        return not any(pattern_matches(p, action) for p in _as_list(statement["NotAction"]))
    return any(pattern_matches(p, action) for p in _as_list(statement.get("Action")))


def allowed_actions(document, actions) -> set[str]:
    """The ``actions`` an Allow grants and no unconditional Deny on every resource takes back.

    Resources and Allow conditions are not read: a grant on some resources is still a grant.
    """
    found = statements(document)
    denied = {
        action
        for s in found
        if s.get("Effect") == "Deny" and not s.get("Condition") and "*" in _as_list(s.get("Resource"))
        for action in actions
        if grants_action(s, action)
    }
    return {
        action
        for action in actions
        if action not in denied and any(s.get("Effect") == "Allow" and grants_action(s, action) for s in found)
    }


def is_everyone(principal) -> bool:
    """Principal "*" or {"AWS": "*"}: any AWS identity, or anonymous callers."""
    if principal == "*":
        return True
    return isinstance(principal, dict) and any("*" in _as_list(v) for v in principal.values())


def _restrictive_value(key: str, value) -> bool:
    if not isinstance(value, str) or not value.strip("*? "):
        return False
    if key in _ARN_KEYS:
        fields = value.split(":")
        if len(fields) < 6:
            return False
        account = fields[4]
        if account:
            return not set(account) & {"*", "?"}
        return not fields[5].startswith(("*", "?"))  # ARNs without an account (S3 buckets)
    if key in _PATH_KEYS:
        return not set(value.split("/")[0]) & {"*", "?"}
    if key in _IP_KEYS:
        return value.strip() not in ("0.0.0.0/0", "::/0")
    return not set(value) & {"*", "?"}


def condition_limits_callers(condition, keys=CALLER_KEYS) -> bool:
    """Whether a Condition block pins the caller (account, organisation, ARN, network) to specific values."""
    if not isinstance(condition, dict):
        return False
    for operator, block in condition.items():
        if not isinstance(block, dict) or not _POSITIVE_OPERATOR.match(str(operator)):
            continue
        for key, values in block.items():
            key = str(key).lower()
            values = _as_list(values)
            if key in keys and values and all(_restrictive_value(key, v) for v in values):
                return True
    return False


def public_statements(document) -> list[dict]:
    """Allow statements open to everyone (Principal "*" or NotPrincipal) with no condition pinning the caller."""
    return [
        s
        for s in statements(document)
        if s.get("Effect") == "Allow"
        and (is_everyone(s.get("Principal")) or "NotPrincipal" in s)
        and not condition_limits_callers(s.get("Condition"))
    ]


def principal_accounts(statement: dict) -> set[str]:
    """The accounts an Allow's AWS principals belong to ("*" for everyone)."""
    principal = statement.get("Principal")
    values = ["*"] if principal == "*" else _as_list(principal.get("AWS")) if isinstance(principal, dict) else []
    accounts = set()
    for value in values:
        value = str(value)
        if value == "*" or re.fullmatch(r"\d{12}", value):
            accounts.add(value)
        elif value.startswith("arn:") and len(value.split(":")) > 4:
            accounts.add(value.split(":")[4] or "*")
        else:
            accounts.add(value)  # a unique principal id (AIDA..., AROA...): a principal that was deleted
    return accounts


def account_of(arn: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 else ""


def _summary(items, limit: int = 5) -> str:
    items = sorted(items)
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")



# -- the root user ----------------------------------------------------------------------------


@check(
    id="iam_avoid_root_usage",
    title="The root user has not been used in the last day",
    severity="high",
    resource_type="AwsIamUser",
    reads=["iam.root"],
    risk="Everyday use of the root user exposes credentials that cannot be limited by any policy.",
    remediation="Use IAM roles or IAM Identity Center for daily work and keep the root user for the few "
    "tasks that need it.",
)
def iam_avoid_root_usage(roots, now):
    for root in roots:
        if not _in_report(root):
            continue
        used = [root.get("password_last_used"), *(k.get("last_used") for k in root.get("access_keys") or [])]
        ages = [d for d in (days_since(u, now) for u in used) if d is not None]
        if not ages:
            yield PASS(root, "The root user has no recorded sign-in or access key use.")
        elif min(ages) < ROOT_USAGE_DAYS:
            yield FAIL(root, f"The root user was used {min(ages) * 24:.0f} hours ago.")
        else:
            yield PASS(root, f"The root user was last used {int(min(ages))} days ago.")


@check(
    id="iam_no_root_access_key",
    title="The root user has no active access keys",
    severity="critical",
    resource_type="AwsIamAccessKey",
    reads=["iam.root"],
    risk="A root access key gives unrestricted, programmatic control of the whole account if it leaks.",
    remediation="Delete the root user's access keys (Security credentials page, signed in as root) and use "
    "IAM roles instead.",
)
def iam_no_root_access_key(roots):
    for root in roots:
        if _in_report(root):
            active = _active_keys(root)
            if active:
                slots = " and ".join(str(k["slot"]) for k in active)
                yield FAIL(root, f"The root user has active access key {slots}.")
            else:
                yield PASS(root, "The root user has no active access keys.")
        elif root.get("account_access_keys_present") is not None:
            if root.get("account_access_keys_present"):
                yield FAIL(root, "The account summary reports that the root user has access keys.")
            else:
                yield PASS(root, "The account summary reports no root user access keys.")


@check(
    id="iam_root_mfa_enabled",
    title="The root user has MFA enabled",
    severity="critical",
    resource_type="AwsIamUser",
    reads=["iam.root"],
    risk="Without MFA, the root user's password alone gives full control of the account.",
    remediation="Sign in as root and assign an MFA device (preferably a hardware key) to the root user.",
)
def iam_root_mfa_enabled(roots):
    for root in roots:
        mfa = _root_mfa(root)
        if mfa is None:
            continue
        if mfa:
            yield PASS(root, "The root user has MFA enabled.")
        else:
            yield FAIL(root, "The root user does not have MFA enabled.")


@check(
    id="iam_root_hardware_mfa_enabled",
    title="The root user's MFA is a hardware device",
    severity="critical",
    resource_type="AwsIamUser",
    reads=["iam.root"],
    risk="A virtual MFA app lives on a phone or computer that can be lost, cloned or compromised.",
    remediation="Replace the root user's virtual MFA device with a hardware MFA device or FIDO security key.",
)
def iam_root_hardware_mfa_enabled(roots):
    for root in roots:
        mfa = _root_mfa(root)
        virtual = root.get("virtual_mfa_serials")
        if mfa is None:
            continue
        if not mfa:
            yield FAIL(root, "The root user has no MFA device at all.")
        elif virtual is None:
            continue  # could not list the virtual MFA devices
        elif virtual:
            yield FAIL(root, f"The root user's MFA is the virtual device {virtual[0]}, not a hardware device.")
        else:
            yield PASS(root, "The root user's MFA is a hardware device.")


# -- IAM users' credentials -------------------------------------------------------------------


@check(
    id="iam_rotate_access_key_90_days",
    title="IAM user has no active access key older than 90 days",
    severity="medium",
    resource_type="AwsIamUser",
    reads=["iam.users"],
    risk="The longer an access key lives, the longer a leaked copy of it stays useful to an attacker.",
    remediation="Create a new access key, move workloads to it, then deactivate and delete the old one; "
    "better, replace long-lived keys with roles.",
)
def iam_rotate_access_key_90_days(users, now):
    for user in users:
        if not _in_report(user):
            continue
        active = _active_keys(user)
        stale = [(k, days_since(k.get("last_rotated"), now)) for k in active]
        stale = [(k, age) for k, age in stale if age is not None and age > KEY_ROTATION_DAYS]
        if stale:
            detail = ", ".join(f"key {k['slot']} ({int(age)} days)" for k, age in stale)
            yield FAIL(user, f"IAM user {user.id} has active access keys not rotated for over 90 days: {detail}.")
        elif active:
            yield PASS(user, f"IAM user {user.id} has rotated its active access keys within 90 days.")
        else:
            yield PASS(user, f"IAM user {user.id} has no active access keys.")


@check(
    id="iam_user_accesskey_unused",
    title="IAM user has no active access key unused for 45 days or more",
    severity="medium",
    resource_type="AwsIamUser",
    reads=["iam.users"],
    risk="An access key nobody uses is still a working credential for whoever finds it.",
    remediation="Deactivate and delete access keys that have not been used in 45 days.",
)
def iam_user_accesskey_unused(users, now):
    for user in users:
        if not _in_report(user):
            continue
        unused = []
        for key in _active_keys(user):
            # A key that was never used has been idle since it was created.
            idle = days_since(key.get("last_used") or key.get("last_rotated"), now)
            if idle is not None and idle >= UNUSED_CREDENTIAL_DAYS:
                unused.append(f"key {key['slot']} ({int(idle)} days)")
        if unused:
            detail = ", ".join(unused)
            yield FAIL(user, f"IAM user {user.id} has active access keys unused for 45 days or more: {detail}.")
        else:
            yield PASS(user, f"IAM user {user.id} has no active access key unused for 45 days or more.")


@check(
    id="iam_user_console_access_unused",
    title="IAM user console password has been used in the last 45 days",
    severity="medium",
    resource_type="AwsIamUser",
    reads=["iam.users"],
    risk="A console password nobody uses can be guessed or phished without anyone noticing.",
    remediation="Remove the console password (login profile) of users who have not signed in for 45 days.",
)
def iam_user_console_access_unused(users, now):
    for user in users:
        if not _in_report(user) or user.get("password_enabled") is None:
            continue
        if not user.get("password_enabled"):
            yield PASS(user, f"IAM user {user.id} has no console password.")
            continue
        last_used = user.get("password_last_used")
        # A password that was never used has been idle since it was set.
        idle = days_since(last_used or user.get("password_last_changed"), now)
        if idle is None:
            continue
        if idle < UNUSED_CREDENTIAL_DAYS and last_used:
            yield PASS(user, f"IAM user {user.id} last signed in to the console {int(idle)} days ago.")
        elif idle < UNUSED_CREDENTIAL_DAYS:
            yield PASS(user, f"IAM user {user.id} got a console password {int(idle)} days ago and has not used it yet.")
        elif last_used:
            yield FAIL(user, f"IAM user {user.id} has a console password last used {int(idle)} days ago.")
        else:
            yield FAIL(user, f"IAM user {user.id} has a console password set {int(idle)} days ago and never used.")


@check(
    id="iam_user_mfa_enabled_console_access",
    title="IAM user with a console password has MFA enabled",
    severity="high",
    resource_type="AwsIamUser",
    reads=["iam.users"],
    risk="A console password without MFA can be phished or guessed into full console access.",
    remediation="Assign an MFA device to every IAM user that has a console password, or remove the password.",
)
def iam_user_mfa_enabled_console_access(users):
    for user in users:
        if not _in_report(user) or user.get("password_enabled") is None:
            continue
        if not user.get("password_enabled"):
            yield PASS(user, f"IAM user {user.id} has no console password.")
        elif user.get("mfa_active"):
            yield PASS(user, f"IAM user {user.id} has a console password and MFA enabled.")
        else:
            yield FAIL(user, f"IAM user {user.id} has a console password but no MFA device.")


@check(
    id="iam_user_no_setup_initial_access_key",
    title="IAM console user has no active access key that was never used",
    severity="medium",
    resource_type="AwsIamUser",
    reads=["iam.users"],
    risk="Access keys created with a console user 'just in case' are long-lived credentials nobody needs.",
    remediation="Delete never-used access keys of console users; create keys only when a workload needs them.",
)
def iam_user_no_setup_initial_access_key(users):
    for user in users:
        if not _in_report(user):
            continue
        never_used = [k for k in _active_keys(user) if not k.get("last_used")]
        if user.get("password_enabled") and never_used:
            slots = " and ".join(str(k["slot"]) for k in never_used)
            yield FAIL(user, f"IAM user {user.id} has a console password and never-used active access key {slots}.")
        else:
            yield PASS(user, f"IAM user {user.id} has no never-used access key set up with a console password.")


@check(
    id="iam_user_two_active_access_key",
    title="IAM user has at most one active access key",
    severity="medium",
    resource_type="AwsIamUser",
    reads=["iam.users"],
    risk="Two active keys double the credentials to protect and usually mean a rotation was never finished.",
    remediation="Finish the rotation: move workloads to one key, then deactivate and delete the other.",
)
def iam_user_two_active_access_key(users):
    for user in users:
        if not _in_report(user):
            continue
        if len(_active_keys(user)) > 1:
            yield FAIL(user, f"IAM user {user.id} has two active access keys.")
        else:
            yield PASS(user, f"IAM user {user.id} has at most one active access key.")


# -- policies and permissions -----------------------------------------------------------------


@check(
    id="iam_policy_attached_only_to_group_or_roles",
    title="IAM user gets its permissions only through groups or roles",
    severity="low",
    resource_type="AwsIamUser",
    reads=["iam.users"],
    risk="Policies on individual users are hard to review and drift apart; permissions are easier to audit "
    "when granted to groups or roles.",
    remediation="Move the user's inline and attached policies to a group (or role) and add the user to it.",
)
def iam_policy_attached_only_to_group_or_roles(users):
    for user in users:
        attached = user.get("attached_policies") or []
        inline = user.get("inline_policies") or []
        if attached or inline:
            parts = []
            if attached:
                parts.append(f"{len(attached)} attached")
            if inline:
                parts.append(f"{len(inline)} inline")
            yield FAIL(user, f"IAM user {user.id} has {' and '.join(parts)} policies of its own.")
        else:
            yield PASS(user, f"IAM user {user.id} has no policies of its own.")


@check(
    id="iam_aws_attached_policy_no_administrative_privileges",
    title="Attached AWS-managed policy does not grant '*:*' administrative access",
    severity="critical",
    resource_type="AwsIamPolicy",
    reads=["iam.policies"],
    risk="Identities holding full administrative access can do anything in the account, including erasing "
    "its audit trail.",
    remediation="Detach full-access policies such as AdministratorAccess and grant least-privilege policies instead.",
)
def iam_aws_attached_policy_no_administrative_privileges(policies):
    for policy in policies:
        if not policy.get("aws_managed") or not policy.get("attachment_count"):
            continue
        if _grants_full_admin(policy.get("document")):
            yield FAIL(policy, f"AWS-managed policy {policy.id} is attached and allows '*:*'.")
        else:
            yield PASS(policy, f"AWS-managed policy {policy.id} is attached and does not allow '*:*'.")


@check(
    id="iam_customer_attached_policy_no_administrative_privileges",
    title="Attached customer-managed policy does not grant '*:*' administrative access",
    severity="high",
    resource_type="AwsIamPolicy",
    reads=["iam.policies"],
    risk="Identities holding full administrative access can do anything in the account, including erasing "
    "its audit trail.",
    remediation="Replace the '*' action on '*' resources with the specific actions and resources the "
    "identities need.",
)
def iam_customer_attached_policy_no_administrative_privileges(policies):
    for policy in policies:
        if policy.get("aws_managed") or not policy.get("attachment_count"):
            continue
        if _grants_full_admin(policy.get("document")):
            yield FAIL(policy, f"Customer-managed policy {policy.id} is attached and allows '*:*'.")
        else:
            yield PASS(policy, f"Customer-managed policy {policy.id} is attached and does not allow '*:*'.")


@check(
    id="iam_policy_cloudshell_admin_not_attached",
    title="No IAM user, group or role has AWSCloudShellFullAccess attached",
    severity="medium",
    resource_type="AwsIamPolicy",
    reads=["iam.account", "iam.users", "iam.groups", "iam.roles"],
    risk="CloudShell full access lets an identity run a shell with its credentials and move files in and out "
    "of the account.",
    remediation="Detach AWSCloudShellFullAccess and grant a narrower CloudShell policy to those who need it.",
)
def iam_policy_cloudshell_admin_not_attached(accounts, users, groups, roles):
    for account in accounts:
        if not all(account.get(k) for k in ("users_listed", "groups_listed", "roles_listed")):
            continue
        policy = _aws_policy(account, CLOUDSHELL_POLICY)
        holders = [p for kind in (users, groups, roles) for p in _attached_to(kind, policy.uid)]
        if holders:
            yield FAIL(policy, f"{CLOUDSHELL_POLICY} is attached to {_names(holders)}.")
        else:
            yield PASS(policy, f"{CLOUDSHELL_POLICY} is not attached to any IAM user, group or role.")


@check(
    id="iam_support_role_created",
    title="An IAM role has the AWSSupportAccess policy attached",
    severity="low",
    resource_type="AwsIamRole",
    reads=["iam.account", "iam.roles"],
    risk="Without a dedicated support role, incidents are handled with over-privileged or shared credentials.",
    remediation="Create a role for your support staff and attach the AWSSupportAccess managed policy to it.",
)
def iam_support_role_created(accounts, roles):
    for account in accounts:
        if not account.get("roles_listed"):
            continue
        policy = _aws_policy(account, SUPPORT_POLICY)
        holders = _attached_to(roles, policy.uid)
        if holders:
            yield PASS(policy, f"{SUPPORT_POLICY} is attached to role {_names(holders)}.")
        else:
            yield FAIL(policy, f"{SUPPORT_POLICY} is not attached to any IAM role.")


# -- account settings -------------------------------------------------------------------------


@check(
    id="iam_password_policy_minimum_length_14",
    title="IAM password policy requires at least 14 characters",
    severity="medium",
    resource_type="AwsIamPolicy",
    reads=["iam.password_policy"],
    risk="Short passwords fall quickly to guessing and brute-force attacks.",
    remediation="Set the account password policy's minimum length to 14 or more.",
)
def iam_password_policy_minimum_length_14(password_policies):
    for policy in password_policies:
        length = policy.get("minimum_length")
        if not policy.get("configured"):
            yield FAIL(policy, "The account has no IAM password policy, so passwords may be as short as 8 characters.")
        elif (length or 0) >= MIN_PASSWORD_LENGTH:
            yield PASS(policy, f"The IAM password policy requires at least {length} characters.")
        else:
            yield FAIL(policy, f"The IAM password policy requires only {length} characters.")


@check(
    id="iam_password_policy_reuse_24",
    title="IAM password policy prevents reuse of the last 24 passwords",
    severity="medium",
    resource_type="AwsIamPolicy",
    reads=["iam.password_policy"],
    risk="Users who cycle back to old passwords keep credentials that may already have leaked.",
    remediation="Set the account password policy to remember 24 previous passwords.",
)
def iam_password_policy_reuse_24(password_policies):
    for policy in password_policies:
        reuse = policy.get("reuse_prevention")
        if not policy.get("configured"):
            yield FAIL(policy, "The account has no IAM password policy, so old passwords may be reused.")
        elif (reuse or 0) >= PASSWORD_REUSE:
            yield PASS(policy, f"The IAM password policy prevents reuse of the last {reuse} passwords.")
        elif reuse:
            yield FAIL(policy, f"The IAM password policy prevents reuse of only the last {reuse} passwords.")
        else:
            yield FAIL(policy, "The IAM password policy does not prevent password reuse.")


@check(
    id="iam_no_expired_server_certificates_stored",
    title="IAM server certificate is not expired",
    severity="high",
    resource_type="AwsCertificateManagerCertificate",
    reads=["iam.server_certificates"],
    risk="An expired certificate deployed by mistake breaks TLS for clients or trains them to ignore warnings.",
    remediation="Delete expired server certificates from IAM (aws iam delete-server-certificate).",
)
def iam_no_expired_server_certificates_stored(certificates, now):
    for cert in certificates:
        age = days_since(cert.get("expiration"), now)
        if age is None:
            continue
        if age > 0:
            yield FAIL(cert, f"IAM server certificate {cert.id} expired {int(age)} days ago.")
        else:
            yield PASS(cert, f"IAM server certificate {cert.id} is valid for {int(-age)} more days.")


@check(
    id="iam_check_saml_providers_sts",
    title="The account has a SAML identity provider for federated access",
    severity="low",
    resource_type="Other",
    reads=["iam.account", "iam.saml_providers"],
    risk="Without identity federation, people sign in with long-lived IAM users instead of temporary credentials.",
    remediation="Federate sign-in through a SAML identity provider (or IAM Identity Center) and retire IAM users.",
)
def iam_check_saml_providers_sts(accounts, providers):
    for provider in providers:
        yield PASS(provider, f"SAML identity provider {provider.id} is configured.")
    if providers:
        return
    for account in accounts:
        if account.get("saml_providers_listed"):
            yield FAIL(account, f"Account {account.id} has no SAML identity provider.")


# -- password policy character classes and expiry ---------------------------------------------


# (check id, severity, password policy field, what it requires, console setting)
PASSWORD_CHARACTER_RULES = (
    ("iam_password_policy_lowercase", "low", "require_lowercase", "lowercase letter", "one lowercase letter"),
    ("iam_password_policy_uppercase", "medium", "require_uppercase", "uppercase letter", "one uppercase letter"),
    ("iam_password_policy_number", "medium", "require_numbers", "number", "one number"),
    ("iam_password_policy_symbol", "medium", "require_symbols", "symbol", "one non-alphanumeric character"),
)


def _password_character_rule(check_id: str, severity: str, field: str, what: str, setting: str) -> None:
    @check(
        id=check_id,
        title=f"IAM password policy requires a {what}",
        severity=severity,
        resource_type="AwsIamPolicy",
        reads=["iam.password_policy"],
        risk="Passwords drawn from fewer kinds of character are easier to guess or crack.",
        remediation=f"Turn on 'Require at least {setting}' in the account password policy.",
    )
    def rule(password_policies):
        for policy in password_policies:
            if not policy.get("configured"):
                yield FAIL(policy, f"The account has no IAM password policy, so passwords need not contain a {what}.")
            elif policy.get(field):
                yield PASS(policy, f"The IAM password policy requires at least one {what}.")
            else:
                yield FAIL(policy, f"The IAM password policy does not require a {what}.")


for _rule in PASSWORD_CHARACTER_RULES:
    _password_character_rule(*_rule)


@check(
    id="iam_password_policy_expires_passwords_within_90_days_or_less",
    title="IAM password policy expires passwords within 90 days",
    severity="medium",
    resource_type="AwsIamPolicy",
    reads=["iam.password_policy"],
    risk="A password that never expires stays useful to whoever learns it for as long as the user exists.",
    remediation="Set the account password policy's password expiration period to 90 days or less.",
)
def iam_password_policy_expires_passwords_within_90_days_or_less(password_policies):
    for policy in password_policies:
        max_age = policy.get("max_age")
        if not policy.get("configured"):
            yield FAIL(policy, "The account has no IAM password policy, so passwords never expire.")
        elif not max_age:
            yield FAIL(policy, "The IAM password policy does not expire passwords.")
        elif max_age <= PASSWORD_MAX_AGE_DAYS:
            yield PASS(policy, f"The IAM password policy expires passwords after {max_age} days.")
        else:
            yield FAIL(policy, f"The IAM password policy expires passwords only after {max_age} days.")


# -- AdministratorAccess on users, groups and roles ---------------------------------------------


def _has_aws_policy(principal: Resource, name: str) -> bool:
    parts = principal.uid.split(":")
    partition = parts[1] if len(parts) > 1 and parts[1] else "aws"
    return f"arn:{partition}:iam::aws:policy/{name}" in (principal.get("attached_policies") or [])


def _judge_admin_access(principals, kind: str):
    for principal in principals:
        if _has_aws_policy(principal, ADMIN_POLICY):
            yield FAIL(principal, f"IAM {kind} {principal.id} has the {ADMIN_POLICY} policy attached.")
        else:
            yield PASS(principal, f"IAM {kind} {principal.id} does not have the {ADMIN_POLICY} policy attached.")


@check(
    id="iam_user_administrator_access_policy",
    title="IAM user does not have AdministratorAccess attached",
    severity="critical",
    resource_type="AwsIamUser",
    reads=["iam.users"],
    risk="A user with AdministratorAccess holds long-lived credentials that can do anything in the account.",
    remediation="Detach AdministratorAccess from the user; grant administration through a role that people "
    "assume with MFA.",
)
def iam_user_administrator_access_policy(users):
    yield from _judge_admin_access(users, "user")


@check(
    id="iam_group_administrator_access_policy",
    title="IAM group does not have AdministratorAccess attached",
    severity="high",
    resource_type="AwsIamGroup",
    reads=["iam.groups"],
    risk="Every member of a group with AdministratorAccess, today's and tomorrow's, can do anything in the account.",
    remediation="Detach AdministratorAccess from the group and grant its members least-privilege policies, or "
    "administration through a role assumed with MFA.",
)
def iam_group_administrator_access_policy(groups):
    yield from _judge_admin_access(groups, "group")


@check(
    id="iam_role_administratoraccess_policy",
    title="IAM role does not have AdministratorAccess attached",
    severity="high",
    resource_type="AwsIamRole",
    reads=["iam.roles"],
    risk="Whoever can assume a role with AdministratorAccess, or compromise the workload using it, controls the "
    "whole account.",
    remediation="Replace AdministratorAccess on the role with a policy scoped to what its users or workload need.",
)
def iam_role_administratoraccess_policy(roles):
    # AWS owns the policies of service-linked roles: they are not judged.
    yield from _judge_admin_access([r for r in roles if not r.get("service_linked")], "role")


@check(
    id="iam_administrator_access_with_mfa",
    title="Every member of an IAM group with AdministratorAccess has MFA enabled",
    severity="high",
    resource_type="AwsIamGroup",
    reads=["iam.account", "iam.groups", "iam.users"],
    risk="An administrator without MFA can be taken over with a stolen password or access key alone.",
    remediation="Enable MFA for every member of the group, or remove the members who cannot use it.",
)
def iam_administrator_access_with_mfa(accounts, groups, users):
    if not any(a.get("users_listed") for a in accounts):
        return  # group membership comes from the user listing
    for group in groups:
        if not _has_aws_policy(group, ADMIN_POLICY):
            continue
        members = [u for u in users if group.id in (u.get("groups") or [])]
        without = [u for u in members if _in_report(u) and u.get("mfa_active") is False]
        unknown = [u for u in members if not _in_report(u) or u.get("mfa_active") is None]
        if without:
            yield FAIL(group, f"IAM group {group.id} grants {ADMIN_POLICY} to members without MFA: {_names(without)}.")
        elif unknown:
            continue
        elif members:
            yield PASS(group, f"IAM group {group.id} grants {ADMIN_POLICY} only to members with MFA enabled.")
        else:
            yield PASS(group, f"IAM group {group.id} has {ADMIN_POLICY} attached but no members.")


# -- users' MFA devices and long-lived credentials ----------------------------------------------


@check(
    id="iam_user_hardware_mfa_enabled",
    title="IAM user's MFA is a hardware device",
    severity="high",
    resource_type="AwsIamUser",
    reads=["iam.users"],
    risk="Virtual MFA seeds live on phones and computers that can be lost, cloned or compromised; without any "
    "MFA a password or key alone is enough.",
    remediation="Give the user a hardware MFA device or FIDO security key and remove its virtual MFA device.",
)
def iam_user_hardware_mfa_enabled(users):
    for user in users:
        if not _in_report(user) or user.get("mfa_active") is None:
            continue
        virtual = user.get("virtual_mfa_serials")
        if not user.get("mfa_active"):
            yield FAIL(user, f"IAM user {user.id} has no MFA device.")
        elif virtual is None:
            continue  # the virtual MFA devices could not be listed
        elif virtual:
            yield FAIL(user, f"IAM user {user.id} uses the virtual MFA device {virtual[0]}, not a hardware device.")
        else:
            yield PASS(user, f"IAM user {user.id} uses a hardware MFA device.")


@check(
    id="iam_user_with_temporary_credentials",
    title="IAM user's access keys reach no services other than IAM and STS",
    severity="high",
    resource_type="AwsIamUser",
    reads=["iam.users"],
    risk="Access keys are long-lived: when they can reach services directly, a leaked key exposes those services "
    "until someone notices, instead of for the hour a role session lasts.",
    remediation="Have workloads and people use roles (temporary credentials); if a user must keep an access key, "
    "let it do no more than assume those roles.",
)
def iam_user_with_temporary_credentials(users):
    for user in users:
        if not _in_report(user):
            continue
        if not _active_keys(user):
            yield PASS(user, f"IAM user {user.id} has no active access keys.")
            continue
        services = user.get("services_with_access")
        if services is None:
            continue  # the service last-accessed report could not be read
        others = sorted(set(services) - {"iam", "sts"})
        if others:
            yield FAIL(user, f"IAM user {user.id} has active access keys with access to {_summary(others)}.")
        else:
            yield PASS(user, f"IAM user {user.id} has active access keys with access only to IAM and STS.")


# -- inline policies --------------------------------------------------------------------------


def _inline_label(policy: Resource) -> str:
    return f"Inline policy {policy.get('name')} of IAM {policy.get('entity_type')} {policy.get('entity_name')}"


@check(
    id="iam_inline_policy_no_administrative_privileges",
    title="Inline IAM policy does not grant '*:*' administrative access",
    severity="critical",
    resource_type="AwsIamPolicy",
    reads=["iam.inline_policies"],
    risk="An inline policy allowing every action on every resource makes its user, group or role a full "
    "administrator, out of sight of managed-policy reviews.",
    remediation="Replace the inline policy with a managed policy that grants only the actions and resources needed.",
)
def iam_inline_policy_no_administrative_privileges(inline_policies):
    for policy in inline_policies:
        if _grants_full_admin(policy.get("document")):
            yield FAIL(policy, f"{_inline_label(policy)} allows '*:*'.")
        else:
            yield PASS(policy, f"{_inline_label(policy)} does not allow '*:*'.")


def _full_service_access(document, service: str) -> bool:
    """An Allow whose action covers every action of ``service`` ("svc:*", "*", or a NotAction that spares it)."""
    probe = f"{service}:zz-every-action"  # no real action has this name: only a wildcard reaches it
    return any(s.get("Effect") == "Allow" and grants_action(s, probe) for s in statements(document))


@check(
    id="iam_inline_policy_no_full_access_to_cloudtrail",
    title="Inline IAM policy does not grant 'cloudtrail:*'",
    severity="high",
    resource_type="AwsIamPolicy",
    reads=["iam.inline_policies"],
    risk="Full CloudTrail access includes stopping and deleting trails, which lets an intruder erase the record "
    "of what they do.",
    remediation="Grant only the CloudTrail actions needed (for example read-only ones) instead of 'cloudtrail:*'.",
)
def iam_inline_policy_no_full_access_to_cloudtrail(inline_policies):
    for policy in inline_policies:
        if _full_service_access(policy.get("document"), "cloudtrail"):
            yield FAIL(policy, f"{_inline_label(policy)} allows every CloudTrail action ('cloudtrail:*').")
        else:
            yield PASS(policy, f"{_inline_label(policy)} does not allow every CloudTrail action.")


# Sets of permissions that together let an identity give itself more privileges, after Rhino Security Labs'
# public research on AWS IAM privilege escalation. Holding every action of one set is enough.
PRIVILEGE_ESCALATION_PATHS: tuple[frozenset[str], ...] = tuple(
    frozenset(path)
    for path in (
        {"iam:CreatePolicyVersion"},
        {"iam:SetDefaultPolicyVersion"},
        {"iam:CreateAccessKey"},
        {"iam:CreateLoginProfile"},
        {"iam:UpdateLoginProfile"},
        {"iam:AttachUserPolicy"},
        {"iam:AttachGroupPolicy"},
        {"iam:PutUserPolicy"},
        {"iam:PutGroupPolicy"},
        {"iam:AddUserToGroup"},
        {"iam:AttachRolePolicy", "sts:AssumeRole"},
        {"iam:PutRolePolicy", "sts:AssumeRole"},
        {"iam:UpdateAssumeRolePolicy", "sts:AssumeRole"},
        {"iam:PassRole", "ec2:RunInstances"},
        {"iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"},
        {"iam:PassRole", "lambda:CreateFunction", "lambda:CreateEventSourceMapping"},
        {"lambda:UpdateFunctionCode"},
        {"iam:PassRole", "glue:CreateDevEndpoint"},
        {"glue:UpdateDevEndpoint"},
        {"iam:PassRole", "cloudformation:CreateStack"},
        {"iam:PassRole", "datapipeline:CreatePipeline", "datapipeline:PutPipelineDefinition"},
        {"iam:PassRole", "sagemaker:CreateNotebookInstance", "sagemaker:CreatePresignedNotebookInstanceUrl"},
        {"iam:PassRole", "ecs:RegisterTaskDefinition", "ecs:RunTask"},
        {"iam:PassRole", "codebuild:CreateProject", "codebuild:StartBuild"},
    )
)
_ESCALATION_ACTIONS = frozenset().union(*PRIVILEGE_ESCALATION_PATHS)


def _escalation_paths(document) -> list[str]:
    allowed = allowed_actions(document, _ESCALATION_ACTIONS)
    return sorted(" + ".join(sorted(path)) for path in PRIVILEGE_ESCALATION_PATHS if path <= allowed)


def _escalation_results(policy: Resource, label: str):
    paths = _escalation_paths(policy.get("document"))
    if paths:
        return FAIL(policy, f"{label} allows privilege escalation through {_summary(paths, 3)}.")
    return PASS(policy, f"{label} allows no known privilege escalation path.")


_ESCALATION_RISK = (
    "An identity holding these permissions can grant itself (or a role it controls) more access than it was "
    "given, up to administrator."
)
_ESCALATION_REMEDY = (
    "Remove the listed permissions, or scope them to specific resources and protect them with conditions "
    "and permissions boundaries."
)


@check(
    id="iam_inline_policy_allows_privilege_escalation",
    title="Inline IAM policy allows no privilege escalation",
    severity="high",
    resource_type="AwsIamPolicy",
    reads=["iam.inline_policies"],
    risk=_ESCALATION_RISK,
    remediation=_ESCALATION_REMEDY,
)
def iam_inline_policy_allows_privilege_escalation(inline_policies):
    for policy in inline_policies:
        yield _escalation_results(policy, _inline_label(policy))


def _attached_customer_policies(policies) -> list[Resource]:
    return [p for p in policies if not p.get("aws_managed") and p.get("attachment_count")]


@check(
    id="iam_policy_allows_privilege_escalation",
    title="Attached customer-managed IAM policy allows no privilege escalation",
    severity="high",
    resource_type="AwsIamPolicy",
    reads=["iam.policies"],
    risk=_ESCALATION_RISK,
    remediation=_ESCALATION_REMEDY,
)
def iam_policy_allows_privilege_escalation(policies):
    for policy in _attached_customer_policies(policies):
        yield _escalation_results(policy, f"Customer-managed policy {policy.id}")


@check(
    id="iam_no_custom_policy_permissive_role_assumption",
    title="Attached customer-managed IAM policy does not allow sts:AssumeRole on every role",
    severity="high",
    resource_type="AwsIamPolicy",
    reads=["iam.policies"],
    risk="Allowing sts:AssumeRole on '*' lets the identity take on any role that trusts its account, including "
    "roles far more privileged than itself.",
    remediation="List the ARNs of the roles the identity needs to assume instead of '*'.",
)
def iam_no_custom_policy_permissive_role_assumption(policies):
    probe = "arn:aws:iam::000000000000:role/zz-any-role"
    for policy in _attached_customer_policies(policies):
        broad = [
            s
            for s in statements(policy.get("document"))
            if s.get("Effect") == "Allow"
            and grants_action(s, "sts:AssumeRole")
            and any(pattern_matches(r, probe) for r in _as_list(s.get("Resource")))
        ]
        if broad:
            yield FAIL(policy, f"Customer-managed policy {policy.id} allows sts:AssumeRole on every role.")
        else:
            yield PASS(policy, f"Customer-managed policy {policy.id} does not allow sts:AssumeRole on every role.")


# -- Bedrock AgentCore ------------------------------------------------------------------------

AGENTCORE = "bedrock-agentcore"
AGENTCORE_TOKEN_ACTIONS = (
    "GetWorkloadAccessToken",
    "GetWorkloadAccessTokenForJWT",
    "GetWorkloadAccessTokenForUserId",
)
AGENTCORE_PRINCIPALS = ("bedrock-agentcore.amazonaws.com", "runtime-identity.bedrock-agentcore.amazonaws.com")
# No other AgentCore resource type's path starts with this, so a pattern spelling it out is confined to it.
WORKLOAD_IDENTITY_PATH = "workload-identity-directory"


def _service_actions(statement: dict, service: str, operations) -> set[str]:
    """The ``operations`` of ``service`` an Action names; a bare '*' or '*:*' is the admin checks' concern."""
    covered = set()
    for action in _as_list(statement.get("Action")):
        prefix, sep, operation = str(action).strip().partition(":")
        if sep != ":" or (prefix == "*" and operation == "*") or not pattern_matches(prefix, service):
            continue
        covered.update(op for op in operations if pattern_matches(operation, op))
    return covered


def _prefix_may_match(pattern_head: str, text: str) -> bool:
    """Whether ``pattern_head`` (no '*') and ``text`` agree on their common length, '?' matching anything."""
    return all(p in ("?", t) for p, t in zip(pattern_head.lower(), text.lower()))


def _reaches_any_workload_identity(resource) -> bool:
    """A Resource entry that can name workload identities outside one directory path (for example '*')."""
    resource = str(resource).strip()
    if resource == "*":
        return True
    fields = resource.split(":", 5)
    if not pattern_matches(fields[0], "arn"):
        return False
    if len(fields) > 2 and not pattern_matches(fields[2], AGENTCORE):
        return False
    if len(fields) < 6:
        return "*" in fields[-1]  # a star in the last field spans the fields left out
    head, starred = fields[5].split("*", 1)[0], "*" in fields[5]
    if not _prefix_may_match(head, WORKLOAD_IDENTITY_PATH):
        return False  # another AgentCore resource type: the token actions accept none of them
    return starred and len(head) < len(WORKLOAD_IDENTITY_PATH)


def _notaction_allow(document) -> bool:
    return any(s.get("Effect") == "Allow" and "NotAction" in s for s in statements(document))


def _unconditional_denies(document, service: str, operations) -> set[str]:
    removed = set()
    for s in statements(document):
        if s.get("Effect") != "Deny" or s.get("Condition") or "*" not in _as_list(s.get("Resource")):
            continue
        if "*" in _as_list(s.get("Action")):
            removed.update(operations)
        removed.update(_service_actions(s, service, operations))
    return removed


@check(
    id="iam_policy_no_agentcore_workload_access_token_wildcard",
    title="Attached customer-managed IAM policy scopes AgentCore workload access tokens to workload identities",
    severity="high",
    resource_type="AwsIamPolicy",
    reads=["iam.policies"],
    risk="A workload access token speaks for an agent: granting its retrieval on every resource lets the holder "
    "obtain tokens for any workload identity and act as those agents.",
    remediation="Scope bedrock-agentcore:GetWorkloadAccessToken* to the workload identity ARNs "
    "(workload-identity-directory/...) the caller should use.",
)
def iam_policy_no_agentcore_workload_access_token_wildcard(policies):
    for policy in _attached_customer_policies(policies):
        document = policy.get("document")
        if document is None:
            continue
        if _notaction_allow(document):
            yield MANUAL(policy, f"Customer-managed policy {policy.id} grants through NotAction; review its "
                         "AgentCore token permissions by hand.")
            continue
        denied = _unconditional_denies(document, AGENTCORE, AGENTCORE_TOKEN_ACTIONS)
        unscoped = set()
        for s in statements(document):
            if s.get("Effect") != "Allow":
                continue
            resources = _as_list(s.get("Resource"))
            if "NotResource" in s or any(_reaches_any_workload_identity(r) for r in resources):
                unscoped |= _service_actions(s, AGENTCORE, AGENTCORE_TOKEN_ACTIONS) - denied
        if unscoped:
            names = _summary(f"{AGENTCORE}:{op}" for op in unscoped)
            yield FAIL(policy, f"Customer-managed policy {policy.id} allows {names} beyond workload identity ARNs.")
        else:
            yield PASS(policy, f"Customer-managed policy {policy.id} allows no AgentCore workload access token "
                       "retrieval beyond workload identity ARNs.")


_EVERY_ROLE_PROBES = ("role/a", "role/" + "r" * 64)


def _names_every_role(resource) -> bool:
    resource = str(resource).strip()
    if resource == "*":
        return True
    fields = resource.split(":", 5)
    if len(fields) < 6 or not pattern_matches(fields[2], "iam"):
        return len(fields) < 6 and "*" in fields[-1] and pattern_matches(fields[0], "arn")
    return all(pattern_matches(fields[5], probe) for probe in _EVERY_ROLE_PROBES)


_PASSED_TO_SERVICE_OPERATOR = re.compile(
    r"^(ForAnyValue:|ForAllValues:)?(StringEquals|StringEqualsIgnoreCase|StringLike)(IfExists)?$", re.IGNORECASE
)


def _passed_to_service(statement: dict) -> tuple[list[str], bool]:
    """The services an iam:PassedToService condition names, and whether the caller can skip that condition."""
    condition = statement.get("Condition") if isinstance(statement.get("Condition"), dict) else {}
    guarded = any(
        str(k).lower() == "iam:passedtoservice" and all(str(v).strip().lower() == "false" for v in _as_list(val))
        for op, block in condition.items()
        if str(op).lower() == "null" and isinstance(block, dict)
        for k, val in block.items()
    )
    values, skippable = [], []
    for operator, block in condition.items():
        if not isinstance(block, dict) or not _PASSED_TO_SERVICE_OPERATOR.match(str(operator)):
            continue
        for key, value in block.items():
            if str(key).lower() == "iam:passedtoservice":
                values.extend(str(v) for v in _as_list(value))
                lowered = str(operator).lower()
                skippable.append((lowered.endswith("ifexists") or lowered.startswith("forallvalues:")) and not guarded)
    return values, bool(skippable) and all(skippable)


def _passrole_to_agentcore(statement: dict, document) -> bool:
    if not _service_actions(statement, "iam", ("PassRole",)):
        return False
    resources = _as_list(statement.get("Resource"))
    if not ("NotResource" in statement or any(_names_every_role(r) for r in resources)):
        return False
    services, skippable = _passed_to_service(statement)
    if any(pattern_matches(v, p) or pattern_matches(p, v) for v in services for p in AGENTCORE_PRINCIPALS):
        return True
    if services and not skippable:
        return False  # pinned to other services
    grants_agentcore = any(
        s.get("Effect") == "Allow"
        and any(str(a).partition(":")[1] and pattern_matches(str(a).partition(":")[0], AGENTCORE)
                for a in _as_list(s.get("Action")))
        for s in statements(document)
    )
    return grants_agentcore


@check(
    id="iam_policy_passrole_to_bedrock_agentcore_restricted",
    title="Attached customer-managed IAM policy passes only specific roles to Bedrock AgentCore",
    severity="high",
    resource_type="AwsIamPolicy",
    reads=["iam.policies"],
    risk="Passing any role to an AgentCore runtime lets the holder run an agent as the most privileged role in "
    "the account: a privilege escalation.",
    remediation="Limit iam:PassRole for AgentCore to the ARNs of its execution roles and pin iam:PassedToService "
    "to bedrock-agentcore.amazonaws.com.",
)
def iam_policy_passrole_to_bedrock_agentcore_restricted(policies):
    for policy in _attached_customer_policies(policies):
        document = policy.get("document")
        if document is None:
            continue
        if _notaction_allow(document):
            yield MANUAL(policy, f"Customer-managed policy {policy.id} grants through NotAction; review its "
                         "iam:PassRole permissions by hand.")
            continue
        unrestricted = not _unconditional_denies(document, "iam", ("PassRole",)) and any(
            s.get("Effect") == "Allow" and _passrole_to_agentcore(s, document) for s in statements(document)
        )
        if unrestricted:
            yield FAIL(policy, f"Customer-managed policy {policy.id} allows iam:PassRole of every role to "
                       "Bedrock AgentCore.")
        else:
            yield PASS(policy, f"Customer-managed policy {policy.id} does not allow iam:PassRole of every role to "
                       "Bedrock AgentCore.")


# -- role trust policies ------------------------------------------------------------------------


def _service_trust_statements(role: Resource) -> list[dict]:
    return [
        s
        for s in statements(role.get("trust_policy"))
        if s.get("Effect") == "Allow"
        and isinstance(s.get("Principal"), dict)
        and "Service" in s["Principal"]
        and grants_action(s, "sts:AssumeRole")
    ]


@check(
    id="iam_role_cross_account_readonlyaccess_policy",
    title="IAM role with ReadOnlyAccess is not assumable from other AWS accounts",
    severity="high",
    resource_type="AwsIamRole",
    reads=["iam.roles"],
    risk="ReadOnlyAccess reads almost everything, including data in S3 and DynamoDB; handing it to another "
    "account exposes all of it to that account's users.",
    remediation="Grant the external account a narrower policy (such as SecurityAudit or ViewOnlyAccess), or "
    "remove it from the role's trust policy.",
)
def iam_role_cross_account_readonlyaccess_policy(roles):
    for role in roles:
        if role.get("service_linked"):
            continue
        if not _has_aws_policy(role, READONLY_POLICY):
            yield PASS(role, f"IAM role {role.id} does not have the {READONLY_POLICY} policy attached.")
            continue
        own = account_of(role.uid)
        external = {
            account
            for s in statements(role.get("trust_policy"))
            if s.get("Effect") == "Allow"
            for account in principal_accounts(s)
            if account != own
        }
        if external:
            yield FAIL(role, f"IAM role {role.id} grants {READONLY_POLICY} to principals of {_summary(external)}.")
        else:
            yield PASS(role, f"IAM role {role.id} has {READONLY_POLICY} but trusts no other account.")


@check(
    id="iam_role_cross_service_confused_deputy_prevention",
    title="IAM service role's trust policy pins the calling resource's account or ARN",
    severity="high",
    resource_type="AwsIamRole",
    reads=["iam.roles"],
    risk="Without aws:SourceAccount or aws:SourceArn, an AWS service acting for someone else's resource can be "
    "tricked into using this role (the confused deputy problem).",
    remediation="Add a condition on aws:SourceAccount, aws:SourceArn or aws:SourceOrgID to every trust statement "
    "that lets an AWS service assume the role.",
)
def iam_role_cross_service_confused_deputy_prevention(roles):
    for role in roles:
        trusted = _service_trust_statements(role)
        if role.get("service_linked") or not trusted:
            continue
        open_services = sorted(
            str(service)
            for s in trusted
            if not condition_limits_callers(s.get("Condition"), SOURCE_KEYS)
            for service in _as_list(s["Principal"]["Service"])
        )
        if open_services:
            yield FAIL(role, f"IAM role {role.id} lets {_summary(open_services)} assume it without a source "
                       "account or ARN condition.")
        else:
            yield PASS(role, f"IAM role {role.id} limits the AWS services that assume it to known source "
                       "accounts or resources.")


# -- the organisation's root credentials ----------------------------------------------------------


@check(
    id="iam_root_credentials_management_enabled",
    title="The organization manages member accounts' root credentials centrally",
    severity="high",
    resource_type="Other",
    reads=["organizations.organization"],
    risk="Without central root credentials management, every member account keeps a root password, keys and MFA "
    "that must each be protected and can each be used to take the account over.",
    remediation="Enable trusted access for IAM in AWS Organizations and turn on root credentials management "
    "(aws iam enable-organizations-root-credentials-management).",
)
def iam_root_credentials_management_enabled(organizations):
    for org in organizations:
        features = org.get("iam_features")
        if features is None:
            continue  # not readable from this account (only the management account or a delegated admin)
        if "RootCredentialsManagement" in features:
            yield PASS(org, f"Organization {org.id} manages member accounts' root credentials centrally.")
        else:
            yield FAIL(org, f"Organization {org.id} does not manage member accounts' root credentials centrally.")
