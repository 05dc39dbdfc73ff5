"""What the IAM check modules share: credential-report helpers, AWS-managed policy names,
and the "this policy document cannot be judged" result. No checks live here."""

from __future__ import annotations

from postureflow import policy
from postureflow.arn import parse as parse_arn
from postureflow.checks.base import MANUAL, NO_VERDICT, Result, days_since
from postureflow.inventory import Resource

CLOUDSHELL_POLICY = "AWSCloudShellFullAccess"
SUPPORT_POLICY = "AWSSupportAccess"
ADMIN_POLICY = "AdministratorAccess"
READONLY_POLICY = "ReadOnlyAccess"
SECURITY_AUDIT_POLICY = "SecurityAudit"

summary = policy.summary


def not_in_report(principal: Resource) -> bool:
    """The credential report was read and has no row for this principal (created after the report,
    or moto's root). An unread report is not this: the check goes on and gives no verdict."""
    return principal.get("in_credential_report") is False


def active_keys(principal: Resource) -> list[dict]:
    return [k for k in principal.get("access_keys") or [] if k.get("active")]


def whole_days(value, now) -> int | None:
    """Whole days since ``value`` (as Prowler counts them: a key 90.9 days old is 90 days old)."""
    age = days_since(value, now)
    return None if age is None else int(age)


def _partition(resource: Resource) -> str:
    parsed = parse_arn(resource.uid)
    return parsed.partition if parsed else "aws"


def aws_policy_arn(resource: Resource, name: str) -> str:
    return f"arn:{_partition(resource)}:iam::aws:policy/{name}"


def aws_policy(account: Resource, name: str) -> Resource:
    """The AWS-managed policy an account-wide check is filed against (same ARN in every account)."""
    return Resource(kind="policies", uid=aws_policy_arn(account, name), id=name, region=account.region, tags={},
                    data={})  # fmt: skip


def has_aws_policy(principal: Resource, name: str) -> bool:
    return aws_policy_arn(principal, name) in (principal.get("attached_policies") or [])


def attached_to(principals: list[Resource], policy_arn: str) -> list[Resource]:
    return [p for p in principals if policy_arn in (p.get("attached_policies") or [])]


def names(resources: list[Resource], limit: int = 5) -> str:
    return summary([r.id for r in resources], limit)


def unjudgeable(resource: Resource, label: str, field: str = "document") -> Result | None:
    """A no-verdict result when the policy document cannot be read as a policy, else None."""
    document = resource.get(field)
    if document is None and resource.readable(field):
        return MANUAL(resource, f"{NO_VERDICT} {label} has no policy document in the inventory.")
    try:
        policy.parse(document)
    except policy.PolicyError as err:
        return MANUAL(resource, f"{NO_VERDICT} {label} has a policy document that is not a valid policy ({err}).")
    return None


def inline_label(inline: Resource) -> str:
    return f"Inline policy {inline.get('name')} of IAM {inline.get('entity_type')} {inline.get('entity_name')}"


def attached_customer_policies(policies: list[Resource]) -> list[Resource]:
    return [p for p in policies if not p.get("aws_managed") and p.get("attachment_count")]


def customer_policies_in_scope(policies: list[Resource], config: dict) -> list[Resource]:
    """Customer-managed policies to judge: the attached ones, and the unattached ones too when
    unused resources are scanned (Prowler's --scan-unused-services)."""
    wanted = config["scan_unused_services"]
    return [p for p in policies if not p.get("aws_managed") and (wanted or p.get("attachment_count"))]
