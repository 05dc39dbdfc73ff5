"""The ``alerts:`` block of the accounts file: destinations, rules and the daily digest (pydantic models).

```yaml
defaults:
  alerts:
    destinations:                       # name -> an Airflow connection id, never a secret
      secops-slack: {type: slack, conn_id: slack_secops}
      oncall-mail:  {type: email, conn_id: smtp_default, to: [secops@example.com]}
    rules:
      - {name: new-criticals, when: new_fail, min_severity: high, notify: [secops-slack]}
    digest: {notify: [oncall-mail]}
    dashboard_url: "https://airflow.example.com/postureflow/"
accounts:
  - alias: prod
    alerts:
      rules:                            # added to the defaults' rules
        - {name: prod-public-s3, when: new_fail, services: [s3], notify: [oncall-mail]}
```

An account's ``alerts`` adds rules to the defaults' rules and destinations to the defaults'
destinations (same name: the account's wins); ``inherit: false`` drops the defaults' rules.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

SEVERITIES = ("critical", "high", "medium", "low", "informational")
CONDITIONS = ("new_fail", "regression", "still_failing", "scan_error", "scan_failed")
FINDING_CONDITIONS = ("new_fail", "regression", "still_failing")
NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$"
# Connection ids only: a URL with credentials, a token or a password has no place in the accounts file.
CONN_ID = r"^[A-Za-z0-9_.-]{1,250}$"
SECRET_LOOKING = re.compile(r"://|hooks\.slack\.com|\bxox[abposr]-|\bAKIA[0-9A-Z]{16}\b")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Destination(_Model):
    conn_id: str = Field(pattern=CONN_ID, description="The Airflow connection that holds address and credentials")


class SnsDestination(_Destination):
    """Amazon SNS through the amazon provider's SnsNotifier (an AWS connection)."""

    type: Literal["sns"]
    topic_arn: str = Field(pattern=r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]+(\.fifo)?$")
    region: str | None = None


class SlackDestination(_Destination):
    """Slack through the slack provider's SlackWebhookNotifier (a ``slackwebhook`` connection)."""

    type: Literal["slack"]


