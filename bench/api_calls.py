"""AWS API calls of one account's scan, per service, beside what Prowler's service classes would call.

    .venv/bin/python bench/api_calls.py            # a table
    .venv/bin/python bench/api_calls.py --json     # one JSON object instead

Seeds the demo account (postureflow.demo.seed_account) in moto, in process, and scans it
with every service in both demo regions (postureflow.engine.scan_account). Every call
goes through AwsAccess, whose call_log counts it; the services run one after another, so
the calls between two services' ends belong to the later one. Resources are the
inventory records each service wrote, by kind. The audit config reads customer data (Lambda code,
log events), as Prowler does by default; --no-customer-data scans with postureflow's default (off).

Prowler's figure is computed, not measured: bench/prowler_calls.yaml holds, per
service, the calls Prowler's ``<svc>_service.py`` makes once per account, once per
audited region and once per resource of a kind; they are evaluated on this scan's
regions and resource counts. A service absent from that file is "not counted".
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

import yaml

PROWLER_TABLE = Path(__file__).with_name("prowler_calls.yaml")


def load_prowler_table(path: Path = PROWLER_TABLE) -> dict[str, dict]:
    return yaml.safe_load(path.read_text())["services"]


def n_calls(calls: list) -> int:
    """A call list's length; an item ``{call: ..., times: n}`` stands for n calls (one per event name, say)."""
    return sum(item.get("times", 1) if isinstance(item, dict) else 1 for item in calls or [])


def count_of(kind: str, kinds: Counter) -> int:
    """Resources of ``kind`` (ours, over every region); ``a+b`` adds two kinds."""
    return sum(kinds[k] for k in kind.split("+"))


def prowler_calls(entry: dict, regions: int, kinds: Counter) -> int:
    """One service's Prowler calls: per-account + regions x per-region + resources x per-resource
    (+ regions x resources x per-region-and-resource)."""
    total = n_calls(entry.get("per_account")) + regions * n_calls(entry.get("per_region"))
    for kind, calls in (entry.get("per_resource") or {}).items():
        total += count_of(kind, kinds) * n_calls(calls)
    for kind, calls in (entry.get("per_region_and_resource") or {}).items():
        total += regions * count_of(kind, kinds) * n_calls(calls)
    return total


def formula(entry: dict) -> str:
    """The formula as text, e.g. ``1 + regions x 3 + bucket x 9``."""
    parts = []
    if entry.get("per_account"):
        parts.append(str(n_calls(entry["per_account"])))
    if entry.get("per_region"):
        parts.append(f"regions x {n_calls(entry['per_region'])}")
    for kind, calls in (entry.get("per_resource") or {}).items():
        parts.append(f"{kind} x {n_calls(calls)}")
    for kind, calls in (entry.get("per_region_and_resource") or {}).items():
        parts.append(f"regions x {kind} x {n_calls(calls)}")
    return " + ".join(parts) or "0"


