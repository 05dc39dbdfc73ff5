"""`postureflow compliance coverage|frameworks|evaluate`."""

from __future__ import annotations

import argparse
import datetime as dt
import json

from postureflow.cli._common import add_lake_option, lake_from


def register(subparsers) -> None:
    parser = subparsers.add_parser("compliance", help="compliance frameworks: coverage and evaluation over the lake")
    sub = parser.add_subparsers(dest="compliance_command", required=True, metavar="ACTION")

    cov = sub.add_parser("coverage", help="per framework: requirements, automated, covered by implemented checks")
    cov.add_argument("--json", action="store_true", help="print a JSON list of objects")
    cov.set_defaults(func=coverage)

    ev = sub.add_parser("evaluate", help="compute and write the compliance partition of one scan from the lake")
    add_lake_option(ev)
    ev.add_argument("--scan-date", required=True, help="YYYY-MM-DD")
    ev.add_argument("--account-id", action="append", help="12-digit account (repeatable; default: every account that day)")
    ev.add_argument("--run-id", default=None, help="run id stored with the rows (default: manual__<now>)")
    ev.add_argument("--framework", action="append", help="only this framework key or label (repeatable)")
    ev.add_argument("--json", action="store_true", help="print the summaries as JSON")
    ev.set_defaults(func=evaluate)


def coverage(args: argparse.Namespace) -> int:
    from postureflow.compliance.frameworks import coverage as compute

    rows = compute()
    if args.json:
        keys = ("framework", "version", "label", "key", "requirements", "automated", "covered")
        print(json.dumps([{k: r[k] for k in keys} for r in rows], indent=2))
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title="compliance coverage")
    for column in ("framework", "requirements", "automated", "covered", "covered %", "checks implemented"):
        table.add_column(column, justify="left" if column == "framework" else "right")
    for r in rows:
        pct = 100.0 * r["covered"] / r["automated"] if r["automated"] else 0.0
        table.add_row(
            r["label"],
            str(r["requirements"]),
            str(r["automated"]),
            str(r["covered"]),
            f"{pct:.0f}%",
            f"{r['checks_implemented']}/{r['checks_mapped']}",
        )
    Console(width=160).print(table)
    return 0


def evaluate(args: argparse.Namespace) -> int:
    from postureflow.compliance.evaluate import as_date, write_compliance_day

    scan_date = as_date(args.scan_date)
    run_id = args.run_id or f"manual__{dt.datetime.now(dt.timezone.utc).isoformat(timespec='seconds')}"
    summaries = write_compliance_day(lake_from(args), scan_date, run_id, args.account_id, args.framework)
    if args.json:
        print(json.dumps(summaries, indent=2))
        return 0
    if not summaries:
        print(f"no findings on {scan_date}; nothing written")
        return 0
    for account, summary in summaries.items():
        print(f"{account} {summary['scan_date']}:")
        for label, entry in summary["frameworks"].items():
            score = "-" if entry["score"] is None else f"{entry['score']:.1f}%"
            print(
                f"  {label:<16} score {score:>7}  pass {entry['PASS']:>4}  fail {entry['FAIL']:>4}  "
                f"manual {entry['MANUAL']:>4}  not evaluated {entry['NOT_EVALUATED']:>4}"
            )
    return 0
