"""The check contract.

A check is one function in ``postureflow/checks/<service>.py``::

    @check(
        id="s3_bucket_level_public_access_block",
        title="S3 bucket blocks public access at the bucket level",
        severity="medium",
        resource_type="AwsS3Bucket",
        reads=["s3.buckets"],
        risk="...",
        remediation="...",
    )
    def s3_bucket_level_public_access_block(buckets):
        for bucket in buckets:
            ...
            yield PASS(bucket, f"Bucket {bucket.id} blocks public access.")

Each name in ``reads`` ("<service>.<kind>") becomes one positional argument:
the inventory records of that kind. A parameter named ``now`` receives the
time the inventory was collected (so a re-evaluation of an old snapshot judges
ages as of that day); a parameter named ``config`` receives the audit-config
values of the keys named in ``config=[...]`` (Prowler's keys and defaults, see
``postureflow.config``); a parameter named ``listed`` receives a
:class:`Listings` (was a kind completely listed in a region). A check makes no API calls and yields one result per
resource it judges; with nothing to judge it yields nothing.

Unknown is never PASS and never FAIL. A result whose verdict read a field the
collector could not read (the resource's own, or any field of another kind of
record, such as the account's settings), or that lies in a region where the
listing of a kind the check reads failed, is turned into a MANUAL "no verdict"
result naming what could not be read. The check itself need not test for it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import inspect
import json
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Mapping

from postureflow import __version__
from postureflow.config import audit_config
from postureflow.inventory import ALL_REGIONS, INCOMPLETE_KIND, Resource, UnreadTracker

SEVERITIES = ("critical", "high", "medium", "low", "informational")
STATUSES = ("PASS", "FAIL", "MANUAL")
NO_VERDICT = "No verdict:"


@dataclass(frozen=True)
class Result:
    status: str
    resource: Resource
    status_extended: str
    resource_type: str | None = None


def PASS(resource: Resource, status_extended: str, resource_type: str | None = None) -> Result:
    return Result("PASS", resource, status_extended, resource_type)


def FAIL(resource: Resource, status_extended: str, resource_type: str | None = None) -> Result:
    return Result("FAIL", resource, status_extended, resource_type)


def MANUAL(resource: Resource, status_extended: str, resource_type: str | None = None) -> Result:
    return Result("MANUAL", resource, status_extended, resource_type)


@dataclass(frozen=True)
class Check:
    id: str
    service: str
    title: str
    severity: str
    resource_type: str
    reads: tuple[str, ...]
    risk: str
    remediation: str
    fn: Callable[..., Iterable[Result]]
    version: str
    config_keys: tuple[str, ...] = ()
    # Texts only a custom checks metadata file sets (Prowler's Description, RelatedUrl, Remediation Url and
    # Code): postureflow's own checks carry risk and remediation text (postureflow.checks.custom_metadata).
    description: str = ""
    related_url: str = ""
    remediation_url: str = ""
    remediation_code: Mapping[str, str] | None = None

    @property
    def categories(self) -> tuple[str, ...]:
        """Prowler's categories of this check (encryption, internet-exposed, ...), from Prowler's metadata."""
        from postureflow.checks.categories import categories_of

        return categories_of(self.id)

    @property
    def wants_now(self) -> bool:
        return "now" in inspect.signature(self.fn).parameters

    def config_values(self, config: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """The values of this check's audit-config keys under ``config`` (Prowler's defaults if None)."""
        merged = config if config is not None else audit_config()
        return {key: merged.get(key) for key in self.config_keys}

    def version_for(self, config: Mapping[str, Any] | None = None) -> str:
        """The check's version: its logic, plus the config values it judged with."""
        if not self.config_keys:
            return self.version
        material = json.dumps(self.config_values(config), sort_keys=True, default=str)
        return f"{self.version}.{hashlib.sha256(material.encode()).hexdigest()[:6]}"

    @property
    def read_services(self) -> set[str]:
        return {name.split(".", 1)[0] for name in self.reads}

    def evaluate(
        self, inventory: dict[str, list[Resource]], now: dt.datetime, config: Mapping[str, Any] | None = None
    ) -> Iterator[Result]:
        args = [[r for r in inventory.get(name, []) if r.kind != INCOMPLETE_KIND] for name in self.reads]
        params = inspect.signature(self.fn).parameters
        kwargs: dict[str, Any] = {}
        if "now" in params:
            kwargs["now"] = now
        if "config" in params:
            kwargs["config"] = self.config_values(config)
        if "listed" in params:
            kwargs["listed"] = Listings(inventory)
        with UnreadTracker() as reads:
            results = list(self.fn(*args, **kwargs) or ())
        gaps = self._listing_gaps(inventory)
        for result in results:
            if result.status not in STATUSES:
                raise ValueError(f"check {self.id} returned status {result.status!r}")
            reasons = _unread_reasons(result.resource, reads) + gaps.get(result.resource.region, gaps.get(ALL_REGIONS, []))
            yield no_verdict(result, reasons) if reasons else result

    def _listing_gaps(self, inventory: dict[str, list[Resource]]) -> dict[str, list[str]]:
        """region -> why a listing this check reads is incomplete there."""
        gaps: dict[str, list[str]] = {}
        for name in self.reads:
            service, kind = name.split(".", 1)
            for record in inventory.get(f"{service}.{INCOMPLETE_KIND}", []):
                if record.data.get("kind") == kind:
                    gaps.setdefault(record.region, []).append(f"{kind} not listed ({record.data.get('reason')})")
        if ALL_REGIONS in gaps:
            for region, reasons in gaps.items():
                if region != ALL_REGIONS:
                    reasons.extend(gaps[ALL_REGIONS])
        return gaps


