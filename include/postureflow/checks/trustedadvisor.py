"""Trusted Advisor checks (read through the Support API)."""

from __future__ import annotations

from postureflow.checks.base import FAIL, MANUAL, PASS, check


@check(
    id="trustedadvisor_errors_and_warnings",
    title="Trusted Advisor checks report no errors or warnings",
    severity="medium",
    resource_type="Other",
    reads=["trustedadvisor.account", "trustedadvisor.checks"],
    risk="Trusted Advisor warnings and errors are AWS's own findings about security, fault tolerance and limits that "
    "nobody has acted on.",
    remediation="Review each Trusted Advisor check in warning or error and fix what it reports, or exclude the "
    "flagged resources when the risk is accepted.",
)
def trustedadvisor_errors_and_warnings(accounts, checks):
    for account in accounts:
        if not account.get("premium_support"):
            yield MANUAL(account, "Trusted Advisor checks need a Business, Enterprise On-Ramp or Enterprise Support plan to be read.")
    for advisor_check in checks:
        status = advisor_check.get("status")
        if status == "not_available":
            continue  # nothing in the account the check applies to
        if status == "ok":
            yield PASS(advisor_check, f"Trusted Advisor check {advisor_check.id} is ok.")
        else:
            yield FAIL(advisor_check, f"Trusted Advisor check {advisor_check.id} is in state {status}.")


@check(
    id="trustedadvisor_premium_support_plan_subscribed",
    title="Account has an AWS premium support plan",
    severity="low",
    resource_type="Other",
    reads=["trustedadvisor.account"],
    config=["verify_premium_support_plans"],
    risk="Without a premium plan there is no timely help from AWS during an incident, and most Trusted Advisor checks "
    "cannot be read.",
    remediation="Subscribe to Business, Enterprise On-Ramp or Enterprise Support (or set verify_premium_support_plans "
    "to false where that is a deliberate choice).",
)
def trustedadvisor_premium_support_plan_subscribed(accounts, config):
    if not config["verify_premium_support_plans"]:
        return
    for account in accounts:
        if account.get("premium_support"):
            yield PASS(account, "The account has a premium support plan.")
        else:
            yield FAIL(account, "The account has no premium support plan.")
