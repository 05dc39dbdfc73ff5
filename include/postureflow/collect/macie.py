"""Macie: whether Macie is enabled in the region, one record per region."""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector

# AWS answers AccessDeniedException "Macie is not enabled" in a region where it is off (moto answers
# ResourceNotFoundException): both mean "not enabled", not "not allowed".
NOT_ENABLED = ("ResourceNotFoundException", ("AccessDeniedException", "not enabled"))


@collector("macie")
def collect_macie(scope: RegionScope) -> None:
    session = scope.fetch(scope.client("macie2"), "get_macie_session", absent=NOT_ENABLED)
    scope.add(
        "sessions",
        uid=scope.arn("macie2", "session"),
        id=f"macie-{scope.region}",
        status=session.get("status", "DISABLED").absent_as("DISABLED"),
    )
