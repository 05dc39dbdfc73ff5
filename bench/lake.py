#!/usr/bin/env python
"""Benchmark compliance and SQL over synthetic findings lakes.

Builds lakes of 1M and 10M finding rows (100M with --full) spread over
days x accounts x services, written with the real writer (Lake.write_partition),
then times in the same run:

- compliance aggregation for one day and one account (write_compliance, as the DAG runs it),
- compliance aggregation for one day and all accounts (write_compliance_day),
- the full compliance_trend view over every day and account,
- a bare DuckDB scan of the same columns over the same files, for each of the above
  (compliance is timed as the computation alone and with its partitions written).

Prints medians of --reps repetitions, the ratios (aggregation / bare scan; target
<= 1.5), peak RSS, and as its last line one JSON object with every figure.

    .venv/bin/python bench/lake.py                    # 1M and 10M
    .venv/bin/python bench/lake.py --sizes 1M --reps 3
    .venv/bin/python bench/lake.py --full             # adds 100M (long on 2 cores)

Lakes are kept under --root (default /tmp/postureflow-bench) and reused when
their manifest matches; --rebuild forces a fresh build, --clean removes them after.
"""

from __future__ import annotations

import argparse
import datetime as dt
import glob
import json
import os
import resource
import shutil
import statistics
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "include"))

import duckdb  # noqa: E402

from postureflow.compliance.evaluate import compliance_tables, write_compliance, write_compliance_day  # noqa: E402
from postureflow.compliance.frameworks import frameworks_by_check, load_frameworks  # noqa: E402
from postureflow.lake import Lake  # noqa: E402
from postureflow.lake.schema import FINDINGS  # noqa: E402
from postureflow.lake.store import PART_FILE  # noqa: E402
from postureflow.sql.views import connect  # noqa: E402

SIZES = {"1M": 1_000_000, "10M": 10_000_000, "100M": 100_000_000}
REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"]
FIRST_DAY = dt.date(2026, 11, 1)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def services_and_checks(n_services: int) -> dict[str, list[str]]:
    """The services with the most framework-mapped checks, and their check ids (so compliance has work)."""
    by_service: dict[str, list[str]] = {}
    for check_id in frameworks_by_check():
        by_service.setdefault(check_id.split("_", 1)[0], []).append(check_id)
    ranked = sorted(by_service.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:n_services]
    return {service: sorted(checks) for service, checks in ranked}


def constant(value, n: int, type_: pa.DataType) -> pa.Array:
    return pa.repeat(pa.scalar(value, type_), n) if hasattr(pa, "repeat") else pc.take(
        pa.array([value], type_), pa.nulls(n, pa.int32()).fill_null(0)
    )


def arange(n: int) -> pa.Array:
    return pa.array(range(n), pa.int64())


def base_table(account: str, service: str, checks: list[str], n: int) -> dict[str, pa.Array]:
    """The columns that do not change between days: one finding per (check, resource)."""
    idx = arange(n)
    check_idx = pc.modulo(idx, len(checks))
    resource_no_int = pc.divide(idx, len(checks))  # integer division on int64
    resource_no = pc.cast(resource_no_int, pa.string())
    region = pc.take(pa.array(REGIONS), pc.modulo(resource_no_int, len(REGIONS)))
    check_id = pc.take(pa.array(checks), check_idx)
    resource_id = pc.binary_join_element_wise(constant(f"{service}-res", n, pa.string()), resource_no, "-")
    arn_prefix = constant(f"arn:aws:{service}:", n, pa.string())
    resource_uid = pc.binary_join_element_wise(arn_prefix, region, constant(account, n, pa.string()), resource_id, ":")
    finding_uid = pc.binary_join_element_wise(constant(account, n, pa.string()), check_id, resource_uid, "|")
    empty_tags = pa.MapArray.from_arrays(
        constant(0, n + 1, pa.int32()), pa.array([], pa.string()), pa.array([], pa.string())
    )
    return {
        "finding_uid": finding_uid,
        "check_id": check_id,
        "check_title": check_id,
        "severity": pc.take(pa.array(["critical", "high", "medium", "low"]), pc.modulo(idx, 4)),
        "status_extended": pc.binary_join_element_wise(resource_id, constant("was evaluated", n, pa.string()), " "),
        "account_id": constant(account, n, pa.string()),
        "region": region,
        "service": constant(service, n, pa.string()),
        "resource_uid": resource_uid,
        "resource_id": resource_id,
        "resource_type": constant("Other", n, pa.string()),
        "resource_tags": empty_tags,
        "check_version": constant("0.1.0+bench", n, pa.string()),
    }


