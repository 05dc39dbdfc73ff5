"""Prowler's options on `postureflow scan`: the parser (grouped like ``prowler aws --help``) and
what each selection resolves to, checked before any AWS call.

Every unknown name (region, check, service, framework, severity) and every
empty selection is a ``UsageError``: one line naming it and the valid choices,
exit 2.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Mapping

from postureflow.params import split_names

OUTPUT_FORMATS = {"csv": ".csv", "json-ocsf": ".ocsf.json", "json-asff": ".asff.json", "html": ".html"}
STATUSES = ("PASS", "FAIL", "MANUAL")


class UsageError(ValueError):
    """A flag's value cannot be used (exit 2); the message names it and the valid choices."""


def _names(value: str) -> list[str]:
    return split_names(value)


def add_scan_options(parser: argparse.ArgumentParser) -> None:
    """The flags, in Prowler's groups (a Prowler user finds each where ``prowler aws --help`` has it)."""
    listing = parser.add_argument_group("List checks/services/categories/compliance-framework checks")
    listing.add_argument("--list-checks", action="store_true", help="list the checks (after the filters below) and exit")
    listing.add_argument("--list-services", action="store_true", help="list the services and exit")
    listing.add_argument("--list-compliance", action="store_true",
                         help="list the compliance frameworks (postureflow key and Prowler name) and exit")
    listing.add_argument("--list-categories", action="store_true", help="list the check categories and exit")

    outputs = parser.add_argument_group("Outputs")
    outputs.add_argument("--status", nargs="+", type=str.upper, choices=STATUSES, metavar="STATUS",
                         help="only these statuses in the output files (the lake keeps every finding)")
    outputs.add_argument("-M", "--output-formats", "--output-modes", nargs="+", choices=list(OUTPUT_FORMATS),
                         metavar="FORMAT",
                         help="output files to write: csv (Prowler's columns, ';'), json-ocsf, json-asff, html "
                         "(default with -o/-F: csv json-ocsf html; without any of the three: only the lake)")
    outputs.add_argument("-o", "--output-directory", help="folder of the output files (default: ./output)")
    outputs.add_argument("-F", "--output-filename",
                         help="output file name without extension (default: postureflow-output-<account>-<time>)")
    outputs.add_argument("-q", "--quiet", action="store_true", help="only services with FAIL findings in the summary")
    outputs.add_argument("-z", "--ignore-exit-code-3", action="store_true",
                         help="exit 0 rather than 3 when FAIL findings remain")
    outputs.add_argument("--no-progress", action="store_true", help="no progress display")

    checks = parser.add_argument_group("Specify checks/services to run")
    checks.add_argument("-c", "--checks", nargs="+", type=_names, metavar="CHECK", help="checks to run (spaces or commas)")
    checks.add_argument("--checks-file", help="file of checks to run: Prowler's JSON {\"aws\": [...]}, or one id a line")
    checks.add_argument("-s", "--services", nargs="+", type=_names, metavar="SERVICE", help="services to run (dependencies are collected)")
    checks.add_argument("--severity", nargs="+", type=_names, metavar="SEVERITY",
                        help="only checks of these severities: critical high medium low informational")
    checks.add_argument("--compliance", nargs="+", type=_names, metavar="FRAMEWORK",
                        help="only the checks of these frameworks: postureflow keys (cis_3.0) or Prowler names (cis_3.0_aws)")
    checks.add_argument("--categories", nargs="+", type=_names, metavar="CATEGORY", help="only checks of these categories")

    exclude = parser.add_argument_group("Exclude checks/services to run")
    exclude.add_argument("-e", "--excluded-checks", nargs="+", type=_names, default=[], metavar="CHECK", help="checks to leave out")
    exclude.add_argument("--excluded-services", "--exclude-services", nargs="+", type=_names, default=[],
                         dest="excluded_services", metavar="SERVICE", help="services to leave out")

    config = parser.add_argument_group("Configuration")
    config.add_argument("--config-file", help="Prowler config.yaml: its aws: audit config (default: Prowler's defaults)")
    config.add_argument("--custom-checks-metadata-file",
                        help="Prowler's custom checks metadata YAML: the Severity of each listed aws check")
    config.add_argument("--mutelist-file", "--mutelist", dest="mutelist", metavar="FILE", help="mutelist YAML file (Prowler's format)")
    config.add_argument("--scan-unused-services", action="store_true",
                        help="also judge resources not in use (default off, as Prowler)")

    aws = parser.add_argument_group("AWS")
    aws.add_argument("-p", "--profile", help="AWS profile (default: the standard chain)")
    aws.add_argument("-R", "--role", metavar="ROLE_ARN", help="ARN of the role to assume (with the standard chain's credentials)")
    aws.add_argument("--role-session-name", default="PostureflowAssessmentSession", help="session name of the role")
    aws.add_argument("--external-id", help="external id for -R")
    aws.add_argument("-T", "--session-duration", type=int, default=3600,
                     help="seconds of the assumed role's session, 900 to 43200 (default 3600)")
    aws.add_argument("-f", "--region", "--filter-region", "--regions", nargs="+", type=_names, dest="regions", metavar="REGION",
                     help="regions to scan, spaces or commas (default: every enabled region)")
    aws.add_argument("--resource-tag", nargs="+", type=_names, metavar="KEY=VALUE",
                     help="only findings of resources with one of these tags, Key=Value")
    aws.add_argument("--resource-arn", nargs="+", type=_names, metavar="ARN", help="only findings of these resources (ARNs)")


