"""Compliance from the lake: DuckDB joins a run's findings with the framework files.

For one account and scan date, every findings partition of that day (all
services) is read, reduced to counts per check, joined with each framework's
requirement -> check mapping, and written as the
``compliance/scan_date=.../account_id=...`` partition (replaced whole, so a
re-run is idempotent).

How (fast at thousands of accounts x 5,000+ requirements): one DuckDB pass over
the day's findings (five columns) gives each finding's account, mapped check and
category. The requirements that map the same subset of that day's checks form a
group (a few hundred groups for 44 frameworks); numpy counts findings per
(account, count, check) with one bincount, and one float32 matrix product with
the (check, group) membership gives every (account, group) count at once (exact:
whole numbers below 2**24). Each (account, group) is judged once, then spread to
one row per requirement with a gather per column when an account's table is
read. The requirement side (text columns, mapping) is built once per process
(``_plan_for``), the grouping once per set of checks present.

Requirement status (muted findings never fail a requirement):

- MANUAL         the requirement maps no check (nothing postureflow can judge);
- FAIL           at least one non-muted finding of its checks is FAIL;
- NOT_EVALUATED  no non-muted FAIL, but a resource got no verdict (MANUAL "No verdict:",
                 its data could not be read): what was not seen cannot be called met;
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
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from postureflow.checks.base import NO_VERDICT
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


# -- the framework side, built once per process ----------------------------------------------

_STATUS_NAMES = pa.array(["MANUAL", "FAIL", "PASS", "NOT_EVALUATED"], pa.string())
_MANUAL, _FAIL, _PASS, _NOT_EVALUATED = range(4)  # status codes: indices into _STATUS_NAMES
_COUNTS = ("pass_count", "fail_count", "manual_count", "muted_count")


@dataclass(eq=False)
class _Plan:
    """The requirement side of the aggregation for one tuple of frameworks (cached per process).

    Requirements are numbered in table order (framework by framework); mapped checks are numbered
    by their index in ``check_numbers``. Nothing here depends on the day's findings.
    """

    frameworks: tuple[Framework, ...]
    requirements: pa.Table  # the text columns and ``checks``, one row per requirement
    check_numbers: pa.Table  # (check_id, check_no): every check some requirement maps
    entry_req: np.ndarray  # the requirement -> check mapping as (requirement, check number) pairs
    entry_check: np.ndarray
    fw_no: np.ndarray  # framework number of each requirement
    automated: np.ndarray  # the requirement maps at least one check
    n_fw: int
    no_looser_config: pa.Array  # an empty list per requirement
    groups: dict[bytes, "_Groups"] = field(default_factory=dict)

    @property
    def n_req(self) -> int:
        return self.requirements.num_rows

    def groups_for(self, present: np.ndarray) -> "_Groups":
        """The requirements grouped by which of the ``present`` checks (sorted check numbers) they map."""
        key = present.tobytes()
        cached = self.groups.get(key)
        if cached is None:
            if len(self.groups) > 16:
                self.groups.clear()
            cached = self.groups[key] = _Groups.build(self, present)
        return cached


@dataclass(eq=False)
class _Groups:
    """Requirements that map the same set of the day's present checks get the same counts and status.

    ``group_of[r]`` numbers requirement r's group; the last group holds the requirements that map no
    check (always MANUAL). ``membership`` is the (present check + 1, group) 0/1 matrix, float32 for
    BLAS: per-check counts times it are per-group counts, one matrix product (its last row, all zero,
    takes the findings that count for no group). ``weights`` is (group, framework): how many of the
    framework's requirements the group holds, so judged groups times it are per-framework tallies.
    """

    group_of: np.ndarray
    n_groups: int
    membership: np.ndarray
    weights: np.ndarray

    @classmethod
    def build(cls, plan: _Plan, present: np.ndarray) -> "_Groups":
        local = np.searchsorted(present, plan.entry_check)
        hit = local < len(present)
        hit[hit] = present[local[hit]] == plan.entry_check[hit]
        bits = np.zeros((plan.n_req, max(len(present), 1)), np.bool_)
        bits[plan.entry_req[hit], local[hit]] = True
        automated = plan.automated
        unique, inverse = np.unique(np.packbits(bits[automated], axis=1), axis=0, return_inverse=True)
        members = np.unpackbits(unique, axis=1, count=bits.shape[1])
        manual_group = len(unique)
        group_of = np.full(plan.n_req, manual_group, np.intp)
        group_of[automated] = inverse.reshape(-1)
        membership = np.zeros((len(present) + 1, manual_group + 1), np.float32)
        membership[: len(present), :manual_group] = members.T[: len(present)]
        weights = np.zeros((manual_group + 1, plan.n_fw), np.float32)
        np.add.at(weights, (group_of, plan.fw_no), 1)
        return cls(group_of, manual_group + 1, membership, weights)

    def product(self, per_check: np.ndarray) -> np.ndarray:
        """(rows x present checks + 1) -> (rows x groups): counts per check summed per group."""
        return per_check @ self.membership.astype(per_check.dtype, copy=False)


def _build_plan(frameworks: tuple[Framework, ...]) -> _Plan:
    text: dict[str, list] = {name: [] for name in _REQUIREMENT_COLUMNS}
    checks: list[list[str]] = []
    fw_no: list[int] = []
    check_no: dict[str, int] = {}
    entry_req: list[int] = []
    entry_check: list[int] = []
    for number, fw in enumerate(frameworks):
        for req in fw.requirements:
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
            for check_id in req.checks:  # a framework file never lists a check twice in a requirement
                entry_req.append(len(checks))
                entry_check.append(check_no.setdefault(check_id, len(check_no)))
            checks.append(list(req.checks))
            fw_no.append(number)
    requirements = pa.table(
        {**{name: pa.array(values, pa.string()) for name, values in text.items()},
         "checks": pa.array(checks, pa.list_(pa.string()))}
    )
    n_req = len(checks)
    return _Plan(
        frameworks=frameworks,
        requirements=requirements,
        check_numbers=pa.table(
            {"check_id": pa.array(list(check_no), pa.string()), "check_no": pa.array(check_no.values(), pa.int32())}
        ),
        entry_req=np.array(entry_req, np.intp),
        entry_check=np.array(entry_check, np.intp),
        fw_no=np.array(fw_no, np.intp),
        automated=np.array([bool(c) for c in checks], np.bool_),
        n_fw=len(frameworks),
        no_looser_config=pa.ListArray.from_arrays(
            pa.array(np.zeros(n_req + 1, np.int32)), pa.array([], pa.string())
        ),
    )


_PLANS: dict[tuple[int, ...], _Plan] = {}
_PLANS_LOCK = threading.Lock()


def _plan_for(frameworks: tuple[Framework, ...]) -> _Plan:
    """The plan of ``frameworks``, built once per tuple of framework objects."""
    key = tuple(id(fw) for fw in frameworks)
    with _PLANS_LOCK:
        plan = _PLANS.get(key)
        if plan is None or any(a is not b for a, b in zip(plan.frameworks, frameworks)):
            if len(_PLANS) > 16:
                _PLANS.clear()
            plan = _PLANS[key] = _build_plan(frameworks)
        return plan


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
    [("check_id", pa.string()), ("status", pa.string()), ("muted", pa.bool_()), ("account_id", pa.string()),
     ("no_verdict", pa.bool_())]
)


def _findings_source(
    con: duckdb.DuckDBPyConnection, lake: Lake, scan_date: dt.date, account_ids: list[str] | None
) -> str:
    """A SQL subquery over the day's findings (check_id, status, muted, account_id, no_verdict), all services."""
    from postureflow.lake.query import source_sql

    day = scan_date.date() if isinstance(scan_date, dt.datetime) else scan_date
    columns = (
        "check_id, status, coalesce(muted, false) AS muted, account_id, "
        f"(status = 'MANUAL' AND starts_with(status_extended, '{NO_VERDICT}')) AS no_verdict"
    )
    where = ""
    if account_ids is not None:
        where = " WHERE account_id IN (" + ", ".join(f"'{a}'" for a in account_ids) + ")"
    files = lake.files("findings", [day], account_ids)
    return f"(SELECT {columns} FROM {source_sql(con, lake, 'findings', files, 'day_findings_arrow')}{where})"


