"""`postureflow scan`: one account, no Airflow, the same engine as the DAG tasks."""

from __future__ import annotations

import argparse
import datetime as dt

from postureflow.cli._common import add_lake_option, lake_from


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "scan",
        help="scan the account of the current AWS credentials into the lake",
        description="Scan one AWS account with the standard credential chain (AWS_PROFILE, "
        "AWS_ENDPOINT_URL, ... work as in any boto3 tool) and write the findings lake.",
        epilog="Exit codes: 0 everything read, no FAIL; 1 error; 2 bad usage (unknown region, ...); "
        "3 FAIL findings remain (not with -z); 4 part of the scope could not be read (scan errors: "
        "access denied, endpoint unreachable, ...), which takes precedence over 3.",
    )
    add_lake_option(parser)
    parser.add_argument("--regions", nargs="+", help="regions to scan (default: every enabled region)")
    parser.add_argument("--services", nargs="+", help="services to scan (default: all); dependencies are added")
    parser.add_argument("--exclude-services", nargs="+", default=[], help="services to leave out")
    parser.add_argument("--profile", help="AWS profile (default: the standard chain)")
    parser.add_argument("--scan-date", type=dt.date.fromisoformat, help="partition date (default: today, UTC)")
    parser.add_argument("--mutelist", help="mutelist YAML file (Prowler's format)")
    parser.add_argument("--config-file", help="Prowler config.yaml: its aws: audit config (default: Prowler's defaults)")
    parser.add_argument("--no-progress", action="store_true", help="no progress display")
    parser.add_argument("-z", "--ignore-exit-code-3", action="store_true",
                        help="exit 0 rather than 3 when FAIL findings remain (as Prowler's -z)")
    parser.set_defaults(func=run_scan)


class RegionError(ValueError):
    """The regions asked for cannot be scanned (exit 2)."""


def choose_regions(asked: list[str] | None, enabled: list[str], account_id: str, warn) -> list[str]:
    """The regions to scan: unknown names and an empty result are errors; ones not enabled are skipped."""
    from postureflow.arn import known_regions

    if asked is None:
        if not enabled:
            raise RegionError(f"no region is enabled for account {account_id}")
        return list(enabled)
    asked = [r.strip() for r in asked if r.strip()]
    if not asked:
        raise RegionError("--regions is empty: name at least one region")
    unknown = [r for r in asked if r not in known_regions()]
    if unknown:
        raise RegionError(f"unknown region(s) {', '.join(unknown)} (botocore knows no such region)")
    skipped = [r for r in asked if r not in enabled]
    if skipped:
        warn(f"skipping regions not enabled for {account_id}: {', '.join(skipped)}")
    regions = [r for r in asked if r in enabled]
    if not regions:
        raise RegionError(f"none of the regions {', '.join(asked)} is enabled for account {account_id}")
    return regions


def run_scan(args: argparse.Namespace) -> int:
    import sys

    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from postureflow.aws import AwsAccess
    from postureflow.checks import all_checks
    from postureflow.cli._exitcodes import USAGE, scan_exit_code
    from postureflow.engine import ScanContext, execution_order, scan_service, select_services, with_dependencies
    from postureflow.secrets import use_config
    from postureflow.summary import summary_text

    console = Console(stderr=True)
    lake = lake_from(args, must_exist=False)
    config = None
    if args.config_file:  # read before any AWS call: a bad file fails fast, naming the file and the key
        from postureflow.config import resolve

        config = resolve(args.config_file)
    access = AwsAccess.from_default_chain(profile=args.profile)
    account_id = access.caller_account_id()
    try:
        regions = choose_regions(args.regions, access.enabled_regions(), account_id,
                                 lambda text: console.print(f"[yellow]{text}[/yellow]"))
    except RegionError as err:
        print(f"postureflow: error: {err}", file=sys.stderr)
        return USAGE
    services = execution_order(with_dependencies(select_services(args.services, args.exclude_services)))
    mute = None
    if args.mutelist:
        from postureflow.mutelist import Mutelist

        mute = Mutelist.load(args.mutelist).rule_for(account_id)
    now = dt.datetime.now(dt.timezone.utc)
    ctx = ScanContext(
        account_id=account_id,
        regions=regions,
        scan_date=args.scan_date or now.date(),
        run_id=f"cli__{now.strftime('%Y%m%dT%H%M%S')}",
        lake=lake,
        scanned_at=now,
        mute=mute,
        config=config,
    )
    checks = all_checks()
    total = sum(1 for c in checks.values() if c.service in services)
    console.print(f"Scanning account {account_id}: {len(services)} services, {total} checks, regions {', '.join(regions)}")
    results = []
    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console, disable=args.no_progress, transient=True,
    ) as progress, use_config(config):  # secrets_ignore_patterns act while collecting
        bar = progress.add_task("checks", total=total)
        for service in services:
            progress.update(bar, description=f"collecting {service}")
            results.append(scan_service(ctx, service, access, on_check=lambda _id: progress.advance(bar)))
    print(summary_text(lake, account_id, ctx.scan_date, color=console.is_terminal))
    print(f"{access.call_log.total} AWS API calls.")
    code = scan_exit_code(results, ignore_failed=args.ignore_exit_code_3)
    if code != 0:
        console.print(f"exit code {code}: " + {3: "FAIL findings remain (-z ignores them)",
                                                 4: "part of the scope could not be read (see the scan errors above)"}[code])
    return code
