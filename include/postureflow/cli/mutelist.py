"""`postureflow mutelist validate FILE` and `postureflow mutelist match FILE --account ... --check ...`."""

from __future__ import annotations

import argparse
import sys


def register(subparsers) -> None:
    parser = subparsers.add_parser("mutelist", help="validate a mutelist, or see whether it mutes a finding")
    sub = parser.add_subparsers(dest="mutelist_command", required=True, metavar="ACTION")

    validate = sub.add_parser("validate", help="check a mutelist file (Prowler's YAML format)")
    validate.add_argument("file", help="the mutelist YAML file")
    validate.set_defaults(func=validate_file)

    match = sub.add_parser("match", help="say whether (and by which entry) a finding would be muted")
    match.add_argument("file", help="the mutelist YAML file")
    match.add_argument("--account", required=True, help="12-digit account id")
    match.add_argument("--check", required=True, help="check id")
    match.add_argument("--region", required=True, help="region, e.g. us-east-1")
    match.add_argument("--resource", action="append", default=[], help="resource ARN and/or short id (repeatable)")
    match.add_argument("--tag", action="append", default=[], metavar="KEY=VALUE", help="resource tag (repeatable)")
    match.set_defaults(func=match_finding)


def validate_file(args: argparse.Namespace) -> int:
    from postureflow.mutelist import load_checked

    # MutelistError -> "postureflow: error: <file>: <entry>: ..."; entries matching no check are warnings
    mutelist = load_checked(args.file)
    for warning in mutelist.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"{args.file}: OK, {mutelist.summary()}")
    return 0


def match_finding(args: argparse.Namespace) -> int:
    from postureflow.mutelist import Mutelist

    tags = {}
    for item in args.tag:
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"--tag {item!r}: expected KEY=VALUE")
        tags[key] = value
    resources = args.resource or [""]
    uid = resources[0]
    rid = resources[1] if len(resources) > 1 else uid
    mutelist = Mutelist.load(args.file)
    row = {
        "account_id": args.account,
        "check_id": args.check,
        "region": args.region,
        "resource_uid": uid,
        "resource_id": rid,
        "resource_tags": tags,
    }
    muted, reason = mutelist.rule_for(args.account)(row)
    print(f"muted by {reason}" if muted else "not muted")
    return 0
