"""Incident Manager checks."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check


@check(
    id="ssmincidents_enabled_with_plans",
    title="Incident Manager is set up (active replication set) with at least one response plan",
    severity="medium",
    resource_type="Other",
    reads=["ssmincidents.account"],
    risk="Without Incident Manager and response plans, incidents are handled ad hoc: nobody is engaged automatically "
    "and no runbook starts.",
    remediation="Create the Incident Manager replication set and at least one response plan with contacts and runbooks.",
)
def ssmincidents_enabled_with_plans(accounts):
    for account in accounts:
        if not account.get("replication_set"):
            yield FAIL(account, "Incident Manager has no replication set.")
        elif account.get("replication_status") != "ACTIVE":
            yield FAIL(account, f"Incident Manager's replication set is {account.get('replication_status')}, not ACTIVE.")
        elif not account.get("response_plans"):
            yield FAIL(account, "Incident Manager is active but has no response plan.")
        else:
            yield PASS(account, f"Incident Manager is active with {account.get('response_plans')} response plan(s).")
