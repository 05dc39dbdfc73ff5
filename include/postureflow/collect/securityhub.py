"""Security Hub: whether the hub is on in the region, its enabled standards and integrations, and its
organization setup.

Calls per region: DescribeHub; where the hub is on, GetEnabledStandards, ListEnabledProductsForImport,
ListOrganizationAdminAccounts and DescribeOrganizationConfiguration (the last two answer only in the
organization's management or delegated administrator account: elsewhere they are unread, no verdict).
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector

# Asking a region where Security Hub is off answers InvalidAccessException ("not subscribed").
NOT_ENABLED = ("InvalidAccessException", "ResourceNotFoundException")
ACTIVE_STANDARD = ("READY", "PENDING", "INCOMPLETE")


@collector("securityhub")
def collect_securityhub(scope: RegionScope) -> None:
    client = scope.client("securityhub")
    hub = scope.fetch(client, "describe_hub", absent=NOT_ENABLED)
    standards = integrations = admins = auto_enable = None
    if hub.ok:
        standards = scope.list(client, "get_enabled_standards", "StandardsSubscriptions").map(
            lambda items: [s["StandardsArn"] for s in items if s.get("StandardsStatus") in ACTIVE_STANDARD]
        )
        integrations = scope.list(client, "list_enabled_products_for_import", "ProductSubscriptions")
        admins = scope.list(client, "list_organization_admin_accounts", "AdminAccounts").map(
            lambda items: [a["AccountId"] for a in items if a.get("Status") == "ENABLED"]
        )
        auto_enable = scope.fetch(client, "describe_organization_configuration").get("AutoEnable", False)
    scope.add(
        "hubs",
        uid=hub.or_else({}).get("HubArn") or scope.arn("securityhub", "hub/default"),
        id=f"securityhub-{scope.region}",
        tags=hub.get("Tags"),
        enabled=hub.map(lambda _: True).absent_as(False),
        standards=standards,
        integrations=integrations,
        delegated_admins=admins,
        organization_auto_enable=auto_enable,
    )
