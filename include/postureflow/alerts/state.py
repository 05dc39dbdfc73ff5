"""The lake's ``alerts`` dataset: what each run decided and sent, the alert state that survives restarts.

One partition per (scan_date, account_id), written only when something changed, and rewritten
(atomically, through the Lake API) after each destination accepted a message: a retried task
finds which destinations already have which alerts and never sends them twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

import pyarrow as pa

from postureflow.alerts.observe import scan_dates
from postureflow.lake import Lake
from postureflow.lake.schema import ALERTS

OPEN, RESOLVED = "open", "resolved"
BASELINE_KEY = "__baseline__"  # marks a rule's first run for an account


@dataclass
class AlertRow:
    rule: str
    key: str
    event: str
    state: str
    severity: str | None = None
    check_id: str | None = None
    service: str | None = None
    region: str | None = None
    resource_uid: str | None = None
    summary: str | None = None
    destinations: list[str] = field(default_factory=list)
    extra: dict = field(default_factory=dict, repr=False)  # what the message shows; not stored


def _partition(account_id: str, day: dt.date) -> dict:
    return {"scan_date": day, "account_id": account_id}


def read_rows(lake: Lake, account_id: str, day: dt.date) -> list[dict]:
    table = lake.read_partition("alerts", _partition(account_id, day))
    return table.to_pylist() if table is not None else []


def last_state(lake: Lake, account_id: str, before: dt.date) -> dict[tuple[str, str], dict]:
    """(rule, key) -> the latest row recorded before ``before`` (its ``state`` is open or resolved)."""
    state: dict[tuple[str, str], dict] = {}
    for day in scan_dates(lake, "alerts"):
        if day >= before:
            break
        for row in sorted(read_rows(lake, account_id, day), key=lambda r: r["recorded_at"]):
            state[(row["rule"], row["key"])] = row
    return state


def write_rows(lake: Lake, account_id: str, day: dt.date, run_id: str, rows: list[AlertRow],
               now: dt.datetime | None = None) -> str | None:
    if not rows:
        return None
    now = now or dt.datetime.now(dt.timezone.utc)
    records = []
    for row in rows:
        record = asdict(row)
        record.pop("extra")
        record.update(account_id=account_id, scan_date=day, run_id=run_id, recorded_at=now)
        records.append(record)
    return lake.write_partition("alerts", _partition(account_id, day), pa.Table.from_pylist(records, schema=ALERTS))
