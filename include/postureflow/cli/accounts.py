"""`postureflow accounts`: the accounts file (check it; fill it from an AWS Organization)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "accounts",
        help="check the accounts file, or fill it from an AWS Organization",
        description="The accounts file declares every AWS account postureflow scans (one DAG each).",
    )
    sub = parser.add_subparsers(dest="accounts_command", required=True, metavar="ACTION")

    check = sub.add_parser("check", help="validate the accounts file and list its accounts and DAGs")
    _accounts_option(check)
    check.set_defaults(func=run_check)

    discover = sub.add_parser(
        "discover",
        help="add the organization's accounts to the accounts file",
        description="List the AWS Organization's accounts (organizations:ListAccounts, from the management "
        "account or a delegated administrator) and merge them into the accounts file: new ACTIVE accounts "
        "are added with an alias made from their name; entries already in the file are left as written; "
        "entries for suspended, closing or departed accounts get a comment saying so.",
    )
    _accounts_option(discover)
    how = discover.add_mutually_exclusive_group(required=True)
    how.add_argument("--conn-id", help="Airflow AWS connection of the organization's management account")
    how.add_argument("--profile", nargs="?", const="", help="use the standard AWS credential chain (optionally a profile)")
    discover.add_argument(
        "--role-name",
        default=None,
        help="role every member account has for postureflow (default: PostureflowAudit); "
        "used for the connections that --connections writes and the dry run prints",
    )
    discover.add_argument(
        "--conn-id-template",
        default=None,
        help="Airflow connection id of a new account: {alias}, {account_id}, {name} (default: aws_{alias})",
    )
    discover.add_argument(
        "--connections",
        type=Path,
        metavar="FILE",
        help="also write the Airflow connection of every active account in the file (role_arn, no secret) "
        "to this JSON file, for `airflow connections import FILE`; connections already in it are kept",
    )
    discover.add_argument("--external-id", help="ExternalId the member roles' trust policies require")
    discover.add_argument("--region", default=None, help="region for the Organizations API (default: the partition's)")
    discover.add_argument("--partition", default="aws", choices=["aws", "aws-us-gov", "aws-cn"])
    discover.add_argument("--dry-run", action="store_true", help="print what would change; write nothing")
    discover.set_defaults(func=run_discover)


def _accounts_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--accounts",
        type=Path,
        default=None,
        metavar="FILE",
        help="accounts file (default: $POSTUREFLOW_ACCOUNTS or include/accounts.yaml)",
    )


def run_check(args: argparse.Namespace) -> int:
    from postureflow.accounts import default_accounts_path, load_accounts

    path = args.accounts or default_accounts_path()
    result = load_accounts(path)
    for account in result.accounts:
        regions = ", ".join(account.regions) if account.regions else "all enabled"
        print(f"{account.dag_id:40} {account.account_id}  conn {account.aws_conn_id}  regions {regions}")
    for error in result.errors:
        print(error, file=sys.stderr)
    print(f"{path}: {len(result.accounts)} valid account(s), {len(result.errors)} error(s)")
    return 1 if result.errors else 0


def run_discover(args: argparse.Namespace) -> int:
    from postureflow import discovery
    from postureflow.accounts import default_accounts_path
    from postureflow.aws import AwsAccess

    path = args.accounts or default_accounts_path()
    region = args.region or discovery.ORGANIZATIONS_REGION[args.partition]
    if args.conn_id:
        access = AwsAccess.from_airflow_connection(args.conn_id)
    else:
        access = AwsAccess.from_default_chain(profile=args.profile or None)
    found = discovery.discover(
        access,
        path,
        management_conn_id=args.conn_id,
        conn_id_template=args.conn_id_template or discovery.DEFAULT_CONN_ID_TEMPLATE,
        region=region,
        dry_run=args.dry_run,
    )
    connections = discovery.connection_definitions(
        found.active if args.connections else found.added,
        args.role_name or discovery.DEFAULT_ROLE_NAME,
        partition=args.partition,
        region=region,
        external_id=args.external_id,
        skip=[args.conn_id] if args.conn_id else [],
    )

    for account in found.added:
        print(f"added    {account['alias']:30} {account['account_id']}  conn {account['aws_conn_id']}  ({account['name']})")
    for alias, why in found.flagged:
        print(f"flagged  {alias:30} {why}")
    for account_id, why in found.skipped:
        print(f"skipped  {account_id:30} {why}")
    print(f"{len(found.kept)} account(s) already in the file left as they are")
    if args.dry_run:
        if found.changed:
            print(found.diff(), end="")
        if connections:
            print("connections the new accounts need (airflow connections import):")
            print(json.dumps(connections, indent=2, sort_keys=True))
        print("dry run: nothing written")
        return 0
    print(f"{path}: {'updated' if found.written else 'unchanged'}")
    if args.connections:
        added = discovery.merge_connections_file(args.connections, connections)
        print(f"{args.connections}: {len(added)} connection(s) added; load with `airflow connections import {args.connections}`")
    elif connections:
        print(f"{len(connections)} new connection(s) needed ({', '.join(sorted(connections))}): "
              "rerun with --connections FILE to write them, or create them with role_arn "
              f"arn:{args.partition}:iam::<account id>:role/{args.role_name or discovery.DEFAULT_ROLE_NAME}")
    return 0
