"""The exit codes of `postureflow scan` (and the demo), decided in one place.

======  ============================================================================
code    meaning
======  ============================================================================
0       the scan read everything it was asked to, and no unmuted FAIL remains
1       an error stopped the command (the message says which)
2       bad usage: an unknown option, service or region, an empty region list
3       FAIL findings remain (Prowler's code; ``-z`` / ``--ignore-exit-code-3`` gives 0)
4       part of the scope could not be read: scan errors (AccessDenied, endpoint
        unreachable, throttling, ...) or failed listings left some service and
        region incomplete, or a service had no inventory. Takes precedence over 3:
        a partial scan's FAIL count is a lower bound, and its PASSes prove nothing
======  ============================================================================
"""

from __future__ import annotations

from typing import Iterable

OK, ERROR, USAGE, FAILED, INCOMPLETE = 0, 1, 2, 3, 4


def scan_exit_code(results: Iterable, ignore_failed: bool = False) -> int:
    """The code for a scan's ServiceResults (``.regions`` region -> status, ``.skipped``, ``.failed``)."""
    from postureflow.scope import COMPLETE

    results = list(results)
    if any(r.skipped or any(status != COMPLETE for status in r.regions.values()) for r in results):
        return INCOMPLETE
    if not ignore_failed and any(r.failed for r in results):
        return FAILED
    return OK
