"""AppStream 2.0: fleets with their internet access and session timeouts.

Calls per region: DescribeFleets (paged by NextToken; it describes every fleet).
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector


@collector("appstream")
def collect_appstream(scope: RegionScope) -> None:
    fleets = scope.list(scope.client("appstream"), "describe_fleets", "Fleets", kind="fleets", token=("NextToken", "NextToken"))
    for fleet in fleets.value or []:
        scope.add(
            "fleets",
            uid=fleet["Arn"],
            id=fleet["Name"],
            default_internet_access=bool(fleet.get("EnableDefaultInternetAccess")),
            max_user_duration=fleet.get("MaxUserDurationInSeconds"),
            disconnect_timeout=fleet.get("DisconnectTimeoutInSeconds"),
            idle_disconnect_timeout=fleet.get("IdleDisconnectTimeoutInSeconds"),
        )
