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


@check(
    id="securityhub_delegated_admin_enabled_all_regions",
    title="Security Hub has a delegated administrator, is on and auto-enables new accounts in every region",
    severity="high",
    resource_type="AwsSecurityHubHub",
    reads=["securityhub.hubs"],
    risk="Without a delegated administrator and auto-enable, findings of member accounts and of new accounts "
    "are not gathered centrally; a region where the hub is off is not watched at all.",
    remediation="From the management account designate a delegated administrator (securityhub "
    "enable-organization-admin-account), enable Security Hub in every region and turn on AutoEnable "
    "(securityhub update-organization-configuration --auto-enable).",
)
def securityhub_delegated_admin_enabled_all_regions(hubs):
    # As Prowler, region by region. Its "lookup failed" cases (not the management or delegated administrator
    # account) are no verdict here as soon as the unread value would decide; a hub that is off is a FAIL anyway.
    for hub in hubs:
        where = f"region {hub.region}"
        if not hub.get("enabled"):
            yield FAIL(hub, f"Security Hub is not enabled in {where}.")
            continue
        issues = []
        if not hub.get("delegated_admins"):
            issues.append("no delegated administrator")
        if not hub.get("organization_auto_enable"):
            issues.append("new organization accounts are not auto-enabled")
        if issues:
            yield FAIL(hub, f"Security Hub in {where} has {' and '.join(issues)}.")
        else:
            admins = ", ".join(hub.get("delegated_admins"))
            yield PASS(hub, f"Security Hub in {where} is on, delegated to {admins} and auto-enables new accounts.")
