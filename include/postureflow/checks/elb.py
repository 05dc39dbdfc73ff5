"""ELB checks: Classic Load Balancers."""

from __future__ import annotations

from postureflow.checks.base import FAIL, MANUAL, PASS, check

ENCRYPTED_PROTOCOLS = ("HTTPS", "SSL")


@check(
    id="elb_cross_zone_load_balancing_enabled",
    title="Classic Load Balancer balances across zones",
    severity="medium",
    resource_type="AwsElbLoadBalancer",
    reads=["elb.load_balancers"],
    risk="Without cross-zone load balancing, each zone's nodes only use their own zone's instances, so an "
    "unevenly populated zone overloads and one failing zone's share of traffic fails with it.",
    remediation="Enable the CrossZoneLoadBalancing attribute of the load balancer.",
)
def elb_cross_zone_load_balancing_enabled(load_balancers):
    for lb in load_balancers:
        if lb.get("cross_zone_enabled"):
            yield PASS(lb, f"Classic Load Balancer {lb.id} has cross-zone load balancing enabled.")
        else:
            yield FAIL(lb, f"Classic Load Balancer {lb.id} does not have cross-zone load balancing enabled.")


@check(
    id="elb_is_in_multiple_az",
    title="Classic Load Balancer spans multiple Availability Zones",
    severity="medium",
    resource_type="AwsElbLoadBalancer",
    reads=["elb.load_balancers"],
    config=["elb_min_azs"],
    risk="A load balancer in a single Availability Zone goes down with that zone.",
    remediation="Enable at least two Availability Zones (elb_min_azs; or subnets in two zones) for the load balancer.",
)
def elb_is_in_multiple_az(load_balancers, config):
    for lb in load_balancers:
        zones = lb.get("availability_zones") or []
        if len(zones) >= config["elb_min_azs"]:
            yield PASS(lb, f"Classic Load Balancer {lb.id} spans {len(zones)} Availability Zones: {', '.join(zones)}.")
        else:
            yield FAIL(
                lb,
                f"Classic Load Balancer {lb.id} is in {len(zones)} Availability Zone(s): {', '.join(zones) or 'none'}.",
            )


@check(
    id="elb_logging_enabled",
    title="Classic Load Balancer writes access logs to S3",
    severity="medium",
    resource_type="AwsElbLoadBalancer",
    reads=["elb.load_balancers"],
    risk="Without access logs there is no record of the requests a load balancer served, for incident "
    "response or for spotting attacks.",
    remediation="Enable the AccessLog attribute of the load balancer with an S3 bucket it may write to.",
)
def elb_logging_enabled(load_balancers):
    for lb in load_balancers:
        if lb.get("access_logs_enabled"):
            yield PASS(lb, f"Classic Load Balancer {lb.id} writes access logs to S3.")
        else:
            yield FAIL(lb, f"Classic Load Balancer {lb.id} does not write access logs.")


@check(
    id="elb_ssl_listeners",
    title="Classic Load Balancer listens only on HTTPS or SSL",
    severity="medium",
    resource_type="AwsElbLoadBalancer",
    reads=["elb.load_balancers"],
    risk="Traffic over a plain HTTP or TCP listener can be read and altered in transit.",
    remediation="Replace HTTP and TCP listeners with HTTPS or SSL listeners that use a certificate from ACM.",
)
def elb_ssl_listeners(load_balancers):
    for lb in load_balancers:
        listeners = lb.get("listeners") or []
        if not listeners:
            continue
        plain = [
            f"{listener.get('protocol')}:{listener.get('port')}"
            for listener in listeners
            if str(listener.get("protocol")).upper() not in ENCRYPTED_PROTOCOLS
        ]
        if plain:
            yield FAIL(lb, f"Classic Load Balancer {lb.id} has unencrypted listeners: {', '.join(plain)}.")
        else:
            yield PASS(lb, f"Classic Load Balancer {lb.id} listens only on HTTPS or SSL.")


