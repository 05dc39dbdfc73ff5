"""Route 53 checks: hosted zones and registered domains."""

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
        if domain.get("transfer_lock"):
            yield PASS(domain, f"Route 53 domain {domain.id} has transfer lock enabled.")
        else:
            yield FAIL(domain, f"Route 53 domain {domain.id} does not have transfer lock enabled.")


@check(
    id="route53_domains_privacy_protection_enabled",
    title="Route 53 registered domain hides its administrative contact details",
    severity="medium",
    resource_type="Other",
    reads=["route53.domains"],
    risk="Public WHOIS contact details hand attackers names, e-mail addresses and phone numbers for phishing and "
    "social engineering against the registrar and the domain's owners.",
    remediation="Turn on privacy protection for the domain's contacts (aws route53domains "
    "update-domain-contact-privacy --admin-privacy --registrant-privacy --tech-privacy).",
)
def route53_domains_privacy_protection_enabled(domains):
    for domain in domains:
        if domain.get("admin_privacy"):
            yield PASS(domain, f"Route 53 domain {domain.id} hides its administrative contact details.")
        else:
            yield FAIL(domain, f"Route 53 domain {domain.id} publishes its administrative contact details.")


@check(
    id="route53_public_hosted_zones_cloudwatch_logging_enabled",
    title="Route 53 public hosted zone logs DNS queries to CloudWatch Logs",
    severity="medium",
    resource_type="AwsRoute53HostedZone",
    reads=["route53.hosted_zones"],
    risk="Without query logs there is no record of who resolved which names, which hides reconnaissance, DNS "
    "tunnelling and the use of hijacked or stale records.",
    remediation="Create a query logging configuration for the zone "
    "(aws route53 create-query-logging-config) delivering to a log group in us-east-1.",
)
def route53_public_hosted_zones_cloudwatch_logging_enabled(zones):
    for zone in zones:
        if zone.get("private"):
            continue
        label = f"Route 53 public hosted zone {zone.get('name') or zone.id} ({zone.id})"
        group = zone.get("query_log_group")
        if group:
            yield PASS(zone, f"{label} logs queries to {group}.")
        else:
            yield FAIL(zone, f"{label} does not log queries.")
