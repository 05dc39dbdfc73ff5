"""IAM checks on who holds AdministratorAccess (users, groups, roles) and on role trust policies.

Trust policies are read with :mod:`postureflow.policy`: an AWS principal ``*``
or a wildcard-account ARN is everyone; a confused-deputy guard is a positive
``aws:SourceAccount``/``aws:SourceArn``/``aws:SourceOrgID``/``aws:SourceOrgPaths``
condition with concrete values (``...IfExists`` and wildcards guard nothing).
"""

from __future__ import annotations

from postureflow import policy
from postureflow.checks.base import FAIL, PASS, check
from postureflow.checks.iam_common import (
    ADMIN_POLICY,
    READONLY_POLICY,
    has_aws_policy,
    names,
    not_in_report,
    summary,
    unjudgeable,
)
from postureflow.inventory import Resource

def _judge_admin_access(principals, kind: str):
    for principal in principals:
        if has_aws_policy(principal, ADMIN_POLICY):
            yield FAIL(principal, f"IAM {kind} {principal.id} has the {ADMIN_POLICY} policy attached.")
        else:
            yield PASS(principal, f"IAM {kind} {principal.id} does not have the {ADMIN_POLICY} policy attached.")


@check(
    service="iam",
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
    service="iam",
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
    service="iam",
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
    service="iam",
    id="iam_administrator_access_with_mfa",
    title="Every member of an IAM group with AdministratorAccess has MFA enabled",
    severity="high",
    resource_type="AwsIamGroup",
    reads=["iam.account", "iam.groups", "iam.users"],
    risk="An administrator without MFA can be taken over with a stolen password or access key alone.",
    remediation="Enable MFA for every member of the group, or remove the members who cannot use it.",
)
def iam_administrator_access_with_mfa(accounts, groups, users):
    for group in groups:
        if not has_aws_policy(group, ADMIN_POLICY):
            continue
        members = [u for u in users if group.id in (u.get("groups") or [])]
        # A member not yet in the credential report has an unknown MFA state: no verdict on the group.
        if any(not_in_report(u) for u in members):
            continue
        without = [u for u in members if not u.get("mfa_active")]
        if without:
            yield FAIL(group, f"IAM group {group.id} grants {ADMIN_POLICY} to members without MFA: {names(without)}.")
        elif members:
            yield PASS(group, f"IAM group {group.id} grants {ADMIN_POLICY} only to members with MFA enabled.")
        else:
            yield PASS(group, f"IAM group {group.id} has {ADMIN_POLICY} attached but no members.")


# -- role trust policies ------------------------------------------------------------------------


def _service_trust_statements(role: Resource) -> list[dict]:
    return [
        s
        for s in policy.statements(role.get("trust_policy"))
        if policy.allows(s)
        and isinstance(s.get("Principal"), dict)
        and "Service" in s["Principal"]
        and policy.grants(s, "sts:AssumeRole")
    ]


@check(
    service="iam",
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
        if not has_aws_policy(role, READONLY_POLICY):
            yield PASS(role, f"IAM role {role.id} does not have the {READONLY_POLICY} policy attached.")
            continue
        own = policy.arn_account(role.uid)
        external = {
            account
            for s in policy.statements(role.get("trust_policy"))
            if policy.allows(s)
            for account in policy.principal_accounts(s)
            if account != own
        }
        if external:
            yield FAIL(role, f"IAM role {role.id} grants {READONLY_POLICY} to principals of {summary(external)}.")
        else:
            yield PASS(role, f"IAM role {role.id} has {READONLY_POLICY} but trusts no other account.")


@check(
    service="iam",
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
            if not policy.condition_limits_callers(s.get("Condition"), policy.SOURCE_KEYS)
            for service in policy.as_list(s["Principal"]["Service"])
        )
        if open_services:
            yield FAIL(role, f"IAM role {role.id} lets {summary(open_services)} assume it without a source "
                       "account or ARN condition.")
        else:
            yield PASS(role, f"IAM role {role.id} limits the AWS services that assume it to known source "
                       "accounts or resources.")


# Keys that name the calling resource's account: its id, or an ARN carrying it.
_SOURCE_ACCOUNT_KEYS = frozenset({"aws:sourceaccount", "aws:sourceowner"})
_SOURCE_ARN_KEYS = frozenset({"aws:sourcearn"})


def _source_accounts(statement: dict) -> set[str]:
    """The accounts a trust statement's condition confines the calling resource to; empty when it names
    none (no condition, wildcards, ...IfExists, or only an organization or an account-less ARN)."""
    pinned = policy.narrowing(statement, _SOURCE_ACCOUNT_KEYS | _SOURCE_ARN_KEYS)
    accounts = {v for k in _SOURCE_ACCOUNT_KEYS for v in pinned.get(k, [])}
    arns = pinned.get("aws:sourcearn", [])
    if arns and all(policy.arn_account(arn) for arn in arns):
        accounts |= {policy.arn_account(arn) for arn in arns}
    return accounts


@check(
    service="iam",
    id="iam_role_service_trust_restricts_source_to_account",
    title="IAM role's trust policy confines the AWS services that assume it to a specific source account",
    severity="medium",
    resource_type="AwsIamRole",
    reads=["iam.roles"],
    risk="An AWS service trusted without a source account acts for resources in any account: anyone can point "
    "their own resource at this role and have the service use its permissions.",
    remediation="Add a StringEquals condition on aws:SourceAccount (or an ArnEquals on aws:SourceArn naming the "
    "account) to every trust statement whose principal is an AWS service.",
)
def iam_role_service_trust_restricts_source_to_account(roles):
    # Prowler's source for this check is not in our mirror: the decision follows its title and AWS's
    # confused-deputy guidance. Unlike iam_role_cross_service_confused_deputy_prevention, an organization
    # (aws:SourceOrgID/OrgPaths) or an account-less ARN (an S3 bucket) does not name an account here.
    for role in roles:
        if role.get("service_linked"):
            continue
        if (gap := unjudgeable(role, f"IAM role {role.id}", "trust_policy")) is not None:
            yield gap
            continue
        trusted = _service_trust_statements(role)
        if not trusted and role.readable("trust_policy"):
            continue  # trusts no AWS service (an unread trust policy goes on to no verdict)
        unconfined = sorted(
            str(service)
            for s in trusted
            if not _source_accounts(s)
            for service in policy.as_list(s["Principal"]["Service"])
        )
        if unconfined:
            yield FAIL(role, f"IAM role {role.id} lets {summary(unconfined)} assume it for resources of any "
                       "account (no aws:SourceAccount or account-bearing aws:SourceArn condition).")
        else:
            accounts = sorted({a for s in trusted for a in _source_accounts(s)})
            yield PASS(role, f"IAM role {role.id} confines the AWS services that assume it to resources of "
                       f"account {summary(accounts)}.")

