"""Macie checks."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check


@check(
    id="macie_is_enabled",
    title="Amazon Macie is enabled in the region",
    severity="medium",
    resource_type="Other",
    reads=["macie.sessions"],
    risk="Without Macie, sensitive data stored in S3 (personal data, credentials) and public buckets holding it go "
    "unnoticed.",
    remediation="Enable Macie in every region that holds S3 data (macie2 enable-macie), or resume it if paused.",
)
def macie_is_enabled(sessions):
    for session in sessions:
        status = session.get("status")
        if status == "ENABLED":
            yield PASS(session, f"Amazon Macie is enabled in region {session.region}.")
        elif status == "PAUSED":
            yield FAIL(session, f"Amazon Macie is suspended in region {session.region}.")
        else:
            yield FAIL(session, f"Amazon Macie is not enabled in region {session.region}.")
