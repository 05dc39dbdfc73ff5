"""What the dashboard shows, read from the lake with DuckDB (read-only).

The dashboard never scans the whole lake for a page. A *catalog* of the lake's
partitions (one listing of ``findings/`` and ``compliance/``, kept for a few
seconds) tells which files hold each account's latest scan, the scan before it,
or one account's history of one service; each query then reads exactly those
files, and DuckDB reads only the columns it needs from them.

Nothing here writes: the DuckDB database is in memory and only ever holds the
queries' results; the lake's files are opened for reading.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
import re
import threading
import logging
import time
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds

import postureflow.compliance  # noqa: F401  (registers the compliance dataset)
from postureflow.lake import schema as lake_schema
from postureflow.lake.store import Lake, Layout

log = logging.getLogger(__name__)

SEVERITIES = ("critical", "high", "medium", "low", "informational")
STATUSES = ("PASS", "FAIL", "MANUAL")
REQUIREMENT_STATUSES = ("FAIL", "PASS", "MANUAL", "NOT_EVALUATED")
PAGE_SIZES = (25, 50, 100, 200, 500)
DEFAULT_PAGE_SIZE = 50

_SEVERITY_RANK = "CASE severity " + " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(SEVERITIES)) + " ELSE 9 END"
_STATUS_RANK = "CASE status WHEN 'FAIL' THEN 0 WHEN 'MANUAL' THEN 1 WHEN 'PASS' THEN 2 ELSE 3 END"
_DUCK_TYPES = {
    pa.string(): "VARCHAR",
    pa.date32(): "DATE",
    pa.bool_(): "BOOLEAN",
    pa.int64(): "BIGINT",
    pa.int32(): "INTEGER",
    pa.float64(): "DOUBLE",
    lake_schema.UTC_TIMESTAMP: "TIMESTAMPTZ",
    pa.map_(pa.string(), pa.string()): "MAP(VARCHAR, VARCHAR)",
    pa.list_(pa.string()): "VARCHAR[]",
}
ACCOUNT_RE = re.compile(r"^\d{12}$")
SERVICE_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")

# The columns the free-text search looks in (case-insensitive substring).
SEARCHED = ("check_id", "check_title", "resource_id", "resource_uid", "status_extended")

# The columns the explorer shows and the CSV export writes, in order.
FINDING_COLUMNS = (
    "scan_date", "account_id", "region", "service", "check_id", "check_title", "severity", "status",
    "muted", "mute_reason", "resource_type", "resource_id", "resource_uid", "status_extended", "finding_uid",
)


class NotFound(LookupError):
    """The thing asked for is not in the lake (an unknown finding, framework, account or date)."""


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _as_date(value: str | dt.date | None) -> dt.date | None:
    if value is None or value == "" or value == "latest":
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError as err:
        raise ValueError(f"date must be YYYY-MM-DD or 'latest', got {value!r}") from err


# -- the catalog of partitions ------------------------------------------------------------


@dataclass(frozen=True)
class FileSet:
    """The files that hold some scopes' rows, and those scopes: a file may hold other accounts' and
    services' rows too (the lake's layout, postureflow.lake.store), so queries keep only ``keys``."""

    files: tuple[str, ...]
    keys: tuple[tuple, ...]  # (scan_date, account_id) or (scan_date, account_id, service)
    columns: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.keys)


@dataclass(frozen=True)
class Catalog:
    """The lake's committed scopes at one moment (read from its manifests): which files hold which scan."""

    findings: dict[tuple[str, dt.date], dict[str, tuple[str, ...]]]  # (account, date) -> {service: files}
    compliance: dict[tuple[str, dt.date], tuple[str, ...]]  # (account, date) -> files
    listed_at: float = field(default_factory=time.time)

    @property
    def accounts(self) -> list[str]:
        return sorted({a for a, _ in self.findings} | {a for a, _ in self.compliance})

    def scan_dates(self, account: str) -> list[dt.date]:
        """Every day ``account`` was scanned (findings or compliance), oldest first, like the ``scans`` view."""
        return sorted({d for a, d in self.findings if a == account} | {d for a, d in self.compliance if a == account})

    def latest(self, account: str) -> dt.date | None:
        dates = self.scan_dates(account)
        return dates[-1] if dates else None

    def previous(self, account: str, day: dt.date) -> dt.date | None:
        earlier = [d for d in self.scan_dates(account) if d < day]
        return earlier[-1] if earlier else None

    def scan_of(self, account: str, day: dt.date | None) -> dt.date | None:
        """``day`` if the account was scanned that day, its latest scan for None, else None."""
        if day is None:
            return self.latest(account)
        return day if day in self.scan_dates(account) else None

    @property
    def services(self) -> list[str]:
        return sorted({s for services in self.findings.values() for s in services})

    def findings_files(self, scans: Iterable[tuple[str, dt.date]], services: Iterable[str] | None = None) -> FileSet:
        wanted = set(services) if services else None
        files: dict[str, None] = {}
        keys = []
        for account, day in scans:
            for service, paths in sorted(self.findings.get((account, day), {}).items()):
                if wanted is None or service in wanted:
                    keys.append((day, account, service))
                    files.update(dict.fromkeys(paths))
        return FileSet(tuple(files), tuple(keys), ("scan_date", "account_id", "service"))

    def compliance_files(self, scans: Iterable[tuple[str, dt.date]]) -> FileSet:
        files: dict[str, None] = {}
        keys = []
        for account, day in scans:
            if (account, day) in self.compliance:
                keys.append((day, account))
                files.update(dict.fromkeys(self.compliance[(account, day)]))
        return FileSet(tuple(files), tuple(keys), ("scan_date", "account_id"))

    def latest_scans(
        self, accounts: Iterable[str] | None = None, day: dt.date | None = None
    ) -> list[tuple[str, dt.date]]:
        """(account, date) of each account's latest scan, or of its scan on ``day``."""
        scans = []
        for account in accounts or self.accounts:
            when = self.scan_of(account, day)
            if when is not None:
                scans.append((account, when))
        return scans


