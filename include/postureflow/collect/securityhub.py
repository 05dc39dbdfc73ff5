"""Security Hub: whether the hub is on in the region, and its enabled standards and integrations."""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector

# Asking a region where Security Hub is off answers InvalidAccessException ("not subscribed").
NOT_ENABLED = ("InvalidAccessException", "ResourceNotFoundException")


@collector("securityhub")
def collect_securityhub(scope: RegionScope) -> None:
    hub_client = scope.client("securityhub")
    hub = scope.call(hub_client, "describe_hub", absent=NOT_ENABLED)
    standards = integrations = None
    if hub is not None:
        standards = _all_items(scope, hub_client, "get_enabled_standards", "StandardsSubscriptions")
        if standards is not None:
            standards = [
                s["StandardsArn"] for s in standards if s.get("StandardsStatus") in ("READY", "PENDING", "INCOMPLETE")
            ]
        integrations = _all_items(scope, hub_client, "list_enabled_products_for_import", "ProductSubscriptions")
    scope.add(
        "hubs",
        uid=(hub or {}).get("HubArn") or scope.arn("securityhub", "hub/default"),
        id=f"securityhub-{scope.region}",
        tags=(hub or {}).get("Tags"),
        enabled=hub is not None,
        standards=standards,
        integrations=integrations,
    )


def _all_items(scope: RegionScope, client, operation: str, key: str) -> list | None:
    """Every item over all pages, or None when the listing could not be read (a scan error)."""
    items: list = []
    params: dict = {}
    while True:
        page = scope.call(client, operation, **params)
        if page is None:
            return None
        items.extend(page.get(key, []) or [])
        if not page.get("NextToken"):
            return items
        params = {"NextToken": page["NextToken"]}
