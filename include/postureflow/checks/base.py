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
ages as of that day). A check makes no API calls and yields one result per
resource it judges; with nothing to judge it yields nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import inspect
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

from postureflow import __version__
from postureflow.collect.base import Resource

SEVERITIES = ("critical", "high", "medium", "low", "informational")
STATUSES = ("PASS", "FAIL", "MANUAL")


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

    @property
    def wants_now(self) -> bool:
        return "now" in inspect.signature(self.fn).parameters

    @property
    def read_services(self) -> set[str]:
        return {name.split(".", 1)[0] for name in self.reads}

    def evaluate(self, inventory: dict[str, list[Resource]], now: dt.datetime) -> Iterator[Result]:
        args = [inventory.get(name, []) for name in self.reads]
        kwargs = {"now": now} if self.wants_now else {}
        for result in self.fn(*args, **kwargs) or ():
            if result.status not in STATUSES:
                raise ValueError(f"check {self.id} returned status {result.status!r}")
            yield result


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
) -> Callable[[Callable[..., Iterable[Result]]], Callable[..., Iterable[Result]]]:
    """Register a check; its service defaults to the module it lives in."""
    if severity not in SEVERITIES:
        raise ValueError(f"check {id}: severity {severity!r} is not one of {SEVERITIES}")
    reads = tuple(reads)
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
