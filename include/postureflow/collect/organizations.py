"""AWS Organizations (global): the organization this account belongs to, its service
control policies with their targets, its delegated administrators, and which IAM
organization features (central root credentials management) are on.

Only the management account (or a delegated administrator) may read policies,
delegated administrators and IAM organization features. From a member account those
calls answer AccessDenied; that is the normal state of a member, so it is not
recorded as a scan error there, and the checks judge nothing they could not read.

API calls per run: organizations:DescribeOrganization; in an organization:
organizations:ListPolicies (Filter=SERVICE_CONTROL_POLICY, paginated) with
organizations:DescribePolicy and organizations:ListTargetsForPolicy per policy,
organizations:ListDelegatedAdministrators (paginated) with
organizations:ListDelegatedServicesForAccount per administrator, and
iam:ListOrganizationsFeatures.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from postureflow.collect.base import RegionScope, collector
from postureflow.collect.iam import attempt

THREADS = 8
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
    described, _ = attempt(scope, org, "describe_organization", absent=NOT_IN_ORGANIZATION)
    if described is None:
        return  # not in an organization (or the call was refused and recorded)
    info = described["Organization"]
    management = info.get("MasterAccountId") == scope.account_id
    # From a member account, AccessDenied is expected; from the management account it is a finding gap.
    denied = () if management else MEMBER_DENIED

    scps = _listing(scope, org, "list_policies", "Policies", denied, Filter="SERVICE_CONTROL_POLICY")
    admins = _listing(scope, org, "list_delegated_administrators", "DelegatedAdministrators", denied)
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        policies = None if scps is None else list(pool.map(lambda p: _policy(scope, org, p, denied), scps))
        delegated = None if admins is None else list(pool.map(lambda a: _admin(scope, org, a, denied), admins))

    iam = scope.client("iam")
    features, code = attempt(scope, iam, "list_organizations_features", absent=FEATURES_UNREADABLE + FEATURES_OFF)
    iam_features = None
    if features is not None:
        iam_features = sorted(features.get("EnabledFeatures", []))
    elif code in FEATURES_OFF:
        iam_features = []  # trusted access for IAM is off, so no IAM organization feature is on

    scope.add(
        "organization",
        uid=info["Arn"],
        id=info["Id"],
        management_account_id=info.get("MasterAccountId"),
        is_management_account=management,
        feature_set=info.get("FeatureSet"),
        policy_types=[t["Type"] for t in info.get("AvailablePolicyTypes", []) if t.get("Status") == "ENABLED"],
        scps=policies,
        delegated_administrators=delegated,
        iam_features=iam_features,
    )


def _listing(scope: RegionScope, client, operation: str, key: str, absent, **params) -> list[dict] | None:
    """Every item over all pages, or None when the listing was refused."""
    items: list[dict] = []
    token: dict = {}
    while True:
        page, _ = attempt(scope, client, operation, absent=absent, **params, **token)
        if page is None:
            return None
        items.extend(page.get(key, []))
        if not page.get("NextToken"):
            return items
        token = {"NextToken": page["NextToken"]}


def _policy(scope: RegionScope, org, summary: dict, absent) -> dict:
    described, _ = attempt(scope, org, "describe_policy", absent=absent, PolicyId=summary["Id"])
    content = ((described or {}).get("Policy") or {}).get("Content")
    targets = _listing(scope, org, "list_targets_for_policy", "Targets", absent, PolicyId=summary["Id"])
    return {
        "id": summary["Id"],
        "arn": summary.get("Arn"),
        "name": summary.get("Name"),
        "aws_managed": bool(summary.get("AwsManaged")),
        "document": _json(content),
        "targets": None if targets is None else [{"id": t["TargetId"], "type": t.get("Type")} for t in targets],
    }


def _admin(scope: RegionScope, org, admin: dict, absent) -> dict:
    services = _listing(
        scope, org, "list_delegated_services_for_account", "DelegatedServices", absent, AccountId=admin["Id"]
    )
    return {
        "account_id": admin["Id"],
        "name": admin.get("Name"),
        "status": admin.get("Status"),
        "delegated_since": admin.get("DelegationEnabledDate"),
        "services": None if services is None else sorted(s["ServicePrincipal"] for s in services),
    }


def _json(text: str | None) -> dict | None:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None
