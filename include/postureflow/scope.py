"""What a run covered, per (service, region), and whether it saw all of it.

Every service task writes its ``scan_scope`` rows (lake dataset, partitioned like
findings): one per region it was asked to scan, with a status:

- ``complete``: collection there had no scan error and no failed listing
  (no :data:`postureflow.inventory.INCOMPLETE_KIND` record), nor did any listing
  of another service its checks read. Only here may a missing or passing finding
  be taken as resolved.
- ``incomplete``: something could not be read; findings seen are real, findings
  missing are "not observed" and keep their last state.
- ``not_scanned``: there was no inventory to evaluate (a backfill of a day that
  was never scanned, or a service whose source inventory is missing). Nothing
  else is written for it; views and Security Hub never compare against it.

Readers (Security Hub delta, SQL views, CLI exit code, summary) use
:func:`read_day` or the ``scan_scope`` view, never the findings partitions, to
tell what was scanned.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Iterable

import pyarrow as pa

from postureflow.checks.base import NO_VERDICT
from postureflow.inventory import ALL_REGIONS, INCOMPLETE_KIND, Resource
from postureflow.lake import schema as lake_schema
from postureflow.lake.store import Lake

DATASET = "scan_scope"
COMPLETE, INCOMPLETE, NOT_SCANNED = "complete", "incomplete", "not_scanned"
# Scan errors not tied to one region (a check that crashed, inventory missing) touch every region.
ANY_REGION = ("-", "", ALL_REGIONS, None)


def verdict_sql(alias: str = "") -> str:
    """SQL: the finding row is a verdict (not MANUAL "No verdict: could not read ...")."""
    p = f"{alias}." if alias else ""
    return f"NOT ({p}status = 'MANUAL' AND starts_with(coalesce({p}status_extended, ''), '{NO_VERDICT}'))"


def is_verdict(row: dict) -> bool:
    """The same test as :func:`verdict_sql`, on a finding row."""
    return not (row.get("status") == "MANUAL" and str(row.get("status_extended") or "").startswith(NO_VERDICT))


@dataclass
class RegionStatus:
    region: str
    status: str = COMPLETE
    errors: int = 0
    incomplete_kinds: list[str] = field(default_factory=list)

    def taint(self, kind: str) -> None:
        if kind not in self.incomplete_kinds:
            self.incomplete_kinds.append(kind)
        self.status = INCOMPLETE


def region_statuses(
    regions: Iterable[str], errors: Iterable, listing_gaps: Iterable[Resource] = (), prefix: str = ""
) -> dict[str, RegionStatus]:
    """Per region: how many scan errors touch it and which listings failed there.

    ``errors`` are ScanError-like (``.region``); ``listing_gaps`` the inventory's
    INCOMPLETE_KIND records (``data["kind"]``; region ``*`` means every region).
    Regions named only by an error are added: the scope is at least what was touched.
    """
    out = {r: RegionStatus(r) for r in regions if r not in ANY_REGION}
    errors = list(errors)
    for e in errors:
        if e.region not in ANY_REGION and e.region not in out:
            out[e.region] = RegionStatus(e.region)
    for e in errors:
        for status in ([out[e.region]] if e.region in out else out.values()):
            status.errors += 1
            status.status = INCOMPLETE
    for gap in listing_gaps:
        kind = f"{prefix}{gap.data.get('kind') or gap.id}"
        for status in ([out[gap.region]] if gap.region in out else out.values() if gap.region in ANY_REGION else []):
            status.taint(kind)
    return out


def listing_gaps(inventory: dict[str, list[Resource]], service: str) -> list[Resource]:
    return list(inventory.get(f"{service}.{INCOMPLETE_KIND}", []))


def scope_table(
    account_id: str, scan_date: dt.date, run_id: str, service: str, statuses: Iterable[RegionStatus],
    recorded_at: dt.datetime,
) -> pa.Table:
    rows = [
        {
            "account_id": account_id,
            "service": service,
            "region": s.region,
            "status": s.status,
            "errors": s.errors,
            "incomplete_kinds": sorted(s.incomplete_kinds),
            "scan_date": scan_date,
            "run_id": run_id,
            "recorded_at": recorded_at,
        }
        for s in sorted(statuses, key=lambda s: s.region)
    ]
    return pa.Table.from_pylist(rows, schema=lake_schema.SCAN_SCOPE)


def read_service(lake: Lake, account_id: str, scan_date: dt.date, service: str) -> list[dict]:
    table = lake.read_partition(DATASET, {"scan_date": scan_date, "service": service, "account_id": account_id})
    return [] if table is None else table.to_pylist()


def read_day(lake: Lake, account_id: str, scan_date: dt.date) -> list[dict]:
    """Every scope row of (account, day); [] when the day has none."""
    ds = lake.dataset(DATASET)
    if ds is None:
        return []
    import pyarrow.compute as pc

    day = scan_date.date() if isinstance(scan_date, dt.datetime) else scan_date
    expr = (pc.field("account_id") == account_id) & (pc.field("scan_date") == pa.scalar(day, pa.date32()))
    return ds.to_table(filter=expr).to_pylist()


def complete_keys(rows: Iterable[dict]) -> set[tuple[str, str]]:
    """The (service, region) pairs scanned completely, from scope rows."""
    return {(r["service"], r["region"]) for r in rows if r["status"] == COMPLETE}


def day_scanned(lake: Lake, account_id: str, scan_date: dt.date, services: Iterable[str]) -> bool:
    """Whether any service was scanned that day (a scope row that is not not_scanned).

    A lake written before scan_scope existed has no rows: a findings partition counts then.
    """
    rows = read_day(lake, account_id, scan_date)
    if rows:
        return any(r["status"] != NOT_SCANNED for r in rows)
    return any(
        lake.partition_exists("findings", {"scan_date": scan_date, "service": s, "account_id": account_id})
        for s in services
    )
