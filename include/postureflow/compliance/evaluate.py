"""Compliance from the lake: DuckDB joins a run's findings with the framework files.

For one account and scan date, every findings partition of that day (all
services) is read, reduced to counts per check, joined with each framework's
requirement -> check mapping, and written as the
``compliance/scan_date=.../account_id=...`` partition (replaced whole, so a
re-run is idempotent).

Requirement status (muted findings never fail a requirement):

- MANUAL         the requirement maps no check (nothing postureflow can judge);
- FAIL           at least one non-muted finding of its checks is FAIL;
- PASS           no non-muted FAIL and at least one non-muted PASS;
- MANUAL         no non-muted PASS or FAIL, but a non-muted MANUAL finding (a
                 person has to look);
- PASS           only muted findings (the failures were accepted through the
                 mutelist, so they do not fail the requirement);
- NOT_EVALUATED  its checks produced no finding (not implemented yet, a service
                 not scanned, or no resource to judge).

The first rule that applies wins.

``looser_config`` lists the audit-config keys of the requirement's checks whose
value in the run's config is looser than Prowler's default (90 days where CIS
says 45): such a PASS is not the benchmark's PASS
(:func:`postureflow.config.strictness.looser_keys`).

Framework score: ``100 * PASS / (PASS + FAIL)`` over the framework's
requirements, in percent; null when no requirement was PASS or FAIL. MANUAL and
NOT_EVALUATED requirements are left out, so the score says how much of what
was judged is met; the status counts in the summary say how much was judged.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
from typing import Any, Iterable, Mapping

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from postureflow.compliance.frameworks import Framework, load_frameworks
from postureflow.compliance.schema import COMPLIANCE, STATUSES
from postureflow.lake import schema as lake_schema
from postureflow.lake.store import Lake

_ACCOUNT = re.compile(r"^\d{12}$")
_REQUIREMENT_COLUMNS = ("framework_key", "framework", "version", "label", "requirement_id", "section", "title", "profile")


def as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError as err:
        raise ValueError(f"scan date must be YYYY-MM-DD, got {value!r}") from err


# -- the framework data as arrow tables ---------------------------------------------------


def _requirements_tables(frameworks: tuple[Framework, ...]) -> tuple[pa.Table, pa.Table, pa.Table]:
    """(requirements: one row per requirement, in req_key order, with the text columns;
    mapping: req_key -> check_id; req_keys: req_key, fw_no, automated)."""
    text: dict[str, list] = {name: [] for name in _REQUIREMENT_COLUMNS}
    checks: list[list[str]] = []
    fw_no: list[int] = []
    automated: list[bool] = []
    map_key: list[int] = []
    map_check: list[str] = []
    for number, fw in enumerate(frameworks):
        for req in fw.requirements:
            key = len(checks)
            for name, value in (
                ("framework_key", fw.key),
                ("framework", fw.framework),
                ("version", fw.version),
                ("label", fw.label),
                ("requirement_id", req.id),
                ("section", req.section),
                ("title", req.title),
                ("profile", req.profile),
            ):
                text[name].append(value)
            checks.append(list(req.checks))
            fw_no.append(number)
            automated.append(req.automated)
            for check_id in req.checks:
                map_key.append(key)
                map_check.append(check_id)
    requirements = pa.table(
        {**{name: pa.array(values, pa.string()) for name, values in text.items()},
         "checks": pa.array(checks, pa.list_(pa.string()))}
    )
    mapping = pa.table({"req_key": pa.array(map_key, pa.int32()), "check_id": pa.array(map_check, pa.string())})
    req_keys = pa.table(
        {
            "req_key": pa.array(range(len(checks)), pa.int32()),
            "fw_no": pa.array(fw_no, pa.int32()),
            "automated": pa.array(automated, pa.bool_()),
        }
    )
    return requirements, mapping, req_keys


_TABLE_CACHE: dict[tuple[int, ...], tuple[tuple[Framework, ...], tuple[pa.Table, pa.Table, pa.Table]]] = {}


def _tables_for(frameworks: tuple[Framework, ...]) -> tuple[pa.Table, pa.Table, pa.Table]:
    """The requirement and mapping tables of ``frameworks``, built once per set of framework objects."""
    key = tuple(id(fw) for fw in frameworks)
    cached = _TABLE_CACHE.get(key)
    if cached is None or cached[0] != frameworks:
        if len(_TABLE_CACHE) > 16:
            _TABLE_CACHE.clear()
        cached = (frameworks, _requirements_tables(frameworks))
        _TABLE_CACHE[key] = cached
    return cached[1]


def _select_frameworks(frameworks: Iterable[str | Framework] | None) -> tuple[Framework, ...]:
    """Framework keys, labels or Framework objects (default: every shipped framework)."""
    known = load_frameworks()
    if frameworks is None:
        return tuple(known.values())
    if isinstance(frameworks, (str, Framework)):
        frameworks = [frameworks]
    chosen: list[Framework] = []
    by_label = {fw.label: fw for fw in known.values()}
    for item in frameworks:
        fw = item if isinstance(item, Framework) else known.get(item) or by_label.get(item)
        if fw is None:
            raise ValueError(f"unknown framework {item!r}; known: {', '.join(known)}")
        if fw not in chosen:
            chosen.append(fw)
    return tuple(chosen)


# -- reading the day's findings ---------------------------------------------------------------


_DB: tuple[int, duckdb.DuckDBPyConnection] | None = None
_DB_LOCK = threading.Lock()


def _cursor() -> duckdb.DuckDBPyConnection:
    """A fresh connection (cursor) to this process's in-memory DuckDB; opening a database costs ~10 ms."""
    global _DB
    with _DB_LOCK:
        if _DB is None or _DB[0] != os.getpid():  # never reuse a database across a fork
            _DB = (os.getpid(), duckdb.connect(":memory:"))
        return _DB[1].cursor()


