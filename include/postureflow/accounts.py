"""The accounts file: every AWS account postureflow scans, declared once.

```yaml
defaults:            # optional, applied to every account
  schedule: "@daily"
  regions: all
accounts:
  - alias: prod                      # DAG id: posture_scan__prod
    account_id: "123456789012"       # quoted: 12 digits
    aws_conn_id: aws_prod            # Airflow AWS connection; the role ARN lives in it
    regions: [us-east-1, eu-west-1]  # or "all" (every enabled region)
    services: {exclude: [macie]}     # or {include: [...]}
    checks: {exclude: [s3_bucket_no_mfa_delete]}   # or {include: [...]}
    schedule: "0 3 * * *"
    catchup: false
```

Validation collects every problem with the file, the account and the field,
so one bad account never hides the others.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ACCOUNT_ID = re.compile(r"^\d{12}$")
ALIAS = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
ACCOUNT_FIELDS = {
    "alias",
    "account_id",
    "aws_conn_id",
    "regions",
    "services",
    "schedule",
    "catchup",
    "start_date",
    "mutelist",
    "securityhub",
    "checks",
    "tags",
    "alerts",
}
DEFAULTABLE = ACCOUNT_FIELDS - {"alias", "account_id"}


class AccountsFileError(ValueError):
    """The accounts file (or one account in it) is not valid."""


def default_accounts_path() -> Path:
    if os.environ.get("POSTUREFLOW_ACCOUNTS"):
        return Path(os.environ["POSTUREFLOW_ACCOUNTS"])
    return Path(__file__).resolve().parents[1] / "accounts.yaml"


@dataclass(frozen=True)
class Account:
    alias: str
    account_id: str
    aws_conn_id: str
    regions: tuple[str, ...] | None  # None: every enabled region
    include_services: tuple[str, ...] = ()
    exclude_services: tuple[str, ...] = ()
    schedule: str | None = "@daily"
    catchup: bool = False
    start_date: str = "2026-01-01"
    mutelist: str | None = None
    securityhub: dict = field(default_factory=dict)
    include_checks: tuple[str, ...] = ()
    exclude_checks: tuple[str, ...] = ()
    tags: dict = field(default_factory=dict)
    alerts: dict = field(default_factory=dict)  # postureflow.alerts.rules.AlertsConfig, as a dict

    def check_filter(self):
        """None (every check) or a predicate on check ids, from the accounts file's `checks:`."""
        if not self.include_checks and not self.exclude_checks:
            return None
        include, exclude = set(self.include_checks), set(self.exclude_checks)
        return lambda check_id: (not include or check_id in include) and check_id not in exclude

    @property
    def dag_id(self) -> str:
        return f"posture_scan__{self.alias}"

    def services(self) -> list[str]:
        from postureflow.engine import select_services, with_dependencies

        chosen = select_services(self.include_services or None, self.exclude_services)
        return with_dependencies(chosen)


@dataclass
class AccountsFile:
    path: Path
    accounts: list[Account]
    errors: list[str]

    def raise_for_errors(self) -> None:
        if self.errors:
            raise AccountsFileError("\n".join(self.errors))


def _string_list(value: Any, where: str, what: str, errors: list[str]) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        errors.append(f"{where}: field '{what}' must be a list of names")
        return ()
    return tuple(value)


