"""AWS Organizations checks: delegated administrators and region-restricting SCPs.

They read what only the management account (or a delegated administrator) can see;
from a member account the organization's policies are not readable and nothing is
judged. In the management account a refused read is a no verdict (:func:`unread_setting`).
"""

from __future__ import annotations

from postureflow.checks.base import FAIL, MANUAL, PASS, check
from postureflow.checks.iam import _as_list, _summary, grants_action, statements

# Accounts trusted to be delegated administrators. Empty by default, as in Prowler: every
# delegated administrator is reported until someone reviews it and lists its account here.
TRUSTED_DELEGATED_ADMINISTRATORS: frozenset[str] = frozenset()

_REGION_KEY = "aws:requestedregion"
_DENY_OUTSIDE = ("stringnotequals", "stringnotequalsignorecase", "stringnotlike")
_ALLOW_INSIDE = ("stringequals", "stringequalsignorecase", "stringlike")


def unread_setting(org, what: str):
    """The result for an organization setting whose field read None (only ever unread: the collector records
    every refused read). A member account is refused by design, so nothing is judged there; in the management
    account it is a no verdict (the caller's read of the unread field names what to allow)."""
    if org.get("is_management_account"):
        yield MANUAL(org, f"Organization {org.id}: {what} could not be read.")


@check(
    id="organizations_delegated_administrators",
    title="The organization's delegated administrators are all trusted accounts",
    severity="critical",
    resource_type="Other",
    reads=["organizations.organization"],
    risk="A delegated administrator runs an AWS service (security tooling, backups, identity) for the whole "
    "organization; an unreviewed one is a path to every account.",
    remediation="Review each delegated administrator; deregister those not needed and list the trusted ones in "
    "postureflow's trusted delegated administrators.",
)
def organizations_delegated_administrators(organizations):
    for org in organizations:
        admins = org.get("delegated_administrators")
        if admins is None:
            yield from unread_setting(org, "delegated administrators")
            continue
        if not admins:
            yield PASS(org, f"Organization {org.id} has no delegated administrators.")
            continue
        untrusted = [a for a in admins if a["account_id"] not in TRUSTED_DELEGATED_ADMINISTRATORS]
        if untrusted:
            detail = "; ".join(
                f"{a['account_id']} for {', '.join(a['services'] or []) or 'no service'}" for a in untrusted[:5]
            )
            yield FAIL(org, f"Organization {org.id} has delegated administrators not on the trusted list: {detail}.")
        else:
            yield PASS(org, f"Organization {org.id} delegates administration only to trusted accounts.")


def _region_limits(statement: dict) -> list[str] | None:
    """The regions a statement confines requests to, or None when it does not limit regions."""
    condition = statement.get("Condition") if isinstance(statement.get("Condition"), dict) else {}
    wanted = _DENY_OUTSIDE if statement.get("Effect") == "Deny" else _ALLOW_INSIDE
    for operator, block in condition.items():
        if str(operator).lower().removesuffix("ifexists") not in wanted or not isinstance(block, dict):
            continue
        for key, values in block.items():
            if str(key).lower() == _REGION_KEY and values:
                return sorted(str(v) for v in _as_list(values))
    return None


def _scp_region_limits(scp: dict) -> list[str] | None:
    """Regions an SCP confines every service to: a Deny of all actions (or of all but a NotAction list of
    global services) outside them, or an Allow of all actions only inside them."""
    for statement in statements(scp.get("document")):
        regions = _region_limits(statement)
        if regions is not None and grants_action(statement, "zz-any-service:zz-any-action"):
            return regions
    return None


@check(
    id="organizations_scp_check_deny_regions",
    title="An attached SCP confines the organization to a set of AWS Regions",
    severity="high",
    resource_type="Other",
    reads=["organizations.organization"],
    risk="Regions nobody watches are where an intruder can run resources (crypto mining, exfiltration) without "
    "being noticed.",
    remediation="Attach a service control policy that denies requests whose aws:RequestedRegion is outside the "
    "regions you use (exempting global services).",
)
def organizations_scp_check_deny_regions(organizations):
    for org in organizations:
        scps = org.get("scps")
        if scps is None:
            yield from unread_setting(org, "service control policies")
            continue
        limiting = []
        for scp in scps:
            regions = _scp_region_limits(scp)
            if regions is not None and (scp.get("targets") or []):
                limiting.append((scp, regions))
        if limiting:
            scp, regions = limiting[0]
            yield PASS(org, f"Organization {org.id} confines requests to {_summary(regions, 8)} with SCP "
                       f"{scp['name'] or scp['id']}.")
        elif any(_scp_region_limits(scp) is not None for scp in scps):
            yield FAIL(org, f"Organization {org.id} has an SCP limiting regions, but it is not attached anywhere.")
        else:
            yield FAIL(org, f"Organization {org.id} has no service control policy limiting the AWS Regions used.")


