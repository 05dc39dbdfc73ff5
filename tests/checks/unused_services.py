"""Judge a stored inventory again with Prowler's --scan-unused-services on (no AWS call: a backfill)."""

from __future__ import annotations

import functools
from unittest import mock

from postureflow import engine, testing


def judged_with_unused(lake, services, regions, account_id, scan_date, **config) -> testing.ScanRun:
    """The findings of ``services`` when unused resources are judged too, from the inventory a scan_in_moto
    call stored in ``lake`` (the lake's findings of that day are replaced)."""
    backfill = functools.partial(engine.scan_account, collect=False)
    with mock.patch.object(testing, "scan_account", backfill):
        return testing.scan_in_moto(lake, services, regions, account_id=account_id, scan_date=scan_date,
                                    config={**config, "scan_unused_services": True})  # fmt: skip