def day_table(base: dict[str, pa.Array], day: dt.date, seed: int, n: int) -> pa.Table:
    roll = pc.random(n, initializer=seed)
    status = pc.if_else(pc.less(roll, 0.75), "PASS", pc.if_else(pc.less(roll, 0.98), "FAIL", "MANUAL"))
    muted = pc.less(pc.random(n, initializer=seed + 1), 0.03)
    columns = dict(base)
    columns.update(
        status=status,
        muted=muted,
        mute_reason=pc.if_else(muted, constant("accepted", n, pa.string()), pa.nulls(n, pa.string())),
        scan_date=constant(day, n, pa.date32()),
        run_id=constant(f"scheduled__{day.isoformat()}", n, pa.string()),
        scanned_at=constant(dt.datetime.combine(day, dt.time(3), dt.timezone.utc), n, pa.timestamp("us", tz="UTC")),
    )
    return pa.table([columns[name] for name in FINDINGS.names], schema=FINDINGS)


def build(root: Path, rows: int, days: int, accounts: int, n_services: int, rebuild: bool) -> tuple[Lake, dict]:
    manifest = {"rows": rows, "days": days, "accounts": accounts, "services": n_services}
    marker = root / "manifest.json"
    lake = Lake(str(root / "lake"))
    if not rebuild and marker.exists() and json.loads(marker.read_text()) == manifest:
        return lake, {"reused": True}
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    catalogue = services_and_checks(n_services)
    services = list(catalogue)
    per_partition = max(1, rows // (days * accounts * len(services)))
    seed = 42
    account_ids = [f"{100000000000 + i:012d}" for i in range(accounts)]
    t0 = time.perf_counter()
    written = 0
    for account in account_ids:
        for service in services:
            base = base_table(account, service, catalogue[service], per_partition)
            for d in range(days):
                day = FIRST_DAY + dt.timedelta(days=d)
                seed += 2
                table = day_table(base, day, seed, per_partition)
                lake.write_partition("findings", {"scan_date": day, "service": service, "account_id": account}, table)
                written += table.num_rows
    t_findings = time.perf_counter() - t0
    t0 = time.perf_counter()
    for d in range(days):
        write_compliance_day(lake, FIRST_DAY + dt.timedelta(days=d), "bench-build")
    t_compliance = time.perf_counter() - t0
    marker.write_text(json.dumps(manifest))
    return lake, {
        "reused": False,
        "rows_written": written,
        "rows_per_partition": per_partition,
        "partitions": days * accounts * len(services),
        "write_findings_s": round(t_findings, 2),
        "write_rows_per_s": round(written / t_findings),
        "compliance_all_days_s": round(t_compliance, 2),
    }


def interleaved(fns: dict[str, object], reps: int) -> dict[str, float]:
    """Median seconds of each function, run in turn within every repetition (so machine load hits all alike)."""
    for fn in fns.values():
        fn()  # warm-up: caches, page cache
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(reps):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(values) for name, values in times.items()}


_BARE_DB = duckdb.connect(":memory:")


def bare_scan(lake: Lake, day: dt.date, account: str | None) -> None:
    """The same files and columns as the aggregation reads, summed so that every value is read."""
    pattern = lake.path(f"findings/scan_date={day.isoformat()}/*/*/{PART_FILE}")
    where = f" WHERE account_id = '{account}'" if account else ""
    con = _BARE_DB.cursor()
    con.sql(
        "SELECT account_id, sum(length(check_id)) + sum(length(status)) + sum(muted::INT) AS s "
        f"FROM read_parquet('{pattern}', hive_partitioning = true, "
        "hive_types = {'scan_date': DATE, 'service': VARCHAR, 'account_id': VARCHAR})"
        f"{where} GROUP BY account_id"
    ).fetchall()
    con.close()