_EMPTY_FINDINGS = pa.schema(
    [("check_id", pa.string()), ("status", pa.string()), ("muted", pa.bool_()), ("account_id", pa.string())]
)


def _findings_source(
    con: duckdb.DuckDBPyConnection, lake: Lake, scan_date: dt.date, account_ids: list[str] | None
) -> str:
    """A SQL subquery over the day's findings (check_id, status, muted, account_id), all services."""
    from postureflow.lake.query import source_sql

    day = scan_date.date() if isinstance(scan_date, dt.datetime) else scan_date
    columns = "check_id, status, coalesce(muted, false) AS muted, account_id"
    where = ""
    if account_ids is not None:
        where = " WHERE account_id IN (" + ", ".join(f"'{a}'" for a in account_ids) + ")"
    files = lake.files("findings", [day], account_ids)
    return f"(SELECT {columns} FROM {source_sql(con, lake, 'findings', files, 'day_findings_arrow')}{where})"


# One scan of the day's findings (three columns), reduced to counts per account and check, joined
# with the requirement -> check mapping and summed per requirement. Accounts whose checks map to no
# requirement still appear, with a NULL req_key, so that they get their (all NOT_EVALUATED) partition.
_AGGREGATE = """
WITH grouped AS (
    -- the only pass over the findings: low-cardinality keys, a bare count (cheapest to hash)
    SELECT account_id, check_id, status, muted, count(*) AS n
    FROM {findings}
    GROUP BY account_id, check_id, status, muted
),
per_check AS (
    SELECT account_id, check_id,
           coalesce(sum(n) FILTER (WHERE NOT muted AND status = 'PASS'), 0)   AS pass_n,
           coalesce(sum(n) FILTER (WHERE NOT muted AND status = 'FAIL'), 0)   AS fail_n,
           coalesce(sum(n) FILTER (WHERE NOT muted AND status = 'MANUAL'), 0) AS manual_n,
           coalesce(sum(n) FILTER (WHERE muted), 0)                            AS muted_n
    FROM grouped
    GROUP BY account_id, check_id
)
SELECT p.account_id, m.req_key,
       sum(p.pass_n)::BIGINT AS pass_count, sum(p.fail_n)::BIGINT AS fail_count,
       sum(p.manual_n)::BIGINT AS manual_count, sum(p.muted_n)::BIGINT AS muted_count
FROM per_check p LEFT JOIN req_map m ON m.check_id = p.check_id
GROUP BY p.account_id, m.req_key
"""

