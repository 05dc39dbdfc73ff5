"""IAM checks on the root user and IAM users' credentials: passwords, access keys, MFA.

User and root facts come from the IAM credential report (merged into the records
by the collector). Ages are whole days before ``now``, the time the inventory was
collected, compared as Prowler does (older than N days means more than N whole
days). When the report could not be read, the fields are unread and the
evaluation turns these checks' results into "no verdict".

The root MFA checks report nothing for a root user without a password and without
access keys (an organization that manages member accounts' root credentials
centrally removes them): there is no credential for MFA to protect.
"""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check, days_since
from postureflow.checks.iam_common import active_keys, not_in_report, summary, whole_days

ROOT_USAGE_DAYS = 1
KEY_ROTATION_DAYS = 90


def _root_mfa(root) -> bool | None:
    if root.get("in_credential_report") is not False and root.get("mfa_active") is not None:
        return bool(root.get("mfa_active"))
    return root.get("account_mfa_enabled")


def _root_without_credentials(root) -> bool:
    """No password and no active access key (root credentials managed by the organization)."""
    return root.get("password_enabled") is False and not active_keys(root)


# -- the root user ----------------------------------------------------------------------------------


@check(
    service="iam",
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
        if not_in_report(root):
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
    service="iam",
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
        if not not_in_report(root):
            active = active_keys(root)
            if active:
                slots = " and ".join(str(k["slot"]) for k in active)
                yield FAIL(root, f"The root user has active access key {slots}.")
            else:
                yield PASS(root, "The root user has no active access keys.")
        elif root.get("account_access_keys_present"):
            yield FAIL(root, "The account summary reports that the root user has access keys.")
        else:
            yield PASS(root, "The account summary reports no root user access keys.")


@check(
    service="iam",
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
        if _root_without_credentials(root):
            continue
        if _root_mfa(root):
            yield PASS(root, "The root user has MFA enabled.")
        else:
            yield FAIL(root, "The root user does not have MFA enabled.")


@check(
    service="iam",
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
        if _root_without_credentials(root):
            continue
        virtual = root.get("virtual_mfa_serials")
        if not _root_mfa(root):
            yield FAIL(root, "The root user has no MFA device at all.")
        elif virtual:
            yield FAIL(root, f"The root user's MFA is the virtual device {virtual[0]}, not a hardware device.")
        else:
            yield PASS(root, "The root user's MFA is a hardware device.")


# -- IAM users' credentials -------------------------------------------------------------------------


@check(
    service="iam",
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
        if not_in_report(user):
            continue
        active = active_keys(user)
        stale = [(k, whole_days(k.get("last_rotated"), now)) for k in active]
        stale = [(k, age) for k, age in stale if age is not None and age > KEY_ROTATION_DAYS]
        if stale:
            detail = ", ".join(f"key {k['slot']} was last rotated {age} days ago" for k, age in stale)
            yield FAIL(user, f"IAM user {user.id} has active access keys older than {KEY_ROTATION_DAYS} days: {detail}.")
        elif active:
            yield PASS(user, f"IAM user {user.id} has rotated its active access keys in the last {KEY_ROTATION_DAYS} days.")
        else:
            yield PASS(user, f"IAM user {user.id} has no active access keys.")


@check(
    service="iam",
    id="iam_user_accesskey_unused",
    title="IAM user has no active access key left unused beyond the allowed number of days",
    severity="medium",
    resource_type="AwsIamUser",
    reads=["iam.users"],
    risk="An access key nobody uses is still a working credential for whoever finds it.",
    remediation="Deactivate and delete access keys that have not been used within the allowed period "
    "(max_unused_access_keys_days, 45 by default).",
    config=["max_unused_access_keys_days"],
)
def iam_user_accesskey_unused(users, now, config):
    limit = config["max_unused_access_keys_days"]
    for user in users:
        if not_in_report(user):
            continue
        unused = []
        for key in active_keys(user):
            # A key that was never used has been idle since it was created.
            idle = whole_days(key.get("last_used") or key.get("last_rotated"), now)
            if idle is not None and idle > limit:
                unused.append(f"key {key['slot']} ({idle} days)")
        if unused:
            yield FAIL(user, f"IAM user {user.id} has active access keys unused for more than {limit} days: "
                       f"{', '.join(unused)}.")
        else:
            yield PASS(user, f"IAM user {user.id} has no active access key unused for more than {limit} days.")


@check(
    service="iam",
    id="iam_user_console_access_unused",
    title="IAM user console password has been used within the allowed number of days",
    severity="medium",
    resource_type="AwsIamUser",
    reads=["iam.users"],
    risk="A console password nobody uses can be guessed or phished without anyone noticing.",
    remediation="Remove the console password (login profile) of users who have not signed in within the "
    "allowed period (max_console_access_days, 45 by default).",
    config=["max_console_access_days"],
)
def iam_user_console_access_unused(users, now, config):
    limit = config["max_console_access_days"]
    for user in users:
        if not_in_report(user):
            continue
        if user.get("password_enabled") is False:
            yield PASS(user, f"IAM user {user.id} has no console password.")
            continue
        last_used = user.get("password_last_used")
        # A password that was never used has been idle since it was set.
        idle = whole_days(last_used or user.get("password_last_changed"), now)
        if idle is None:
            yield PASS(user, f"IAM user {user.id} has a console password with no recorded date.")
        elif idle <= limit and last_used:
            yield PASS(user, f"IAM user {user.id} last signed in to the console {idle} days ago.")
        elif idle <= limit:
            yield PASS(user, f"IAM user {user.id} got a console password {idle} days ago and has not used it yet.")
        elif last_used:
            yield FAIL(user, f"IAM user {user.id} has a console password last used {idle} days ago "
                       f"(more than {limit}).")
        else:
            yield FAIL(user, f"IAM user {user.id} has a console password set {idle} days ago and never used.")


@check(
    service="iam",
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
        if not_in_report(user):
            continue
        if user.get("password_enabled") is False:
            yield PASS(user, f"IAM user {user.id} has no console password.")
        elif user.get("mfa_active"):
            yield PASS(user, f"IAM user {user.id} has a console password and MFA enabled.")
        else:
            yield FAIL(user, f"IAM user {user.id} has a console password but no MFA device.")


@check(
    service="iam",
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
        if not_in_report(user):
            continue
        never_used = [k for k in active_keys(user) if not k.get("last_used")]
        if user.get("password_enabled") and never_used:
            slots = " and ".join(str(k["slot"]) for k in never_used)
            yield FAIL(user, f"IAM user {user.id} has a console password and never-used active access key {slots}.")
        else:
            yield PASS(user, f"IAM user {user.id} has no never-used access key set up with a console password.")


@check(
    service="iam",
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
        if not_in_report(user):
            continue
        if len(active_keys(user)) > 1:
            yield FAIL(user, f"IAM user {user.id} has two active access keys.")
        else:
            yield PASS(user, f"IAM user {user.id} has at most one active access key.")


@check(
    service="iam",
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
        if not_in_report(user):
            continue
        virtual = user.get("virtual_mfa_serials")
        if not user.get("mfa_active"):
            yield FAIL(user, f"IAM user {user.id} has no MFA device.")
        elif virtual:
            yield FAIL(user, f"IAM user {user.id} uses the virtual MFA device {virtual[0]}, not a hardware device.")
        else:
            yield PASS(user, f"IAM user {user.id} uses a hardware MFA device.")


@check(
    service="iam",
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
        if not_in_report(user):
            continue
        if not active_keys(user):
            yield PASS(user, f"IAM user {user.id} has no active access keys.")
            continue
        others = sorted(set(user.get("services_last_accessed") or {}) - {"iam", "sts"})
        if others:
            yield FAIL(user, f"IAM user {user.id} has active access keys with access to {summary(others)}.")
        else:
            yield PASS(user, f"IAM user {user.id} has active access keys with access only to IAM and STS.")


@check(
    service="iam",
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
            parts = [f"{len(attached)} attached"] if attached else []
            parts += [f"{len(inline)} inline"] if inline else []
            yield FAIL(user, f"IAM user {user.id} has {' and '.join(parts)} policies of its own.")
        else:
            yield PASS(user, f"IAM user {user.id} has no policies of its own.")