def flat(values: Iterable[list[str]] | None) -> list[str] | None:
    """argparse's nargs+ of split names -> one list (None when the flag was not given)."""
    if values is None:
        return None
    return [name for group in values for name in group]


def _unknown(what: str, names: Iterable[str], known: Iterable[str]) -> None:
    known = sorted(set(known))
    unknown = [n for n in names if n not in set(known)]
    if unknown:
        raise UsageError(f"unknown {what} {', '.join(unknown)}; valid: {', '.join(known)}")


def _given(flag: str, names: list[str] | None) -> list[str] | None:
    if names is not None and not names:
        raise UsageError(f"{flag} is empty: name at least one")
    return names


# -- frameworks ------------------------------------------------------------------------------------


def prowler_framework_names() -> dict[str, str]:
    """postureflow framework key -> Prowler's compliance name (``cis_3.0`` -> ``cis_3.0_aws``), from the
    ``source`` line of each framework file (the Prowler JSON it was imported from)."""
    from postureflow.compliance.frameworks import load_frameworks

    names = {}
    for key, fw in load_frameworks().items():
        found = re.search(r"^source:\s*\S*?([\w.\-]+)\.json", fw.path.read_text(encoding="utf-8"), re.MULTILINE)
        if found:
            names[key] = found.group(1)
    return names


def resolve_frameworks(asked: list[str]) -> list[str]:
    """Framework keys for names given as postureflow keys or Prowler names."""
    from postureflow.compliance.frameworks import load_frameworks

    keys = set(load_frameworks())
    by_prowler = {name: key for key, name in prowler_framework_names().items()}
    _unknown("compliance framework(s)", [a for a in asked if a not in by_prowler], keys)
    return [by_prowler.get(a, a) for a in asked]


# -- custom checks metadata ------------------------------------------------------------------------


def load_custom_metadata(path: str, known: Iterable[str]) -> dict[str, dict]:
    """{check id: {Check field: value}} from Prowler's custom checks metadata file (its ``aws:`` section;
    see postureflow.checks.custom_metadata). Checks postureflow lacks are named in a warning and left out."""
    import yaml

    from postureflow.checks.custom_metadata import MetadataError, parse

    try:
        overrides = parse(yaml.safe_load(Path(path).read_text(encoding="utf-8")), f"custom checks metadata file {path}")
    except (OSError, yaml.YAMLError, MetadataError) as err:
        raise UsageError(str(err) if isinstance(err, MetadataError) else f"custom checks metadata file {path}: {err}") from err
    known = set(known)
    unknown = sorted(c for c in overrides if c not in known)
    if unknown:  # Prowler checks postureflow lacks: the rest of the file still applies, as in Prowler
        print(f"postureflow: warning: {path}: no such check in postureflow, its metadata is ignored: "
              f"{', '.join(unknown)}", file=sys.stderr)
    return {check_id: fields for check_id, fields in overrides.items() if check_id in known}


# -- the check selection ---------------------------------------------------------------------------