class Listings:
    """Whether the listing of a kind was complete in a region (a check's parameter named ``listed``).

    For checks that skip what is not in use: "no network interface uses this group" is only a fact where
    the interfaces were listed; elsewhere the check judges the group anyway, and that result (it read a kind
    whose listing failed there) becomes a no verdict instead of a silent skip.
    """

    def __init__(self, inventory: Mapping[str, list[Resource]]):
        self._gaps = {
            (f"{name.split('.', 1)[0]}.{record.data.get('kind')}", record.region)
            for name, records in inventory.items()
            if name.endswith(f".{INCOMPLETE_KIND}")
            for record in records
        }

    def complete(self, name: str, region: str) -> bool:
        """Whether every ``name`` ("<service>.<kind>") record of ``region`` was listed."""
        return (name, region) not in self._gaps and (name, ALL_REGIONS) not in self._gaps


def _unread_reasons(resource: Resource, reads: dict) -> list[str]:
    """The unread fields behind a verdict on ``resource``: its own, and any of another kind."""
    return sorted(
        {
            f"{field} ({reason})"
            for (owner, kind, field), reason in reads.items()
            if owner == id(resource) or kind != resource.kind
        }
    )


def no_verdict(result: Result, reasons: list[str]) -> Result:
    """A verdict that rested on data that could not be read: MANUAL, saying what to allow."""
    return MANUAL(
        result.resource,
        f"{NO_VERDICT} {result.resource.id}: could not read {'; '.join(reasons)}.",
        result.resource_type,
    )


CHECKS: dict[str, Check] = {}


def _plain(value: Any) -> bool:
    if isinstance(value, (str, int, float, bool, type(None))):
        return True
    if isinstance(value, (tuple, list, frozenset, set)):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(_plain(k) and _plain(v) for k, v in value.items())
    return False


def _source_version(fn: Callable) -> str:
    """Hash of the check's source, plus the plain values it closes over, so a check
    built from a table (one function, many ports) changes version when its row does."""
    try:
        source = inspect.getsource(fn)
    except (OSError, TypeError):
        source = fn.__qualname__
    bound = [cell.cell_contents for cell in (fn.__closure__ or ()) if _plain(_cell_value(cell))]
    bound += [d for d in (fn.__defaults__ or ()) if _plain(d)]
    material = source + repr(bound)
    return f"{__version__}+{hashlib.sha256(material.encode()).hexdigest()[:8]}"


def _cell_value(cell) -> Any:
    try:
        return cell.cell_contents
    except ValueError:  # an empty cell
        return object()


def check(
    *,
    id: str,
    title: str,
    severity: str,
    resource_type: str,
    reads: Iterable[str],
    risk: str,
    remediation: str,
    service: str | None = None,
    config: Iterable[str] = (),
) -> Callable[[Callable[..., Iterable[Result]]], Callable[..., Iterable[Result]]]:
    """Register a check; its service defaults to the module it lives in."""
    if severity not in SEVERITIES:
        raise ValueError(f"check {id}: severity {severity!r} is not one of {SEVERITIES}")
    reads = tuple(reads)
    config_keys = tuple(config)
    unknown = [key for key in config_keys if key not in audit_config()]
    if unknown:
        raise ValueError(f"check {id}: config keys {unknown} are not Prowler audit-config keys")
    for name in reads:
        if "." not in name:
            raise ValueError(f"check {id}: reads entry {name!r} must be '<service>.<kind>'")

    def register(fn: Callable[..., Iterable[Result]]) -> Callable[..., Iterable[Result]]:
        owner = service or fn.__module__.rsplit(".", 1)[-1]
        if id in CHECKS and CHECKS[id].fn.__module__ != fn.__module__:
            raise ValueError(f"check id {id!r} is defined twice")
        CHECKS[id] = Check(
            id=id,
            service=owner,
            title=title,
            severity=severity,
            resource_type=resource_type,
            reads=reads,
            risk=risk.strip(),
            remediation=remediation.strip(),
            fn=fn,
            version=_source_version(fn),
            config_keys=config_keys,
        )
        return fn

    return register


def parse_time(value: Any) -> dt.datetime | None:
    """Inventory timestamps are ISO strings; AWS sometimes says 'N/A' or 'no_information'."""
    if value in (None, "", "N/A", "not_supported", "no_information"):
        return None
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
    try:
        parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


def days_since(value: Any, now: dt.datetime) -> float | None:
    when = parse_time(value)
    return None if when is None else (now - when).total_seconds() / 86400
