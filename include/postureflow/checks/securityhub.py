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
        # Either one in use is enough: a readable, non-empty one decides even if the other could not be read.
        in_use = {name: hub.get(name) for name in ("standards", "integrations") if hub.readable(name)}
        if any(in_use.values()):
            counts = " and ".join(f"{len(items or [])} {name}" for name, items in in_use.items())
            yield PASS(hub, f"Security Hub is enabled in {where} with {counts}.")
        else:
            hub.get("standards"), hub.get("integrations")  # an unread one makes this no verdict
            yield FAIL(hub, f"Security Hub is enabled in {where} but has no standard or integration enabled.")
