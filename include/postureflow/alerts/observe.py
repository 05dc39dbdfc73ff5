"""What one account's run observed, read from the lake: its findings, its scan errors, and where it
saw completely (per service and region).

A finding counts as *observed* only where the run's ``scan_scope`` rows (postureflow.scope) say its
service and region were scanned completely; on a lake written before scan_scope, where its service
was scanned that day, in a region of the run, with no scan error for that service and region.
A MANUAL "No verdict: ..." finding is never an observation. Where a finding is not observed, the alerts keep its last state: it neither resolves
nor alerts again.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Iterable


from postureflow.lake import Lake

log = logging.getLogger(__name__)

ANY_REGION = "*"
GLOBAL_REGIONS = ("global", "aws-global")


def scan_dates(lake: Lake, dataset: str = "findings") -> list[dt.date]:
    """Every scan_date of ``dataset`` (any account), oldest first."""
    return lake.days(dataset)


def read_day(lake: Lake, dataset: str, account_id: str, day: dt.date,
             services: Iterable[str] | None = None) -> tuple[list[dict], set[str]]:
    """Rows of a (scan_date, service, account_id)-partitioned dataset for one account and day,
    and the services written that day (zero-row writes included)."""
    wanted = set(services) if services else None
    present = {p["service"] for p in lake.partitions(dataset, [day], [account_id])
               if wanted is None or p["service"] in wanted}
    rows = [r for r in lake.read(dataset, [day], [account_id]).to_pylist()
            if r["account_id"] == account_id and r["service"] in present]
    return rows, present


def scanned_days(lake: Lake, account_id: str, before: dt.date | None = None,
                 after: dt.date | None = None) -> list[dt.date]:
    """The days ``account_id`` was scanned (postureflow.scope.day_scanned: a day recorded as not scanned
    does not count), oldest first, optionally strictly between ``after`` and ``before``."""
    from postureflow.engine import all_services
    from postureflow.scope import day_scanned

    services = all_services()
    return [day for day in scan_dates(lake)
            if not ((before and day >= before) or (after and day <= after))
            and day_scanned(lake, account_id, day, services)]


@dataclass
class Observation:
    account_id: str
    scan_date: dt.date
    findings: list[dict]
    errors: list[dict]
    scanned_services: set[str]
    regions: set[str]  # the run's regions (plus those findings came from)
    incomplete: set[tuple[str, str]] = field(default_factory=set)
    complete: set[tuple[str, str]] | None = None  # from scan_scope; None on a lake without it

    def observed(self, service: str | None, region: str | None) -> bool:
        """Whether the run saw (service, region) completely: a finding there that is gone is really gone."""
        if self.complete is not None:
            return (service, region) in self.complete
        if not service or service not in self.scanned_services:
            return False
        if (service, ANY_REGION) in self.incomplete or (service, region) in self.incomplete:
            return False
        return region in self.regions or region in GLOBAL_REGIONS

    def by_uid(self) -> dict[str, dict]:
        if not hasattr(self, "_by_uid"):
            self._by_uid = {f["finding_uid"]: f for f in self.findings}
        return self._by_uid

    def state_of(self, uid: str, service: str | None, region: str | None) -> str:
        """'failing', 'not_failing' (passing, muted or gone, seen completely) or 'unknown'."""
        finding = self.by_uid().get(uid)
        if is_failing(finding):
            return "failing"  # a FAIL is a verdict wherever it was found
        if not self.observed(service, region) or (finding is not None and not verdict(finding)):
            return "unknown"
        return "not_failing"


def observe(lake: Lake, account_id: str, day: dt.date, regions: Iterable[str] = (),
            services: Iterable[str] | None = None) -> Observation:
    from postureflow import scope

    findings, scanned = read_day(lake, "findings", account_id, day, services)
    errors, _ = read_day(lake, "scan_errors", account_id, day, services)
    scope_rows = scope.read_day(lake, account_id, day)
    complete = None
    if scope_rows:
        complete = scope.complete_keys(scope_rows)
        scanned = {r["service"] for r in scope_rows if r["status"] != scope.NOT_SCANNED}
    return Observation(
        account_id=account_id,
        scan_date=day,
        findings=findings,
        errors=errors,
        scanned_services=scanned,
        regions=set(regions) | {f["region"] for f in findings if f.get("region")},
        # Without scan_scope: any scan error makes its service+region incomplete.
        incomplete={(e["service"], e["region"] or ANY_REGION) for e in errors},
        complete=complete,
    )


def is_failing(finding: dict | None) -> bool:
    return bool(finding) and finding["status"] == "FAIL" and not finding.get("muted")


def verdict(finding: dict | None) -> bool:
    """PASS, FAIL (muted or not) and a manual check's MANUAL are verdicts; MANUAL "No verdict: ..." is not."""
    from postureflow.scope import is_verdict

    return bool(finding) and is_verdict(finding)


def previous_status(lake: Lake, account_id: str, day: dt.date) -> dict[str, str]:
    """finding_uid -> status at the account's previous scan (PASS, FAIL, MANUAL; 'muted' when muted)."""
    earlier = scanned_days(lake, account_id, before=day)
    if not earlier:
        return {}
    rows, _ = read_day(lake, "findings", account_id, earlier[-1])
    return {r["finding_uid"]: ("muted" if r.get("muted") else r["status"]) for r in rows}


def failing_for(lake: Lake, account_id: str, day: dt.date, days: int, lookback: int = 31) -> set[str]:
    """Findings failing at a scan at least ``days`` days before ``day`` and at every observed scan since
    (a scan where the finding was not observed does not break the streak)."""
    cutoff = day - dt.timedelta(days=days)
    window = [d for d in scanned_days(lake, account_id, before=day, after=cutoff - dt.timedelta(days=lookback))]
    anchors = [d for d in window if d <= cutoff]
    if not anchors:
        return set()
    start = anchors[-1]
    candidates: set[str] | None = None
    for d in [x for x in window if x >= start]:
        obs = observe(lake, account_id, d)
        by_uid = obs.by_uid()
        if candidates is None:
            candidates = {u for u, f in by_uid.items() if is_failing(f)}
            where = {u: (by_uid[u]["service"], by_uid[u]["region"]) for u in candidates}
            continue
        for uid in list(candidates):
            if obs.state_of(uid, *where[uid]) == "not_failing":
                candidates.discard(uid)  # seen passing, muted or gone: the streak broke
    return candidates or set()