@check(
    id="elb_connection_draining_enabled",
    title="Classic Load Balancer has connection draining enabled",
    severity="medium",
    resource_type="AwsElbLoadBalancer",
    reads=["elb.load_balancers"],
    risk="Without connection draining, requests in flight to an instance being deregistered or failing health "
    "checks are cut off, so deployments and scale-in drop user requests.",
    remediation="Enable the ConnectionDraining attribute with a timeout long enough for requests to finish.",
)
def elb_connection_draining_enabled(load_balancers):
    for lb in load_balancers:
        if lb.get("connection_draining_enabled"):
            yield PASS(lb, f"Classic Load Balancer {lb.id} has connection draining enabled.")
        else:
            yield FAIL(lb, f"Classic Load Balancer {lb.id} does not have connection draining enabled.")


# Modes that block requests AWS classifies as ambiguous or worse; "monitor" forwards them all.
SAFE_DESYNC_MODES = ("defensive", "strictest")
KNOWN_DESYNC_MODES = (*SAFE_DESYNC_MODES, "monitor")


@check(
    id="elb_desync_mitigation_mode",
    title="Classic Load Balancer desync mitigation mode is defensive or strictest",
    severity="medium",
    resource_type="AwsElbLoadBalancer",
    reads=["elb.load_balancers"],
    risk="In monitor mode the load balancer forwards ambiguous requests, leaving the instances behind it open "
    "to HTTP request smuggling (desync) attacks.",
    remediation="Set the elb.http.desyncmitigationmode attribute to defensive (AWS's default) or strictest.",
)
def elb_desync_mitigation_mode(load_balancers):
    for lb in load_balancers:
        mode = lb.get("desync_mitigation_mode")
        if mode in SAFE_DESYNC_MODES:
            yield PASS(lb, f"Classic Load Balancer {lb.id} has desync mitigation mode {mode}.")
        elif mode in KNOWN_DESYNC_MODES:
            yield FAIL(lb, f"Classic Load Balancer {lb.id} has desync mitigation mode {mode}.")
        else:
            # Prowler FAILs a mode it does not know (or none reported); that is no evidence of weakness.
            yield MANUAL(lb, f"No verdict: Classic Load Balancer {lb.id} reports desync mitigation mode {mode!r}.")


# Predefined Classic policies allowing TLS 1.2 only, with no weak cipher.
SECURE_CLASSIC_POLICIES = ("ELBSecurityPolicy-TLS-1-2-2017-01",)
INSECURE_PROTOCOLS = ("Protocol-SSLv2", "Protocol-SSLv3", "Protocol-TLSv1", "Protocol-TLSv1.1")
# Cipher name fragments OpenSSL uses for broken or export-grade suites.
WEAK_CIPHER_MARKS = ("RC4", "DES", "NULL", "EXP", "MD5", "ADH", "AECDH", "PSK")
# What ELB negotiates with on an HTTPS/SSL listener given no policy (AWS: it allows TLS 1.0).
CLASSIC_DEFAULT_POLICY = "ELBSecurityPolicy-2016-08"


def _policy_weakness(policy: dict) -> str | None:
    """Why an SSL negotiation policy is weak, or None. Enabled options are authoritative when listed
    (AWS lists every option of a policy, also of one created from a predefined reference)."""
    enabled = policy.get("enabled") or []
    if any(o.startswith("Protocol-") for o in enabled):
        weak = [o for o in enabled if o in INSECURE_PROTOCOLS]
        weak += [o for o in enabled if not o.startswith("Protocol-") and any(m in o for m in WEAK_CIPHER_MARKS)]
        return f"enables {', '.join(weak)}" if weak else None
    reference = policy.get("reference")
    if reference in SECURE_CLASSIC_POLICIES:
        return None
    return f"follows {reference}, which allows protocols older than TLS 1.2" if reference else "enables no protocol"


