#!/usr/bin/env python
"""Benchmark Security Hub forwarding: the delta versus resending every FAIL finding each run.

One account with --findings findings a day (default 10,000) over four regions
and real check ids, written with the real lake writer, then three days of
changes (fixed, regressed, new, deleted, reworded and muted findings) and a
re-run of the last day. Security Hub is moto's, in process; nothing leaves
the machine.

For every run it prints the BatchImportFindings calls and findings sent by

- delta: postureflow.securityhub.forward_findings (new/changed as ACTIVE, resolved once as ARCHIVED);
- resend: every FAIL finding of the day as ACTIVE, in batches of 100 (what Prowler's
  --security-hub does each run; Prowler also pages GetFindings to archive resolved
  findings, which is not counted here, so this baseline is a lower bound),

checks that the delta left Security Hub holding exactly the day's FAIL findings
as ACTIVE, times the delta computation alone (median of --reps dry runs over the
full account), and prints as its last line one JSON object with every figure.

    .venv/bin/python bench/securityhub.py
    .venv/bin/python bench/securityhub.py --findings 2000 --reps 3
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ["AWS_ACCESS_KEY_ID"] = "testing"
os.environ["AWS_SECRET_ACCESS_KEY"] = "testing"
os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
for var in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_SESSION_TOKEN"):
    os.environ.pop(var, None)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "include"))

import boto3  # noqa: E402
import pyarrow as pa  # noqa: E402
from moto import mock_aws  # noqa: E402

from postureflow.aws import AwsAccess  # noqa: E402
from postureflow.checks import all_checks  # noqa: E402
from postureflow.engine import finding_uid  # noqa: E402
from postureflow.lake import Lake  # noqa: E402
from postureflow.lake import schema as lake_schema  # noqa: E402
from postureflow.securityhub import ForwardOptions, forward_findings  # noqa: E402
from postureflow.securityhub.asff import build_asff, load_check_info, observed_at  # noqa: E402
from postureflow.securityhub.forward import MAX_BATCH_FINDINGS  # noqa: E402
from postureflow.securityhub.testing import hub_findings, import_calls  # noqa: E402

ACCOUNT = "123456789012"
REGIONS = ["us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2"]
DAYS = [dt.date(2026, 11, 20), dt.date(2026, 11, 21), dt.date(2026, 11, 22)]
FAIL_SHARE = 0.4
# per day after the first, as shares of the findings
CHANGES = {"fixed": 0.015, "regressed": 0.005, "new": 0.012, "deleted": 0.01, "reworded": 0.008, "muted": 0.002}


def make_day1(n: int, rng: random.Random) -> dict[str, dict]:
    checks = sorted(all_checks().values(), key=lambda c: c.id)[:40]
    findings: dict[str, dict] = {}
    for i in range(n):
        chk = checks[i % len(checks)]
        region = REGIONS[(i // len(checks)) % len(REGIONS)]
        resource = f"arn:aws:{chk.service}:{region}:{ACCOUNT}:resource/r-{i:06d}"
        status = "FAIL" if rng.random() < FAIL_SHARE else "PASS"
        uid = finding_uid(ACCOUNT, region, chk.id, resource)
        findings[uid] = {
            "finding_uid": uid,
            "check_id": chk.id,
            "check_title": chk.title,
            "severity": chk.severity,
            "status": status,
            "status_extended": f"Resource r-{i:06d} {'fails' if status == 'FAIL' else 'passes'} {chk.id}.",
            "account_id": ACCOUNT,
            "region": region,
            "service": chk.service,
            "resource_uid": resource,
            "resource_id": f"r-{i:06d}",
            "resource_type": chk.resource_type,
            "resource_tags": [("team", f"team-{i % 7}"), ("env", "prod" if i % 3 else "dev")],
            "muted": False,
            "mute_reason": None,
            "check_version": chk.version,
        }
    return findings


def next_day(previous: dict[str, dict], rng: random.Random, serial: int) -> dict[str, dict]:
    findings = {uid: dict(f) for uid, f in previous.items()}
    n = len(findings)
    fails = [u for u, f in findings.items() if f["status"] == "FAIL" and not f["muted"]]
    passes = [u for u, f in findings.items() if f["status"] == "PASS"]
    for uid in rng.sample(fails, int(n * CHANGES["fixed"])):
        findings[uid].update(status="PASS", status_extended=findings[uid]["status_extended"] + " Fixed.")
    for uid in rng.sample(passes, int(n * CHANGES["regressed"])):
        findings[uid].update(status="FAIL", status_extended=findings[uid]["status_extended"] + " Regressed.")
    still_failing = [u for u in fails if findings[u]["status"] == "FAIL"]
    for uid in rng.sample(still_failing, int(n * CHANGES["reworded"])):
        findings[uid]["status_extended"] += f" Seen again with new facts ({serial})."
    for uid in rng.sample(sorted(findings), int(n * CHANGES["deleted"])):
        del findings[uid]
    still_failing = [u for u in findings if findings[u]["status"] == "FAIL" and not findings[u]["muted"]]
    for uid in rng.sample(still_failing, int(n * CHANGES["muted"])):
        findings[uid].update(muted=True, mute_reason="accepted risk")
    template = list(previous.values())
    for k in range(int(n * CHANGES["new"])):
        base = dict(rng.choice(template))
        resource = f"{base['resource_uid']}-new{serial}-{k}"
        uid = finding_uid(ACCOUNT, base["region"], base["check_id"], resource)
        base.update(
            finding_uid=uid, resource_uid=resource, resource_id=resource.rsplit("/", 1)[-1], status="FAIL",
            status_extended=f"New resource {k} fails {base['check_id']}.", muted=False, mute_reason=None,
        )
        findings[uid] = base
    return findings


def write_day(lake: Lake, day: dt.date, findings: dict[str, dict]) -> None:
    scanned_at = dt.datetime.combine(day, dt.time(6, 0), dt.timezone.utc)
    by_service: dict[str, list[dict]] = {}
    for f in findings.values():
        by_service.setdefault(f["service"], []).append(
            {**f, "scan_date": day, "run_id": f"bench-{day}", "scanned_at": scanned_at}
        )
    for service, rows in sorted(by_service.items()):
        table = pa.Table.from_pylist(rows, schema=lake_schema.FINDINGS)
        lake.write_partition("findings", {"scan_date": day, "service": service, "account_id": ACCOUNT}, table)


def enable_hubs() -> None:
    for region in REGIONS:
        boto3.client("securityhub", region_name=region).enable_security_hub(EnableDefaultStandards=False)


def resend_all(access: AwsAccess, day: dt.date, findings: dict[str, dict], info) -> int:
    """Prowler's way: every FAIL finding of the run goes out as ACTIVE, 100 per call."""
    now = dt.datetime.now(dt.timezone.utc)
    by_region: dict[str, list[dict]] = {}
    for f in findings.values():
        if f["status"] == "FAIL" and not f["muted"]:
            row = {**f, "scan_date": day, "scanned_at": dt.datetime.combine(day, dt.time(6), dt.timezone.utc)}
            doc = build_asff(
                row, record_state="ACTIVE", workflow_status="NEW", first_observed_at=observed_at(row),
                updated_at=now, info=info.get(f["check_id"]),
            )
            by_region.setdefault(f["region"], []).append(doc)
    sent = 0
    for region, docs in sorted(by_region.items()):
        client = access.client("securityhub", region)
        for i in range(0, len(docs), MAX_BATCH_FINDINGS):
            response = client.batch_import_findings(Findings=docs[i : i + MAX_BATCH_FINDINGS])
            sent += response["SuccessCount"]
    return sent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--findings", type=int, default=10_000, help="findings per day (default 10000)")
    parser.add_argument("--reps", type=int, default=5, help="repetitions of the delta computation timing")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    days = [make_day1(args.findings, rng)]
    for serial in (1, 2):
        days.append(next_day(days[-1], rng, serial))
    runs = [(DAYS[0], days[0]), (DAYS[1], days[1]), (DAYS[2], days[2]), (DAYS[2], days[2])]  # last: a re-run

    root = tempfile.mkdtemp(prefix="postureflow-bench-sh-")
    lake = Lake(os.path.join(root, "lake"))
    for day, findings in zip(DAYS, days):
        write_day(lake, day, findings)
    fail_counts = [sum(1 for f in d.values() if f["status"] == "FAIL" and not f["muted"]) for d in days]
    print(f"lake: {lake.location()}  findings/day: {[len(d) for d in days]}  FAIL (unmuted)/day: {fail_counts}")

    info = load_check_info()
    figures: dict[str, dict[str, list]] = {
        "delta": {"calls": [], "sent": [], "active": [], "archived": [], "seconds": []},
        "resend": {"calls": [], "sent": [], "seconds": []},
    }
    print(f"\n{'run':<18}{'method':<8}{'import calls':>14}{'findings sent':>15}{'seconds':>10}   detail")

    with mock_aws():
        enable_hubs()
        access = AwsAccess.from_default_chain()
        for i, (day, findings) in enumerate(runs):
            before = import_calls(access)
            start = time.perf_counter()
            result = forward_findings(lake, access, ACCOUNT, day, ForwardOptions(enabled=True))
            seconds = time.perf_counter() - start
            calls = import_calls(access) - before
            assert calls == result.import_calls and result.failed == 0, result.as_dict()
            sent = result.sent_active + result.sent_archived
            d = figures["delta"]
            d["calls"].append(calls), d["sent"].append(sent), d["seconds"].append(round(seconds, 3))
            d["active"].append(result.sent_active), d["archived"].append(result.sent_archived)
            label = f"{day}{' rerun' if i == 3 else ''}"
            print(f"{label:<18}{'delta':<8}{calls:>14}{sent:>15}{seconds:>10.2f}   {result.sent_by_kind}")
        # Security Hub now holds exactly the last day's FAIL findings as ACTIVE
        held = {}
        for region in REGIONS:
            held.update(hub_findings(region))
        active = {uid for uid, doc in held.items() if doc["RecordState"] == "ACTIVE"}
        expected = {u for u, f in days[2].items() if f["status"] == "FAIL" and not f["muted"]}
        assert active == expected, (len(active), len(expected), len(active ^ expected))
        print(f"check: Security Hub holds {len(active)} ACTIVE findings = the last day's FAIL findings")

        timings = []
        for _ in range(args.reps):
            start = time.perf_counter()
            forward_findings(lake, access, ACCOUNT, DAYS[2], ForwardOptions(enabled=True), dry_run=True)
            timings.append(time.perf_counter() - start)
        delta_compute = statistics.median(timings)

    with mock_aws():
        enable_hubs()
        access = AwsAccess.from_default_chain()
        for i, (day, findings) in enumerate(runs):
            before = import_calls(access)
            start = time.perf_counter()
            sent = resend_all(access, day, findings, info)
            seconds = time.perf_counter() - start
            calls = import_calls(access) - before
            r = figures["resend"]
            r["calls"].append(calls), r["sent"].append(sent), r["seconds"].append(round(seconds, 3))
            label = f"{day}{' rerun' if i == 3 else ''}"
            print(f"{label:<18}{'resend':<8}{calls:>14}{sent:>15}{seconds:>10.2f}")

    delta, resend = figures["delta"], figures["resend"]
    after_first = slice(1, None)
    totals = {
        "delta_calls": sum(delta["calls"]),
        "delta_sent": sum(delta["sent"]),
        "resend_calls": sum(resend["calls"]),
        "resend_sent": sum(resend["sent"]),
        "delta_calls_after_day1": sum(delta["calls"][after_first]),
        "resend_calls_after_day1": sum(resend["calls"][after_first]),
        "delta_sent_after_day1": sum(delta["sent"][after_first]),
        "resend_sent_after_day1": sum(resend["sent"][after_first]),
    }
    ratio_calls = totals["resend_calls_after_day1"] / max(1, totals["delta_calls_after_day1"])
    ratio_sent = totals["resend_sent_after_day1"] / max(1, totals["delta_sent_after_day1"])
    print(
        f"\ntotal over 4 runs: delta {totals['delta_calls']} calls / {totals['delta_sent']} findings; "
        f"resend {totals['resend_calls']} calls / {totals['resend_sent']} findings"
    )
    print(
        f"after the first day: resend makes {ratio_calls:.1f}x the calls and sends {ratio_sent:.1f}x the findings; "
        f"unchanged re-run: delta {delta['calls'][3]} calls, resend {resend['calls'][3]} calls"
    )
    print(f"delta computation over {len(days[2])} findings (dry run, median of {args.reps}): {delta_compute:.3f} s")
    summary = {
        "findings_per_day": [len(d) for d in days],
        "fail_per_day": fail_counts,
        "runs": [f"{d}{' rerun' if i == 3 else ''}" for i, (d, _) in enumerate(runs)],
        "delta": delta,
        "resend": resend,
        **totals,
        "calls_ratio_after_day1": round(ratio_calls, 2),
        "sent_ratio_after_day1": round(ratio_sent, 2),
        "delta_compute_seconds_median": round(delta_compute, 3),
    }
    shutil.rmtree(root, ignore_errors=True)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