def read_checks_file(path: str) -> list[str]:
    """Prowler's checks file ``{"aws": ["check", ...]}``, or plain text with one id a line (# comments)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as err:
        raise UsageError(f"checks file {path}: {err.strerror or err}") from err
    try:
        document = json.loads(text)
    except ValueError:
        return split_names([line.split("#", 1)[0] for line in text.splitlines()])
    if isinstance(document, dict):
        document = document.get("aws", [])
    if not isinstance(document, list):
        raise UsageError(f"checks file {path}: expected {{\"aws\": [check ids]}}")
    return [str(c) for c in document]


@dataclass
class Selection:
    checks: list[str]  # check ids to run
    services: list[str]  # services owning them (dependencies not yet added)
    severities: dict[str, str]  # custom metadata overrides of severity
    everything: bool  # no filter at all: every check runs
    metadata: dict[str, dict] = field(default_factory=dict)  # custom metadata: {check id: {Check field: value}}


def select_checks(args: argparse.Namespace) -> Selection:
    from postureflow.checks import all_checks
    from postureflow.checks.base import SEVERITIES
    from postureflow.engine import all_services

    checks = all_checks()
    services = all_services()
    from postureflow.checks.custom_metadata import severities as severities_of

    metadata = (load_custom_metadata(args.custom_checks_metadata_file, checks)
                if args.custom_checks_metadata_file else {})
    severities = severities_of(metadata)
    chosen = set(checks)
    asked = _given("-c/--checks", flat(args.checks))
    if args.checks_file:
        asked = [*(asked or []), *_given(f"--checks-file {args.checks_file}", read_checks_file(args.checks_file))]
    if asked is not None:
        _unknown("check(s)", asked, checks)
        chosen = set(asked)
    wanted_services = _given("-s/--services", flat(args.services))
    if wanted_services is not None:
        _unknown("service(s)", wanted_services, services)
        chosen = {c for c in chosen if checks[c].service in wanted_services}
    levels = _given("--severity", flat(args.severity))
    if levels is not None:
        _unknown("severity", [s.lower() for s in levels], SEVERITIES)
        chosen = {c for c in chosen if severities.get(c, checks[c].severity) in {s.lower() for s in levels}}
    frameworks = _given("--compliance", flat(args.compliance))
    if frameworks is not None:
        from postureflow.compliance.frameworks import load_frameworks

        mapped = set().union(*(load_frameworks()[key].all_checks() for key in resolve_frameworks(frameworks)))
        chosen &= mapped
    categories = _given("--categories", flat(args.categories))
    if categories is not None:
        from postureflow.checks.categories import known_categories

        _unknown("category", categories, known_categories())
        chosen = {c for c in chosen if set(checks[c].categories) & set(categories)}
    excluded = flat(args.excluded_checks) or []
    _unknown("check(s) in -e/--excluded-checks:", excluded, checks)
    excluded_services = flat(args.excluded_services) or []
    _unknown("service(s) in --excluded-services:", excluded_services, services)
    chosen = {c for c in chosen if c not in excluded and checks[c].service not in excluded_services}
    if not chosen:
        raise UsageError("the selection matches no check (check -c, -s, --severity, --compliance, --categories, "
                         "-e, --excluded-services)")
    everything = chosen == set(checks)
    # A service without checks (a pure collector) is still scanned when nothing narrows the selection.
    picked = sorted({checks[c].service for c in chosen})
    if everything:
        picked = [s for s in services if s not in excluded_services]
    return Selection(sorted(chosen), picked, severities, everything, metadata)


# -- listings --------------------------------------------------------------------------------------


def listing(args: argparse.Namespace) -> list[str] | None:
    """The lines of a --list-* flag, or None when none was given."""
    if args.list_categories:
        from postureflow.checks import all_checks

        return sorted({name for check in all_checks().values() for name in check.categories})
    if args.list_compliance:
        from postureflow.compliance.frameworks import load_frameworks

        prowler = prowler_framework_names()
        return [f"{key}  ({prowler.get(key, '-')})  {fw.name}" for key, fw in sorted(load_frameworks().items())]
    if args.list_services:
        from postureflow.engine import all_services

        return list(all_services())
    if args.list_checks:
        from postureflow.checks import all_checks

        selection = select_checks(args)
        checks = all_checks()
        return [f"{c}  [{checks[c].service}]  {selection.severities.get(c, checks[c].severity)}"
                for c in selection.checks]
    return None


# -- resources -------------------------------------------------------------------------------------


def resource_filter(tags: list[str] | None, arns: list[str] | None) -> Callable[[dict], bool] | None:
    """Keep a finding whose resource has one of ``tags`` (Key=Value) or is one of ``arns``; None: keep all."""
    if not tags and not arns:
        return None
    pairs = []
    for tag in tags or []:
        key, sep, value = tag.partition("=")
        if not sep or not key:
            raise UsageError(f"--resource-tag {tag}: expected Key=Value")
        pairs.append((key, value))
    wanted = set(arns or [])
    bad = [a for a in wanted if not a.startswith("arn:")]
    if bad:
        raise UsageError(f"--resource-arn {', '.join(bad)}: not an ARN (arn:partition:service:region:account:...)")

    def keep(row: Mapping) -> bool:
        resource_tags = row.get("resource_tags") or {}
        return row.get("resource_uid") in wanted or any(resource_tags.get(k) == v for k, v in pairs)

    return keep


# -- credentials -----------------------------------------------------------------------------------


def role_access(profile: str | None, role_arn: str, external_id: str | None, duration: int, session_name: str):
    """An AwsAccess on ``role_arn``, assumed with the standard chain's (or ``profile``'s) credentials."""
    import boto3

    from postureflow.aws import DEFAULT_PARTITION_REGION, AwsAccess

    if not re.match(r"^arn:aws[\w-]*:iam::\d{12}:role/.+", role_arn):
        raise UsageError(f"-R/--role {role_arn}: not a role ARN (arn:aws:iam::<account>:role/<name>)")
    if not 900 <= duration <= 43200:
        raise UsageError(f"--session-duration {duration}: valid: 900 to 43200 seconds")
    params = {"RoleArn": role_arn, "RoleSessionName": session_name, "DurationSeconds": duration}
    if external_id:
        params["ExternalId"] = external_id
    sts = boto3.session.Session(profile_name=profile).client("sts", region_name=DEFAULT_PARTITION_REGION)
    credentials = sts.assume_role(**params)["Credentials"]
    return AwsAccess(lambda: boto3.session.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    ))
