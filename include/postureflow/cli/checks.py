"""`postureflow checks list [--json]`."""

from __future__ import annotations

import argparse
import json
import sys


def register(subparsers) -> None:
    parser = subparsers.add_parser("checks", help="list the checks postureflow runs")
    sub = parser.add_subparsers(dest="checks_command", required=True, metavar="ACTION")
    listing = sub.add_parser("list", help="list every check with its service and severity")
    listing.add_argument("--json", action="store_true", help="print a JSON list of objects")
    listing.add_argument("--service", action="append", help="only this service (repeatable, or comma separated)")
    listing.set_defaults(func=list_checks)


def check_frameworks() -> dict[str, list[str]]:
    """check id -> frameworks that map it ("CIS 6.0", ...), where the compliance module is present."""
    try:
        from postureflow.compliance.frameworks import frameworks_by_check
    except ImportError:
        return {}
    return frameworks_by_check()


def list_checks(args: argparse.Namespace) -> int:
    from postureflow.checks import all_checks
    from postureflow.params import split_names

    services = split_names(args.service or [])
    known = sorted({c.service for c in all_checks().values()})
    unknown = [s for s in services if s not in known]
    if unknown or (args.service and not services):
        # An unknown name must not look like "no checks": say so, with the valid choices, exit 2 (usage).
        print(f"postureflow: error: unknown service(s) {', '.join(unknown) or repr('')}; known: {', '.join(known)}",
              file=sys.stderr)  # fmt: skip
        return 2
    frameworks = check_frameworks()
    rows = [
        {
            "id": c.id,
            "service": c.service,
            "severity": c.severity,
            "resource_type": c.resource_type,
            "title": c.title,
            "frameworks": frameworks.get(c.id, []),
        }
        for c in all_checks().values()
        if not services or c.service in services
    ]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{len(rows)} checks")
    for column in ("id", "service", "severity", "frameworks"):
        table.add_column(column)
    for row in rows:
        table.add_row(row["id"], row["service"], row["severity"], ", ".join(row["frameworks"]))
    Console(width=200).print(table)
    return 0
