"""The dashboard's query parameters, declared: one pydantic model per page (FastAPI parses and
validates them; a bad value is a 400 naming the parameter)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from postureflow.dashboard.data import DEFAULT_PAGE_SIZE, PAGE_SIZES, REQUIREMENT_STATUSES, FindingFilter


def _clean(values: list[str]) -> list[str]:
    return [v.strip() for v in values if v and v.strip()]


def _date(value: str | None) -> dt.date | None:
    if value is None or not value.strip() or value.strip() == "latest":
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError as err:
        raise ValueError(f"date must be YYYY-MM-DD or latest, got {value!r}") from err


class _Query(BaseModel):
    model_config = ConfigDict(extra="ignore")  # unknown parameters (cache busters, ...) are ignored


class DateQuery(_Query):
    date: str | None = None

    @field_validator("date")
    @classmethod
    def _valid_date(cls, value: str | None) -> str | None:
        _date(value)
        return value

    @property
    def day(self) -> dt.date | None:
        return _date(self.date)


class FindingQuery(DateQuery):
    account: list[str] = []
    region: list[str] = []
    service: list[str] = []
    severity: list[str] = []
    status: list[str] = []
    check: list[str] = []
    muted: Literal["true", "false", "any", "yes", "no", "1", "0", ""] | None = None
    q: str = ""

    def filter(self) -> FindingFilter:
        muted = None if self.muted in (None, "", "any") else self.muted in ("true", "yes", "1")
        return FindingFilter(account=_clean(self.account), region=_clean(self.region), service=_clean(self.service),
                             severity=_clean(self.severity), status=_clean(self.status), check=_clean(self.check),
                             muted=muted, q=self.q, date=self.day)


class ExplorerQuery(FindingQuery):
    page: int = Field(default=1, ge=1)
    page_size: int = DEFAULT_PAGE_SIZE

    @field_validator("page_size")
    @classmethod
    def _size(cls, value: int) -> int:
        if value not in PAGE_SIZES:
            raise ValueError(f"page_size must be one of {', '.join(map(str, PAGE_SIZES))}")
        return value


class AccountQuery(_Query):
    account: str | None = None

    @field_validator("account")
    @classmethod
    def _blank(cls, value: str | None) -> str | None:
        return value.strip() if value and value.strip() else None


class FrameworkQuery(DateQuery, AccountQuery):
    status: list[str] = []

    @field_validator("status")
    @classmethod
    def _statuses(cls, value: list[str]) -> list[str]:
        value = _clean(value)
        bad = [s for s in value if s not in REQUIREMENT_STATUSES]
        if bad:
            raise ValueError(f"status must be one of {', '.join(REQUIREMENT_STATUSES)}, got {', '.join(bad)}")
        return value


class ChangesQuery(DateQuery, AccountQuery):
    pass


class InventoryQuery(_Query):
    q: str = ""
    account: list[str] = []
    service: list[str] = []


class MuteForm(_Query):
    reason: str = Field(default="", max_length=500)
