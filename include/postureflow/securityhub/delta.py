"""The Security Hub delta: what changed in the lake since Security Hub was last told.

DuckDB joins the run's findings (one scan date, one account) with the
forwarding state and picks, per finding:

- ``new`` / ``changed`` / ``reopened`` / ``refresh``: a finding that should be
  in Security Hub (not muted, a status and severity the options forward) and
  whose document differs from what was last sent, was archived, was never sent,
  or was last sent ``refresh_days`` ago (Security Hub deletes active findings
  not updated for 90 days): sent as ACTIVE;
- ``passed`` / ``muted`` / ``filtered``: a finding last sent as ACTIVE that now
  passes, is muted, or no longer meets the options: sent once as ARCHIVED;
- ``gone``: a finding last sent as ACTIVE that is absent from the run.

A finding is only resolved (``passed``, ``gone``) where its service and region
were scanned completely that day (``scan_scope``: no scan error, no failed
listing) and, when present, the check gave a verdict. A MANUAL "No verdict"
row, a PASS in a region with scan errors, or an absence from a region that was
not scanned completely is "not observed": the finding keeps its last state in
Security Hub and is counted as ``waiting``.

Everything else costs nothing: an unchanged account produces an empty delta.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

import pyarrow as pa

from postureflow import prowler_identity, scope
from postureflow.lake.query import create_dataset_view
from postureflow.lake.store import Lake
from postureflow.securityhub import state as sh_state
from postureflow.securityhub.asff import (
    Built,
    CheckInfo,
    FindingTooLarge,
    InvalidFinding,
    MAX_FINDING_BYTES,
    build_asff,
    content_hash,
    fit_size,
    observed_at,
    size_of,
    validate_findings,
)
from postureflow.securityhub.options import ForwardOptions

log = logging.getLogger(__name__)

ACTIVE, ARCHIVED = "ACTIVE", "ARCHIVED"
ACTIVE_KINDS = ("new", "changed", "reopened", "refresh")
ARCHIVE_KINDS = ("passed", "muted", "filtered", "gone")

_DELTA_SQL = """
WITH today AS (
    SELECT * FROM findings WHERE account_id = $account AND scan_date = $day
),
st AS (
    SELECT * FROM securityhub_state WHERE account_id = $account
),
joined AS (
    SELECT
        t AS f,
        s AS st,
        t.finding_uid IS NOT NULL AS present,
        coalesce(t.region, s.region) AS region,
        coalesce(t.service, s.service) AS service,
        (t.finding_uid IS NOT NULL AND {verdict}) AS verdict,
        s.last_record_state = 'ACTIVE' AS was_active
    FROM today t FULL OUTER JOIN st s ON t.finding_uid = s.finding_uid
)
SELECT f, st, present, verdict, was_active,
       (present AND verdict
            AND NOT coalesce(f.muted, false)
            AND f.status IN (SELECT status FROM __wanted_status)
            AND lower(f.severity) IN (SELECT severity FROM __wanted_severity)) AS wanted,
       EXISTS (SELECT 1 FROM __complete c WHERE c.service = j.service AND c.region = j.region) AS complete
FROM joined j
WHERE (region IN (SELECT region FROM __regions) OR NOT $filter_regions)
  AND ((present AND verdict) OR was_active)
""".format(verdict=scope.verdict_sql("t"))

_FIRST_SEEN_SQL = """
SELECT f.finding_uid, min(f.scan_date) AS first_day, arg_min(f.scanned_at, f.scan_date) AS first_scanned_at
FROM findings f
WHERE f.account_id = $account AND f.scan_date <= $day
  AND f.status IN (SELECT status FROM __wanted_status)
  AND f.finding_uid IN (SELECT finding_uid FROM __new_uids)
