#!/usr/bin/env python
"""The lake at organisation scale: 1,000 accounts x 365 days of synthetic findings and compliance.

Builds the lake with the real writer (Lake.write_day: one file and one manifest commit per
day and bucket; generated rows, no AWS), then prints medians of --reps runs of:

- files per day (findings, compliance) and in total,
- one account's latest findings (the manifest of its bucket on the latest day, then its rows): goal < 1 s,
- the org-wide compliance trend of one framework over every day: goal < 10 s; read as the product
  reads it (the org rollup's ``org_compliance`` rows, one small file a day, which the bench writes with
  the real rollup, write_org_compliance, for any day that lacks it), and ad hoc over every
  account's requirement rows of every day (``compliance``),
- the compliance aggregation of one day, all accounts (compliance_tables, as the DAG runs it): every
  (account, requirement) judged, as a ratio to a bare DuckDB scan of the same columns of the same
  files: goal <= 1.5, in wall time and in this process's CPU time (steadier when other work shares
  the cores; the load average is printed beside it); then its one pass over the findings (DuckDB: account, check and category of
  each), and the aggregation with every account's table assembled too (one row per account and
  requirement, 44 frameworks: 5,412 rows per account; compliance_tables assembles an account's
  table when it is read, so a writer holds one account's rows at a time).

    .venv/bin/python bench/lake.py --small            # 50 accounts x 30 days, a minute
    .venv/bin/python bench/lake.py                    # 1,000 accounts x 365 days (long on 2 cores)

The lake is kept under --root and reused when its parameters match; --rebuild forces a new one.
The last line is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "include"))

import duckdb  # noqa: E402

from postureflow.compliance import evaluate  # noqa: E402
from postureflow.compliance.evaluate import compliance_tables  # noqa: E402
from postureflow.compliance.frameworks import frameworks_by_check, load_frameworks  # noqa: E402
from postureflow.compliance.org import write_org_compliance  # noqa: E402
from postureflow.compliance.schema import COMPLIANCE  # noqa: E402
from postureflow.lake import Lake  # noqa: E402
from postureflow.lake.query import source_sql  # noqa: E402
from postureflow.lake.schema import FINDINGS  # noqa: E402

REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"]
LAST_DAY = dt.date(2026, 11, 30)
UTC = pa.timestamp("us", tz="UTC")


def repeat(value, n: int, type_: pa.DataType) -> pa.Array:
    return pa.repeat(pa.scalar(value, type_), n)


def checks_by_service(n_services: int) -> dict[str, list[str]]:
    """The services with the most framework-mapped checks (so the compliance aggregation has work)."""
    by_service: dict[str, list[str]] = {}
    for check_id in frameworks_by_check():
        by_service.setdefault(check_id.split("_", 1)[0], []).append(check_id)
    ranked = sorted(by_service.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:n_services]
    return {service: sorted(checks) for service, checks in ranked}


def findings_day(accounts: list[str], catalogue: dict[str, list[str]], per_service: int, day: dt.date,
                 seed: int) -> pa.Table:
    """Every account's findings of one day: per_service rows for each (account, service)."""
    services = list(catalogue)
    n = len(accounts) * len(services) * per_service
    idx = pa.array(range(n), pa.int64())
    per_account = len(services) * per_service
    account = pc.take(pa.array(accounts), pc.divide(idx, per_account))
    service_no = pc.divide(pc.modulo(idx, per_account), per_service)
    service = pc.take(pa.array(services), service_no)
    row_no = pc.modulo(idx, per_service)
    check = pc.take(pa.array([c for s in services for c in (catalogue[s] * per_service)[:per_service]]),
                    pc.add(pc.multiply(service_no, per_service), row_no))
    region = pc.take(pa.array(REGIONS), pc.modulo(row_no, len(REGIONS)))
    resource = pc.binary_join_element_wise(service, pc.cast(row_no, pa.string()), "-")
    uid = pc.binary_join_element_wise(account, check, resource, "|")
    roll = pc.random(n, initializer=seed)
    status = pc.if_else(pc.less(roll, 0.75), "PASS", pc.if_else(pc.less(roll, 0.97), "FAIL", "MANUAL"))
    muted = pc.less(pc.random(n, initializer=seed + 1), 0.03)
    empty_tags = pa.MapArray.from_arrays(repeat(0, n + 1, pa.int32()), pa.array([], pa.string()),
                                         pa.array([], pa.string()))
    columns = {
        "finding_uid": uid, "check_id": check, "check_title": check,
        "severity": pc.take(pa.array(["critical", "high", "medium", "low"]), pc.modulo(idx, 4)),
        "status": status, "status_extended": resource, "account_id": account, "region": region,
        "service": service, "resource_uid": uid, "resource_id": resource, "resource_type": repeat("Other", n, pa.string()),
        "resource_tags": empty_tags, "muted": muted, "mute_reason": pa.nulls(n, pa.string()),
        "scan_date": repeat(day, n, pa.date32()), "run_id": repeat(f"scheduled__{day}", n, pa.string()),
        "scanned_at": repeat(dt.datetime.combine(day, dt.time(3), dt.timezone.utc), n, UTC),
        "check_version": repeat("bench", n, pa.string()),
        # Prowler's identity of the resource: null (ours), as for every check without a Prowler rule
        **{name: pa.nulls(n, pa.string()) for name in ("prowler_resource_uid", "prowler_resource_name", "prowler_region")},
    }
    return pa.table([columns[c] for c in FINDINGS.names], schema=FINDINGS)


