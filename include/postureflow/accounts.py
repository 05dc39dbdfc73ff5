"""The accounts file: every AWS account postureflow scans, declared once.

```yaml
defaults:            # optional, applied to every account
  schedule: "@daily"
  regions: all
  audit_config: {max_unused_access_keys_days: 45}   # Prowler's keys, or the path of a Prowler config.yaml
accounts:
  - alias: prod                      # DAG id: posture_scan__prod
    account_id: "123456789012"       # quoted: 12 digits
    aws_conn_id: aws_prod            # Airflow AWS connection; the role ARN lives in it
    regions: [us-east-1, eu-west-1]  # or "all" (every enabled region)
    services: {exclude: [macie]}     # or {include: [...]}
    checks: {exclude: [s3_bucket_no_mfa_delete]}   # or {include: [...]}
    schedule: "0 3 * * *"
    catchup: false
    audit_config: {trusted_account_ids: ["210987654321"]}   # laid over the defaults' audit_config
    scan_unused_services: true       # judge unused resources too (Prowler's --scan-unused-services)
```

The file is validated by the pydantic model :class:`AccountModel` (its JSON
schema is docs/accounts.schema.json, for editors). Every problem names the
file, the account and the field, and one bad account never hides the others:
:func:`load_accounts` returns the valid accounts and every error, never raises.

Adding a field: declare it on :class:`AccountModel` (type, default, description)
and on :class:`Account`; a field whose defaults merge rather than replace (like
``alerts`` and ``audit_config``) also goes in ``_MERGED``.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal, Mapping

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, create_model, field_validator

from postureflow.params import split_names

log = logging.getLogger(__name__)

ACCOUNT_ID = re.compile(r"^\d{12}$")
ALIAS = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
# Airflow's schedule presets (airflow.utils.dates.cron_presets, plus @once and @continuous).
SCHEDULE_PRESETS = ("@hourly", "@daily", "@weekly", "@monthly", "@quarterly", "@yearly", "@once", "@continuous")


class AccountsFileError(ValueError):
    """The accounts file (or one account in it) is not valid."""


def default_accounts_path() -> Path:
    if os.environ.get("POSTUREFLOW_ACCOUNTS"):
        return Path(os.environ["POSTUREFLOW_ACCOUNTS"])
    return Path(__file__).resolve().parents[1] / "accounts.yaml"


# -- the model -------------------------------------------------------------------------------------


class Selection(BaseModel):
    """Which services (or checks) to run: ``include`` only these, ``exclude`` these."""

    model_config = ConfigDict(extra="forbid")

    include: list[str] | None = Field(None, description="only these (omit for all)")
    exclude: list[str] = Field(default_factory=list, description="leave these out")

    @field_validator("include", "exclude", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        return split_names(value)

    @field_validator("include")
    @classmethod
    def _not_empty(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and not value:
            raise ValueError("is empty; leave 'include' out to select everything")
        return value


class AccountModel(BaseModel):
    """One account of the accounts file (after its defaults are applied)."""

    model_config = ConfigDict(extra="forbid", title="postureflow account")

    alias: str = Field(pattern=ALIAS.pattern, description="lower-case name; the DAG id is posture_scan__<alias>")
    account_id: str = Field(pattern=ACCOUNT_ID.pattern, description="the 12-digit AWS account id, quoted")
    aws_conn_id: str = Field(min_length=1, strict=True, description="Airflow AWS connection id (its extra holds role_arn)")
    regions: Literal["all"] | list[str] = Field("all", description='"all" enabled regions, or a list of region names')
    services: Selection = Field(default_factory=Selection, description="services to scan")
    checks: Selection = Field(default_factory=Selection, description="checks to run (ids)")
    schedule: str | None = Field("@daily", description="cron expression, an Airflow preset like @daily, or null (manual)")
    catchup: bool = Field(False, strict=True)
    start_date: dt.date = Field(dt.date(2026, 1, 1), description="YYYY-MM-DD: first day the DAG may run")
    mutelist: str | None = Field(None, description="Prowler-format mutelist file, relative to the accounts file")
    securityhub: dict[str, Any] = Field(default_factory=dict, description="Security Hub forwarding options")
    tags: dict[str, Any] = Field(default_factory=dict, description="free-form labels of the account")
    alerts: dict[str, Any] = Field(default_factory=dict, description="alert destinations and rules (docs/alerts.md)")
    retention: dict[str, int | None] = Field(default_factory=dict, description="days to keep per lake dataset, lake-wide from defaults (docs/lake.md); null keeps forever")
    max_active_tasks: int = Field(8, ge=1, le=256, strict=True, description="tasks of this account's DAG that may run at once (caps its API calls)")
    audit_config: dict[str, Any] | str = Field(
        default_factory=dict,
        description="Prowler audit-config keys laid over Prowler's defaults, or the path of a Prowler config.yaml",
    )
    scan_unused_services: bool = Field(
        False, strict=True, description="also judge unused resources (Prowler's --scan-unused-services)"
    )

    @field_validator("account_id", mode="before")
    @classmethod
    def _unquoted_id(cls, value: Any) -> Any:
        # YAML reads an unquoted id as a number: safe only if no leading zero was lost.
        if isinstance(value, int) and not isinstance(value, bool):
            if len(str(value)) == 12:
                return str(value)
            raise ValueError(f"must be a quoted 12-digit string (got {value}: unquoted, leading zeros lost?)")
        return value

    @field_validator("regions", mode="before")
    @classmethod
    def _regions(cls, value: Any) -> Any:
        return value if value == "all" else split_names(value)

    @field_validator("regions")
    @classmethod
    def _known_regions(cls, value: Any) -> Any:
        if value == "all":
            return value
        if not value:
            raise ValueError("is empty; use 'all' or list regions")
        check_regions(value)
        return value

    @field_validator("schedule")
    @classmethod
    def _schedule(cls, value: str | None) -> str | None:
        if value is not None:
            check_schedule(value)
        return value

    @field_validator("start_date", mode="before")
    @classmethod
    def _date_text(cls, value: Any) -> Any:
        if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            raise ValueError(f"must be a date YYYY-MM-DD (got {value!r})")
        return value

    @field_validator("services")
    @classmethod
    def _known_services(cls, value: Selection, info: ValidationInfo) -> Selection:
        known = (info.context or {}).get("services")
        if known is not None:
            _check_names("service", value, known)
            chosen = set(value.include or known) - set(value.exclude)
            if not chosen:
                raise ValueError("selects no service")
        return value

    @field_validator("checks")
    @classmethod
    def _known_checks(cls, value: Selection, info: ValidationInfo) -> Selection:
        known = (info.context or {}).get("checks")
        if known is not None:
            _check_names("check id", value, known)
        return value

    @field_validator("mutelist")
    @classmethod
    def _mutelist_file(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        base = (info.context or {}).get("base")
        path = Path(value) if os.path.isabs(value) or base is None else (Path(base) / value).resolve()
        if base is None:
            return value
        if not path.is_file():
            raise ValueError(f"file {path} does not exist")
        from postureflow.mutelist import MutelistError, load_checked

        try:
            mutelist = load_checked(path)
        except MutelistError as err:
            raise ValueError(str(err)) from err
        warnings = (info.context or {}).setdefault("warnings", [])
        warnings.extend(f"mutelist {path}: {warning}" for warning in mutelist.warnings)
        return str(path)

    @field_validator("securityhub")
    @classmethod
    def _securityhub(cls, value: dict) -> dict:
        try:
            from postureflow.securityhub.options import ForwardOptions
        except ImportError:
            return value
        try:
            ForwardOptions.from_dict(value)
        except (ValueError, TypeError) as err:
            raise ValueError(str(err)) from err
        return value

    @field_validator("retention")
    @classmethod
    def _retention(cls, value: dict) -> dict:
        if value:  # the lake is imported only by a file that sets retention
            from postureflow.lake.retention import make_policy

            make_policy(value)  # ValueError: unknown dataset, days < 1, scan_scope shorter than findings
        return value

    @field_validator("audit_config")
    @classmethod
    def _audit_config(cls, value: dict | str, info: ValidationInfo) -> dict:
        from postureflow.config.files import ConfigError, load_config_file, validate_overrides

        base = (info.context or {}).get("base")
        try:
            if isinstance(value, str):
                path = Path(value) if os.path.isabs(value) or base is None else Path(base) / value
                checked = load_config_file(path)
            else:
                checked = validate_overrides(value, "audit_config")
        except ConfigError as err:
            raise ValueError(str(err)) from err
        (info.context or {}).setdefault("warnings", []).extend(checked.warnings)
        return checked.values


# ``defaults:``: any account field but alias and account_id, applied to every account (schema only:
# the defaults are validated as part of each account, so an error names the account it breaks).
DefaultsModel = create_model(
    "DefaultsModel",
    __config__=ConfigDict(extra="forbid", title="postureflow account defaults"),
    **{
        name: (info.annotation | None, Field(None, description=info.description))
        for name, info in AccountModel.model_fields.items()
        if name not in ("alias", "account_id")
    },
)


class AccountsFileModel(BaseModel):
    """The whole accounts file (the schema editors get; loading validates account by account)."""

    model_config = ConfigDict(extra="forbid", title="postureflow accounts file")

    defaults: DefaultsModel | None = None  # type: ignore[valid-type]
    accounts: list[AccountModel]


ACCOUNT_FIELDS = set(AccountModel.model_fields)
DEFAULTABLE = ACCOUNT_FIELDS - {"alias", "account_id"}


def json_schema() -> dict:
    """The accounts file's JSON schema (docs/accounts.schema.json; editors' YAML support)."""
    schema = AccountsFileModel.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


def check_regions(regions: list[str]) -> None:
    """Raise ValueError naming regions botocore does not know (opt-in regions are known)."""
    from postureflow.arn import known_regions

    known = known_regions()
    bad = [r for r in regions if r not in known]
    if bad:
        raise ValueError(f"unknown region(s) {', '.join(map(repr, bad))}; known: {', '.join(sorted(known))}")


def check_schedule(schedule: str) -> None:
    """Raise ValueError unless ``schedule`` is an Airflow preset or a cron expression Airflow accepts."""
    if schedule.startswith("@"):
        if schedule not in SCHEDULE_PRESETS:
            raise ValueError(f"{schedule!r} is not an Airflow preset; use one of {', '.join(SCHEDULE_PRESETS)} or cron")
        return
    from croniter import CroniterBadDateError, croniter

    if not schedule.strip() or not croniter.is_valid(schedule):
        raise ValueError(f"{schedule!r} is not a valid cron expression")
    try:  # Airflow's timetable fails on a date that never comes (30 February)
        croniter(schedule, dt.datetime(2026, 1, 1)).get_next(dt.datetime)
    except CroniterBadDateError:
        raise ValueError(f"{schedule!r} never fires: no such date") from None


def _check_names(what: str, selection: Selection, known: Any) -> None:
    unknown = [n for n in (*(selection.include or ()), *selection.exclude) if n not in known]
    if unknown:
        raise ValueError(f"unknown {what}(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")


def _merge_alerts(defaults: Any, own: Any) -> dict:
    from postureflow.alerts.rules import account_alerts

    return account_alerts(defaults, own)


def _merge_audit_config(defaults: Any, own: Any) -> Any:
    # A file path stays a path (validated by the model); two mappings merge key by key.
    if own is None:
        return defaults
    if isinstance(defaults, Mapping) and isinstance(own, Mapping):
        return {**defaults, **own}
    if isinstance(defaults, str) and isinstance(own, Mapping):
        return {"__file__": defaults, **own}
    return own


# Fields whose account value merges with the default instead of replacing it.
_MERGED: dict[str, Callable[[Any, Any], Any]] = {"alerts": _merge_alerts, "audit_config": _merge_audit_config}


# -- the account as the rest of postureflow uses it ------------------------------------------------


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
    audit_config: dict = field(default_factory=dict)  # overrides of Prowler's defaults (validated)
    max_active_tasks: int = 8
    scan_unused_services: bool = False  # Prowler's --scan-unused-services

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
        from postureflow.catalog import catalog

        return catalog().select(self.include_services or None, self.exclude_services)

    def resolved_config(self) -> Mapping[str, Any]:
        """The audit config checks judge this account with: Prowler's defaults + the file's overrides."""
        from postureflow.config import audit_config

        return audit_config(self.audit_config, {"scan_unused_services": True} if self.scan_unused_services else None)


def _account(model: AccountModel) -> Account:
    audit = dict(model.audit_config) if isinstance(model.audit_config, dict) else {}
    return Account(
        alias=model.alias,
        account_id=model.account_id,
        aws_conn_id=model.aws_conn_id,
        regions=None if model.regions == "all" else tuple(model.regions),
        include_services=tuple(model.services.include or ()),
        exclude_services=tuple(model.services.exclude),
        schedule=model.schedule,
        catchup=model.catchup,
        start_date=model.start_date.isoformat(),
        mutelist=model.mutelist,
        securityhub=dict(model.securityhub),
        include_checks=tuple(model.checks.include or ()),
        exclude_checks=tuple(model.checks.exclude),
        tags=dict(model.tags),
        alerts=dict(model.alerts),
        max_active_tasks=model.max_active_tasks,
        audit_config=audit,
        scan_unused_services=model.scan_unused_services,
    )


# -- loading -----------------------------------------------------------------------------------------


@dataclass
class AccountsFile:
    path: Path
    accounts: list[Account]
    errors: list[str]
    warnings: list[str] = field(default_factory=list)

    def raise_for_errors(self) -> None:
        if self.errors:
            raise AccountsFileError("\n".join(self.errors))


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """YAML without implicit timestamps: ``start_date: 2026-13-45`` reaches validation as text, so
    the error names its account and field instead of failing the whole file. libyaml's parser when
    PyYAML has it (the same documents, about twice as fast on a file of 1,000 accounts)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def describe_errors(err: ValidationError, label: str) -> list[str]:
    """One line per pydantic error: ``<label>: field '<path>' ...``."""
    lines = []
    seen: set[str] = set()
    for item in err.errors():
        where = ".".join(str(part) for part in item["loc"] if not str(part).startswith(("literal[", "list[")))
        if where in seen:  # a union (regions: "all" or a list) reports each branch: say it once
            continue
        seen.add(where)
        kind, value = item["type"], item.get("input")
        message = str(item["msg"]).removeprefix("Value error, ")
        if kind == "missing":
            text = f"field '{where}' is required"
        elif kind == "extra_forbidden":
            parent = ".".join(str(p) for p in item["loc"][:-1])
            allowed = sorted(Selection.model_fields) if parent in ("services", "checks") else sorted(ACCOUNT_FIELDS)
            text = f"unknown field '{where}'; allowed: {', '.join(allowed)}"
        elif where == "regions" and kind in ("literal_error", "list_type"):
            text = f"field 'regions' must be 'all' or a list of region names (got {_short(value)})"
        elif kind.endswith("_type") or kind in ("literal_error", "union_tag_invalid"):
            text = f"field '{where}' has the wrong type: {message} (got {_short(value)}, {type(value).__name__})"
        elif kind.startswith("string_pattern") or kind in ("date_from_datetime_parsing", "date_parsing"):
            text = f"field '{where}' is not valid: {message} (got {_short(value)})"
        else:
            text = f"field '{where}': {message}"
        lines.append(f"{label}: {text}")
    return lines


