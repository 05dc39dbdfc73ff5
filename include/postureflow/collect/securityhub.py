"""Security Hub: whether the hub is on in the region, and its enabled standards and integrations."""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector

# Asking a region where Security Hub is off answers InvalidAccessException ("not subscribed").
NOT_ENABLED = ("InvalidAccessException", "ResourceNotFoundException")
ACTIVE_STANDARD = ("READY", "PENDING", "INCOMPLETE")


@collector("securityhub")
def collect_securityhub(scope: RegionScope) -> None:
    client = scope.client("securityhub")
    hub = scope.fetch(client, "describe_hub", absent=NOT_ENABLED)
    standards = integrations = None
    if hub.ok:
        standards = scope.list(client, "get_enabled_standards", "StandardsSubscriptions").map(
            lambda items: [s["StandardsArn"] for s in items if s.get("StandardsStatus") in ACTIVE_STANDARD]
        )
        integrations = scope.list(client, "list_enabled_products_for_import", "ProductSubscriptions")
    scope.add(
        "hubs",
        uid=hub.or_else({}).get("HubArn") or scope.arn("securityhub", "hub/default"),
        id=f"securityhub-{scope.region}",
        tags=hub.get("Tags"),
        enabled=hub.map(lambda _: True).absent_as(False),
        standards=standards,
        integrations=integrations,
    )