_COUNTS = ("pass_count", "fail_count", "manual_count", "muted_count")


_STATUS_NAMES = pa.array(["MANUAL", "FAIL", "PASS", "NOT_EVALUATED"], pa.string())
_DENSE_CACHE: dict[tuple[int, int], tuple[pa.Table, dict[str, pa.Array]]] = {}


def _dense_helpers(req_keys: pa.Table, n_accounts: int) -> dict[str, pa.Array]:
    """Arrays that depend only on the requirement set and the number of accounts (cached)."""
    key = (id(req_keys), n_accounts)
    cached = _DENSE_CACHE.get(key)
    if cached is not None and cached[0] is req_keys:
        return cached[1]
    n_req = req_keys.num_rows
    fw_no = pc.cast(req_keys.column("fw_no").combine_chunks(), pa.int64())
    n_fw = (pc.max(fw_no).as_py() + 1) if n_req else 0
    account_of_row = pa.array([a for a in range(n_accounts) for _ in range(n_req)], pa.int64())
    helpers = {
        "positions": pa.array(range(n_accounts * n_req), pa.int64()),
        "zeros": pa.repeat(pa.scalar(0, pa.int64()), n_accounts * n_req),
        "manual_only": pa.concat_arrays([pc.invert(req_keys.column("automated").combine_chunks())] * n_accounts)
        if n_accounts
        else pa.array([], pa.bool_()),
        "group": pc.add(
            pc.multiply(account_of_row, n_fw),
            pa.concat_arrays([fw_no] * n_accounts) if n_accounts else pa.array([], pa.int64()),
        ),
    }
    if len(_DENSE_CACHE) > 32:
        _DENSE_CACHE.clear()
    _DENSE_CACHE[key] = (req_keys, helpers)
    return helpers


def _judge(sparse: pa.Table, accounts: list[str], req_keys: pa.Table) -> pa.Table:
    """Dense (account x requirement, in that order) counts, status and framework score, from the sparse sums.

    Vectorised with arrow: requirements without findings get zero counts, then the status rules
    and the per-framework score are applied column-wise.
    """
    n_req = req_keys.num_rows
    helpers = _dense_helpers(req_keys, len(accounts))
    account_no = pc.index_in(sparse.column("account_id"), value_set=pa.array(accounts, pa.string()))
    keep = pc.and_(pc.is_valid(sparse.column("req_key")), pc.is_valid(account_no))
    position = pc.add(
        pc.multiply(pc.cast(pc.filter(account_no, keep), pa.int64()), n_req),
        pc.cast(pc.filter(sparse.column("req_key"), keep), pa.int64()),
    )
    sparse = sparse.filter(keep)
    order = pc.sort_indices(position)
    mask = pc.is_in(helpers["positions"], value_set=pc.take(position, order))
    counts = {
        name: pc.replace_with_mask(helpers["zeros"], mask, pc.take(sparse.column(name), order).combine_chunks())
        for name in _COUNTS
    }
    # status code, first rule that applies wins: 0 MANUAL, 1 FAIL, 2 PASS, 3 NOT_EVALUATED
    code = pc.if_else(pc.greater(counts["muted_count"], 0), 2, 3)
    code = pc.if_else(pc.greater(counts["manual_count"], 0), 0, code)
    code = pc.if_else(pc.greater(counts["pass_count"], 0), 2, code)
    code = pc.if_else(pc.greater(counts["fail_count"], 0), 1, code)
    code = pc.if_else(helpers["manual_only"], 0, code)
    status = pc.take(_STATUS_NAMES, code)
    # score per (account, framework): 100 * PASS / (PASS + FAIL) requirements
    sums = (
        pa.table(
            {
                "group": helpers["group"],
                "passed": pc.cast(pc.equal(code, 2), pa.int64()),
                "judged": pc.cast(pc.and_(pc.greater_equal(code, 1), pc.less_equal(code, 2)), pa.int64()),
            }
        )
        .group_by("group", use_threads=False)
        .aggregate([("passed", "sum"), ("judged", "sum")])
        .sort_by("group")
    )
    judged = pc.cast(sums.column("judged_sum"), pa.float64())
    per_group = pc.divide(
        pc.multiply(pc.cast(sums.column("passed_sum"), pa.float64()), 100.0),
        pc.if_else(pc.equal(judged, 0.0), pa.scalar(None, pa.float64()), judged),
    )
    # every (account, framework) group exists (a framework has requirements), so a group id is its index
    score = pc.take(per_group, helpers["group"])
    return pa.table({"status": status, **counts, "framework_score": score})


