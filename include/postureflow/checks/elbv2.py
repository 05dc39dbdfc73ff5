"""ELBv2 checks: Application, Network and Gateway Load Balancers."""

from __future__ import annotations

import re

from postureflow.checks.base import FAIL, MANUAL, PASS, check
from postureflow.checks.ec2_securitygroups import _internet_rules

# Desync mitigation modes that block requests AWS classifies as ambiguous or worse; "monitor" does not.
SAFE_DESYNC_MODES = ("defensive", "strictest")
UNSAFE_DESYNC_MODES = ("monitor",)
# Listener protocols that carry plaintext HTTP.
PLAINTEXT_HTTP = "HTTP"


def _albs(load_balancers):
    return [lb for lb in load_balancers if lb.get("type") == "application"]


def _label(lb) -> str:
    kind = {"application": "ALB", "network": "NLB", "gateway": "GWLB"}.get(lb.get("type"), "load balancer")
    return f"ELBv2 {kind} {lb.id}"


@check(
    id="elbv2_alb_drop_invalid_header_fields_enabled",
    title="Application Load Balancer drops invalid HTTP header fields",
    severity="medium",
    resource_type="AwsElbv2LoadBalancer",
    reads=["elbv2.load_balancers"],
    risk="Headers with invalid characters pass through to targets, where they can be used for request "
    "smuggling or header-injection attacks against the application.",
    remediation="Set the load balancer attribute routing.http.drop_invalid_header_fields.enabled to true.",
)
def elbv2_alb_drop_invalid_header_fields_enabled(load_balancers):
    for lb in _albs(load_balancers):
        if lb.get("drop_invalid_header_fields"):
            yield PASS(lb, f"{_label(lb)} drops HTTP headers with invalid fields.")
        else:
            yield FAIL(lb, f"{_label(lb)} forwards HTTP headers with invalid fields to its targets.")


@check(
    id="elbv2_deletion_protection",
    title="ELBv2 load balancer has deletion protection enabled",
    severity="medium",
    resource_type="AwsElbv2LoadBalancer",
    reads=["elbv2.load_balancers"],
    risk="A load balancer without deletion protection can be removed by one mistaken or malicious call, "
    "taking the application it fronts offline.",
    remediation="Set the load balancer attribute deletion_protection.enabled to true.",
)
def elbv2_deletion_protection(load_balancers):
    for lb in load_balancers:
        if lb.get("deletion_protection"):
            yield PASS(lb, f"{_label(lb)} has deletion protection enabled.")
        else:
            yield FAIL(lb, f"{_label(lb)} does not have deletion protection enabled.")


@check(
    id="elbv2_desync_mitigation_mode",
    title="Application Load Balancer mitigates HTTP desync (defensive or strictest mode, or drops invalid headers)",
    severity="medium",
    resource_type="AwsElbv2LoadBalancer",
    reads=["elbv2.load_balancers"],
    risk="In monitor mode an ALB forwards ambiguous requests, leaving targets open to HTTP request "
    "smuggling (desync) attacks.",
    remediation="Set routing.http.desync_mitigation_mode to defensive or strictest (or at least drop invalid "
    "header fields).",
)
def elbv2_desync_mitigation_mode(load_balancers):
    for lb in _albs(load_balancers):
        mode = lb.get("desync_mitigation_mode")
        if mode in SAFE_DESYNC_MODES:
            yield PASS(lb, f"{_label(lb)} has desync mitigation mode {mode}.")
        elif lb.get("drop_invalid_header_fields"):
            yield PASS(lb, f"{_label(lb)} has desync mitigation mode {mode} but drops invalid header fields.")
        elif mode in UNSAFE_DESYNC_MODES:
            yield FAIL(lb, f"{_label(lb)} has desync mitigation mode {mode} and does not drop invalid header fields.")
        else:
            # A mode this check does not know (or none reported) is not evidence of weakness: no verdict.
            yield MANUAL(lb, f"No verdict: {_label(lb)} reports desync mitigation mode {mode!r}, which is not a "
                         "mode this check knows; it does not drop invalid header fields.")  # fmt: skip


