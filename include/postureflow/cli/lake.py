"""`postureflow lake check|retention`: verify the lake's files, clean up after killed writes, apply retention.

    postureflow lake check [--repair] [--quarantine] [--dataset findings] [--json]
    postureflow lake retention [--accounts accounts.yaml] [--dry-run] [--json]

`check` exits 0 when every file reads, 4 when a corrupt or missing file is left in place.
"""

from __future__ import annotations

import datetime as dt
import json
import sys

from postureflow.cli._common import add_lake_option, lake_from

EXIT_CORRUPT = 4


def register(subparsers) -> None:
    parser = subparsers.add_parser("lake", help="check the lake's files, clean up, apply retention",
                                   description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="lake_command", required=True, metavar="ACTION")

    check = commands.add_parser("check", help="read every file; name corrupt ones; optionally repair/quarantine")
    add_lake_option(check)
    check.add_argument("--dataset", action="append", help="only this dataset (repeatable)")
    check.add_argument("--repair", action="store_true",
                       help="delete temporary and uncommitted files left by killed writes")
    check.add_argument("--quarantine", action="store_true",
                       help="move corrupt files to <lake>/_quarantine/ and out of the tables")
    check.add_argument("--grace-minutes", type=float, default=15.0,
                       help="--repair leaves files younger than this alone (a writer may be at work; default 15)")
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.set_defaults(func=run_check)

    retention = commands.add_parser("retention", help="delete days older than each dataset's retention")
    add_lake_option(retention)
    retention.add_argument("--accounts", help="accounts file whose `defaults.retention` applies")
    retention.add_argument("--today", help="reference date YYYY-MM-DD (default: today, UTC)")
    retention.add_argument("--dry-run", action="store_true", help="list what would be deleted")
    retention.add_argument("--json", action="store_true", help="print the result as JSON")
    retention.set_defaults(func=run_retention)


def run_check(args) -> int:
    from postureflow.lake.check import check

    report = check(lake_from(args), args.dataset, repair=args.repair, quarantine=args.quarantine,
                   grace_s=args.grace_minutes * 60)
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        print(f"{report.files} files checked")
        for path, reason in report.corrupt:
            print(f"CORRUPT  {path}: {reason}")
        for path in report.missing:
            print(f"MISSING  {path}")
        for path in report.quarantined:
            print(f"QUARANTINED -> {path}")
        for path in report.removed:
            print(f"REMOVED  {path}")
        for path in report.stale:
            print(f"STALE    {path} (left by a killed write; --repair removes it)")
        if not report.ok:
            print("corrupt files left in place: rerun with --quarantine to set them aside", file=sys.stderr)
    return 0 if report.ok else EXIT_CORRUPT


def run_retention(args) -> int:
    from postureflow.lake.retention import apply_retention, policy_from_accounts

    today = dt.date.fromisoformat(args.today) if args.today else dt.datetime.now(dt.timezone.utc).date()
    result = apply_retention(lake_from(args), policy_from_accounts(args.accounts), today, dry_run=args.dry_run)
    if args.json:
        print(json.dumps(result, indent=2, default=str))
    else:
        for dataset, days in result["deleted"].items():
            verb = "would delete" if args.dry_run else "deleted"
            print(f"{dataset}: {verb} {len(days)} day(s)" + (f" ({days[0]} .. {days[-1]})" if days else ""))
    return 0
