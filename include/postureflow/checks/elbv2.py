"""ELBv2 checks: Application, Network and Gateway Load Balancers."""

from __future__ import annotations

from postureflow.checks.base import FAIL, MANUAL, PASS, check

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
