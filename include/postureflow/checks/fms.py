"""Firewall Manager checks."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check


@check(
    id="fms_policy_compliant",
    title="Every Firewall Manager policy is compliant in every member account",
    severity="medium",
    resource_type="Other",
    reads=["fms.administrator"],
    risk="A non-compliant account lacks the WAF rules, security groups or network firewall the organization's "
    "policy requires.",
    remediation="Let Firewall Manager remediate the non-compliant resources (auto-remediation) or fix them by hand.",
)
def fms_policy_compliant(administrators):
    for administrator in administrators:
        policies = administrator.get("policies") or []
        if not policies:
            yield FAIL(administrator, "Firewall Manager is administered from this account but has no policy.")
            continue
        failing = [f"{p['name']} in {account}" for p in policies for account, status in p["accounts"].items()
                   if status != "COMPLIANT"]  # fmt: skip
        if failing:
            yield FAIL(administrator, f"Firewall Manager policies are not compliant: {', '.join(failing[:5])}.")
        else:
            yield PASS(administrator, f"All {len(policies)} Firewall Manager policies are compliant in every account.")