GROUP BY f.finding_uid
"""


@dataclass
class Outgoing:
    """One document to send, and the state row to keep if Security Hub accepts it."""

    finding_uid: str
    region: str
    check_id: str
    kind: str  # one of ACTIVE_KINDS or ARCHIVE_KINDS
    record_state: str
    built: Built
    state_row: dict
    prowler_id: str = ""  # the Id Prowler's ASFF output gives this finding (postureflow.prowler_identity.asff_id)


@dataclass
class BuildFailure:
    finding_uid: str
    region: str
    check_id: str
    record_state: str
    error_code: str
    message: str


@dataclass
class Delta:
    outgoing: list[Outgoing] = field(default_factory=list)
    failures: list[BuildFailure] = field(default_factory=list)
    unchanged: int = 0
    waiting: int = 0  # gone findings kept because the scan may have missed them
    state_rows: dict[str, dict] = field(default_factory=dict)  # the account's whole state, by finding_uid
    watermark: dt.date | None = None  # latest scan date any state row was sent for

    def count(self, *kinds: str) -> int:
        return sum(1 for o in self.outgoing if o.kind in kinds)


def _one_column(name: str, values, type_=pa.string()) -> pa.Table:
    return pa.table({name: pa.array(list(values), type_)})


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)).astimezone(dt.timezone.utc)


def _complete_table(lake: Lake, account_id: str, scan_date: dt.date) -> pa.Table:
    """(service, region) pairs scanned completely that day; none for a day without scan_scope rows."""
    keys = sorted(scope.complete_keys(scope.read_day(lake, account_id, scan_date)))
    return pa.table({"service": pa.array([k[0] for k in keys], pa.string()),
                     "region": pa.array([k[1] for k in keys], pa.string())})


def _state_from_row(row: dict, previous: dict | None) -> dict:
    """The state columns a finding row supplies."""
    return {
        "finding_uid": row["finding_uid"],
        "region": row["region"],
        "service": row.get("service"),
        "check_id": row["check_id"],
        "resource_uid": row.get("resource_uid"),
        "resource_type": row.get("resource_type"),
        "check_title": row.get("check_title"),
        "severity": row.get("severity"),
        "last_status": row.get("status"),
        "account_id": row["account_id"],
        "first_observed_at": (previous or {}).get("first_observed_at"),
    }


def _row_from_state(st: dict) -> dict:
    """A minimal finding row rebuilt from the state, when the lake no longer has the original."""
    return {
        "finding_uid": st["finding_uid"],
        "check_id": st["check_id"],
        "check_title": st.get("check_title"),
        "severity": st.get("severity"),
        "status": st.get("last_status"),
        "status_extended": f"The resource {st.get('resource_uid')} is no longer present in the account.",
        "account_id": st["account_id"],
        "region": st["region"],
        "service": st.get("service"),
        "resource_uid": st.get("resource_uid"),
        "resource_id": (st.get("resource_uid") or "").rsplit(":", 1)[-1] or None,
        "resource_type": st.get("resource_type"),
        "resource_tags": [],
        "scan_date": st.get("last_scan_date"),
        "scanned_at": st.get("last_observed_at"),
    }


def compute_delta(
    lake: Lake,
    account_id: str,
    scan_date: dt.date,
    options: ForwardOptions,
    regions: list[str] | None,
    now: dt.datetime,
    info: dict[str, CheckInfo],
) -> Delta:
    """What to send for (account, scan date) given what Security Hub was last sent."""
    import duckdb

    con = duckdb.connect(":memory:")
    try:
        for dataset in ("findings", sh_state.STATE_DATASET):
            create_dataset_view(con, lake, dataset)
        state_table = sh_state.read_state(lake, account_id)
        delta = Delta(state_rows={r["finding_uid"]: r for r in state_table.to_pylist()})
        days = [r["last_scan_date"] for r in delta.state_rows.values() if r["last_scan_date"] is not None]
        delta.watermark = max(days) if days else None

        con.register("__complete", _complete_table(lake, account_id, scan_date))
        con.register("__wanted_status", _one_column("status", options.wanted_statuses()))
        con.register("__wanted_severity", _one_column("severity", options.wanted_severities()))
        con.register("__regions", _one_column("region", regions or []))
        params = {"account": account_id, "day": scan_date, "filter_regions": regions is not None}
        rows = con.sql(_DELTA_SQL, params=params).to_arrow_table().to_pylist()
        for r in rows:
            r["decision"] = _decide(r)

        wanted_new = [r["f"]["finding_uid"] for r in rows if r["wanted"] and r["st"]["finding_uid"] is None]
        first_seen: dict[str, dt.datetime] = {}
        if wanted_new:
            con.register("__new_uids", _one_column("finding_uid", wanted_new))
            for uid, day, scanned in con.execute(
                _FIRST_SEEN_SQL, {"account": account_id, "day": scan_date}
            ).fetchall():
                first_seen[uid] = observed_at({"scan_date": day, "scanned_at": scanned})

        gone = [r["st"] for r in rows if r["decision"] == "gone"]
        last_rows = _last_sent_rows(con, account_id, gone)
    finally:
        con.close()

    delta.waiting = sum(1 for r in rows if r["decision"] == "waiting")
    for r in rows:
        f, st, decision = r["f"], r["st"], r["decision"]
        previous = st if st["finding_uid"] is not None else None
        if decision == "active":
            _plan_active(delta, f, previous, scan_date, now, info, first_seen, options)
        elif decision in ("passed", "muted", "filtered"):
            _plan_archive(delta, f, previous, decision, scan_date, now, info)
        elif decision == "gone":
            row = last_rows.get(previous["finding_uid"]) or _row_from_state(previous)
            _plan_archive(delta, row, previous, "gone", scan_date, now, info)
    return delta


def _decide(r: dict) -> str:
    """What one finding needs: active, passed, muted, filtered, gone, waiting (not observed) or nothing."""
    f, present, was_active, complete = r["f"], r["present"], r["was_active"], r["complete"]
    previously_failing = was_active and (r["st"] or {}).get("last_status") == "FAIL"
    if present and not r["verdict"]:
        return "waiting" if was_active else "nothing"  # No verdict: the data could not be read
    if present and f["status"] == "PASS" and not complete and previously_failing:
        return "waiting"  # a PASS where collection had errors is not evidence of a fix
    if r["wanted"]:
        return "active"
    if present and was_active:
        if f["muted"]:
            return "muted"
        if f["status"] == "PASS":
            return "passed"
        return "filtered"
    if not present and was_active:
        return "gone" if complete else "waiting"
    return "nothing"


def _last_sent_rows(con, account_id: str, gone: list[dict]) -> dict[str, dict]:
    """The lake rows the gone findings were last sent from (their last scan date)."""
    if not gone:
        return {}
    days = sorted({g["last_scan_date"] for g in gone if g["last_scan_date"] is not None})
    if not days:
        return {}
    con.register("__gone", _one_column("finding_uid", [g["finding_uid"] for g in gone]))
    literal_days = ", ".join(f"DATE '{d.isoformat()}'" for d in days)
    query = (
        f"SELECT * FROM findings WHERE account_id = $account AND scan_date IN ({literal_days}) "
        "AND finding_uid IN (SELECT finding_uid FROM __gone)"
    )
    found = con.sql(query, params={"account": account_id}).to_arrow_table().to_pylist()
    wanted_day = {g["finding_uid"]: g["last_scan_date"] for g in gone}
    return {r["finding_uid"]: r for r in found if r["scan_date"] == wanted_day[r["finding_uid"]]}


def _built(doc: dict) -> Built:
    """Trim ``doc`` to size and hash it; raise FindingTooLarge."""
    size = size_of(doc)
    trimmed: list[str] = []
    if size > MAX_FINDING_BYTES:
        doc, trimmed = fit_size(doc)
        size = size_of(doc)
    return Built(doc=doc, size=size, content_hash=content_hash(doc), trimmed=trimmed)


def _validate(built: Built) -> None:
    """Check a document that will be sent against botocore's model; raise InvalidFinding."""
    problems = validate_findings([built.doc])
    if problems:
        raise InvalidFinding("; ".join(problems[:5]))