def _merge(defaults: dict, raw: dict, base: Path) -> tuple[dict, dict[str, str]]:
    """The account's fields over the defaults; the merged fields merged. Problems by field name."""
    merged = {**defaults, **raw}
    problems: dict[str, str] = {}
    for name, merge in _MERGED.items():
        if name in defaults or name in raw:
            try:
                merged[name] = merge(defaults.get(name), raw.get(name))
            except ValueError as err:
                problems[name] = str(err)
    layer = merged.get("audit_config")
    if isinstance(layer, dict) and "__file__" in layer:
        # the defaults name a Prowler config file and the account adds keys: read the file here
        from postureflow.config.files import ConfigError, load_config_file

        layer = dict(layer)
        try:
            merged["audit_config"] = {**load_config_file(base / layer.pop("__file__")).values, **layer}
        except ConfigError as err:
            problems["audit_config"] = str(err)
    return merged, problems


def _parse_account(raw: Any, index: int, defaults: dict, context: dict, path: Path) -> tuple[Account | None, list[str]]:
    label = f"accounts file {path}: account #{index + 1}"
    if not isinstance(raw, dict):
        return None, [f"{label}: must be a mapping with alias, account_id and aws_conn_id"]
    if isinstance(raw.get("alias"), str) and raw["alias"]:
        label = f"accounts file {path}: account '{raw['alias']}'"
    merged, problems = _merge(defaults, raw, path.parent)
    errors = [f"{label}: field '{name}': {problem}" for name, problem in problems.items()]
    try:
        model = AccountModel.model_validate({k: v for k, v in merged.items() if k not in problems}, context=context)
    except ValidationError as err:
        return None, errors + describe_errors(err, label)
    if errors:
        return None, errors
    return _account(model), []


