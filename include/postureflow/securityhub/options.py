"""Per-account Security Hub forwarding options (the accounts file's ``securityhub:`` block).

::

    securityhub:
      enabled: true            # forward this account's findings (default false: opt in, as with Prowler's -S)
      statuses: fail           # fail: FAIL findings only (default); all: PASS and MANUAL too
      min_severity: low        # forward findings at this severity or above (default informational)
      refresh_days: 30         # resend unchanged active findings after this many days (default 30)

Security Hub deletes an active finding that has not been updated for 90 days,
so an unchanged finding is sent again every ``refresh_days`` (0 turns this off).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Literal, Mapping

SEVERITIES = ("critical", "high", "medium", "low", "informational")  # most severe first
STATUS_MODES = ("fail", "all")
MAX_REFRESH_DAYS = 89  # Security Hub drops active findings not updated for 90 days


class ForwardOptionsError(ValueError):
    """The ``securityhub`` options are not valid; the message names the field."""


def severity_rank(severity: str | None) -> int:
    """0 for critical ... 4 for informational; unknown severities rank as informational."""
    try:
        return SEVERITIES.index(str(severity or "").lower())
    except ValueError:
        return len(SEVERITIES) - 1


@dataclass(frozen=True)
class ForwardOptions:
    enabled: bool = False  # opt-in, like Prowler's --security-hub
    statuses: Literal["fail", "all"] = "fail"
    min_severity: str = "informational"
    refresh_days: int = 30

    def __post_init__(self) -> None:
        if not isinstance(self.enabled, bool):
            raise ForwardOptionsError(f"'enabled' must be true or false, got {self.enabled!r}")
        if not isinstance(self.statuses, str) or self.statuses.lower() not in STATUS_MODES:
            raise ForwardOptionsError(f"'statuses' must be one of {', '.join(STATUS_MODES)}, got {self.statuses!r}")
        if not isinstance(self.min_severity, str) or self.min_severity.lower() not in SEVERITIES:
            raise ForwardOptionsError(
                f"'min_severity' must be one of {', '.join(SEVERITIES)}, got {self.min_severity!r}"
            )
        if (
            isinstance(self.refresh_days, bool)
            or not isinstance(self.refresh_days, int)
            or not 0 <= self.refresh_days <= MAX_REFRESH_DAYS
        ):
            raise ForwardOptionsError(
                f"'refresh_days' must be a whole number from 0 (never) to {MAX_REFRESH_DAYS}, got {self.refresh_days!r}"
            )
        object.__setattr__(self, "statuses", self.statuses.lower())
        object.__setattr__(self, "min_severity", self.min_severity.lower())

    @classmethod
    def from_dict(cls, d: Mapping[str, Any] | None) -> "ForwardOptions":
        """Options from a mapping (None or {} gives the defaults); raise ForwardOptionsError naming the field."""
        if d is None:
            return cls()
        if not isinstance(d, Mapping):
            raise ForwardOptionsError(f"must be a mapping of options, got {type(d).__name__}")
        known = [f.name for f in fields(cls)]
        unknown = sorted(str(k) for k in d if k not in known)
        if unknown:
            raise ForwardOptionsError(f"unknown option(s) {', '.join(unknown)}; known: {', '.join(known)}")
        return cls(**dict(d))

    def wanted_statuses(self) -> tuple[str, ...]:
        return ("FAIL",) if self.statuses == "fail" else ("FAIL", "PASS", "MANUAL")

    def wanted_severities(self) -> tuple[str, ...]:
        return SEVERITIES[: severity_rank(self.min_severity) + 1]

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}