def _looser_config(frameworks: tuple[Framework, ...], config: Mapping[str, Any] | None) -> pa.Array:
    """Per requirement (in table order): its checks' config keys that are looser than Prowler's default."""
    from postureflow.checks import all_checks
    from postureflow.config.strictness import looser_keys

    checks = all_checks()
    per_check = {c: looser_keys(checks[c], config) for fw in frameworks for c in fw.all_checks() if c in checks}
    values = [sorted({k for c in req.checks for k in per_check.get(c, ())}) for fw in frameworks for req in fw.requirements]
    return pa.array(values, pa.list_(pa.string()))


def compliance_tables(
    lake: Lake,
    scan_date: dt.date,
    run_id: str,
    account_ids: list[str] | None = None,
    frameworks: Iterable[str | Framework] | None = None,
    evaluated_at: dt.datetime | None = None,
    config: Mapping[str, Any] | None = None,
) -> dict[str, pa.Table]:
    """Compute (without writing) the compliance rows of ``scan_date``: {account_id: table}.

    ``account_ids=None`` means every account that has findings that day. DuckDB
    scans the findings once (three columns) and joins the per-check counts with
    the framework mapping; the status rules then run column-wise on the
    requirement sums.
    """
    scan_date = as_date(scan_date)
    for account in account_ids or []:
        if not isinstance(account, str) or not _ACCOUNT.match(account):
            raise ValueError(f"account id must be 12 digits, got {account!r}")
    evaluated_at = evaluated_at or dt.datetime.now(dt.timezone.utc)
    chosen = _select_frameworks(frameworks)
    requirements, mapping, req_keys = _tables_for(chosen)

    con = _cursor()
    try:
        con.register("req_map", mapping)
        findings = _findings_source(con, lake, scan_date, account_ids)
        try:
            sparse = con.sql(_AGGREGATE.format(findings=findings)).to_arrow_table()
        except duckdb.IOException as err:
            if "No files found" not in str(err):
                raise
            con.register("day_findings_arrow", _EMPTY_FINDINGS.empty_table())
            sparse = con.sql(_AGGREGATE.format(findings="day_findings_arrow")).to_arrow_table()
    finally:
        con.close()

    if account_ids is None:
        accounts = sorted(set(sparse.column("account_id").to_pylist()))
    else:
        accounts = list(dict.fromkeys(account_ids))
    if not accounts:
        return {}
    judged = _judge(sparse, accounts, req_keys)

    n = requirements.num_rows
    constants = {
        "scan_date": pa.repeat(pa.scalar(scan_date, pa.date32()), n),
        "run_id": pa.repeat(pa.scalar(run_id, pa.string()), n),
        "evaluated_at": pa.repeat(pa.scalar(evaluated_at, COMPLIANCE.field("evaluated_at").type), n),
        "looser_config": _looser_config(chosen, config),
    }
    tables = {}
    for number, account in enumerate(accounts):
        part = judged.slice(number * n, n)
        columns = {name: requirements.column(name) for name in (*_REQUIREMENT_COLUMNS, "checks")}
        columns.update({name: part.column(name) for name in ("status", *_COUNTS, "framework_score")})
        columns.update(constants)
        columns["account_id"] = pa.repeat(pa.scalar(account, pa.string()), n)
        tables[account] = pa.table([columns[name] for name in COMPLIANCE.names], schema=COMPLIANCE)
    return tables


