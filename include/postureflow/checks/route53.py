"""Route 53 checks: registered domains."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check


@check(
    id="route53_domains_transferlock_enabled",
    title="Route 53 registered domain has transfer lock enabled",
    severity="high",
    resource_type="Other",
    reads=["route53.domains"],
    risk="Without a transfer lock, a domain can be moved to another registrar (and out of your control) "
    "by anyone who obtains the authorization code or fools the registrar.",
    remediation="Enable the transfer lock on the domain (EnableDomainTransferLock).",
)
def route53_domains_transferlock_enabled(domains):
    for domain in domains:
        locked = domain.get("transfer_lock")
        if locked is None:
            continue
        if locked:
            yield PASS(domain, f"Route 53 domain {domain.id} has transfer lock enabled.")
        else:
            yield FAIL(domain, f"Route 53 domain {domain.id} does not have transfer lock enabled.")