@check(
    id="elbv2_is_in_multiple_az",
    title="ELBv2 load balancer spans multiple Availability Zones",
    severity="medium",
    resource_type="AwsElbv2LoadBalancer",
    reads=["elbv2.load_balancers"],
    config=["elbv2_min_azs"],
    risk="A load balancer in a single Availability Zone goes down with that zone.",
    remediation="Attach subnets in at least two Availability Zones (elbv2_min_azs) to the load balancer.",
)
def elbv2_is_in_multiple_az(load_balancers, config):
    for lb in load_balancers:
        zones = lb.get("availability_zones") or []
        if len(zones) >= config["elbv2_min_azs"]:
            yield PASS(lb, f"{_label(lb)} spans {len(zones)} Availability Zones: {', '.join(zones)}.")
        else:
            yield FAIL(lb, f"{_label(lb)} is in {len(zones)} Availability Zone(s): {', '.join(zones) or 'none'}.")


@check(
    id="elbv2_logging_enabled",
    title="ELBv2 load balancer writes access logs to S3",
    severity="medium",
    resource_type="AwsElbv2LoadBalancer",
    reads=["elbv2.load_balancers"],
    risk="Without access logs there is no record of the requests a load balancer served, for incident "
    "response or for spotting attacks.",
    remediation="Set access_logs.s3.enabled to true and access_logs.s3.bucket to a bucket the load balancer "
    "may write to.",
)
def elbv2_logging_enabled(load_balancers):
    # Gateway Load Balancers have no access logs to turn on.
    for lb in load_balancers:
        if lb.get("type") == "gateway":
            continue
        if lb.get("access_logs_enabled"):
            yield PASS(lb, f"{_label(lb)} writes access logs to S3 bucket {lb.get('access_logs_bucket')}.")
        else:
            yield FAIL(lb, f"{_label(lb)} does not write access logs.")


def _redirects_to_https(listener: dict) -> bool:
    return any(
        a.get("type") == "redirect" and a.get("redirect_protocol") == "HTTPS"
        for a in listener.get("default_actions") or []
    )


@check(
    id="elbv2_ssl_listeners",
    title="Application Load Balancer listeners use HTTPS or redirect HTTP to HTTPS",
    severity="medium",
    resource_type="AwsElbv2LoadBalancer",
    reads=["elbv2.load_balancers"],
    risk="Traffic over a plain HTTP listener can be read and altered in transit.",
    remediation="Serve through HTTPS listeners and make every HTTP listener's default action a redirect to HTTPS.",
)
def elbv2_ssl_listeners(load_balancers):
    for lb in _albs(load_balancers):
        if lb.lacks("listeners"):
            continue
        listeners = lb.get("listeners") or []
        plain = [
            str(listener.get("port"))
            for listener in listeners
            if listener.get("protocol") == PLAINTEXT_HTTP and not _redirects_to_https(listener)
        ]
        if plain:
            yield FAIL(
                lb, f"{_label(lb)} serves plain HTTP without redirecting to HTTPS on port(s) {', '.join(plain)}."
            )
        else:
            yield PASS(lb, f"{_label(lb)} listens only on HTTPS or redirects HTTP to HTTPS.")


@check(
    id="elbv2_waf_acl_attached",
    title="Application Load Balancer is protected by a WAF web ACL",
    severity="medium",
    resource_type="AwsElbv2LoadBalancer",
    reads=["elbv2.load_balancers", "wafv2.web_acls", "waf.regional_web_acls"],
    risk="Without a web ACL, common web exploits (SQL injection, cross-site scripting, bad bots) reach the "
    "application unfiltered.",
    remediation="Associate an AWS WAF web ACL with the Application Load Balancer.",
)
def elbv2_waf_acl_attached(load_balancers, web_acls, classic_web_acls):
    protected: dict[str, str] = {}
    for acl in [*classic_web_acls, *web_acls]:
        for arn in acl.get("load_balancer_arns") or []:
            protected.setdefault(arn, acl.id)
    for lb in _albs(load_balancers):
        if lb.uid in protected:
            yield PASS(lb, f"{_label(lb)} is protected by WAF web ACL {protected[lb.uid]}.")
        else:
            yield FAIL(lb, f"{_label(lb)} is not protected by any WAF web ACL.")


# -- issue 12: cross-zone, TLS policies, exposure, listeners --------------------------------------------

TLS_PROTOCOLS = ("HTTPS", "TLS")
# Predefined policies whose minimum is TLS 1.2 (or 1.3): ELBSecurityPolicy-TLS-1-2-..., -FS-1-2-...,
# -TLS13-1-2-..., -TLS13-1-3-... . The rest (2016-08, TLS-1-1, FS-1-1, TLS13-1-0/1-1, ...) allow TLS 1.0/1.1.
TLS12_MINIMUM = re.compile(r"^ELBSecurityPolicy-(?:TLS|FS|TLS13)-1-[23]-")


