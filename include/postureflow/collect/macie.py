"""Macie: whether Macie is enabled in the region (and its automated sensitive data discovery), one record per region.

Calls per region: GetMacieSession; where Macie is enabled, GetAutomatedDiscoveryConfiguration.
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector

# AWS answers AccessDeniedException "Macie is not enabled" in a region where it is off (moto answers
# ResourceNotFoundException): both mean "not enabled", not "not allowed".
NOT_ENABLED = ("ResourceNotFoundException", ("AccessDeniedException", "not enabled"))


@collector("macie")
def collect_macie(scope: RegionScope) -> None:
    macie = scope.client("macie2")
    session = scope.fetch(macie, "get_macie_session", absent=NOT_ENABLED)
    discovery = None  # only asked where Macie is on
    if session.ok and session.value.get("status") == "ENABLED":
        discovery = scope.fetch(macie, "get_automated_discovery_configuration").get("status", "DISABLED")
    scope.add(
        "sessions",
        uid=scope.arn("macie2", "session"),
        id=f"macie-{scope.region}",
        status=session.get("status", "DISABLED").absent_as("DISABLED"),
        automated_discovery_status=discovery,
    )
