"""`postureflow report --lake DIR --account ID --date YYYY-MM-DD`: (re)write a run's reports from the lake."""

from __future__ import annotations

import argparse
import datetime as dt
import json

from postureflow.cli._common import add_lake_option, lake_from


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DD, got {text!r}") from err


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "report", help="write the OCSF JSON, CSV and HTML reports of one account's scan from the lake"
    )
    add_lake_option(parser)
    parser.add_argument("--account", required=True, help="12-digit account id")
    parser.add_argument("--date", required=True, type=_date, help="scan date, YYYY-MM-DD")
    parser.add_argument("--run-id", default=None, help="run id to show in the report (default: the findings' own)")
    parser.add_argument(
        "--format", action="append", choices=("ocsf", "csv", "html"), help="only this format (repeatable)"
    )
    parser.add_argument("--json", action="store_true", help="print {format: path} as JSON")
    parser.set_defaults(func=run_report)


def run_report(args: argparse.Namespace) -> int:
    from postureflow.reports import FORMATS, report_summary, write_reports

    lake = lake_from(args)
    formats = tuple(args.format) if args.format else tuple(FORMATS)
    written = write_reports(lake, args.account, args.date, run_id=args.run_id, formats=formats)
    if args.json:
        print(json.dumps(written, indent=2))
        return 0
    counts = report_summary(lake, args.account, args.date)
    print(
        f"account {args.account}, {args.date}: {counts['total']} findings, "
        f"{counts['failed']} FAIL ({counts['failed_pct']}%), {counts['passed']} PASS ({counts['passed_pct']}%), "
        f"{counts['muted']} MUTED ({counts['muted_pct']}%)"
    )
    for fmt, path in written.items():
        print(f"  {fmt:5} {path}")
    return 0