class EmailDestination(_Destination):
    """E-mail through the smtp provider's SmtpNotifier (an ``smtp`` connection)."""

    type: Literal["email"]
    to: list[str] = Field(min_length=1)
    from_email: str | None = None  # else the connection's from_email

    @field_validator("to")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        bad = [v for v in value if not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", v)]
        if bad:
            raise ValueError(f"not e-mail addresses: {', '.join(bad)}")
        return value


class WebhookDestination(_Destination):
    """A generic JSON webhook through the http provider's HttpNotifier (an ``http`` connection)."""

    type: Literal["webhook"]
    endpoint: str = Field(default="", description="Path appended to the connection's host")

    @field_validator("endpoint")
    @classmethod
    def _path_only(cls, value: str) -> str:
        if "://" in value or "?" in value:
            raise ValueError("endpoint is a path on the connection's host (no scheme, no query: put tokens in the connection)")
        return value


class AppriseDestination(_Destination):
    """Any Apprise service through the apprise provider's AppriseNotifier (an ``apprise`` connection)."""

    type: Literal["apprise"]
    tag: str = "all"


Destination = Annotated[
    Union[SnsDestination, SlackDestination, EmailDestination, WebhookDestination, AppriseDestination],
    Field(discriminator="type"),
]


class Rule(_Model):
    """One alert rule: a condition over the run's delta, filters, and where to send it."""

    name: str = Field(pattern=NAME)
    when: Literal["new_fail", "regression", "still_failing", "scan_error", "scan_failed"]
    days: int | None = Field(default=None, ge=1, description="still_failing: failing for at least this many days")
    min_severity: Literal["critical", "high", "medium", "low", "informational"] | None = None
    services: list[str] = []
    checks: list[str] = []
    frameworks: list[str] = []
    tags: dict[str, str] = Field(default_factory=dict, description="resource tags that must all match ('*': any value)")
    regions: list[str] = []
    notify: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> "Rule":
        if self.when == "still_failing" and self.days is None:
            raise ValueError(f"rule {self.name}: still_failing needs days: N")
        if self.when != "still_failing" and self.days is not None:
            raise ValueError(f"rule {self.name}: days applies to still_failing only")
        if self.when in ("scan_error", "scan_failed") and (self.min_severity or self.checks or self.frameworks or self.tags):
            raise ValueError(f"rule {self.name}: {self.when} can filter on services and regions only")
        return self


class Digest(_Model):
    notify: list[str] = Field(min_length=1)
    min_severity: Literal["critical", "high", "medium", "low", "informational"] = "high"


class AlertsConfig(_Model):
    """The merged alerts of one account."""

    destinations: dict[str, Destination] = {}
    rules: list[Rule] = []
    digest: Digest | None = None
    first_run: Literal["baseline", "alert"] = Field(
        default="baseline",
        description="baseline: a rule's first run records what already fails without sending; alert: send it all",
    )
    allow_past_runs: bool = Field(
        default=False, description="send alerts from backfills and re-runs of past dates too (off: they never alert)"
    )
    max_age_days: int = Field(default=2, ge=0, description="a run whose scan date is older than this is a past run")
    dashboard_url: str | None = Field(default=None, description="links in messages point here (the dashboard's root)")
    inherit: bool = True

    @model_validator(mode="after")
    def _references(self) -> "AlertsConfig":
        problems = []
        for name in self.destinations:
            if not re.match(NAME, name):
                problems.append(f"destination name {name!r} is not a simple name")
        names = [r.name for r in self.rules]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            problems.append(f"rule name(s) used twice: {', '.join(twice)}")
        for owner, targets in [(f"rule {r.name}", r.notify) for r in self.rules] + (
            [("digest", self.digest.notify)] if self.digest else []
        ):
            missing = [t for t in targets if t not in self.destinations]
            if missing:
                problems.append(f"{owner} notifies unknown destination(s) {', '.join(missing)}")
        if problems:
            raise ValueError("; ".join(problems))
        return self


def _check_known(config: AlertsConfig) -> None:
    """Services, checks and frameworks named by the rules exist (the same lists the scans use)."""
    from postureflow.checks import all_checks
    from postureflow.compliance.frameworks import load_frameworks
    from postureflow.engine import all_services

    services, checks, frameworks = set(all_services()), set(all_checks()), set(load_frameworks())
    problems = []
    for rule in config.rules:
        for what, names, known in (("service", rule.services, services), ("check", rule.checks, checks),
                                   ("framework", rule.frameworks, frameworks)):
            unknown = [n for n in names if n not in known]
            if unknown:
                problems.append(f"rule {rule.name}: unknown {what}(s) {', '.join(unknown)}")
    if problems:
        raise ValueError("; ".join(problems))


def _no_secrets(raw: Any, where: str = "alerts") -> None:
    """Refuse values that look like credentials or webhook URLs: those belong in an Airflow connection."""
    if isinstance(raw, dict):
        for key, value in raw.items():
            _no_secrets(value, f"{where}.{key}")
    elif isinstance(raw, list):
        for i, value in enumerate(raw):
            _no_secrets(value, f"{where}[{i}]")
    elif isinstance(raw, str) and SECRET_LOOKING.search(raw) and not where.endswith("dashboard_url"):
        raise ValueError(f"{where} looks like a URL or a credential; keep it in an Airflow connection and name its conn_id")


def _message(err: ValidationError) -> str:
    parts = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"] if not str(p).startswith(("function-", "tagged-union")))
        parts.append(f"{loc}: {e['msg']}" if loc else e["msg"])
    return "; ".join(parts)


def parse_alerts(raw: Any) -> AlertsConfig:
    if raw is None:
        return AlertsConfig()
    if not isinstance(raw, dict):
        raise ValueError("must be a mapping with destinations, rules and digest")
    _no_secrets({k: v for k, v in raw.items() if k != "digest"})
    try:
        config = AlertsConfig.model_validate(raw)
    except ValidationError as err:
        raise ValueError(_message(err)) from None
    _check_known(config)
    return config


def account_alerts(defaults: Any, own: Any) -> dict:
    """The account's alerts (defaults merged with its own), validated, as a plain dict for the Account.

    Raises ValueError naming the field on any problem.
    """
    if not defaults and not own:
        return {}
    base = dict(defaults or {})
    mine = dict(own or {})
    if not isinstance(defaults or {}, dict) or not isinstance(own or {}, dict):
        raise ValueError("must be a mapping with destinations, rules and digest")
    if "digest" in mine:
        raise ValueError("digest is org-wide: set it under defaults.alerts")
    inherit = mine.pop("inherit", True)
    merged = {**base, **mine}
    merged["destinations"] = {**(base.get("destinations") or {}), **(mine.get("destinations") or {})}
    merged["rules"] = ([*(base.get("rules") or [])] if inherit else []) + [*(mine.get("rules") or [])]
    return parse_alerts(merged).model_dump(mode="json")


def alerts_config(account_alerts_dict: dict | None) -> AlertsConfig:
    """Back from the Account's plain dict to the model."""
    return AlertsConfig.model_validate(account_alerts_dict or {})


def json_schema() -> dict:
    """The ``alerts:`` block's JSON schema (docs and editor support)."""
    return AlertsConfig.model_json_schema()