def _tls_listeners(lb) -> list[dict]:
    return [listener for listener in lb.get("listeners") or [] if listener.get("protocol") in TLS_PROTOCOLS]


def _listener_label(listener: dict) -> str:
    return f"{listener.get('protocol')}:{listener.get('port')} ({listener.get('ssl_policy') or 'no policy'})"


def _policy_check(load_balancers, allowed, what: str):
    """PASS when every HTTPS/TLS listener's policy passes ``allowed``; load balancers without one are not judged."""
    for lb in load_balancers:
        listeners = _tls_listeners(lb)
        if not listeners and lb.readable("listeners"):
            continue
        off = [_listener_label(listener) for listener in listeners if not allowed(listener.get("ssl_policy") or "")]
        if off:
            yield FAIL(lb, f"{_label(lb)} has HTTPS/TLS listeners without {what}: {', '.join(off)}.")
        else:
            yield PASS(lb, f"{_label(lb)} uses {what} on every HTTPS/TLS listener.")


@check(
    id="elbv2_cross_zone_load_balancing_enabled",
    title="ELBv2 Network or Gateway Load Balancer has cross-zone load balancing enabled",
    severity="medium",
    resource_type="AwsElbv2LoadBalancer",
    reads=["elbv2.load_balancers"],
    risk="Without cross-zone load balancing each zone's node sends traffic only to its own zone's targets, so "
    "uneven target counts overload some targets and a zone losing its targets drops its share of traffic.",
    remediation="Set the load balancer attribute load_balancing.cross_zone.enabled to true.",
)
def elbv2_cross_zone_load_balancing_enabled(load_balancers):
    # Application Load Balancers always balance across zones: only NLBs and GWLBs are judged.
    for lb in load_balancers:
        if lb.get("type") == "application":
            continue
        if lb.get("cross_zone_enabled"):
            yield PASS(lb, f"{_label(lb)} has cross-zone load balancing enabled.")
        else:
            yield FAIL(lb, f"{_label(lb)} does not have cross-zone load balancing enabled.")


@check(
    id="elbv2_insecure_ssl_ciphers",
    title="ELBv2 HTTPS/TLS listeners use a security policy allowing TLS 1.2 or later only",
    severity="medium",
    resource_type="AwsElbv2LoadBalancer",
    reads=["elbv2.load_balancers"],
    risk="Policies that still allow TLS 1.0/1.1 and their CBC-SHA1 ciphers let an attacker on the path "
    "downgrade connections to protocols with known weaknesses.",
    remediation="Set each HTTPS/TLS listener's SslPolicy to a TLS 1.2+ policy, e.g. "
    "ELBSecurityPolicy-TLS13-1-2-2021-06 (AWS's recommended default).",
)
def elbv2_insecure_ssl_ciphers(load_balancers):
    # Prowler keeps a list of allowed names, HTTPS only: it FAILs TLS 1.2+ policies missing from its list
    # (ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04 and the other 2023 FIPS ones) and never looks at NLB TLS
    # listeners. AWS names each predefined policy by its minimum version, which is what this reads.
    yield from _policy_check(load_balancers, TLS12_MINIMUM.match, "a TLS 1.2+ security policy")


@check(
    id="elbv2_listener_fips_tls_enabled",
    title="ELBv2 HTTPS/TLS listeners use a FIPS security policy",
    severity="low",
    resource_type="AwsElbv2LoadBalancer",
    reads=["elbv2.load_balancers"],
    risk="Without a FIPS policy the listener may negotiate with cryptography outside FIPS 140-3 validated "
    "modules, which workloads bound by FedRAMP or similar rules must not do.",
    remediation="Set each HTTPS/TLS listener's SslPolicy to a FIPS policy, e.g. "
    "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04 (or a FIPS post-quantum one).",
)
def elbv2_listener_fips_tls_enabled(load_balancers):
    # AWS marks every FIPS security policy with FIPS in its name (ELBSecurityPolicy-TLS13-...-FIPS-...).
    yield from _policy_check(load_balancers, lambda policy: "-FIPS-" in policy, "a FIPS security policy")