@check(
    id="elb_insecure_ssl_ciphers",
    title="Classic Load Balancer HTTPS/SSL listeners negotiate TLS 1.2 only, with no weak cipher",
    severity="medium",
    resource_type="AwsElbLoadBalancer",
    reads=["elb.load_balancers"],
    risk="Listeners that accept SSLv3, TLS 1.0/1.1 or weak ciphers let an attacker on the path downgrade and "
    "decrypt or tamper with client traffic.",
    remediation="Set each HTTPS/SSL listener's policy to ELBSecurityPolicy-TLS-1-2-2017-01 (or a custom policy "
    "with TLS 1.2 only and strong ciphers).",
)
def elb_insecure_ssl_ciphers(load_balancers):
    # Prowler looks for the policy name ELBSecurityPolicy-TLS-1-2-2017-01 among the listener's policies of
    # HTTPS listeners only: a custom-named policy with the same settings FAILs and an SSL (TCP+TLS) listener
    # is never looked at. This judges what the policy enables, on HTTPS and SSL listeners.
    for lb in load_balancers:
        tls = [lst for lst in lb.get("listeners") or [] if str(lst.get("protocol")).upper() in ENCRYPTED_PROTOCOLS]
        if not tls:
            continue
        policies = lb.get("ssl_policies") or {}
        problems = []
        for listener in tls:
            names = [n for n in listener.get("policy_names") or [] if n in policies]
            where = f"{listener.get('protocol')}:{listener.get('port')}"
            if not names:
                problems.append(f"{where} has no SSL negotiation policy (ELB applies {CLASSIC_DEFAULT_POLICY})")
            for name in names:
                weakness = _policy_weakness(policies[name])
                if weakness:
                    problems.append(f"{where} policy {name} {weakness}")
        if problems:
            yield FAIL(lb, f"Classic Load Balancer {lb.id} negotiates weak TLS: {'; '.join(problems)}.")
        else:
            yield PASS(lb, f"Classic Load Balancer {lb.id} negotiates TLS 1.2 only, with strong ciphers.")


@check(
    id="elb_internet_facing",
    title="Classic Load Balancer is internal (not internet-facing)",
    severity="medium",
    resource_type="AwsElbLoadBalancer",
    reads=["elb.load_balancers"],
    risk="An internet-facing load balancer exposes the instances behind it to anyone on the internet; one that "
    "should only serve internal clients widens the attack surface for nothing.",
    remediation="Recreate load balancers that serve only internal clients with the internal scheme; keep "
    "internet-facing ones behind a WAF and tight security groups.",
)
def elb_internet_facing(load_balancers):
    for lb in load_balancers:
        if lb.get("scheme") == "internet-facing":
            yield FAIL(lb, f"Classic Load Balancer {lb.id} is internet-facing at {lb.get('dns_name')}.")
        else:
            yield PASS(lb, f"Classic Load Balancer {lb.id} is internal.")


@check(
    id="elb_ssl_listeners_use_acm_certificate",
    title="Classic Load Balancer HTTPS/SSL listeners use certificates issued by ACM",
    severity="medium",
    resource_type="AwsElbLoadBalancer",
    reads=["elb.load_balancers", "acm.certificates"],
    risk="Certificates uploaded to IAM or imported into ACM are not renewed by AWS: they expire unnoticed and "
    "their private keys were handled outside AWS.",
    remediation="Request a certificate from ACM (DNS-validated, renewed automatically) and set it on the listener.",
)
def elb_ssl_listeners_use_acm_certificate(load_balancers, certificates):
    issued = {c.uid: c for c in certificates}
    for lb in load_balancers:
        tls = [lst for lst in lb.get("listeners") or [] if str(lst.get("protocol")).upper() in ENCRYPTED_PROTOCOLS]
        if not tls:
            continue
        problems, unseen = [], []
        for listener in tls:
            arn = str(listener.get("certificate_id") or "")
            where = f"{listener.get('protocol')}:{listener.get('port')}"
            if ":acm:" not in arn:
                problems.append(f"{where} uses {arn or 'no certificate'} (not from ACM)")
            elif arn not in issued:
                unseen.append(arn)
            elif issued[arn].get("type") != "AMAZON_ISSUED":
                problems.append(f"{where} uses ACM certificate {arn} of type {issued[arn].get('type')}")
        if problems:
            yield FAIL(lb, f"Classic Load Balancer {lb.id} has listeners without ACM-issued certificates: "
                       f"{'; '.join(problems)}.")  # fmt: skip
        elif unseen:
            # Prowler FAILs a certificate missing from ACM's listing; it is unknown, not proven bad.
            yield MANUAL(lb, f"No verdict: Classic Load Balancer {lb.id}: certificate(s) {', '.join(unseen)} not "
                         "in the ACM inventory.")  # fmt: skip
        else:
            yield PASS(lb, f"Classic Load Balancer {lb.id} uses ACM-issued certificates on all HTTPS/SSL listeners.")