def _parse_account(raw: Any, index: int, defaults: dict, path: Path, known_services: set[str]) -> tuple[Account | None, list[str]]:
    label = f"accounts file {path}: account #{index + 1}"
    if not isinstance(raw, dict):
        return None, [f"{label}: must be a mapping with alias, account_id and aws_conn_id"]
    alias = raw.get("alias")
    if isinstance(alias, str) and alias:
        label = f"accounts file {path}: account '{alias}'"
    errors: list[str] = []
    unknown = sorted(set(raw) - ACCOUNT_FIELDS)
    if unknown:
        errors.append(f"{label}: unknown field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(ACCOUNT_FIELDS))}")
    merged = {**defaults, **raw}

    if not isinstance(alias, str) or not ALIAS.match(alias):
        errors.append(f"{label}: field 'alias' must be lower-case letters, digits, '-' or '_' (got {alias!r})")
    account_id = merged.get("account_id")
    if isinstance(account_id, int) and len(str(account_id)) == 12:
        account_id = str(account_id)
    if not isinstance(account_id, str) or not ACCOUNT_ID.match(account_id):
        errors.append(f"{label}: field 'account_id' must be a quoted 12-digit string (got {account_id!r})")
    conn_id = merged.get("aws_conn_id")
    if not isinstance(conn_id, str) or not conn_id:
        errors.append(f"{label}: field 'aws_conn_id' is required (the Airflow AWS connection id)")

    regions_raw = merged.get("regions", "all")
    regions: tuple[str, ...] | None = None
    if regions_raw != "all":
        regions = _string_list(regions_raw, label, "regions", errors)
        bad = [r for r in regions if not REGION.match(r)]
        if bad:
            errors.append(f"{label}: field 'regions' has invalid region name(s) {', '.join(bad)}")
        if not regions and not bad:
            errors.append(f"{label}: field 'regions' is empty; use 'all' or list regions")

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    services = merged.get("services") or {}
    if not isinstance(services, dict) or set(services) - {"include", "exclude"}:
        errors.append(f"{label}: field 'services' must be a mapping with 'include' and/or 'exclude' lists")
    else:
        include = _string_list(services.get("include", []), label, "services.include", errors)
        exclude = _string_list(services.get("exclude", []), label, "services.exclude", errors)
        unknown_services = [s for s in (*include, *exclude) if s not in known_services]
        if unknown_services:
            errors.append(
                f"{label}: field 'services' names unknown service(s) {', '.join(unknown_services)}; "
                f"known: {', '.join(sorted(known_services))}"
            )

    schedule = merged.get("schedule", "@daily")
    if schedule is not None and (not isinstance(schedule, str) or not schedule.strip()):
        errors.append(f"{label}: field 'schedule' must be a cron expression, a preset like '@daily', or null")
    elif isinstance(schedule, str) and not schedule.startswith("@"):
        from croniter import croniter

        if not croniter.is_valid(schedule):
            errors.append(f"{label}: field 'schedule' is not a valid cron expression: {schedule!r}")
    catchup = merged.get("catchup", False)
    if not isinstance(catchup, bool):
        errors.append(f"{label}: field 'catchup' must be true or false")
    start_date = str(merged.get("start_date", "2026-01-01"))
    if not re.match(r"^\d{4}-\d{2}-\d{2}$", start_date):
        errors.append(f"{label}: field 'start_date' must be YYYY-MM-DD")
    mutelist = merged.get("mutelist")
    if mutelist is not None and not isinstance(mutelist, str):
        errors.append(f"{label}: field 'mutelist' must be a file path")
    securityhub = merged.get("securityhub") or {}
    if not isinstance(securityhub, dict):
        errors.append(f"{label}: field 'securityhub' must be a mapping")
    else:
        try:
            from postureflow.securityhub.options import ForwardOptions
        except ImportError:
            ForwardOptions = None  # type: ignore[assignment]
        if ForwardOptions is not None:
            try:
                ForwardOptions.from_dict(securityhub)
            except (ValueError, TypeError) as err:
                errors.append(f"{label}: field 'securityhub': {err}")
    tags = merged.get("tags") or {}
    if not isinstance(tags, dict):
        errors.append(f"{label}: field 'tags' must be a mapping")
    include_checks: tuple[str, ...] = ()
    exclude_checks: tuple[str, ...] = ()
    checks = merged.get("checks") or {}
    if not isinstance(checks, dict) or set(checks) - {"include", "exclude"}:
        errors.append(f"{label}: field 'checks' must be a mapping with 'include' and/or 'exclude' lists of check ids")
    else:
        include_checks = _string_list(checks.get("include", []), label, "checks.include", errors)
        exclude_checks = _string_list(checks.get("exclude", []), label, "checks.exclude", errors)
        from postureflow.checks import all_checks

        unknown_checks = [c for c in (*include_checks, *exclude_checks) if c not in all_checks()]
        if unknown_checks:
            errors.append(f"{label}: field 'checks' names unknown check id(s) {', '.join(unknown_checks)}")

    alerts: dict = {}
    try:
        from postureflow.alerts.rules import account_alerts

        alerts = account_alerts(defaults.get("alerts"), raw.get("alerts"))
    except ValueError as err:
        errors.append(f"{label}: field 'alerts': {err}")

    if errors:
        return None, errors
    if mutelist and not os.path.isabs(mutelist):
        mutelist = str((path.parent / mutelist).resolve())
    return (
        Account(
            alias=alias,
            account_id=account_id,
            aws_conn_id=conn_id,
            regions=regions,
            include_services=include,
            exclude_services=exclude,
            schedule=schedule,
            catchup=catchup,
            start_date=start_date,
            mutelist=mutelist,
            securityhub=dict(securityhub),
            include_checks=include_checks,
            exclude_checks=exclude_checks,
            tags=dict(tags),
            alerts=alerts,
        ),
        [],
    )


def load_accounts(path: str | Path | None = None) -> AccountsFile:
    """Parse and validate the accounts file; valid accounts and every error, never an exception."""
    from postureflow.engine import all_services

    path = Path(path) if path else default_accounts_path()
    try:
        text = path.read_text()
    except OSError as err:
        return AccountsFile(path, [], [f"accounts file {path}: cannot be read: {err.strerror or err}"])
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        where = getattr(err, "problem_mark", None)
        at = f" (line {where.line + 1}, column {where.column + 1})" if where else ""
        return AccountsFile(path, [], [f"accounts file {path}: is not valid YAML{at}: {getattr(err, 'problem', err)}"])
    if not isinstance(data, dict) or not isinstance(data.get("accounts"), list):
        return AccountsFile(path, [], [f"accounts file {path}: must be a mapping with an 'accounts' list"])
    defaults = data.get("defaults") or {}
    errors: list[str] = []
    if not isinstance(defaults, dict) or set(defaults) - DEFAULTABLE:
        errors.append(f"accounts file {path}: 'defaults' may only set {', '.join(sorted(DEFAULTABLE))}")
        defaults = {}
    known = set(all_services())
    accounts: list[Account] = []
    seen_alias: set[str] = set()
    seen_id: set[str] = set()
    for index, raw in enumerate(data["accounts"]):
        account, problems = _parse_account(raw, index, defaults, path, known)
        if account and account.alias in seen_alias:
            problems = [f"accounts file {path}: account '{account.alias}': field 'alias' is used twice"]
            account = None
        if account and account.account_id in seen_id:
            problems = [f"accounts file {path}: account '{account.alias}': field 'account_id' {account.account_id} is declared twice"]
            account = None
        errors.extend(problems)
        if account:
            seen_alias.add(account.alias)
            seen_id.add(account.account_id)
            accounts.append(account)
    return AccountsFile(path, accounts, errors)