@check(
    id="elbv2_listener_pqc_tls_enabled",
    title="ELBv2 HTTPS/TLS listeners use a post-quantum TLS security policy",
    severity="low",
    resource_type="AwsElbv2LoadBalancer",
    reads=["elbv2.load_balancers"],
    config=["elbv2_listener_pqc_tls_allowed_policies"],
    risk="Traffic recorded today under classical key exchange can be decrypted once quantum computers can break "
    "it (harvest now, decrypt later).",
    remediation="Set each HTTPS/TLS listener's SslPolicy to a post-quantum policy such as "
    "ELBSecurityPolicy-TLS13-1-2-PQ-2025-09 (ML-KEM hybrid key exchange).",
)
def elbv2_listener_pqc_tls_enabled(load_balancers, config):
    # Prowler PASSes a load balancer with no HTTPS/TLS listener; there is no TLS to judge, so nothing is said.
    allowed = set(config["elbv2_listener_pqc_tls_allowed_policies"] or ())
    yield from _policy_check(load_balancers, allowed.__contains__, "a post-quantum TLS policy")


@check(
    id="elbv2_internet_facing",
    title="Internet-facing ELBv2 load balancer does not admit TCP from the whole internet",
    severity="medium",
    resource_type="AwsElbv2LoadBalancer",
    reads=["elbv2.load_balancers", "ec2.security_groups"],
    risk="An internet-facing load balancer whose security groups admit 0.0.0.0/0 or ::/0 puts its targets in "
    "reach of anyone on the internet.",
    remediation="Use the internal scheme for load balancers serving internal clients; otherwise restrict the "
    "security groups to the client ranges and put a WAF in front.",
)
def elbv2_internet_facing(load_balancers, security_groups):
    # Prowler PASSes an internet-facing NLB without security groups ("not public"); AWS forwards any
    # internet traffic through such an NLB, so it FAILs here.
    groups = {(g.region, g.id): g for g in security_groups}
    for lb in load_balancers:
        if lb.get("scheme") != "internet-facing":
            yield PASS(lb, f"{_label(lb)} is internal.")
            continue
        attached = lb.get("security_group_ids") or []
        if not attached:
            yield FAIL(lb, f"{_label(lb)} is internet-facing at {lb.get('dns_name')} with no security group.")
            continue
        unseen = [g for g in attached if (lb.region, g) not in groups]
        public = [
            g for g in attached
            if (lb.region, g) in groups and any(
                str(rule.get("IpProtocol")) in ("tcp", "6", "-1") for rule in _internet_rules(groups[(lb.region, g)])
            )
        ]  # fmt: skip
        if public:
            yield FAIL(lb, f"{_label(lb)} is internet-facing at {lb.get('dns_name')} and security group(s) "
                       f"{', '.join(public)} admit TCP from the internet.")  # fmt: skip
        elif unseen:
            yield MANUAL(lb, f"No verdict: {_label(lb)}: security group(s) {', '.join(unseen)} not in the inventory.")
        else:
            yield PASS(lb, f"{_label(lb)} is internet-facing but its security groups admit no TCP from the internet.")


@check(
    id="elbv2_listeners_underneath",
    title="ELBv2 load balancer has at least one listener",
    severity="medium",
    resource_type="AwsElbv2LoadBalancer",
    reads=["elbv2.load_balancers"],
    risk="A load balancer without listeners serves nothing: it is left over or half-configured, costs money and "
    "keeps network interfaces and a DNS name alive for no purpose.",
    remediation="Add the listeners it should serve, or delete the load balancer.",
)
def elbv2_listeners_underneath(load_balancers):
    for lb in load_balancers:
        listeners = lb.get("listeners") or []
        if listeners:
            yield PASS(lb, f"{_label(lb)} has {len(listeners)} listener(s).")
        else:
            yield FAIL(lb, f"{_label(lb)} has no listeners.")


@check(
    id="elbv2_nlb_tls_termination_enabled",
    title="Network Load Balancer terminates TLS on at least one listener",
    severity="medium",
    resource_type="AwsElbv2LoadBalancer",
    reads=["elbv2.load_balancers"],
    risk="An NLB that only passes TCP through leaves encryption to every target, or to nobody.",
    remediation="Add a TLS listener with an ACM certificate and a TLS 1.2+ security policy.",
)
def elbv2_nlb_tls_termination_enabled(load_balancers):
    for lb in load_balancers:
        if lb.get("type") != "network":
            continue
        if any(listener.get("protocol") == "TLS" for listener in lb.get("listeners") or []):
            yield PASS(lb, f"{_label(lb)} terminates TLS.")
        else:
            yield FAIL(lb, f"{_label(lb)} has no TLS listener.")
