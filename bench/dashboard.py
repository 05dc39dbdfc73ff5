#!/usr/bin/env python
"""Benchmark the findings dashboard: each page's response time on a 10M-row lake.

Builds (or reuses) a synthetic lake of --rows findings (default 10M) over
--days x --accounts x --services, shaped like a real one: finding ids are the
engine's 40-hex hashes, about 20% of findings fail, 3% are muted, and each day
about 1% of findings change status (so "changes" has a realistic amount of
work). Compliance is evaluated for every day with the real evaluator. Then it
serves the dashboard with uvicorn on 127.0.0.1 and times each page over HTTP:
median of --reps requests after one warm-up. The dashboard keeps two small
caches: the lake listing (refreshed in the background) and the explorer's
drop-down values per set of scans (recomputed when a scan lands); explorer pages
are also timed with the second emptied before every request ("cold facets").
Query results are never cached: every request runs its queries.

It also times a cheap request (a static file) while a CSV export of the whole
latest scan streams, to show that slow queries do not block the server's event
loop.

    .venv/bin/python bench/dashboard.py                      # 10M rows, builds once under --root
    .venv/bin/python bench/dashboard.py --rows 1000000       # quicker
    .venv/bin/python bench/dashboard.py --lake /tmp/postureflow-bench/10M/lake   # any existing lake

Prints one line per page and, as its last line, one JSON object with every
figure (target: every page's median under 300 ms).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import resource
import shutil
import socket
import statistics
import sys
import threading
import time
from pathlib import Path

import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "include"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from postureflow.lake import Lake  # noqa: E402
from postureflow.lake.schema import FINDINGS  # noqa: E402

FIRST_DAY = dt.date(2026, 11, 1)
REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"]
SEVERITIES = ["critical", "high", "medium", "low", "informational"]
TARGET_MS = 300.0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


# -- the synthetic lake -----------------------------------------------------------------------


def _catalogue(n_services: int) -> dict[str, list[str]]:
    """Services with the most framework-mapped checks (bench/lake.py's choice), so compliance has work."""
    from lake import services_and_checks  # bench/lake.py

    return services_and_checks(n_services)


def _base(account: str, service: str, checks: list[str], n: int, rng: random.Random) -> dict:
    """The columns that stay the same from day to day: one finding per (check, resource)."""
    check_ids = [checks[i % len(checks)] for i in range(n)]
    resource_no = [i // len(checks) for i in range(n)]
    regions = [REGIONS[r % len(REGIONS)] for r in resource_no]
    resource_ids = [f"{service}-res-{r}" for r in resource_no]
    uids = [f"arn:aws:{service}:{r}:{account}:{rid}" for r, rid in zip(regions, resource_ids)]
    return {
        "finding_uid": [
            hashlib.sha256(f"{account}|{r}|{c}|{u}".encode()).hexdigest()[:40]
            for r, c, u in zip(regions, check_ids, uids)
        ],
        "check_id": check_ids,
        "check_title": [c.replace("_", " ").capitalize() for c in check_ids],
        "severity": rng.choices(SEVERITIES, weights=[5, 25, 40, 25, 5], k=n),
        "account_id": [account] * n,
        "region": regions,
        "service": [service] * n,
        "resource_uid": uids,
        "resource_id": resource_ids,
        "resource_type": ["Other"] * n,
        "check_version": ["0.1.0+bench"] * n,
        "muted": [rng.random() < 0.03 for _ in range(n)],
    }


def _status(rng: random.Random, n: int) -> list[str]:
    return rng.choices(["PASS", "FAIL", "MANUAL"], weights=[78, 20, 2], k=n)


def _day_table(base: dict, status: list[str], day: dt.date) -> pa.Table:
    n = len(status)
    columns = dict(base)
    columns.update(
        status=status,
        status_extended=[
            f"Resource {r} is {'' if s == 'PASS' else 'not '}configured as the check expects."
            for r, s in zip(base["resource_id"], status)
        ],
        mute_reason=["Accepted risk (bench)" if m else None for m in base["muted"]],
        resource_tags=[[("env", "bench")]] * n,
        scan_date=[day] * n,
        run_id=[f"scheduled__{day.isoformat()}"] * n,
        scanned_at=[dt.datetime.combine(day, dt.time(3), dt.timezone.utc)] * n,
    )
    return pa.table({name: pa.array(columns[name], FINDINGS.field(name).type) for name in FINDINGS.names},
                    schema=FINDINGS)


def build(
    root: Path, rows: int, days: int, accounts: int, n_services: int, churn: float, rebuild: bool
) -> tuple[Lake, dict]:
    manifest = {"rows": rows, "days": days, "accounts": accounts, "services": n_services, "churn": churn, "v": 1}
    marker = root / "manifest.json"
    lake = Lake(str(root / "lake"))
    if not rebuild and marker.exists() and json.loads(marker.read_text()) == manifest:
        return lake, {"reused": True}
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    from postureflow.compliance.evaluate import write_compliance_day

    catalogue = _catalogue(n_services)
    per_partition = max(1, rows // (days * accounts * len(catalogue)))
    rng = random.Random(42)
    t0 = time.perf_counter()
    written = 0
    for a in range(accounts):
        account = f"{200000000000 + a:012d}"
        for service, checks in catalogue.items():
            base = _base(account, service, checks, per_partition, rng)
            status = _status(rng, per_partition)
            for d in range(days):
                day = FIRST_DAY + dt.timedelta(days=d)
                if d:
                    flip = {"FAIL": "PASS", "PASS": "FAIL", "MANUAL": "MANUAL"}
                    status = [flip[s] if rng.random() < churn else s for s in status]
                table = _day_table(base, status, day)
                lake.write_partition("findings", {"scan_date": day, "service": service, "account_id": account}, table)
                written += table.num_rows
    t_findings = time.perf_counter() - t0
    t0 = time.perf_counter()
    for d in range(days):
        write_compliance_day(lake, FIRST_DAY + dt.timedelta(days=d), "bench-build")
    t_compliance = time.perf_counter() - t0
    marker.write_text(json.dumps(manifest))
    return lake, {"reused": False, "rows_written": written, "rows_per_partition": per_partition,
                  "write_findings_s": round(t_findings, 1), "compliance_s": round(t_compliance, 1)}


# -- serving and timing -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """uvicorn on 127.0.0.1 in a thread, as `postureflow dashboard` runs it."""

    def __init__(self, app) -> None:
        import uvicorn

        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.time() + 30
        while not self.server.started:
            if time.time() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return f"http://127.0.0.1:{self.port}"

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=10)
    parser.add_argument("--accounts", type=int, default=10)
    parser.add_argument("--services", type=int, default=20)
    parser.add_argument("--churn", type=float, default=0.01, help="share of findings that change status per day")
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--root", default="/tmp/postureflow-bench-dashboard")
    parser.add_argument("--lake", help="time an existing lake instead of building one")
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args(argv)

    import httpx

    from postureflow.dashboard import create_app
    from postureflow.dashboard.data import reader_for

    report: dict = {"bench": "dashboard", "cores": os.cpu_count(), "reps": args.reps, "target_ms": TARGET_MS}
    if args.lake:
        lake, info = Lake(args.lake), {"reused": True, "external": True}
    else:
        root = Path(args.root) / f"{args.rows}"
        print(f"building or reusing a {args.rows:,}-row lake under {root} ...", flush=True)
        lake, info = build(root, args.rows, args.days, args.accounts, args.services, args.churn, args.rebuild)
    report["lake"] = lake.location()
    report["build"] = info
    print(f"lake {lake.location()}: {info}", flush=True)

    import duckdb

    rows = duckdb.sql(
        f"SELECT count(*) FROM read_parquet('{lake.parquet_glob('findings')}')"
    ).fetchall()[0][0]
    report["findings_rows"] = rows

    app = create_app(lake, allowed_hosts=["127.0.0.1"])
    reader = reader_for(lake)
    with Server(app) as base, httpx.Client(base_url=base, timeout=120) as client:
        t0 = time.perf_counter()
        overview = client.get("/api/overview").raise_for_status().json()
        report["first_request_ms"] = round((time.perf_counter() - t0) * 1000, 1)
        account = overview["accounts"][0]["account_id"]
        framework = overview["accounts"][0]["frameworks"][0]["framework_key"]
        first = client.get("/api/findings", params={"status": "FAIL", "account": account}).json()["rows"][0]
        finding = f"/findings/{first['account_id']}/{first['service']}/{first['finding_uid']}"
        pages = {
            "overview": ("/", {}),
            "compliance": ("/compliance", {"account": account}),
            "framework": (f"/compliance/{framework}", {"account": account}),
            "findings": ("/findings", {}),
            "findings_filtered": ("/findings", {"account": account, "severity": "high", "status": "FAIL"}),
            "findings_search": ("/findings", {"q": "res-42"}),
            "findings_page_50": ("/findings", {"page": "50"}),
            "finding": (finding, {}),
            "changes_account": ("/changes", {"account": account}),
            "changes_all_accounts": ("/changes", {"account": "all"}),
        }
        cold_pages = ("findings", "findings_filtered", "findings_search")

        def timed(path: str, params: dict, cold: bool) -> tuple[float, float]:
            client.get(path, params=params).raise_for_status()
            times = []
            for _ in range(args.reps):
                if cold:
                    reader.clear_caches()
                t0 = time.perf_counter()
                response = client.get(path, params=params)
                times.append(time.perf_counter() - t0)
                response.raise_for_status()
            return round(statistics.median(times) * 1000, 1), round(max(times) * 1000, 1)

        figures: dict[str, float] = {}
        cold: dict[str, float] = {}
        for name, (path, params) in pages.items():
            figures[name], worst = timed(path, params, cold=False)
            flag = "ok" if figures[name] < TARGET_MS else "OVER"
            print(f"{name:22s} {figures[name]:8.1f} ms  (max {worst:.1f} ms) {flag}", flush=True)
            if name in cold_pages:
                cold[name], worst = timed(path, params, cold=True)
                print(f"{name + ' (cold facets)':34s} {cold[name]:8.1f} ms  (max {worst:.1f} ms)", flush=True)
        report["pages_ms"] = figures
        report["pages_cold_facets_ms"] = cold
        report["slowest_page"] = max(figures, key=figures.get)
        report["all_under_target"] = all(v < TARGET_MS for v in figures.values())
        report["load_average"] = os.getloadavg()

        # Responsiveness while a long query runs: a static file during a full CSV export.
        done = threading.Event()
        exported = {}

        def export() -> None:
            t = time.perf_counter()
            with httpx.Client(base_url=base, timeout=600) as other:
                size = 0
                with other.stream("GET", "/findings.csv") as response:
                    for chunk in response.iter_bytes():
                        size += len(chunk)
            exported.update(bytes=size, seconds=time.perf_counter() - t)
            done.set()

        thread = threading.Thread(target=export)
        thread.start()
        time.sleep(0.2)
        during = []
        while not done.is_set() and len(during) < 50:
            t0 = time.perf_counter()
            client.get("/static/style.css").raise_for_status()
            during.append(time.perf_counter() - t0)
            time.sleep(0.05)
        thread.join()
        report["csv_export_latest_scans"] = {
            "mb": round(exported["bytes"] / 1e6, 1), "s": round(exported["seconds"], 2)
        }
        report["static_during_export_ms"] = {
            "median": round(statistics.median(during) * 1000, 1) if during else None,
            "max": round(max(during) * 1000, 1) if during else None,
            "samples": len(during),
        }
        print(f"CSV export of the latest scans: {report['csv_export_latest_scans']}; a static file meanwhile: "
              f"{report['static_during_export_ms']}", flush=True)
    report["peak_rss_mb"] = round(peak_rss_mb(), 1)
    print(json.dumps(report, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
