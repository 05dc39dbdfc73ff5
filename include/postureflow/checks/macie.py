"""Macie checks."""

from __future__ import annotations

from postureflow.checks._in_use import SCAN_UNUSED, judged, regions_with
from postureflow.checks.base import FAIL, PASS, check


@check(
    id="macie_is_enabled",
    title="Amazon Macie is enabled in the region",
    severity="medium",
    resource_type="Other",
    reads=["macie.sessions", "s3.buckets"],
    config=[SCAN_UNUSED],
    risk="Without Macie, sensitive data stored in S3 (personal data, credentials) and public buckets holding it go "
    "unnoticed.",
    remediation="Enable Macie in every region that holds S3 data (macie2 enable-macie), or resume it if paused.",
)
def macie_is_enabled(sessions, buckets, config, listed):
    # Like Prowler, Macie off is a finding only in regions holding S3 buckets, unless unused resources are
    # scanned; a region whose buckets could not be listed is judged, and so gets no verdict.
    used = regions_with(buckets)
    for session in sessions:
        status = session.get("status")
        if status == "ENABLED":
            yield PASS(session, f"Amazon Macie is enabled in region {session.region}.")
        elif session.readable("status") and not judged(
            config, session.region in used, listed.complete("s3.buckets", session.region)
        ):
            continue
        elif status == "PAUSED":
            yield FAIL(session, f"Amazon Macie is suspended in region {session.region}.")
        else:
            yield FAIL(session, f"Amazon Macie is not enabled in region {session.region}.")


@check(
    id="macie_automated_sensitive_data_discovery_enabled",
    title="Macie automated sensitive data discovery is on",
    severity="high",
    resource_type="Other",
    reads=["macie.sessions"],
    risk="With Macie on but automated discovery off, buckets are only inspected by jobs someone remembers to "
    "run: new buckets with personal data or credentials go unnoticed.",
    remediation="Turn on automated sensitive data discovery (macie2 update-automated-discovery-configuration "
    "--status ENABLED).",
)
def macie_automated_sensitive_data_discovery_enabled(sessions):
    for session in sessions:
        if session.get("status") != "ENABLED":
            continue  # Macie off is macie_is_enabled's finding
        if session.get("automated_discovery_status") == "ENABLED":
            yield PASS(session, f"Macie automated sensitive data discovery is on in region {session.region}.")
        else:
            yield FAIL(session, f"Macie is on in region {session.region} without automated sensitive data discovery.")
