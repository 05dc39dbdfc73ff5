"""IAM checks on account-wide settings: the password policy, server certificates, SAML
federation, the organization's root credentials management, and where the AWS-managed
CloudShell, Support and SecurityAudit policies are attached.

When the password policy could not be read, or a listing these checks read
failed, the evaluation turns their results into "no verdict".
"""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check, days_since
from postureflow.checks.iam_common import (
    CLOUDSHELL_POLICY,
    SECURITY_AUDIT_POLICY,
    SUPPORT_POLICY,
    attached_to,
    aws_policy,
    names,
)
from postureflow.checks.organizations import unread_setting

MIN_PASSWORD_LENGTH = 14
PASSWORD_REUSE = 24
PASSWORD_MAX_AGE_DAYS = 90



@check(
    service="iam",
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
        policy = aws_policy(account, CLOUDSHELL_POLICY)
        holders = [p for kind in (users, groups, roles) for p in attached_to(kind, policy.uid)]
        if holders:
            yield FAIL(policy, f"{CLOUDSHELL_POLICY} is attached to {names(holders)}.")
        else:
            yield PASS(policy, f"{CLOUDSHELL_POLICY} is not attached to any IAM user, group or role.")


@check(
    service="iam",
    id="iam_support_role_created",
    title="An IAM role has the AWSSupportAccess policy attached",
    severity="low",
    resource_type="AwsIamRole",
    reads=["iam.account", "iam.roles"],
    risk="Without a dedicated support role, incidents are handled with over-privileged or shared credentials.",
    remediation="Create a role for your support staff and attach the AWSSupportAccess managed policy to it.",
)
def iam_support_role_created(accounts, roles):
    yield from _some_role_holds(accounts, roles, SUPPORT_POLICY)


def _some_role_holds(accounts, roles, name: str):
    """PASS when at least one IAM role has the AWS-managed policy ``name`` attached (filed on the policy)."""
    for account in accounts:
        policy = aws_policy(account, name)
        holders = attached_to(roles, policy.uid)
        if holders:
            yield PASS(policy, f"{name} is attached to role {names(holders)}.")
        else:
            yield FAIL(policy, f"{name} is not attached to any IAM role.")


@check(
    service="iam",
    id="iam_securityaudit_role_created",
    title="An IAM role has the SecurityAudit policy attached",
    severity="low",
    resource_type="AwsIamPolicy",
    reads=["iam.account", "iam.roles"],
    risk="Without a role for auditors, security reviews and incident responders end up using broader "
    "credentials than reading the configuration needs.",
    remediation="Create a role for security auditors (or your scanning tool) and attach the SecurityAudit "
    "managed policy to it.",
)
def iam_securityaudit_role_created(accounts, roles):
    yield from _some_role_holds(accounts, roles, SECURITY_AUDIT_POLICY)


# -- account settings -------------------------------------------------------------------------


@check(
    service="iam",
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
    service="iam",
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
    service="iam",
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
    service="iam",
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
        service="iam",
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
    service="iam",
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



# -- the organisation's root credentials ----------------------------------------------------------


@check(
    service="iam",
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
            yield from unread_setting(org, "IAM organization features")
            continue
        if "RootCredentialsManagement" in features:
            yield PASS(org, f"Organization {org.id} manages member accounts' root credentials centrally.")
        else:
            yield FAIL(org, f"Organization {org.id} does not manage member accounts' root credentials centrally.")
