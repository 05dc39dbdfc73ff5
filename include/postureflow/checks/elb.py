"""ELB checks: Classic Load Balancers."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check

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
