"""Route 53 checks: hosted zones and registered domains."""

from __future__ import annotations

from postureflow.checks.base import FAIL, MANUAL, NO_VERDICT, PASS, check


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


@check(
    id="route53_dangling_ip_subdomain_takeover",
    title="Route 53 A record does not point at an AWS address the account no longer holds",
    severity="high",
    resource_type="AwsRoute53HostedZone",
    reads=["route53.a_records", "ec2.addresses", "ec2.network_interfaces", "ec2.ebs_encryption_by_default"],
    risk="A record naming an AWS public address the account released (a freed Elastic IP, a stopped "
    "instance's public IP) lets whoever is given that address next serve content, cookies and phishing "
    "pages under the domain.",
    remediation="Delete or update the record, or point it at an alias (load balancer, CloudFront) or an "
    "Elastic IP the account holds.",
)
def route53_dangling_ip_subdomain_takeover(records, addresses, interfaces, ec2_regions, listed):
    """Prowler's rule: a public, non-alias A record whose address is in AWS's published ranges but is
    none of the account's Elastic IPs or network-interface public IPs fails.

    Unlike Prowler, which downloads ip-ranges.json at run time, AWS ownership comes from a local copy
    (audit config ``aws_ip_ranges_file``). Without it an address that is not ours cannot be judged: a PASS
    could hide a dangling record and a FAIL could accuse someone else's server, so it gets no verdict.
    An address in a region's ranges is judged only where ec2 listed that region's Elastic IPs and network
    interfaces completely (Prowler fails it when the scan left that region out)."""
    ours = {a.get("public_ip") for a in addresses} | {i.get("public_ip") for i in interfaces}
    scanned = {r.region for r in ec2_regions}
    for record in records:
        label = f"Route 53 record {record.get('ip')} ({record.get('name')}) in zone {record.get('zone_name')}"
        if record.get("ip") in ours:
            yield PASS(record, f"{label} is an address this account holds.")
            continue
        if not record.get("public_ip"):
            yield PASS(record, f"{label} is a private address, not reachable for a takeover.")
            continue
        regions = record.get("aws_regions")
        if regions is None:
            yield MANUAL(record, f"{NO_VERDICT} {label} is not an address this account holds, and whether AWS "
                                 "owns it is unknown: set aws_ip_ranges_file to a copy of AWS's ip-ranges.json.")  # fmt: skip
            continue
        if not regions:
            yield PASS(record, f"{label} is outside AWS's published ranges (as of {record.get('ip_ranges_created')}).")
            continue
        unseen = [
            r for r in regions
            if r != "GLOBAL" and not (r in scanned and listed.complete("ec2.addresses", r)
                                      and listed.complete("ec2.network_interfaces", r))
        ]  # fmt: skip
        if unseen:
            yield MANUAL(record, f"{NO_VERDICT} {label} is an AWS address of {', '.join(unseen)}, where this scan "
                                 "did not list the account's Elastic IPs and network interfaces.")  # fmt: skip
        else:
            yield FAIL(record, f"{label} is an AWS address ({', '.join(regions)}) this account does not hold: "
                               "a dangling record open to subdomain takeover.")  # fmt: skip
