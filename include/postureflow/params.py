"""A scan DAG run's Params (``regions``, ``services``), validated before anything runs.

Params arrive from the UI, ``airflow dags trigger -c '{...}'`` or a backfill's
conf, so they are not always the shape the DAG declared: a string
``"us-east-1,eu-west-1"`` (or space separated) is split into names, never
iterated character by character; ``"all"`` means every enabled region; an
unknown region or service, or an empty list, is an error naming the valid
choices, raised before any AWS call.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

if TYPE_CHECKING:
    from postureflow.accounts import Account

ALL = "all"


class ParamsError(ValueError):
    """A run's Params cannot be used; the message names the param and the valid choices."""


def split_names(value: Any) -> Any:
    """``"a, b c"`` -> ``["a", "b", "c"]``; lists pass through (their items split too)."""
    if isinstance(value, str):
        return [part for part in re.split(r"[\s,]+", value) if part]
    if isinstance(value, (list, tuple)):
        return [part for item in value for part in (split_names(item) if isinstance(item, str) else [item])]
    return value


class RunParams(BaseModel):
    """The Params of one run; None means "the account's own selection"."""

    model_config = ConfigDict(extra="ignore")

    regions: list[str] | None = None  # ["all"]: every enabled region
    services: list[str] | None = None

    @field_validator("regions", "services", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        return split_names(value)


@dataclass(frozen=True)
class Selection:
    """What a run scans: ``regions`` is ``"all"`` or a list of region names."""

    regions: str | list[str]
    services: list[str]


def _unknown(names: Iterable[str], known: Iterable[str]) -> list[str]:
    known = set(known)
    return [n for n in names if n not in known]


def selection(params: dict | None, account: "Account") -> Selection:
    """The run's regions and services from its Params, falling back to the account's; raise ParamsError."""
    from postureflow.accounts import check_regions
    from postureflow.engine import all_services

    params = dict(params or {})
    try:
        parsed = RunParams.model_validate(params)
    except ValidationError as err:
        problem = err.errors()[0]
        name = ".".join(str(p) for p in problem["loc"])
        raise ParamsError(f"param '{name}': {problem['msg']} (got {problem.get('input')!r})") from None

    if parsed.regions is None:
        regions: str | list[str] = list(account.regions) if account.regions else ALL
    elif parsed.regions == [ALL]:
        regions = ALL
    elif not parsed.regions:
        raise ParamsError("param 'regions' is empty; give region names or \"all\"")
    else:
        try:
            check_regions(parsed.regions)
        except ValueError as err:
            raise ParamsError(f"param 'regions': {err}") from None
        regions = list(dict.fromkeys(parsed.regions))

    if parsed.services is None:
        services = list(account.services())
    elif not parsed.services:
        raise ParamsError("param 'services' is empty; give service names, or leave it out for the account's services")
    else:
        known = all_services()
        bad = _unknown(parsed.services, known)
        if bad:
            raise ParamsError(f"param 'services': unknown service(s) {', '.join(bad)}; known: {', '.join(known)}")
        services = list(dict.fromkeys(parsed.services))
    return Selection(regions=regions, services=services)