# The only pass over the day's findings: four columns, each row reduced to its account, its
# check's number (NULL: a check no chosen framework maps; the row still makes its account one
# "with findings that day") and a category: 0 PASS, 1 FAIL, 2 MANUAL (not muted), 3 muted (any
# status), 4 no verdict (MANUAL "No verdict:", not muted), 5 anything else. Counting is left to numpy (a bincount over small integers): a hash
# aggregation per (account, check) costs DuckDB ~2x the scan when most checks have one finding.
_READ = """
SELECT f.account_id, m.check_no,
       (CASE WHEN f.muted THEN 3 WHEN f.status = 'PASS' THEN 0 WHEN f.status = 'FAIL' THEN 1
             WHEN f.no_verdict THEN 4
             WHEN f.status = 'MANUAL' THEN 2 ELSE 5 END)::UTINYINT AS category
FROM {findings} f LEFT JOIN check_numbers m ON m.check_id = f.check_id
"""
_CATEGORIES = 5  # the categories counted: _COUNTS order, then no verdict (counted as manual)


def _read_findings(plan: _Plan, lake: Lake, scan_date: dt.date, account_ids: list[str] | None) -> pa.Table:
    """(account_id, check_no, category) of every finding of the day (of ``account_ids`` if given)."""
    con = _cursor()
    try:
        con.register("check_numbers", plan.check_numbers)
        findings = _findings_source(con, lake, scan_date, account_ids)
        try:
            return con.sql(_READ.format(findings=findings)).to_arrow_table()
        except duckdb.IOException as err:
            if "No files found" not in str(err):
                raise
            con.register("day_findings_arrow", _EMPTY_FINDINGS.empty_table())
            return con.sql(_READ.format(findings="day_findings_arrow")).to_arrow_table()
    finally:
        con.close()