def compliance_day(accounts: list[str], requirements: list[tuple[str, str]], day: dt.date, seed: int) -> pa.Table:
    """Every account's requirement rows of one day (framework_key, requirement_id) with a status."""
    n = len(accounts) * len(requirements)
    idx = pa.array(range(n), pa.int64())
    req_no = pc.modulo(idx, len(requirements))
    account = pc.take(pa.array(accounts), pc.divide(idx, len(requirements)))
    roll = pc.random(n, initializer=seed)
    status = pc.if_else(pc.less(roll, 0.6), "PASS", pc.if_else(pc.less(roll, 0.9), "FAIL", "MANUAL"))
    zeros = repeat(0, n, pa.int64())
    columns = {
        "framework_key": pc.take(pa.array([f for f, _ in requirements]), req_no),
        "framework": repeat("bench", n, pa.string()), "version": repeat("1", n, pa.string()),
        "label": repeat("bench", n, pa.string()),
        "requirement_id": pc.take(pa.array([r for _, r in requirements]), req_no),
        "section": repeat("s", n, pa.string()), "title": repeat("t", n, pa.string()),
        "profile": pa.nulls(n, pa.string()), "status": status, "pass_count": zeros, "fail_count": zeros,
        "manual_count": zeros, "muted_count": zeros, "checks": pa.nulls(n, pa.list_(pa.string())),
        "framework_score": pa.nulls(n, pa.float64()), "account_id": account,
        "scan_date": repeat(day, n, pa.date32()), "run_id": repeat("bench", n, pa.string()),
        "evaluated_at": repeat(dt.datetime.combine(day, dt.time(4), dt.timezone.utc), n, UTC),
        "looser_config": pa.nulls(n, pa.list_(pa.string())),
    }
    return pa.table([columns[c] for c in COMPLIANCE.names], schema=COMPLIANCE)