@check(
    id="organizations_account_part_of_organizations",
    title="The AWS account is a member of an AWS Organization",
    severity="medium",
    resource_type="Other",
    reads=["organizations.membership"],
    risk="A stand-alone account gets no service control policies, no central security services and no "
    "consolidated audit trail: its guardrails depend on its own administrators alone.",
    remediation="Invite the account into the organization (organizations invite-account-to-organization) "
    "or create the organization from it.",
)
def organizations_account_part_of_organizations(memberships):
    for account in memberships:
        org_id = account.get("organization_id")
        if org_id:
            yield PASS(account, f"AWS account {account.id} is a member of organization {org_id}.")
        else:
            yield FAIL(account, f"AWS account {account.id} is not a member of any AWS Organization.")


def _attached(policies) -> list:
    return [p for p in policies if p.get("targets")]


@check(
    id="organizations_opt_out_ai_services_policy",
    title="An attached organization policy opts out of all AI services and forbids child overrides",
    severity="medium",
    resource_type="Other",
    reads=["organizations.organization"],
    risk="Without the opt-out, AWS AI services may store and use the content they process (documents, speech, "
    "images) to improve the services; a child policy that may override it lets any account opt back in.",
    remediation="Create an AI services opt-out policy with services.default.opt_out_policy @@assign optOut and "
    "@@operators_allowed_for_child_policies [\"@@none\"], and attach it to the organization root.",
)
def organizations_opt_out_ai_services_policy(organizations):
    # Prowler accepts such a policy even when attached nowhere; a management policy has no effect until
    # attached (AWS Organizations user guide), so only attached ones count here.
    for org in organizations:
        policies = org.get("ai_opt_out_policies")
        if policies is None:
            yield from unread_setting(org, "AI services opt-out policies")
            continue
        opted = [p for p in _attached(policies) if _opts_out_for_good(p.get("document"))]
        if opted:
            yield PASS(org, f"Organization {org.id} opts out of all AI services with policy "
                       f"{opted[0]['name'] or opted[0]['id']}, which child policies cannot override.")  # fmt: skip
        elif any(_opts_out_for_good(p.get("document")) for p in policies):
            yield FAIL(org, f"Organization {org.id} has an AI services opt-out policy, but it is not attached.")
        elif policies:
            yield FAIL(org, f"Organization {org.id} has AI services policies that do not opt out of all services "
                       "or let child accounts override it.")  # fmt: skip
        else:
            yield FAIL(org, f"Organization {org.id} has no AI services opt-out policy.")


def _opts_out_for_good(document) -> bool:
    rule = (((document or {}).get("services") or {}).get("default") or {}).get("opt_out_policy") or {}
    return rule.get("@@assign") == "optOut" and rule.get("@@operators_allowed_for_child_policies") == ["@@none"]


@check(
    id="organizations_tags_policies_enabled_and_attached",
    title="The organization has tag policies, attached",
    severity="low",
    resource_type="Other",
    reads=["organizations.organization"],
    risk="Without tag policies, tags used for cost allocation, ownership and attribute-based access control "
    "drift between accounts and teams.",
    remediation="Enable the TAG_POLICY type on the root, write a tag policy and attach it to the root or OUs.",
)
def organizations_tags_policies_enabled_and_attached(organizations):
    for org in organizations:
        policies = org.get("tag_policies")
        if policies is None:
            yield from unread_setting(org, "tag policies")
            continue
        attached = _attached(policies)
        if attached:
            yield PASS(org, f"Organization {org.id} has {len(attached)} attached tag policies.")
        elif policies:
            yield FAIL(org, f"Organization {org.id} has tag policies, but none is attached.")
        else:
            yield FAIL(org, f"Organization {org.id} has no tag policy.")