@dataclass(eq=False)
class _Judged:
    """Every (account, requirement) of a day, judged, kept per group of requirements (``_Groups``):
    a requirement's counts and status are its group's, its score its framework's. An account's
    per-requirement columns are gathered from these when its table is built (``columns``)."""

    group_of: np.ndarray  # requirement -> group
    fw_no: np.ndarray  # requirement -> framework
    counts: np.ndarray  # (account, count in _COUNTS order, group): whole numbers in float32 (or 64)
    code: np.ndarray  # (account, group): status code, an index into _STATUS_NAMES
    score: np.ndarray  # (account, framework): percent
    scored: np.ndarray  # (account, framework): the framework has a PASS or FAIL requirement

    def columns(self, number: int) -> dict[str, pa.Array]:
        """The counts, status and framework score of account ``number``'s requirements, in table order."""
        counts = np.take(self.counts[number], self.group_of, axis=1)
        out = {name: pa.array(counts[k].astype(np.int64)) for k, name in enumerate(_COUNTS)}
        out["status"] = _STATUS_NAMES.take(pa.array(np.take(self.code[number], self.group_of)))
        # null where the framework judged nothing (no PASS or FAIL requirement)
        out["framework_score"] = pa.array(
            np.take(self.score[number], self.fw_no), mask=~np.take(self.scored[number], self.fw_no)
        )
        return out