def load_accounts(path: str | Path | None = None) -> AccountsFile:
    """Parse and validate the accounts file; valid accounts and every error, never an exception."""
    from postureflow.catalog import catalog

    path = Path(path) if path else default_accounts_path()
    try:
        text = path.read_text()
    except OSError as err:
        return AccountsFile(path, [], [f"accounts file {path}: cannot be read: {err.strerror or err}"])
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as err:
        where = getattr(err, "problem_mark", None)
        at = f" (line {where.line + 1}, column {where.column + 1})" if where else ""
        return AccountsFile(path, [], [f"accounts file {path}: is not valid YAML{at}: {getattr(err, 'problem', err)}"])
    if not isinstance(data, dict) or not isinstance(data.get("accounts"), list):
        return AccountsFile(path, [], [f"accounts file {path}: must be a mapping with an 'accounts' list"])
    errors: list[str] = []
    unknown_top = sorted(set(data) - set(AccountsFileModel.model_fields))
    if unknown_top:
        errors.append(f"accounts file {path}: unknown top-level key(s) {', '.join(unknown_top)}; allowed: defaults, accounts")
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict) or set(defaults) - DEFAULTABLE:
        extra = sorted(set(defaults) - DEFAULTABLE) if isinstance(defaults, dict) else []
        errors.append(
            f"accounts file {path}: 'defaults' may only set {', '.join(sorted(DEFAULTABLE))}"
            + (f" (unknown: {', '.join(extra)})" if extra else "")
        )
        defaults = {}
    known = catalog()  # no check or collector import at DAG parse time
    context = {"services": set(known.services), "checks": known.check_ids, "base": path.parent, "warnings": []}
    accounts: list[Account] = []
    seen_alias: set[str] = set()
    seen_id: set[str] = set()
    if not data["accounts"]:
        errors.append(f"accounts file {path}: 'accounts' is empty; declare at least one account")
    for index, raw in enumerate(data["accounts"]):
        account, problems = _parse_account(raw, index, defaults, context, path)
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
    warnings = [f"accounts file {path}: {w}" for w in dict.fromkeys(context["warnings"])]
    for warning in warnings:
        log.warning("%s", warning)
    return AccountsFile(path, accounts, errors, warnings)


if __name__ == "__main__":  # python -m postureflow.accounts > docs/accounts.schema.json
    import json

    print(json.dumps(json_schema(), indent=2))
