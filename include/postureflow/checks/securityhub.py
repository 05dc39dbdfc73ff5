"""Security Hub checks (only whether it is on; forwarding findings to it lives elsewhere)."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check


@check(
    id="securityhub_enabled",
    title="Security Hub is enabled with standards or integrations",
    severity="high",
    resource_type="Other",
    reads=["securityhub.hubs"],
    risk="Without Security Hub there is no single place where security findings of the region are gathered, "
    "prioritised and acted on.",
    remediation="Enable Security Hub in every region (securityhub enable-security-hub) with at least one security "
    "standard or product integration.",
)
def securityhub_enabled(hubs):
    for hub in hubs:
        where = f"region {hub.region}"
        if not hub.get("enabled"):
            yield FAIL(hub, f"Security Hub is not enabled in {where}.")
            continue
        standards, integrations = hub.get("standards"), hub.get("integrations")
        if standards is None and integrations is None:
            yield PASS(hub, f"Security Hub is enabled in {where}; its standards and integrations could not be read.")
        elif standards or integrations:
            yield PASS(
                hub,
                f"Security Hub is enabled in {where} with {len(standards or [])} standard(s) and "
                f"{len(integrations or [])} integration(s).",
            )
        else:
            yield FAIL(hub, f"Security Hub is enabled in {where} but has no standard or integration enabled.")