def _plan_active(
    delta: Delta,
    f: dict,
    previous: dict | None,
    scan_date: dt.date,
    now: dt.datetime,
    info: dict[str, CheckInfo],
    first_seen: dict[str, dt.datetime],
    options: ForwardOptions,
) -> None:
    first = (_utc(previous["first_observed_at"]) if previous else first_seen.get(f["finding_uid"])) or observed_at(f)
    doc = build_asff(
        f,
        record_state=ACTIVE,
        workflow_status="RESOLVED" if f["status"] == "PASS" else "NEW",
        first_observed_at=first,
        updated_at=now,
        info=info.get(f["check_id"]),
    )
    built = _build_or_record(delta, f, doc, ACTIVE)
    if built is None:
        return
    if previous is None:
        kind = "new"
    elif previous["last_record_state"] != ACTIVE:
        kind = "reopened"
    elif previous["content_hash"] != built.content_hash:
        kind = "changed"
    elif options.refresh_days and (scan_date - previous["last_scan_date"]).days >= options.refresh_days:
        kind = "refresh"
    else:
        delta.unchanged += 1
        return
    try:
        _validate(built)
    except InvalidFinding as err:
        _record(delta, f, ACTIVE, err)
        return
    _add(delta, f, previous, built, kind, ACTIVE, first, scan_date, now)


def _plan_archive(
    delta: Delta,
    row: dict,
    previous: dict,
    kind: str,
    scan_date: dt.date,
    now: dt.datetime,
    info: dict[str, CheckInfo],
) -> None:
    first = _utc(previous["first_observed_at"]) or observed_at(row)
    doc = build_asff(
        row,
        record_state=ARCHIVED,
        workflow_status="SUPPRESSED" if kind == "muted" else "RESOLVED",
        first_observed_at=first,
        updated_at=now,
        info=info.get(row["check_id"]),
        archive_reason=kind,
    )
    built = _build_or_record(delta, row, doc, ARCHIVED, validate=True)
    if built is not None:
        _add(delta, row, previous, built, kind, ARCHIVED, first, scan_date, now)


def _build_or_record(delta: Delta, row: dict, doc: dict, record_state: str, validate: bool = False) -> Built | None:
    try:
        built = _built(doc)
        if validate:
            _validate(built)
        return built
    except (FindingTooLarge, InvalidFinding) as err:
        _record(delta, row, record_state, err)
        return None


def _record(delta: Delta, row: dict, record_state: str, err: Exception) -> None:
    log.error("finding %s (%s) cannot be forwarded: %s", row["finding_uid"], row["check_id"], err)
    delta.failures.append(
        BuildFailure(
            row["finding_uid"], row["region"], row["check_id"], record_state, type(err).__name__, str(err)[:1000]
        )
    )


def _add(delta, row, previous, built: Built, kind, record_state, first, scan_date, now) -> None:
    state_row = _state_from_row(row, previous)
    state_row.update(
        last_record_state=record_state,
        content_hash=built.content_hash,
        first_observed_at=first,
        last_observed_at=observed_at(row),
        last_scan_date=scan_date,
        last_sent_at=now,
    )
    delta.outgoing.append(
        Outgoing(row["finding_uid"], row["region"], row["check_id"], kind, record_state, built, state_row,
                 prowler_identity.asff_id(row))
    )
