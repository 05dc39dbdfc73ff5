"""IAM checks: the root user, IAM users' credentials, managed policies and account settings.

User and root facts come from the IAM credential report (merged into the user
records by the collector). Ages are measured against ``now``, the time the
inventory was collected.
"""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check, days_since
from postureflow.collect.base import Resource

ROOT_USAGE_DAYS = 1
KEY_ROTATION_DAYS = 90
UNUSED_CREDENTIAL_DAYS = 45
MIN_PASSWORD_LENGTH = 14
PASSWORD_REUSE = 24
CLOUDSHELL_POLICY = "AWSCloudShellFullAccess"
SUPPORT_POLICY = "AWSSupportAccess"


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