def bench_size(label: str, lake: Lake, days: int, reps: int) -> dict:
    day = FIRST_DAY + dt.timedelta(days=days - 1)
    files_day = sorted(glob.glob(lake.path(f"findings/scan_date={day}/service=*/account_id=*/{PART_FILE}")))
    one_account = sorted({f.split("account_id=")[1].split("/")[0] for f in files_day})[0]
    files_account = [f for f in files_day if f"account_id={one_account}/" in f]
    load_frameworks()

    result: dict = {}
    one = interleaved(
        {
            "agg": lambda: compliance_tables(lake, day, "bench", [one_account]),
            "write": lambda: write_compliance(lake, one_account, day, "bench"),
            "bare": lambda: bare_scan(lake, day, one_account),
        },
        reps,
    )
    every = interleaved(
        {
            "agg": lambda: compliance_tables(lake, day, "bench"),
            "write": lambda: write_compliance_day(lake, day, "bench"),
            "bare": lambda: bare_scan(lake, day, None),
        },
        reps,
    )
    for scope, figures in (("one_account", one), ("all_accounts", every)):
        for name, seconds in figures.items():
            result[f"{name}_{scope}_s"] = seconds

    con = connect(lake)
    trend_sql = "SELECT * FROM compliance_trend"
    bare_trend_sql = (
        "SELECT sum(length(framework_key)) + sum(length(label)) + sum(length(framework)) + sum(length(version)) "
        "+ sum(length(status)) + sum(coalesce(framework_score, 0)) + count(DISTINCT (scan_date, account_id)) "
        "FROM compliance"
    )
    result["trend_rows"] = con.sql(trend_sql).to_arrow_table().num_rows
    trend = interleaved(
        {"trend": lambda: con.sql(trend_sql).to_arrow_table(), "bare": lambda: con.sql(bare_trend_sql).fetchall()}, reps
    )
    result["trend_s"], result["bare_trend_s"] = trend["trend"], trend["bare"]
    con.close()

    result["rows_one_account_day"] = sum(pq.read_metadata(f).num_rows for f in files_account)
    result["rows_one_day"] = sum(pq.read_metadata(f).num_rows for f in files_day)
    for scope in ("one_account", "all_accounts"):
        result[f"ratio_{scope}"] = result[f"agg_{scope}_s"] / result[f"bare_{scope}_s"]
        result[f"ratio_write_{scope}"] = result[f"write_{scope}_s"] / result[f"bare_{scope}_s"]
    result["ratio_trend"] = result["trend_s"] / result["bare_trend_s"]
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in result.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1M,10M", help="comma list of 1M, 10M, 100M (default: 1M,10M)")
    parser.add_argument("--full", action="store_true", help="also 100M rows")
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--accounts", type=int, default=10)
    parser.add_argument("--services", type=int, default=20)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--root", default="/tmp/postureflow-bench")
    parser.add_argument("--rebuild", action="store_true", help="rebuild lakes even if a matching one exists")
    parser.add_argument("--clean", action="store_true", help="delete the lakes afterwards")
    args = parser.parse_args(argv)

    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    if args.full and "100M" not in sizes:
        sizes.append("100M")
    unknown = [s for s in sizes if s not in SIZES]
    if unknown:
        parser.error(f"unknown size(s) {unknown}; choose from {list(SIZES)}")

    report: dict = {"bench": "lake", "cores": os.cpu_count(), "duckdb": duckdb.__version__, "pyarrow": pa.__version__,
                    "days": args.days, "accounts": args.accounts, "services": args.services, "reps": args.reps,
                    "sizes": {}}
    for label in sizes:
        root = Path(args.root) / label
        print(f"[{label}] building {SIZES[label]:,} rows under {root} ...", flush=True)
        lake, build_info = build(root, SIZES[label], args.days, args.accounts, args.services, args.rebuild)
        print(f"[{label}] build: {build_info}", flush=True)
        figures = bench_size(label, lake, args.days, args.reps)
        figures["build"] = build_info
        figures["peak_rss_mb"] = round(peak_rss_mb(), 1)
        report["sizes"][label] = figures
        for scope, text, rows in (
            ("one_account", "one account/day", figures["rows_one_account_day"]),
            ("all_accounts", "all accounts/day", figures["rows_one_day"]),
        ):
            print(
                f"[{label}] {text} ({rows:,} rows): compliance {figures[f'agg_{scope}_s'] * 1000:.1f} ms, "
                f"with writing {figures[f'write_{scope}_s'] * 1000:.1f} ms, bare scan {figures[f'bare_{scope}_s'] * 1000:.1f} ms"
                f" -> x{figures[f'ratio_{scope}']:.2f} (with writing x{figures[f'ratio_write_{scope}']:.2f})"
            )
        print(
            f"[{label}] compliance_trend ({figures['trend_rows']:,} rows): {figures['trend_s'] * 1000:.1f} ms "
            f"vs bare scan {figures['bare_trend_s'] * 1000:.1f} ms -> x{figures['ratio_trend']:.2f}"
        )
        print(f"[{label}] peak RSS so far: {figures['peak_rss_mb']:.0f} MB", flush=True)
        if args.clean:
            shutil.rmtree(root, ignore_errors=True)
    report["peak_rss_mb"] = round(peak_rss_mb(), 1)
    report["target_ratio"] = 1.5
    print(json.dumps(report, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