def summarize(table: pa.Table) -> dict:
    """Per framework label: score and requirement counts by status (JSON-safe, small)."""
    summary: dict[str, dict] = {}
    scores = table.group_by("label", use_threads=False).aggregate([("framework_score", "max")])
    for label, score in zip(scores.column("label").to_pylist(), scores.column("framework_score_max").to_pylist()):
        summary[label] = {"score": None if score is None else round(score, 2), **{s: 0 for s in STATUSES}}
    counts = table.group_by(["label", "status"], use_threads=False).aggregate([([], "count_all")])
    for label, status, count in zip(
        counts.column("label").to_pylist(), counts.column("status").to_pylist(), counts.column("count_all").to_pylist()
    ):
        summary[label][status] = count
    return dict(sorted(summary.items()))


def write_compliance(
    lake: Lake,
    account_id: str,
    scan_date: dt.date,
    run_id: str,
    frameworks: Iterable[str | Framework] | None = None,
    evaluated_at: dt.datetime | None = None,
    config: Mapping[str, Any] | None = None,
) -> dict:
    """Evaluate every framework for one account's scan and replace its compliance partition.

    Returns a small JSON-safe summary (fit for XCom)::

        {"account_id": ..., "scan_date": "YYYY-MM-DD", "run_id": ..., "rows": N,
         "scores": {"CIS 6.0": 87.5, ...},
         "frameworks": {"CIS 6.0": {"score": 87.5, "PASS": 7, "FAIL": 1, "MANUAL": 28, "NOT_EVALUATED": 27}, ...}}
    """
    if not isinstance(account_id, str) or not _ACCOUNT.match(account_id):
        raise ValueError(f"account id must be 12 digits, got {account_id!r}")
    scan_date = as_date(scan_date)
    table = compliance_tables(lake, scan_date, run_id, [account_id], frameworks, evaluated_at, config)[account_id]
    lake.write_partition("compliance", {"scan_date": scan_date, "account_id": account_id}, table)
    return _summary(account_id, scan_date, run_id, table)


def write_compliance_day(
    lake: Lake,
    scan_date: dt.date,
    run_id: str,
    account_ids: list[str] | None = None,
    frameworks: Iterable[str | Framework] | None = None,
    evaluated_at: dt.datetime | None = None,
) -> dict[str, dict]:
    """Like write_compliance for several accounts of one day in one DuckDB pass: {account_id: summary}.

    ``account_ids=None``: every account with findings on ``scan_date``.
    """
    scan_date = as_date(scan_date)
    tables = compliance_tables(lake, scan_date, run_id, account_ids, frameworks, evaluated_at)
    summaries = {}
    for account, table in tables.items():
        lake.write_partition("compliance", {"scan_date": scan_date, "account_id": account}, table)
        summaries[account] = _summary(account, scan_date, run_id, table)
    return summaries


def _summary(account_id: str, scan_date, run_id: str, table: pa.Table) -> dict:
    frameworks = summarize(table)
    return {
        "account_id": account_id,
        "scan_date": scan_date.isoformat(),
        "run_id": run_id,
        "rows": table.num_rows,
        "scores": {label: entry["score"] for label, entry in frameworks.items()},
        "frameworks": frameworks,
    }
