"""`postureflow import prowler FILE...`: bring Prowler's past outputs (OCSF JSON or CSV) into the lake."""

from __future__ import annotations

import argparse
from pathlib import Path

from postureflow.cli._common import add_lake_option, lake_from


def register(subparsers) -> None:
    parser = subparsers.add_parser("import", help="import another tool's scan history into the lake")
    sub = parser.add_subparsers(dest="import_source", required=True, metavar="SOURCE")
    prowler = sub.add_parser(
        "prowler",
        help="Prowler outputs (-M json-ocsf or csv), each finding at its scan date",
        description="Import Prowler OCSF JSON or CSV outputs. Each file's findings replace the lake's findings of "
        "the same (date, service, account); importing a file twice changes nothing.",
    )
    prowler.add_argument("files", nargs="+", type=Path, metavar="FILE")
    add_lake_option(prowler)
    prowler.set_defaults(func=import_prowler)


def import_prowler(args: argparse.Namespace) -> int:
    from postureflow.history.prowler import import_files

    missing = [str(path) for path in args.files if not path.is_file()]
    if missing:
        raise FileNotFoundError(f"no such file: {', '.join(missing)}")
    lake = lake_from(args, must_exist=False)
    result = import_files(lake, args.files)
    days = sorted(result.days)
    span = f"{days[0]} to {days[-1]}" if days else "no date"
    print(f"imported {result.findings} Prowler findings of {len(result.accounts)} account(s), {span}, "
          f"into {result.partitions} partition(s)")  # fmt: skip
    return 0
