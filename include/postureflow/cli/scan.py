"""`postureflow scan`: one account, no Airflow, the same engine as the DAG tasks."""

from __future__ import annotations

import argparse
import datetime as dt

from postureflow.cli._common import add_lake_option, lake_from
from postureflow.cli._scan_options import UsageError, add_scan_options


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
    parser.add_argument("--scan-date", type=dt.date.fromisoformat, help="partition date (default: today, UTC)")
    add_scan_options(parser)
    parser.set_defaults(func=run_scan)


class RegionError(UsageError):
    """The regions asked for cannot be scanned (exit 2)."""


def region_names(asked: list[str] | None) -> list[str] | None:
    """The regions named by -f (None: not given); an unknown name or an empty list is an error."""
    from postureflow.arn import known_regions

    if asked is None:
        return None
    asked = [r.strip() for r in asked if r.strip()]
    if not asked:
        raise RegionError("-f/--region/--regions is empty: name at least one region")
    unknown = [r for r in asked if r not in known_regions()]
    if unknown:
        raise RegionError(f"unknown region(s) {', '.join(unknown)}; valid: {', '.join(sorted(known_regions()))}")
    return asked


def choose_regions(asked: list[str] | None, enabled: list[str], account_id: str, warn) -> list[str]:
    """The regions to scan: unknown names and an empty result are errors; ones not enabled are skipped."""
    asked = region_names(asked)
    if asked is None:
        if not enabled:
            raise RegionError(f"no region is enabled for account {account_id}")
        return list(enabled)
    skipped = [r for r in asked if r not in enabled]
    if skipped:
        warn(f"skipping regions not enabled for {account_id}: {', '.join(skipped)}")
    regions = [r for r in asked if r in enabled]
    if not regions:
        raise RegionError(f"none of the regions {', '.join(asked)} is enabled for account {account_id}")
    return regions


def run_scan(args: argparse.Namespace) -> int:
    import sys

    from postureflow.cli._exitcodes import USAGE

    try:
        return _scan(args)
    except UsageError as err:  # one line naming the value and the valid choices, no traceback
        print(f"postureflow: error: {err}", file=sys.stderr)
        return USAGE


def _scan(args: argparse.Namespace) -> int:
    from rich.console import Console

    from postureflow.checks.custom_metadata import applied
    from postureflow.cli._scan_options import flat, listing, select_checks

    lines = listing(args)
    if lines is not None:
        print("\n".join(lines))
        return 0
    console = Console(stderr=True)
    # Everything a flag names is checked before any AWS call: a typo fails fast.
    selection = select_checks(args)
    region_names(flat(args.regions))
    with applied(selection.metadata):  # the custom checks metadata file's texts, in findings and reports
        return _scan_selected(args, selection, console)


def _scan_selected(args: argparse.Namespace, selection, console) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from postureflow.aws import AwsAccess
    from postureflow.cli._exitcodes import scan_exit_code
    from postureflow.cli._scan_options import flat, resource_filter, role_access
    from postureflow.collect.base import home_region
    from postureflow.engine import ScanContext, execution_order, scan_service, with_dependencies
    from postureflow.secrets import use_config

    keep = resource_filter(flat(args.resource_tag), flat(args.resource_arn))
    config = None
    if args.config_file or args.scan_unused_services:
        from postureflow.config import audit_config, resolve

        config = resolve(args.config_file)
        if args.scan_unused_services:
            config = audit_config(config, {"scan_unused_services": True})
    mutelist = None
    if args.mutelist:
        from postureflow.mutelist import load_checked

        mutelist = load_checked(args.mutelist)  # an entry whose check matches no check: a warning
        for warning in mutelist.warnings:
            console.print(f"[yellow]warning: {args.mutelist}: {warning}[/yellow]")
    lake = lake_from(args, must_exist=False)
    if args.role:
        access = role_access(args.profile, args.role, args.external_id, args.session_duration, args.role_session_name)
    else:
        access = AwsAccess.from_default_chain(profile=args.profile)
    account_id = access.caller_account_id()
    enabled = access.enabled_regions()
    regions = choose_regions(flat(args.regions), enabled, account_id,
                             lambda text: console.print(f"[yellow]{text}[/yellow]"))
    services = execution_order(with_dependencies(selection.services))
    chosen = set(selection.checks)
    now = dt.datetime.now(dt.timezone.utc)
    ctx = ScanContext(
        account_id=account_id,
        regions=regions,
        scan_date=args.scan_date or now.date(),
        run_id=f"cli__{now.strftime('%Y%m%dT%H%M%S')}",
        lake=lake,
        scanned_at=now,
        mute=mutelist.rule_for(account_id) if mutelist else None,
        checks=None if selection.everything else chosen.__contains__,
        config=config,
        scan_unused_services=args.scan_unused_services,
        severities=selection.severities or None,
        keep=keep,
        home_region=home_region(enabled),  # -f narrows what is read, not where global findings are filed
    )
    total = len(selection.checks)
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
    print(_summary(lake, account_id, ctx.scan_date, services, quiet=args.quiet, color=console.is_terminal))
    print(f"{access.call_log.total} AWS API calls.")
    if args.output_formats or args.output_directory or args.output_filename:
        from postureflow.cli._scan_outputs import write_outputs

        written = write_outputs(lake, account_id, ctx.scan_date, args, now,
                                auth_method=f"role: {args.role}" if args.role else f"profile: {args.profile or 'default'}")
        for path in written:
            print(f"Output: {path}")
    code = scan_exit_code(results, ignore_failed=args.ignore_exit_code_3)
    if code != 0:
        console.print(f"exit code {code}: " + {3: "FAIL findings remain (-z ignores them)",
                                                 4: "part of the scope could not be read (see the scan errors above)"}[code])
    return code


def _summary(lake, account_id: str, scan_date: dt.date, services: list[str], quiet: bool, color: bool) -> str:
    """Prowler's overview tables of this run's services (not the day's other runs'); with -q only the
    services that have FAIL findings."""
    from postureflow.summary import render_summary, summary_data

    data = summary_data(lake, account_id, scan_date, services)
    if quiet:
        data["services"] = [row for row in data["services"] if row["failed"]]
    return render_summary(data, lake.location(), color=color)
