"""Small synthetic lakes for tests, docs and demos: finding rows written with the real lake writer."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Iterable

import pyarrow as pa

from postureflow.lake.schema import FINDINGS
from postureflow.lake.store import Lake


def finding(
    account_id: str,
    scan_date: dt.date,
    service: str,
    check_id: str,
    resource: str,
    status: str = "PASS",
    severity: str = "medium",
    muted: bool = False,
    region: str = "us-east-1",
    run_id: str | None = None,
) -> dict:
    """One finding row of the FINDINGS schema; the uid is stable across days (account, region, check, resource)."""
    uid = hashlib.sha256(f"{account_id}|{region}|{check_id}|{resource}".encode()).hexdigest()[:40]
    return {
        "finding_uid": uid,
        "check_id": check_id,
        "check_title": check_id.replace("_", " "),
        "severity": severity,
        "status": status,
        "status_extended": f"{resource}: {status}",
        "account_id": account_id,
        "region": region,
        "service": service,
        "resource_uid": f"arn:aws:{service}:{region}:{account_id}:{resource}",
        "resource_id": resource,
        "resource_type": "Other",
        "resource_tags": [("env", "test")],
        "muted": muted,
        "mute_reason": "accepted risk" if muted else None,
        "scan_date": scan_date,
        "run_id": run_id or f"scheduled__{scan_date.isoformat()}",
        "scanned_at": dt.datetime.combine(scan_date, dt.time(3, 0), dt.timezone.utc),
        "check_version": "0.1.0+test",
    }


def write_findings(lake: Lake, rows: Iterable[dict]) -> list[str]:
    """Write rows grouped into their (scan_date, service, account_id) partitions; each partition is replaced."""
    groups: dict[tuple, list[dict]] = {}
    for row in rows:
        groups.setdefault((row["scan_date"], row["service"], row["account_id"]), []).append(row)
    written = []
    for (day, service, account), items in sorted(groups.items()):
        table = pa.Table.from_pylist(items, schema=FINDINGS)
        written.append(lake.write_partition("findings", {"scan_date": day, "service": service, "account_id": account}, table))
    return written