def list_catalog(lake: Lake) -> Catalog:
    """One read of the manifests of ``findings`` and ``compliance`` (no data file is opened)."""
    findings: dict[tuple[str, dt.date], dict[str, tuple[str, ...]]] = {}
    compliance: dict[tuple[str, dt.date], tuple[str, ...]] = {}
    for dataset in ("findings", "compliance"):
        layout = Layout.of(dataset)
        for day_dir, manifest in lake.snapshots(dataset):
            day = dt.date.fromisoformat(day_dir.rsplit("scan_date=", 1)[1][:10])
            for key in manifest.scopes:
                values = dict(zip(layout.key_columns, key))
                paths = tuple(lake.path(f"{day_dir}/{e.name}") for e in manifest.files_with(key))
                if dataset == "findings":
                    findings.setdefault((values["account_id"], day), {})[values["service"]] = paths
                else:
                    compliance[(values["account_id"], day)] = paths
    return Catalog(findings, compliance)


# -- filters ---------------------------------------------------------------------------------


@dataclass
class FindingFilter:
    """The explorer's filters; every list means 'any of these', an empty list means 'all'."""

    account: list[str] = field(default_factory=list)
    region: list[str] = field(default_factory=list)
    service: list[str] = field(default_factory=list)
    severity: list[str] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    check: list[str] = field(default_factory=list)
    muted: bool | None = None
    q: str = ""
    date: dt.date | None = None  # None: each account's latest scan

    def __post_init__(self) -> None:
        for name in ("account", "region", "service", "severity", "status", "check"):
            setattr(self, name, [v for v in dict.fromkeys(getattr(self, name) or []) if v])
        self.q = (self.q or "").strip()
        bad = [s for s in self.severity if s not in SEVERITIES]
        if bad:
            raise ValueError(f"severity must be one of {', '.join(SEVERITIES)}, got {', '.join(bad)}")
        bad = [s for s in self.status if s not in STATUSES]
        if bad:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}, got {', '.join(bad)}")

    def where(self) -> tuple[str, dict[str, Any]]:
        """A WHERE clause (account and service are applied by picking files) and its parameters."""
        clauses: list[str] = []
        params: dict[str, Any] = {}
        for column, values in (("region", self.region), ("severity", self.severity),
                               ("status", self.status), ("check_id", self.check),
                               ("account_id", self.account), ("service", self.service)):
            if values:
                names = []
                for i, value in enumerate(values):
                    params[f"{column}_{i}"] = value
                    names.append(f"${column}_{i}")
                clauses.append(f"{column} IN ({', '.join(names)})")
        if self.muted is not None:
            clauses.append("coalesce(muted, false) = $muted")
            params["muted"] = self.muted
        if self.q:
            escaped = self.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            params["q"] = f"%{escaped}%"
            searched = [f"{c} ILIKE $q ESCAPE '\\'" for c in SEARCHED]
            searched.append("CAST(resource_tags AS VARCHAR) ILIKE $q ESCAPE '\\'")  # tag keys and values
            clauses.append("(" + " OR ".join(searched) + ")")
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", params

    def query_items(self) -> list[tuple[str, str]]:
        """The filter as URL query items (for links, pagination and the CSV export)."""
        items: list[tuple[str, str]] = []
        for name in ("account", "region", "service", "severity", "status", "check"):
            items.extend((name, v) for v in getattr(self, name))
        if self.muted is not None:
            items.append(("muted", "true" if self.muted else "false"))
        if self.q:
            items.append(("q", self.q))
        if self.date is not None:
            items.append(("date", self.date.isoformat()))
        return items