def build(root: Path, args) -> tuple[Lake, dict]:
    params = {k: getattr(args, k) for k in ("accounts", "days", "services", "per_service")}
    marker = root / "params.json"
    lake = Lake(str(root / "lake"))
    if not args.rebuild and marker.exists() and json.loads(marker.read_text()) == params:
        return lake, {"reused": True}
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    accounts = [f"{100000000000 + i:012d}" for i in range(args.accounts)]
    catalogue = checks_by_service(args.services)
    requirements = [(fw.key, req.id) for fw in list(load_frameworks().values())[:3] for req in fw.requirements]
    t0 = time.perf_counter()
    rows = 0
    for d in range(args.days):
        day = LAST_DAY - dt.timedelta(days=args.days - 1 - d)
        findings = findings_day(accounts, catalogue, args.per_service, day, seed=2 * d + 1)
        lake.write_day("findings", day, findings)
        lake.write_day("compliance", day, compliance_day(accounts, requirements, day, seed=2 * d + 2))
        rows += findings.num_rows
    build_s = time.perf_counter() - t0
    marker.write_text(json.dumps(params))
    return lake, {"reused": False, "build_s": round(build_s, 1), "finding_rows": rows,
                  "compliance_rows_per_day": len(accounts) * len(requirements)}


def ensure_org_rollup(lake: Lake) -> int:
    """Write the org rollup (the real task's code) of every compliance day that lacks it; returns how many."""
    missing = sorted(set(lake.days("compliance")) - set(lake.days("org_compliance")))
    for day in missing:
        write_org_compliance(lake, day)
    return len(missing)


def median_of(fn, reps: int, cpu: list | None = None) -> float:
    """Median wall seconds of ``reps`` runs after a warm-up; the median CPU seconds of this process
    (every thread, DuckDB's and BLAS's included) is appended to ``cpu`` when given: steadier than wall
    time when other work shares the cores."""
    fn()  # warm-up
    times, cpu_times = [], []
    for _ in range(reps):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
        cpu_times.append(time.process_time() - c0)
    if cpu is not None:
        cpu.append(statistics.median(cpu_times))
    return statistics.median(times)


