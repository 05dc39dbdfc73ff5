"""Cognito checks: user pools."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check


@check(
    id="cognito_user_pool_advanced_security_enabled",
    title="Cognito user pool enforces threat protection (advanced security) in full-function mode",
    severity="medium",
    resource_type="Other",
    reads=["cognito.user_pools"],
    risk="Without enforced threat protection, sign-ins with leaked credentials or from risky contexts are "
    "neither blocked nor challenged: the pool only watches (audit mode) or does nothing.",
    remediation="Set the user pool's advanced security (threat protection) mode to ENFORCED.",
)
def cognito_user_pool_advanced_security_enabled(user_pools):
    for pool in user_pools:
        mode = pool.get("advanced_security_mode") or "OFF"
        if mode == "ENFORCED":
            yield PASS(pool, f"Cognito user pool {pool.id} enforces advanced security.")
        else:
            yield FAIL(pool, f"Cognito user pool {pool.id} has advanced security mode {mode}, not ENFORCED.")
