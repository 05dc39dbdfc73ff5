"""AWS Organizations (global): the organization this account belongs to, its service
control policies with their targets, its delegated administrators, and which IAM
organization features (central root credentials management) are on.

Only the management account (or a delegated administrator) may read policies,
delegated administrators and IAM organization features. From a member account those
calls answer AccessDenied; that is the normal state of a member, so it is not
recorded as a scan error there, and the checks give no verdict on what they could not read.

API calls per run: organizations:DescribeOrganization; in an organization:
organizations:ListPolicies (Filter=SERVICE_CONTROL_POLICY, paginated) with
organizations:DescribePolicy and organizations:ListTargetsForPolicy per policy,
organizations:ListDelegatedAdministrators (paginated) with
organizations:ListDelegatedServicesForAccount per administrator,
organizations:ListPolicies for AI services opt-out and tag policies with DescribePolicy and
ListTargetsForPolicy per policy, and iam:ListOrganizationsFeatures.

One ``membership`` record per run says whether the account is in an organization at all.
"""

from __future__ import annotations

import json

from postureflow.collect.base import DENIED, Outcome, RegionScope, collector

NOT_IN_ORGANIZATION = ("AWSOrganizationsNotInUseException",)
MEMBER_DENIED = ("AccessDeniedException",)
# IAM answers these when root credentials management cannot be read or is not set up.
FEATURES_UNREADABLE = (
    "AccountNotManagementOrDelegatedAdministratorException",
    "OrganizationNotFoundException",
    "OrganizationNotInAllFeaturesModeException",
)
FEATURES_OFF = ("ServiceAccessNotEnabledException",)


@collector("organizations", scope="global")
def collect_organizations(scope: RegionScope) -> None:
    org = scope.client("organizations")
    described = scope.fetch(org, "describe_organization", absent=NOT_IN_ORGANIZATION)
    info = described.or_else({}).get("Organization") or {}
    scope.add(
        "membership",
        uid=scope.arn("organizations", f"account/{scope.account_id}", region=""),
        id=scope.account_id,
        organization_id=described.map(lambda _: info.get("Id")),
        organization_arn=info.get("Arn"),
    )
    if not described.ok:
        return  # not in an organization (or the call was refused and recorded)
    management = info.get("MasterAccountId") == scope.account_id
    # From a member account, AccessDenied is expected (not a scan error) but still unknown.
    denied = () if management else MEMBER_DENIED

    def read(operation: str, key: str, **params) -> Outcome:
        return _member_gap(scope.list(org, operation, key, absent=denied, **params))

    def policies_of(kind: str) -> Outcome:
        return _member_gap(scope.list(org, "list_policies", "Policies", absent=denied, Filter=kind))

    scps = policies_of("SERVICE_CONTROL_POLICY")
    admins = read("list_delegated_administrators", "DelegatedAdministrators")
    policies = _all_read(scps, scope.each(scps.value or [], lambda p: _policy(scope, org, p, read, denied)))
    delegated = _all_read(admins, scope.each(admins.value or [], lambda a: _admin(a, read)))
    other = {}
    for kind in ("AISERVICES_OPT_OUT_POLICY", "TAG_POLICY"):
        listed = policies_of(kind)
        other[kind] = _all_read(listed, scope.each(listed.value or [], lambda p: _policy(scope, org, p, read, denied)))

    features = scope.fetch(
        scope.client("iam"), "list_organizations_features", absent=FEATURES_UNREADABLE + FEATURES_OFF
    )
    if features.code in FEATURES_OFF:
        iam_features = Outcome("ok", [])  # trusted access for IAM is off, so no IAM organization feature is on
    elif features.code in FEATURES_UNREADABLE:
        iam_features = Outcome(DENIED, None, features.api, features.code)
    else:
        iam_features = features.map(lambda r: sorted(r.get("EnabledFeatures", [])))

    scope.add(
        "organization",
        uid=info["Arn"],
        id=info["Id"],
        management_account_id=info.get("MasterAccountId"),
        is_management_account=management,
        feature_set=info.get("FeatureSet"),
        policy_types=[t["Type"] for t in info.get("AvailablePolicyTypes", []) if t.get("Status") == "ENABLED"],
        scps=policies,
        ai_opt_out_policies=other["AISERVICES_OPT_OUT_POLICY"],
        tag_policies=other["TAG_POLICY"],
        delegated_administrators=delegated,
        iam_features=iam_features,
    )


def _member_gap(outcome: Outcome) -> Outcome:
    """A member account's refused read: unknown, though not an error of the scan."""
    if outcome.state == "absent" and outcome.code in MEMBER_DENIED:
        return Outcome(DENIED, None, outcome.api, outcome.code)
    return outcome


def _all_read(listing: Outcome, details: list[tuple[dict, list[Outcome]]]) -> Outcome:
    """The listing's items with their details, or the first failed read among them."""
    if not listing.ok:
        return listing
    for _, reads in details:
        failed = next((r for r in reads if not r.known), None)
        if failed:
            return failed
    return Outcome("ok", [item for item, _ in details])


def _policy(scope: RegionScope, org, summary: dict, read, denied) -> tuple[dict, list[Outcome]]:
    described = _member_gap(scope.fetch(org, "describe_policy", absent=denied, PolicyId=summary["Id"]))
    targets = read("list_targets_for_policy", "Targets", PolicyId=summary["Id"])
    content = (described.or_else({}).get("Policy") or {}).get("Content")
    item = {
        "id": summary["Id"],
        "arn": summary.get("Arn"),
        "name": summary.get("Name"),
        "aws_managed": bool(summary.get("AwsManaged")),
        "document": _json(content),
        "targets": [{"id": t["TargetId"], "type": t.get("Type")} for t in targets.or_else([])],
    }
    return item, [described, targets]


def _admin(admin: dict, read) -> tuple[dict, list[Outcome]]:
    services = read("list_delegated_services_for_account", "DelegatedServices", AccountId=admin["Id"])
    item = {
        "account_id": admin["Id"],
        "name": admin.get("Name"),
        "status": admin.get("Status"),
        "delegated_since": admin.get("DelegationEnabledDate"),
        "services": sorted(s["ServicePrincipal"] for s in services.or_else([])),
    }
    return item, [services]


def _json(text: str | None) -> dict | None:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None
