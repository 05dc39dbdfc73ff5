"""`postureflow securityhub forward|asff|state`: Security Hub forwarding from the command line.

``forward`` sends one account's delta for one scan date with the standard AWS
credential chain (AWS_PROFILE, --profile, AWS_ENDPOINT_URL ...): the same code
as the DAG's last task. ``asff`` writes the day's findings as ASFF JSON without
calling AWS. ``state`` summarises what Security Hub was last sent.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from postureflow.cli._common import add_lake_option, lake_from


def register(subparsers) -> None:
    parser = subparsers.add_parser("securityhub", help="forward findings to AWS Security Hub (ASFF)")
    sub = parser.add_subparsers(dest="securityhub_command", required=True, metavar="ACTION")

    fwd = sub.add_parser("forward", help="send one account's new, changed and resolved findings for a scan date")
    _common(fwd)
    fwd.add_argument("--region", action="append", help="only this region (repeatable; default: every region)")
    fwd.add_argument("--profile", help="AWS profile (default: the standard credential chain)")
    fwd.add_argument("--dry-run", action="store_true", help="compute the delta, send nothing")
    fwd.add_argument("--json", action="store_true", help="print the result as JSON")
    fwd.set_defaults(func=forward_command)

    asff = sub.add_parser("asff", help="write the day's findings as ASFF JSON (no AWS calls)")
    _common(asff)
    asff.add_argument("--output", "-o", help="file to write (default: standard output)")
    asff.set_defaults(func=asff_command)

    state = sub.add_parser("state", help="what Security Hub was last sent for an account")
    add_lake_option(state)
    state.add_argument("--account", required=True, help="12-digit AWS account id")
    state.add_argument("--json", action="store_true", help="print JSON")
    state.set_defaults(func=state_command)


def _common(parser: argparse.ArgumentParser) -> None:
    add_lake_option(parser)
    parser.add_argument("--account", help="12-digit AWS account id (forward: default the caller's)")
    parser.add_argument("--date", required=True, type=_date, help="scan date, YYYY-MM-DD")
    parser.add_argument("--statuses", choices=("fail", "all"), default="fail", help="which statuses to send")
    parser.add_argument("--min-severity", default="informational", help="lowest severity to send")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _options(args: argparse.Namespace):
    from postureflow.securityhub import ForwardOptions

    # Running the command is the opt-in: the accounts file's `enabled` is for the DAGs.
    return ForwardOptions(enabled=True, statuses=args.statuses, min_severity=args.min_severity)


def forward_command(args: argparse.Namespace) -> int:
    import logging

    from postureflow.aws import AwsAccess
    from postureflow.securityhub import forward_findings

    options = _options(args)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    logging.getLogger("botocore").setLevel(logging.WARNING)
    access = AwsAccess.from_default_chain(profile=args.profile)
    account = args.account or access.caller_account_id()
    result = forward_findings(
        lake_from(args), access, account, args.date, options, regions=args.region, dry_run=args.dry_run,
        run_id=f"cli-{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%S}",
    )
    if args.json:
        print(json.dumps(result.as_dict(), indent=2, default=str))
    elif args.dry_run:
        would = ", ".join(f"{n} {kind}" for kind, n in result.sent_by_kind.items()) or "nothing"
        print(f"account {account} {args.date}: would send {would}; {result.unchanged} unchanged")
    else:
        print(
            f"account {account} {args.date}: {result.sent_active} active, {result.sent_archived} archived, "
            f"{result.failed} failed, {result.unchanged} unchanged, {result.pending} pending, "
            f"{result.import_calls} BatchImportFindings call(s)"
            + (f"; skipped regions: {', '.join(result.skipped_regions)}" if result.skipped_regions else "")
            + (f"; {result.message}" if result.message else "")
        )
    return 0 if result.ok else 2


def asff_command(args: argparse.Namespace) -> int:
    from postureflow.lake.query import connect
    from postureflow.securityhub.asff import build_asff, fit_size, load_check_info, observed_at

    if not args.account:
        raise ValueError("--account is required")
    options = _options(args)
    con = connect(lake_from(args), ["findings"])
    rows = con.sql(
        "SELECT * FROM findings WHERE account_id = $account AND scan_date = $day AND NOT coalesce(muted, false) "
        "ORDER BY region, check_id, resource_uid",
        params={"account": args.account, "day": args.date},
    ).to_arrow_table().to_pylist()
    info = load_check_info()
    now = dt.datetime.now(dt.timezone.utc)
    docs = []
    for row in rows:
        if row["status"] not in options.wanted_statuses() or row["severity"] not in options.wanted_severities():
            continue
        doc = build_asff(
            row,
            record_state="ACTIVE",
            workflow_status="RESOLVED" if row["status"] == "PASS" else "NEW",
            first_observed_at=observed_at(row),
            updated_at=now,
            info=info.get(row["check_id"]),
        )
        docs.append(fit_size(doc)[0])
    text = json.dumps(docs, indent=2)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
        print(f"{len(docs)} ASFF finding(s) written to {args.output}", file=sys.stderr)
    else:
        print(text)
    return 0


def state_command(args: argparse.Namespace) -> int:
    from postureflow.securityhub.state import read_state

    table = read_state(lake_from(args), args.account)
    summary: dict[str, dict[str, int]] = {}
    for row in table.to_pylist():
        per_region = summary.setdefault(row["region"], {"ACTIVE": 0, "ARCHIVED": 0})
        per_region[row["last_record_state"]] = per_region.get(row["last_record_state"], 0) + 1
    last = max((r["last_scan_date"] for r in table.to_pylist()), default=None)
    if args.json:
        print(json.dumps({"account_id": args.account, "last_scan_date": str(last) if last else None,
                          "regions": summary}, indent=2))
        return 0
    if not summary:
        print(f"nothing forwarded yet for account {args.account}")
        return 0
    print(f"account {args.account}, last forwarded scan date {last}")
    for region, counts in sorted(summary.items()):
        print(f"  {region:<16} {counts.get('ACTIVE', 0):>6} active  {counts.get('ARCHIVED', 0):>6} archived")
    return 0