def csv_safe(value: Any) -> Any:
    """Keep spreadsheet programs from running a cell as a formula (resource names come from AWS users)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


# -- the reader -----------------------------------------------------------------------------


def relist_on_missing_file(method):
    """A partition listed a moment ago may have been deleted or replaced meanwhile:
    list the lake again and answer once more."""

    @functools.wraps(method)
    def wrapper(self: "LakeReader", *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except (duckdb.IOException, FileNotFoundError):
            self.catalog(refresh=True)
            return method(self, *args, **kwargs)

    return wrapper


class LakeReader:
    """The dashboard's queries over one lake. Thread-safe: every query runs on its own cursor."""

    def __init__(self, lake: Lake, ttl: float = 10.0, threads: int | None = None) -> None:
        self.lake = lake
        self.ttl = ttl
        self._lock = threading.Lock()
        self._catalog: Catalog | None = None
        self._con = duckdb.connect(":memory:")
        if threads:
            self._con.execute(f"SET threads = {int(threads)}")
        self._refreshing = False
        self._facets: dict[tuple, dict[str, list[str]]] = {}
        self._checks: dict | None = None

    def close(self) -> None:
        self._con.close()

    # catalog -----------------------------------------------------------------------------

    def catalog(self, refresh: bool = False) -> Catalog:
        """The lake's partitions. Listed once, then refreshed in the background when older than the TTL
        (a request never waits for a listing, except the first one and ``refresh=True``)."""
        with self._lock:
            catalog = self._catalog
            stale = catalog is not None and time.time() - catalog.listed_at > self.ttl
            if stale and not self._refreshing and not refresh:
                self._refreshing = True
                threading.Thread(target=self._refresh_in_background, name="postureflow-catalog", daemon=True).start()
        if catalog is None or refresh:
            catalog = list_catalog(self.lake)
            self._set_catalog(catalog)
        return catalog

    def peek_catalog(self) -> Catalog | None:
        """The current listing, or None before the first one; never lists the lake."""
        return self._catalog

    def _refresh_in_background(self) -> None:
        try:
            self._set_catalog(list_catalog(self.lake))
        except Exception:  # noqa: BLE001 - keep serving the last listing; the next request tries again
            log.warning("listing the lake %s failed", self.lake.location(), exc_info=True)
        finally:
            with self._lock:
                self._refreshing = False

    def _set_catalog(self, catalog: Catalog) -> None:
        with self._lock:
            if self._catalog is None or catalog.listed_at >= self._catalog.listed_at:
                if self._catalog is None or catalog.findings != self._catalog.findings:
                    self._facets.clear()
                self._catalog = catalog

    def clear_caches(self) -> None:
        """Forget the cached facets (the benchmark times pages without them)."""
        with self._lock:
            self._facets.clear()

    # sql helpers ---------------------------------------------------------------------------

    def _source(self, cur: duckdb.DuckDBPyConnection, dataset: str, fileset: FileSet, name: str) -> str:
        """A FROM item over exactly the scopes of ``fileset`` (its files, keeping only its keys' rows)."""
        schema, _ = lake_schema.DATASETS[dataset]
        if not fileset.files:
            columns = ", ".join(f'NULL::{_DUCK_TYPES[f.type]} AS "{f.name}"' for f in schema)
            return f"(SELECT {columns} WHERE false)"
        if self.lake.is_local:
            # Every file was written with the dataset's schema (the lake validates), so DuckDB need not
            # read each file's schema up front (union_by_name would, at ~0.2 ms a file).
            paths = ", ".join(_quote(p) for p in fileset.files)
            src = f"read_parquet([{paths}], hive_partitioning = true, hive_types = {{'scan_date': DATE}})"
        else:
            partitioning = ds.partitioning(pa.schema([schema.field("scan_date")]), flavor="hive")
            dataset_obj = ds.dataset(
                list(fileset.files), filesystem=self.lake.fs, format="parquet", partitioning=partitioning,
                partition_base_dir=self.lake.path(dataset), schema=schema,
            )
            cur.register(name, dataset_obj)
            src = f'"{name}"'
        rows = ", ".join(
            "(" + ", ".join(f"DATE '{v.isoformat()}'" if isinstance(v, dt.date) else _quote(str(v)) for v in key) + ")"
            for key in fileset.keys
        )
        cols = ", ".join(fileset.columns)
        return f"(SELECT s.* FROM {src} s SEMI JOIN (VALUES {rows}) AS k({cols}) USING ({cols}))"

    def _run(self, build, params: dict[str, Any] | None = None) -> pa.Table:
        """Run the SQL ``build(cursor)`` returns, on a cursor of its own."""
        cur = self._con.cursor()
        try:
            return cur.sql(build(cur), params=params or None).to_arrow_table()
        finally:
            cur.close()

    def _rows(self, build, params: dict[str, Any] | None = None) -> list[dict]:
        return self._run(build, params).to_pylist()

    # overview ------------------------------------------------------------------------------

    @relist_on_missing_file
    def overview(self) -> dict:
        """Each account's latest scan: pass, fail, manual and muted counts by severity and by service."""
        catalog = self.catalog()
        scans = catalog.latest_scans()
        accounts: dict[str, dict] = {}
        for account, day in scans:
            accounts[account] = {
                "account_id": account,
                "scan_date": day.isoformat(),
                "previous_scan_date": (p.isoformat() if (p := catalog.previous(account, day)) else None),
                "scans": len(catalog.scan_dates(account)),
                "totals": _zero(),
                "by_severity": {s: _zero() for s in SEVERITIES},
                "by_service": {},
                "frameworks": [],
            }

        def build(cur):
            src = self._source(cur, "findings", catalog.findings_files(scans), "overview_src")
            return (
                "SELECT account_id, service, severity, status, coalesce(muted, false) AS muted, count(*) AS n "
                f"FROM {src} GROUP BY ALL"
            )

        for row in self._rows(build):
            entry = accounts[row["account_id"]]
            key = "muted" if row["muted"] else row["status"]
            for bucket in (entry["totals"], entry["by_severity"].setdefault(row["severity"], _zero()),
                           entry["by_service"].setdefault(row["service"], _zero())):
                bucket[key] = bucket.get(key, 0) + row["n"]
                bucket["total"] += row["n"]
        for entry in accounts.values():
            entry["by_service"] = dict(sorted(entry["by_service"].items(), key=lambda kv: (-kv[1]["FAIL"], kv[0])))
        for fw in self.compliance_summary(latest_only=True)["latest"]:
            if fw["account_id"] in accounts and fw["scan_date"] == accounts[fw["account_id"]]["scan_date"]:
                accounts[fw["account_id"]]["frameworks"].append(fw)
        return {"accounts": list(accounts.values()), "severities": list(SEVERITIES)}

    # compliance ----------------------------------------------------------------------------

    @relist_on_missing_file
    def compliance_summary(self, account: str | None = None, latest_only: bool = False) -> dict:
        """Per framework and account: the latest score and counts, and the score of every scan day
        (``latest_only``: the latest day alone, for the overview)."""
        catalog = self.catalog()
        keys = sorted(k for k in catalog.compliance if account is None or k[0] == account)
        if latest_only:
            last = {}
            for acc, day in keys:
                last[acc] = max(day, last.get(acc, day))
            keys = sorted(last.items())
        if not keys:
            return {"latest": [], "trend": []}

        def build(cur):
            src = self._source(cur, "compliance", catalog.compliance_files(keys), "compliance_src")
            return (
                "SELECT account_id, scan_date, framework_key, any_value(label) AS label, "
                "any_value(framework) AS framework, any_value(version) AS version, "
                "any_value(framework_score) AS score, "
                "count(*) FILTER (WHERE status = 'PASS') AS passed, "
                "count(*) FILTER (WHERE status = 'FAIL') AS failed, "
                "count(*) FILTER (WHERE status = 'MANUAL') AS manual, "
                "count(*) FILTER (WHERE status = 'NOT_EVALUATED') AS not_evaluated, "
                "count(*) AS requirements "
                f"FROM {src} GROUP BY account_id, scan_date, framework_key "
                "ORDER BY label, account_id, scan_date"
            )

        rows = self._rows(build)
        latest_day = {a: max(d for b, d in keys if b == a) for a, _ in keys}
        trend: dict[tuple[str, str], dict] = {}
        latest = []
        for row in rows:
            row["scan_date"] = row["scan_date"].isoformat()
            row["score"] = None if row["score"] is None else round(row["score"], 1)
            series = trend.setdefault(
                (row["framework_key"], row["account_id"]),
                {"framework_key": row["framework_key"], "label": row["label"], "account_id": row["account_id"],
                 "points": []},
            )
            series["points"].append([row["scan_date"], row["score"]])
            if row["scan_date"] == latest_day[row["account_id"]].isoformat():
                latest.append(row)
        for row in latest:
            points = trend[(row["framework_key"], row["account_id"])]["points"]
            scored = [p for p in points[:-1] if p[1] is not None]
            row["change"] = (
                round(row["score"] - scored[-1][1], 1) if scored and row["score"] is not None else None
            )
        return {"latest": latest, "trend": list(trend.values())}

    @relist_on_missing_file
    def framework(self, framework_key: str, account: str | None = None, day: str | dt.date | None = None) -> dict:
        """One framework's requirements for one account's scan, failing first."""
        catalog = self.catalog()
        day = _as_date(day)
        candidates = [a for a in ([account] if account else catalog.accounts)]
        chosen = None
        for acc in candidates:
            dates = sorted(d for a, d in catalog.compliance if a == acc and (day is None or d == day))
            if dates:
                chosen = (acc, dates[-1])
                break
        if chosen is None:
            raise NotFound(f"no compliance results for account {account or 'any'}"
                           + (f" on {day.isoformat()}" if day else ""))
        acc, when = chosen

        def build(cur):
            src = self._source(cur, "compliance", catalog.compliance_files([chosen]), "framework_src")
            status_rank = " ".join(f"WHEN '{s}' THEN {i}" for i, s in enumerate(REQUIREMENT_STATUSES))
            return (
                "SELECT framework_key, label, framework, version, requirement_id, section, title, profile, status, "
                "pass_count, fail_count, manual_count, muted_count, checks, framework_score "
                f"FROM {src} WHERE framework_key = $key "
                f"ORDER BY CASE status {status_rank} ELSE 9 END, requirement_id"
            )

        rows = self._rows(build, {"key": framework_key})
        if not rows:
            raise NotFound(f"framework {framework_key!r} is not in the compliance results of {acc} on {when}")
        counts = {s: 0 for s in REQUIREMENT_STATUSES}
        for row in rows:
            counts[row["status"]] = counts.get(row["status"], 0) + 1
            row["checks"] = list(row["checks"] or [])
        first = rows[0]
        return {
            "framework_key": framework_key,
            "label": first["label"],
            "framework": first["framework"],
            "version": first["version"],
            "name": _framework_name(framework_key),
            "account_id": acc,
            "scan_date": when.isoformat(),
            "scan_dates": [d.isoformat() for a, d in sorted(catalog.compliance) if a == acc],
            "accounts": sorted({a for a, _ in catalog.compliance}),
            "score": None if first["framework_score"] is None else round(first["framework_score"], 1),
            "counts": counts,
            "requirements": rows,
        }

    # findings explorer ---------------------------------------------------------------------

    def _scope(self, flt: FindingFilter) -> tuple[Catalog, list[str], list[tuple[str, dt.date]]]:
        catalog = self.catalog()
        accounts = [a for a in (flt.account or catalog.accounts) if ACCOUNT_RE.match(a)]
        scans = catalog.latest_scans(accounts, flt.date)
        return catalog, catalog.findings_files(scans, flt.service or None), scans

    @relist_on_missing_file
    def facets(self, flt: FindingFilter) -> dict[str, list[str]]:
        """The values the explorer's drop-downs offer, for the scans in scope (cached with the catalog)."""
        catalog = self.catalog()
        scans = catalog.latest_scans(None, flt.date)
        key = tuple(scans)
        with self._lock:
            cached = self._facets.get(key)
        if cached is not None:
            return cached

        def build(cur):
            src = self._source(cur, "findings", catalog.findings_files(scans), "facets_src")
            return f"SELECT list(DISTINCT region) AS regions, list(DISTINCT check_id) AS checks FROM {src}"

        row = self._rows(build)[0] if catalog.findings_files(scans) else {"regions": [], "checks": []}
        result = {
            "account": [a for a, _ in scans],
            "service": sorted({s for k in scans for s in catalog.findings.get(k, {})}),
            "region": sorted(set(row["regions"] or []) - {None}),
            "check": sorted(set(row["checks"] or []) - {None}),
            "severity": list(SEVERITIES),
            "status": list(STATUSES),
            "dates": sorted({d.isoformat() for _, d in catalog.findings}, reverse=True),
        }
        with self._lock:
            self._facets[key] = result
        return result

    @relist_on_missing_file
    def findings(self, flt: FindingFilter, page: int = 1, page_size: int = DEFAULT_PAGE_SIZE) -> dict:
        """One page of the findings that match ``flt``, worst first, and how many match in all."""
        if page < 1:
            raise ValueError(f"page must be 1 or more, got {page}")
        if page_size not in PAGE_SIZES:
            raise ValueError(f"page_size must be one of {', '.join(map(str, PAGE_SIZES))}, got {page_size}")
        _, files, scans = self._scope(flt)
        where, params = flt.where()
        columns = ", ".join(FINDING_COLUMNS)

        def build_count(cur):
            return f"SELECT count(*) AS n FROM {self._source(cur, 'findings', files, 'count_src')}{where}"

        def build_page(cur):
            src = self._source(cur, "findings", files, "page_src")
            return (
                f"SELECT {columns} FROM {src}{where} "
                f"ORDER BY {_SEVERITY_RANK}, {_STATUS_RANK}, account_id, check_id, region, resource_id "
                f"LIMIT {int(page_size)} OFFSET {int((page - 1) * page_size)}"
            )

        total = self._run(build_count, params).column("n")[0].as_py() if files else 0
        rows = self._rows(build_page, params) if files and total else []
        for row in rows:
            row["scan_date"] = row["scan_date"].isoformat()
        pages = max(1, -(-total // page_size))
        return {
            "total": total,
            "page": page,
            "page_size": page_size,
            "pages": pages,
            "scans": [{"account_id": a, "scan_date": d.isoformat()} for a, d in scans],
            "rows": rows,
        }

    def findings_csv(self, flt: FindingFilter, batch_rows: int = 50_000) -> Iterator[str]:
        """Every finding that matches ``flt`` as CSV text, streamed in batches.

        The first chunk (the header and the first batch) is produced only after the query ran and its
        first rows were read: an error there reaches the caller before anything was sent.
        """
        _, files, _ = self._scope(flt)
        where, params = flt.where()
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(FINDING_COLUMNS)
        if not files:
            yield out.getvalue()
            return
        cur = self._con.cursor()
        try:
            src = self._source(cur, "findings", files, "csv_src")
            reader = cur.sql(
                f"SELECT {', '.join(FINDING_COLUMNS)} FROM {src}{where} "
                f"ORDER BY {_SEVERITY_RANK}, {_STATUS_RANK}, account_id, check_id, region, resource_id",
                params=params or None,
            ).to_arrow_reader(batch_rows)
            for batch in reader:
                columns = [batch.column(name).to_pylist() for name in FINDING_COLUMNS]
                for values in zip(*columns):
                    writer.writerow([csv_safe(v.isoformat() if isinstance(v, dt.date) else v) for v in values])
                yield out.getvalue()
                out.seek(0)
                out.truncate()
            if out.tell():  # no row at all: the header alone
                yield out.getvalue()
        finally:
            cur.close()

    # one finding -------------------------------------------------------------------------------

    @relist_on_missing_file
    def finding(self, account: str, service: str, finding_uid: str) -> dict:
        """A finding's record in every scan of its account, its check's risk and remediation."""
        if not ACCOUNT_RE.match(account):
            raise NotFound(f"account id must be 12 digits, got {account!r}")
        catalog = self.catalog()
        dates = sorted(d for (a, d), services in catalog.findings.items() if a == account and service in services)
        files = catalog.findings_files([(account, d) for d in dates], [service])
        if not files:
            raise NotFound(f"no findings of service {service!r} for account {account}")

        def build(cur):
            src = self._source(cur, "findings", files, "finding_src")
            return (
                "SELECT scan_date, status, coalesce(muted, false) AS muted, mute_reason, status_extended, severity, "
                "check_id, check_title, region, resource_uid, resource_id, resource_type, resource_tags, "
                "run_id, scanned_at, check_version, account_id, service, finding_uid "
                f"FROM {src} WHERE finding_uid = $uid ORDER BY scan_date"
            )

        rows = self._rows(build, {"uid": finding_uid})
        if not rows:
            raise NotFound(f"finding {finding_uid!r} is not in the {service} findings of account {account}")
        by_date = {r["scan_date"]: r for r in rows}
        first_fail = None
        history = []
        for day in dates:
            row = by_date.get(day)
            if row is None:
                history.append({"scan_date": day.isoformat(), "status": None, "muted": False,
                                "status_extended": "Not reported in this scan (the resource or check was gone).",
                                "mute_reason": None, "run_id": None, "check_version": None})
                continue
            if row["status"] == "FAIL" and not row["muted"] and first_fail is None:
                first_fail = day
            history.append({
                "scan_date": day.isoformat(),
                "status": row["status"],
                "muted": row["muted"],
                "mute_reason": row["mute_reason"],
                "status_extended": row["status_extended"],
                "run_id": row["run_id"],
                "check_version": row["check_version"],
                "scanned_at": row["scanned_at"].isoformat() if row["scanned_at"] else None,
            })
        last = rows[-1]
        check = self.check_info(last["check_id"])
        tags = last["resource_tags"]
        if isinstance(tags, list):  # arrow maps arrive as key/value pairs
            tags = dict(tags)
        return {
            "finding_uid": finding_uid,
            "account_id": account,
            "service": service,
            "check_id": last["check_id"],
            "check_title": last["check_title"],
            "severity": last["severity"],
            "region": last["region"],
            "resource_uid": last["resource_uid"],
            "resource_id": last["resource_id"],
            "resource_type": last["resource_type"],
            "resource_tags": dict(sorted((tags or {}).items())),
            "status": last["status"],
            "muted": last["muted"],
            "mute_reason": last["mute_reason"],
            "status_extended": last["status_extended"],
            "last_seen": last["scan_date"].isoformat(),
            "first_seen": rows[0]["scan_date"].isoformat(),
            "first_failed": first_fail.isoformat() if first_fail else None,
            "history": history,
            "risk": check.get("risk"),
            "remediation": check.get("remediation"),
            "frameworks": check.get("frameworks", []),
            "check_known": bool(check),
        }

    def check_info(self, check_id: str) -> dict:
        """risk, remediation and the frameworks that map the check ({} for a check postureflow no longer has)."""
        if self._checks is None:
            from postureflow.checks import all_checks

            try:
                from postureflow.compliance.frameworks import frameworks_by_check

                by_check = frameworks_by_check()
            except Exception:  # noqa: BLE001 - the page still shows without the framework list
                by_check = {}
            self._checks = {
                c.id: {"title": c.title, "risk": c.risk, "remediation": c.remediation, "severity": c.severity,
                       "frameworks": by_check.get(c.id, [])}
                for c in all_checks().values()
            }
        return self._checks.get(check_id, {})

    # triage: the resource's inventory record and other findings --------------------------------

    def _inventory_files(self, scans: Iterable[tuple[str, dt.date]], services: Iterable[str] | None = None) -> FileSet:
        """The inventory of those scans (the services their findings name), from the lake's manifests."""
        catalog = self.catalog()
        wanted = set(services) if services else None
        files: dict[str, None] = {}
        keys = []
        for account, day in scans:
            chosen = [s for s in sorted(catalog.findings.get((account, day), {})) if wanted is None or s in wanted]
            if chosen:
                keys.extend((day, account, s) for s in chosen)
                files.update(dict.fromkeys(self.lake.files("inventory", [day], [account])))
        return FileSet(tuple(files), tuple(keys), ("scan_date", "account_id", "service"))

    @relist_on_missing_file
    def resource_record(self, account: str, service: str, resource_uid: str, day: str | dt.date) -> dict | None:
        """The resource's inventory record at ``day`` (secrets redacted), or None."""
        from postureflow.dashboard.triage import parse_record

        files = self._inventory_files([(account, _as_date(day))], [service])
        if not files:
            return None

        def build(cur):
            src = self._source(cur, "inventory", files, "record_src")
            return f"SELECT * FROM {src} WHERE resource_uid = $uid AND NOT starts_with(kind, '_') LIMIT 1"

        rows = self._rows(build, {"uid": resource_uid})
        return parse_record(rows[0]) if rows else None

    @relist_on_missing_file
    def resource_findings(self, account: str, resource_uid: str, day: str | dt.date, exclude: str = "") -> list[dict]:
        """Every other finding of the resource in the account's scan of ``day``, worst first."""
        files = self.catalog().findings_files([(account, _as_date(day))])
        if not files:
            return []

        def build(cur):
            src = self._source(cur, "findings", files, "resource_src")
            return (
                "SELECT account_id, service, finding_uid, check_id, check_title, severity, status, "
                "coalesce(muted, false) AS muted, status_extended "
                f"FROM {src} WHERE resource_uid = $uid AND finding_uid <> $uid_self "
                f"ORDER BY {_STATUS_RANK}, {_SEVERITY_RANK}, check_id"
            )

        return self._rows(build, {"uid": resource_uid, "uid_self": exclude})

    @relist_on_missing_file
    def inventory_search(self, q: str, account: list[str] | None = None, service: list[str] | None = None,
                         limit: int = 100) -> dict:
        """Resources of each account's latest scan whose id, ARN, tags or inventory fields contain ``q``."""
        q = (q or "").strip()
        catalog = self.catalog()
        accounts = [a for a in (account or catalog.accounts) if ACCOUNT_RE.match(a)]
        files = self._inventory_files(catalog.latest_scans(accounts), service or None)
        result = {"q": q, "rows": [], "total": 0, "limit": limit}
        if not q or not files:
            return result
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where = " OR ".join(f"{c} ILIKE $q ESCAPE '\\'" for c in (
            "resource_id", "resource_uid", "kind", "CAST(resource_tags AS VARCHAR)", "data"))

        def build(cur):
            src = self._source(cur, "inventory", files, "search_src")
            return (
                "SELECT account_id, region, service, kind, resource_uid, resource_id, resource_tags, data, scan_date, "
                f"count(*) OVER () AS total FROM {src} WHERE NOT starts_with(kind, '_') AND ({where}) "
                f"ORDER BY account_id, service, kind, resource_id LIMIT {int(limit)}"
            )

        from postureflow.dashboard.triage import parse_record

        rows = self._rows(build, {"q": f"%{escaped}%"})
        result["total"] = rows[0]["total"] if rows else 0
        needle = q.lower()
        for row in rows:
            record = parse_record(row)
            # which fields matched, so the page can say why a resource is listed
            record["matched"] = sorted(
                [k for k, v in record["fields"].items() if needle in json.dumps(v, default=str).lower()]
                + [f"tag:{k}" for k, v in record["tags"].items() if needle in f"{k}={v}".lower()]
            )[:8]
            record.update(account_id=row["account_id"], service=row["service"])
            result["rows"].append(record)
        return result

    # changes -----------------------------------------------------------------------------------

    @relist_on_missing_file
    def changes(self, account: str | None = None, day: str | dt.date | None = None, limit: int = 200) -> dict:
        """Failing findings that are new, and those that were resolved, since each account's previous scan.

        Failing means FAIL and not muted, as in the ``finding_changes`` view (an account's
        first scan reports all its failures as new). A resolved finding carries its state
        now: PASS, MANUAL, muted, or absent (the resource or the check is gone). Counts are
        exact; the lists hold the ``limit`` worst of each kind.
        """
        catalog = self.catalog()
        day = _as_date(day)
        if account and not ACCOUNT_RE.match(account):
            raise ValueError(f"account id must be 12 digits, got {account!r}")
        pairs = []
        for acc in [account] if account else catalog.accounts:
            current = catalog.scan_of(acc, day)
            if current is not None:
                pairs.append((acc, current, catalog.previous(acc, current)))
        per_account = {
            acc: {"account_id": acc, "scan_date": cur_day.isoformat(),
                  "previous_scan_date": prev.isoformat() if prev else None,
                  "new": {s: 0 for s in SEVERITIES}, "resolved": {s: 0 for s in SEVERITIES}}
            for acc, cur_day, prev in pairs
        }
        result = {"accounts": list(per_account.values()), "totals": {"new": 0, "resolved": 0},
                  "new": [], "resolved": [], "limit": limit,
                  "dates": sorted({d.isoformat() for _, d in catalog.findings}, reverse=True)}
        current_scans = [(a, c) for a, c, _ in pairs]
        previous_scans = [(a, p) for a, _, p in pairs if p is not None]
        current_files = catalog.findings_files(current_scans)
        if not current_files and not previous_scans:
            return result
        keys = ("account_id", "service", "finding_uid", "check_id", "severity", "check_title", "region",
                "resource_id", "resource_uid", "status_extended")
        columns = ", ".join(keys)
        # A new failure is described as it is now, a resolved one as it was when it last failed.
        described = ",\n".join(f"coalesce(p.{k}, n.{k}) AS {k}" for k in keys)
        cur = self._con.cursor()
        try:
            now_src = self._source(cur, "findings", current_files, "changes_now")
            prev_src = self._source(cur, "findings", catalog.findings_files(previous_scans), "changes_prev")
            # One join of the current scan (every finding) with the previous scan's failures.
            cur.execute(f"""
                CREATE TEMP TABLE changed AS
                WITH n AS (SELECT {columns}, status, coalesce(muted, false) AS muted FROM {now_src}),
                p AS (SELECT {columns} FROM {prev_src} WHERE status = 'FAIL' AND NOT coalesce(muted, false))
                SELECT CASE WHEN p.finding_uid IS NULL THEN 'new' ELSE 'resolved' END AS change,
                       {described},
                       CASE WHEN n.finding_uid IS NULL THEN 'absent' WHEN n.muted THEN 'muted'
                            ELSE n.status END AS status_now
                FROM n FULL OUTER JOIN p ON n.account_id = p.account_id AND n.finding_uid = p.finding_uid
                WHERE (p.finding_uid IS NULL AND n.status = 'FAIL' AND NOT n.muted)
                   OR (p.finding_uid IS NOT NULL AND (n.finding_uid IS NULL OR n.muted OR n.status <> 'FAIL'))
            """)
            counts = cur.execute(
                "SELECT change, account_id, severity, count(*) AS n FROM changed GROUP BY ALL"
            ).fetchall()
            shown = cur.sql(f"""
                SELECT * FROM changed
                QUALIFY row_number() OVER (PARTITION BY change ORDER BY {_SEVERITY_RANK}, account_id,
                                                                     check_id, finding_uid) <= {int(limit)}
            """).to_arrow_table().to_pylist()
        finally:
            cur.close()
        for change, acc, severity, n in counts:
            per_account[acc][change][severity] = n
            result["totals"][change] += n
        order = {s: i for i, s in enumerate(SEVERITIES)}
        for row in sorted(shown, key=lambda r: (order.get(r["severity"], 9), r["account_id"], r["check_id"],
                                                 r["finding_uid"])):
            row["scan_date"] = per_account[row["account_id"]]["scan_date"]
            row["previous_scan_date"] = per_account[row["account_id"]]["previous_scan_date"]
            result[row["change"]].append(row)
        return result


def _zero() -> dict[str, int]:
    return {"PASS": 0, "FAIL": 0, "MANUAL": 0, "muted": 0, "total": 0}


def _framework_name(key: str) -> str | None:
    try:
        from postureflow.compliance.frameworks import load_frameworks

        fw = load_frameworks().get(key)
    except Exception:  # noqa: BLE001 - the name is decoration
        return None
    return fw.name if fw else None


_READERS: dict[str, LakeReader] = {}
_READERS_LOCK = threading.Lock()


def reader_for(lake: Lake, ttl: float = 10.0) -> LakeReader:
    """One reader (DuckDB database and catalog cache) per lake location, shared by requests."""
    key = lake.location()
    with _READERS_LOCK:
        reader = _READERS.get(key)
        if reader is None:
            reader = _READERS[key] = LakeReader(lake, ttl=ttl)
        return reader
