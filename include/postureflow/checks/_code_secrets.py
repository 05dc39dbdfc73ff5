"""The verdict of a secret scan of downloaded customer files (postureflow.collect.package_scan)."""

from __future__ import annotations

from postureflow.checks.base import FAIL, MANUAL, PASS, Result
from postureflow.inventory import Resource
from postureflow.secrets import describe_hits


def scan_verdict(resource: Resource, scan: dict, what: str) -> Result:
    """FAIL on any hit; MANUAL when files were left unscanned (over a size or count cap), since a clean
    result with gaps is not "no secrets"; PASS otherwise. ``what``: "Lambda function x code", ..."""
    hits = scan.get("hits") or []
    if hits:
        return FAIL(resource, f"{what} has secret-looking lines: {describe_hits(hits)}.")
    if scan.get("unscanned_count"):
        names = ", ".join(scan.get("unscanned") or [])
        return MANUAL(
            resource,
            f"No verdict: {scan['unscanned_count']} file(s) of {what} were not scanned (over the size or count "
            f"limits): {names}; no secret-looking lines in the rest.",
        )
    return PASS(resource, f"{what} has no secret-looking lines.")