def files_on(root: Path, dataset: str, day: dt.date) -> int:
    folder = root / "lake" / dataset / f"scan_date={day}"
    return sum(1 for p in folder.iterdir() if p.suffix == ".parquet")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--small", action="store_true", help="50 accounts x 30 days")
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--services", type=int, default=8)
    parser.add_argument("--per-service", type=int, default=20, help="findings per account and service a day")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--root", default="/tmp/postureflow-bench-lake")
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    if args.small:
        args.accounts, args.days, args.root = 50, 30, args.root + "-small"
    root = Path(args.root)
    lake, built = build(root, args)
    t0 = time.perf_counter()
    built["org_rollup_days_written"] = ensure_org_rollup(lake)
    built["org_rollup_s"] = round(time.perf_counter() - t0, 1)
    days = lake.days("findings")
    latest = days[-1]
    account = f"{100000000000 + args.accounts // 2:012d}"
    framework = next(iter(load_frameworks().values())).key
    label = "bench"  # compliance_day labels every synthetic requirement row "bench": one rollup row a day

    def latest_findings():
        day = lake.days("findings")[-1]
        return lake.read("findings", [day], [account]).num_rows

    def org_trend():  # as the product reads it: the org rollup's rows
        con = duckdb.connect()
        src = source_sql(con, lake, "org_compliance", lake.files("org_compliance"))
        out = con.execute(f"SELECT scan_date, score, passed, failed, manual, not_evaluated FROM {src} "
                          "WHERE label = $label ORDER BY scan_date", {"label": label}).fetchall()
        con.close()
        assert len(out) == len(days), (len(out), len(days))
        return out

    def org_trend_raw():  # ad hoc: every account's requirement rows of every day
        con = duckdb.connect()
        src = source_sql(con, lake, "compliance", lake.files("compliance"))
        out = con.sql(f"SELECT scan_date, status, count(*) FROM {src} WHERE framework_key = '{framework}' "
                      "GROUP BY ALL ORDER BY 1").fetchall()
        con.close()
        return out

    def aggregation():  # every (account, requirement) of the day judged
        return compliance_tables(lake, latest, "bench")

    def aggregation_with_rows():  # ... and every account's table assembled, as a writer reads them
        return sum(table.num_rows for table in compliance_tables(lake, latest, "bench").values())

    def findings_pass():  # the aggregation's only read of the lake: (account, check, category) of each finding
        plan = evaluate._plan_for(evaluate._select_frameworks(None))
        return evaluate._read_findings(plan, lake, latest, None)

    # The bare scan, like the aggregation, takes a cursor of a database opened once: opening a new
    # in-memory database per call (~10 ms, more on a busy machine) would flatter the ratio.
    scan_db = duckdb.connect()

    def bare_scan():
        con = scan_db.cursor()
        src = source_sql(con, lake, "findings", lake.files("findings", [latest]))
        con.sql(f"SELECT account_id, sum(length(check_id)) + sum(length(status)) + sum(muted::INT) "
                f"FROM {src} GROUP BY account_id").fetchall()
        con.close()

    assert latest_findings() == args.services * args.per_service
    figures = {
        "accounts": args.accounts, "days": len(days), **built,
        "files_per_day": {"findings": files_on(root, "findings", latest),
                          "compliance": files_on(root, "compliance", latest)},
        "files_total": sum(1 for d in ("findings", "compliance") for _ in (root / "lake" / d).rglob("*.parquet")),
        "latest_findings_one_account_s": round(median_of(latest_findings, args.reps), 3),
        "org_trend_one_framework_s": round(median_of(org_trend, args.reps), 3),
        "org_trend_raw_compliance_rows_s": round(median_of(org_trend_raw, args.reps), 3),
    }
    cpu: list[float] = []
    agg = median_of(aggregation, args.reps, cpu)
    bare = median_of(bare_scan, args.reps, cpu)
    read = median_of(findings_pass, args.reps)
    with_rows = median_of(aggregation_with_rows, args.reps)
    rows_out = aggregation_with_rows()
    figures.update(aggregation_day_s=round(agg, 3), bare_scan_day_s=round(bare, 3), ratio=round(agg / bare, 2),
                   aggregation_cpu_s=round(cpu[0], 3), bare_scan_cpu_s=round(cpu[1], 3),
                   cpu_ratio=round(cpu[0] / cpu[1], 2), load=round(os.getloadavg()[0], 1),
                   findings_pass_s=round(read, 3), findings_pass_ratio=round(read / bare, 2),
                   aggregation_with_rows_s=round(with_rows, 3), with_rows_ratio=round(with_rows / bare, 2),
                   compliance_rows_out=rows_out, cpus=os.cpu_count())
    print(f"lake: {figures['accounts']} accounts x {figures['days']} days "
          f"({'reused' if built.get('reused') else 'built in %ss' % built['build_s']})")
    print(f"files per day: findings {figures['files_per_day']['findings']}, "
          f"compliance {figures['files_per_day']['compliance']}; {figures['files_total']} data files in all")
    print(f"one account's latest findings: {figures['latest_findings_one_account_s']} s (goal < 1 s)")
    print(f"org-wide trend of {framework} over {len(days)} days: {figures['org_trend_one_framework_s']} s from the "
          f"org rollup, {figures['org_trend_raw_compliance_rows_s']} s over every account's rows (goal < 10 s)")
    print(f"compliance aggregation of one day: {agg:.3f} s vs bare scan {bare:.3f} s = {agg / bare:.2f}x (goal <= 1.5); "
          f"CPU time {cpu[0]:.3f} s vs {cpu[1]:.3f} s = {cpu[0] / cpu[1]:.2f}x (load {os.getloadavg()[0]:.1f})")
    print(f"  its pass over the findings: {read:.3f} s = {read / bare:.2f}x the bare scan; with every account's "
          f"table assembled ({rows_out:,} rows, {rows_out // max(args.accounts, 1):,} per account): "
          f"{with_rows:.3f} s = {with_rows / bare:.2f}x")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