class _OneBlasThread:
    """Runs numpy's matrix products on one OpenBLAS thread while inside (re-entrant, thread-safe).

    The products here are a few milliseconds: on a machine whose cores are busy, OpenBLAS's threads
    waiting on each other cost more wall and CPU time than the second core saves (measured, docs/lake.md).
    A no-op when numpy's OpenBLAS (scipy-openblas) cannot be found.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._depth = 0
        self._saved = 0
        self._calls: tuple[Any, Any] | None | bool = False  # False: not looked up yet

    def _functions(self):
        if self._calls is False:
            self._calls = None
            try:
                import ctypes

                with open("/proc/self/maps") as maps:
                    paths = {line.split()[-1] for line in maps if "scipy_openblas" in line and line.rstrip().endswith(".so")}
                for path in sorted(paths):
                    lib = ctypes.CDLL(path)
                    get = getattr(lib, "scipy_openblas_get_num_threads64_", None)
                    put = getattr(lib, "scipy_openblas_set_num_threads64_", None)
                    if get is not None and put is not None:
                        put.argtypes = [ctypes.c_int]
                        self._calls = (get, put)
                        break
            except OSError:
                pass
        return self._calls

    def __enter__(self):
        with self._lock:
            calls = self._functions()
            if calls is not None and self._depth == 0:
                self._saved = calls[0]()
                calls[1](1)
            self._depth += 1

    def __exit__(self, *exc):
        with self._lock:
            self._depth -= 1
            calls = self._calls
            if calls and self._depth == 0 and self._saved > 1:
                calls[1](self._saved)


_ONE_BLAS_THREAD = _OneBlasThread()


# status code of an (account, group) by which of its counts are non-zero, bits: 1 muted, 2 manual,
# 4 pass, 8 fail; the first rule that applies wins (module docstring; no verdict is applied after it)
_STATUS_OF_BITS = np.array(
    [_FAIL if bits & 8 else _PASS if bits & 4 else _MANUAL if bits & 2 else _PASS if bits & 1 else _NOT_EVALUATED
     for bits in range(16)], np.int8,
)
# the count column of each category: no verdict counts as manual, 5 (anything else) is never counted
_COLUMN_OF_CATEGORY = np.array([0, 1, 2, 3, 2, 0], np.intp)


def _judge(plan: _Plan, findings: pa.Table, accounts: list[str]) -> _Judged:
    """Counts, status and framework score of every (account, requirement).

    Requirements that map the same subset of the day's checks are judged once per account (a
    group); the results stay per group until an account's table is built. Counting is one
    bincount per (account, count column, present check) and one matrix product with the groups'
    membership, in float32: exact, every sum being at most the day's number of findings (float64
    past 2**24 findings). No-verdict findings count as manual; which groups have one is a second,
    small product over the accounts that have such findings.
    """
    n_acc, n_chk, n_col = len(accounts), plan.check_numbers.num_rows, len(_COUNTS)
    # rows that count for nothing (no account of the list, a check no framework maps, category 5)
    # go to account n_acc and check n_chk, which are dropped below
    account_no = pc.index_in(findings.column("account_id"), value_set=pa.array(accounts, pa.string()))
    account_no = pc.fill_null(account_no, n_acc).to_numpy().astype(np.intp)
    check_no = pc.fill_null(findings.column("check_no"), n_chk).to_numpy()
    category = findings.column("category").to_numpy()
    check_no = np.where((category < _CATEGORIES) & (account_no < n_acc), check_no, n_chk)
    present = np.flatnonzero(np.bincount(check_no, minlength=n_chk + 1)[:n_chk])
    groups = plan.groups_for(present)
    n_local = len(present) + 1  # the last: counts for no group
    local = np.full(n_chk + 1, len(present), np.intp)
    local[present] = np.arange(len(present))
    local = local[check_no]
    exact = np.float32 if findings.num_rows < 2**24 else np.float64
    per_check = np.bincount((account_no * n_col + _COLUMN_OF_CATEGORY[category]) * n_local + local,
                            minlength=(n_acc + 1) * n_col * n_local).astype(exact)
    with _ONE_BLAS_THREAD:
        per_group = groups.product(per_check.reshape((n_acc + 1) * n_col, n_local))
    counts = per_group.reshape(n_acc + 1, n_col, groups.n_groups)[:n_acc]  # _COUNTS order
    nonzero = (counts > 0).view(np.uint8)
    bits = nonzero[:, 3] | (nonzero[:, 2] << 1) | (nonzero[:, 0] << 2) | (nonzero[:, 1] << 3)
    code = _STATUS_OF_BITS[bits]  # (account, group)
    unknown = np.flatnonzero((category == _CATEGORIES - 1) & (local < n_local - 1))
    if len(unknown):  # NOT_EVALUATED where a finding has no verdict, unless one fails
        having, row = np.unique(account_no[unknown], return_inverse=True)
        seen = np.bincount(row.reshape(-1) * n_local + local[unknown], minlength=len(having) * n_local)
        with _ONE_BLAS_THREAD:
            blind = groups.product(seen.reshape(len(having), n_local).astype(exact)) > 0
        code[having] = np.where(blind & (code[having] != _FAIL), np.int8(_NOT_EVALUATED), code[having])
    code[:, -1] = _MANUAL  # the group of requirements that map no check
    # score per (account, framework): 100 * PASS / (PASS + FAIL) requirements
    with _ONE_BLAS_THREAD:
        tallies = np.stack([code == _PASS, code == _FAIL]).astype(np.float32) @ groups.weights
    passing, failing = tallies.astype(np.int64)
    judged = passing + failing
    with np.errstate(divide="ignore", invalid="ignore"):
        score = passing * 100.0 / judged
    return _Judged(
        group_of=groups.group_of, fw_no=plan.fw_no, counts=counts, code=code, score=score, scored=judged > 0
    )


def _looser_config(plan: _Plan, config: Mapping[str, Any] | None) -> pa.Array:
    """Per requirement (in table order): its checks' config keys that are looser than Prowler's default."""
    if config is None:
        return plan.no_looser_config
    from postureflow.checks import all_checks
    from postureflow.config.strictness import looser_keys

    checks = all_checks()
    mapped = plan.check_numbers.column("check_id").to_pylist()
    looser = {c: keys for c in mapped if c in checks and (keys := looser_keys(checks[c], config))}
    if not looser:
        return plan.no_looser_config
    values = [
        sorted({k for c in req.checks for k in looser.get(c, ())}) for fw in plan.frameworks for req in fw.requirements
    ]
    return pa.array(values, pa.list_(pa.string()))


def _repeated(text: str, n: int) -> pa.Array:
    """``text`` ``n`` times as a string array (one buffer, no per-value work)."""
    data = text.encode()
    offsets = np.arange(n + 1, dtype=np.int32) * len(data)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(data * n))


class ComplianceTables(Mapping[str, pa.Table]):
    """The compliance rows of one day, ``{account_id: table}`` in account order.

    Every requirement of every account is judged when this is made (``compliance_tables``);
    an account's table (one row per requirement: 5,000+ with every framework) is assembled
    when it is asked for, from the per-group results and the requirement columns shared by
    every account. So a day of 1,000 accounts holds one account's rows at a time while it is
    written, not five million.
    """

    def __init__(self, accounts: list[str], judged: _Judged, shared: dict[str, pa.Array]):
        self._number = {account: k for k, account in enumerate(accounts)}
        self._judged = judged
        self._shared = shared

    def __getitem__(self, account: str) -> pa.Table:
        number = self._number[account]  # KeyError for an account not in the day
        columns = {**self._shared, **self._judged.columns(number)}
        columns["account_id"] = _repeated(account, len(self._judged.group_of))
        return pa.Table.from_arrays([columns[name] for name in COMPLIANCE.names], schema=COMPLIANCE)

    def __iter__(self):
        return iter(self._number)

    def __len__(self) -> int:
        return len(self._number)


def compliance_tables(
    lake: Lake,
    scan_date: dt.date,
    run_id: str,
    account_ids: list[str] | None = None,
    frameworks: Iterable[str | Framework] | None = None,
    evaluated_at: dt.datetime | None = None,
    config: Mapping[str, Any] | None = None,
) -> Mapping[str, pa.Table]:
    """Compute (without writing) the compliance rows of ``scan_date``: {account_id: table}.

    ``account_ids=None`` means every account that has findings that day. DuckDB
    scans the findings once (four columns) into (account, check, category) per
    finding; the requirement sums, status rules and scores then run as array
    operations over (account x group of requirements that map the same checks).
    Each account's table is assembled when read from the mapping (ComplianceTables).
    """
    scan_date = as_date(scan_date)
    for account in account_ids or []:
        if not isinstance(account, str) or not _ACCOUNT.match(account):
            raise ValueError(f"account id must be 12 digits, got {account!r}")
    evaluated_at = evaluated_at or dt.datetime.now(dt.timezone.utc)
    plan = _plan_for(_select_frameworks(frameworks))
    findings = _read_findings(plan, lake, scan_date, account_ids)

    if account_ids is None:
        accounts = sorted(pc.unique(findings.column("account_id")).drop_null().to_pylist())
    else:
        accounts = list(dict.fromkeys(account_ids))
    if not accounts:
        return {}
    n = plan.n_req
    shared: dict[str, Any] = {name: plan.requirements.column(name) for name in (*_REQUIREMENT_COLUMNS, "checks")}
    shared.update(
        scan_date=pa.repeat(pa.scalar(scan_date, pa.date32()), n),
        run_id=pa.repeat(pa.scalar(run_id, pa.string()), n),
        evaluated_at=pa.repeat(pa.scalar(evaluated_at, COMPLIANCE.field("evaluated_at").type), n),
        looser_config=_looser_config(plan, config),
    )
    return ComplianceTables(accounts, _judge(plan, findings, accounts), shared)


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