def scan(regions: list[str], customer_data: bool) -> dict[str, dict]:
    """Seed the demo account in moto, scan every service; per service: calls, operations, regions, kinds.

    ``customer_data`` sets the audit config's read_customer_data: on, the checks that read Lambda code
    and log events get their data (GetFunction, FilterLogEvents), as Prowler's do by default.
    """
    for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                        ("AWS_DEFAULT_REGION", "us-east-1")):
        os.environ.setdefault(name, value)
    # moto does not throttle: the request budget's waits would only slow the bench
    os.environ.setdefault("POSTUREFLOW_API_RATE", "100000")
    os.environ.setdefault("POSTUREFLOW_API_BURST", "100000")
    os.environ.pop("AWS_ENDPOINT_URL", None)  # in-process mock_aws, not a server
    import boto3
    from moto import mock_aws

    from postureflow.aws import AwsAccess
    from postureflow.collect import all_collectors
    from postureflow.collect.downloads import CUSTOMER_DATA_KEY
    from postureflow.config import audit_config
    from moto.core import DEFAULT_ACCOUNT_ID

    from postureflow.demo import seed_account
    from postureflow.engine import InventoryMissing, ScanContext, all_services, load_inventory, scan_account
    from postureflow.inventory import INCOMPLETE_KIND
    from postureflow.lake import Lake

    collectors = all_collectors()
    per_service: dict[str, dict] = {}
    with mock_aws(), tempfile.TemporaryDirectory() as lake_dir:
        seed_account(boto3.session.Session(region_name="us-east-1"), DEFAULT_ACCOUNT_ID, regions)
        access = AwsAccess.from_default_chain()
        ctx = ScanContext(DEFAULT_ACCOUNT_ID, regions, dt.date(2026, 11, 22), "bench-api-calls", Lake(lake_dir),
                          config=audit_config({CUSTOMER_DATA_KEY: customer_data}))
        seen = Counter()

        def on_service(service: str, result) -> None:
            now = Counter(access.call_log.calls)
            ops: Counter = Counter()
            for (client, _, op), n in (now - seen).items():  # summed over regions
                ops[f"{client}:{op}"] += n
            seen.clear()
            seen.update(now)
            kinds: Counter = Counter()
            if service in collectors:
                try:
                    inventory, _ = load_inventory(ctx, service)
                except InventoryMissing:
                    inventory = {}
                for name, resources in inventory.items():
                    kind = name.split(".", 1)[1]
                    if kind != INCOMPLETE_KIND:
                        kinds[kind] += len(resources)
            scoped = collectors[service].scope if service in collectors else None
            per_service[service] = {
                "calls": sum(ops.values()),
                "operations": dict(sorted(ops.items())),
                "regions": 0 if scoped is None else 1 if scoped == "global" else len(regions),
                "resources": sum(kinds.values()),
                "kinds": dict(sorted(kinds.items())),
                "errors": result.errors,
            }

        scan_account(ctx, all_services(), access, on_service=on_service)
    return per_service


def compare(per_service: dict[str, dict], table: dict[str, dict], audited_regions: int) -> list[dict]:
    rows = []
    for service, ours in sorted(per_service.items(), key=lambda kv: (-kv[1]["calls"], kv[0])):
        entry = table.get(service)
        # Prowler audits a regional service in every audited region, whatever our collector's scope
        prowler = None if entry is None else prowler_calls(entry, audited_regions, Counter(ours["kinds"]))
        rows.append({
            "service": service, "ours": ours["calls"], "prowler": prowler,
            "formula": formula(entry) if entry else None,
            "prowler_not_counted": entry.get("not_counted") if entry else None,
            "regions": ours["regions"], "resources": ours["resources"], "kinds": ours["kinds"],
            "operations": ours["operations"],
        })
    return rows


def totals(rows: list[dict]) -> dict:
    counted = [r for r in rows if r["prowler"] is not None]
    return {
        "ours_all_services": sum(r["ours"] for r in rows),
        "services": len(rows),
        "services_counted_for_prowler": len(counted),
        "ours_counted_services": sum(r["ours"] for r in counted),
        "prowler_counted_services": sum(r["prowler"] for r in counted),
    }


def print_table(rows: list[dict], sums: dict) -> None:
    print(f"{'service':<22} {'ours':>6} {'prowler':>11} {'regions':>7} {'resources':>9}  prowler formula")
    for r in rows:
        prowler = "not counted" if r["prowler"] is None else str(r["prowler"])
        print(f"{r['service']:<22} {r['ours']:>6} {prowler:>11} {r['regions']:>7} {r['resources']:>9}  {r['formula'] or ''}")
    print(
        f"\nAll {sums['services']} services: {sums['ours_all_services']} calls of ours. "
        f"The {sums['services_counted_for_prowler']} services counted for Prowler: "
        f"ours {sums['ours_counted_services']}, Prowler {sums['prowler_counted_services']}."
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    parser.add_argument("--no-customer-data", action="store_true",
                        help="scan with read_customer_data off (the shipped default): the Lambda code and "
                             "log-event checks then read nothing and give no verdict, unlike Prowler's")
    args = parser.parse_args()
    from postureflow.demo import DEMO_REGIONS

    per_service = scan(list(DEMO_REGIONS), customer_data=not args.no_customer_data)
    rows = compare(per_service, load_prowler_table(), len(DEMO_REGIONS))
    sums = totals(rows)
    if args.json:
        print(json.dumps({"bench": "api_calls", "regions": list(DEMO_REGIONS), "read_customer_data": not args.no_customer_data,
                          "totals": sums, "services": rows}))
    else:
        print_table(rows, sums)
    return 0


if __name__ == "__main__":
    sys.exit(main())
