"""ELBv2: Application, Network and Gateway Load Balancers with their attributes and listeners.

Per region: DescribeLoadBalancers (paginated) and DescribeTags per 20 ARNs; per load balancer,
through ``scope.each``: DescribeLoadBalancerAttributes and DescribeListeners (paginated). A failed
listing marks ``load_balancers`` incomplete; failed attribute, tag or listener reads are stored as
unread fields, so the checks resting on them give no verdict.

Which web ACL protects a load balancer is recorded by the ``wafv2`` (and WAF
Classic ``waf``) collectors; the ELBv2 checks read it from there.
"""

from __future__ import annotations

from postureflow.collect.base import Outcome, RegionScope, collector

TAG_BATCH = 20  # DescribeTags takes at most 20 ARNs


@collector("elbv2")
def collect_elbv2(scope: RegionScope) -> None:
    elbv2 = scope.client("elbv2")
    balancers = scope.list(elbv2, "describe_load_balancers", "LoadBalancers", kind="load_balancers").or_else([])
    if not balancers:
        return
    tags = _tags(scope, elbv2, [lb["LoadBalancerArn"] for lb in balancers])
    scope.each(balancers, lambda lb: _collect_balancer(scope, elbv2, lb, tags[lb["LoadBalancerArn"]]))


def _tags(scope: RegionScope, client, arns: list[str]) -> dict[str, Outcome]:
    found: dict[str, Outcome] = {}
    for start in range(0, len(arns), TAG_BATCH):
        batch = arns[start : start + TAG_BATCH]
        answer = scope.fetch(client, "describe_tags", ResourceArns=batch).map(
            lambda a: {d["ResourceArn"]: d.get("Tags", []) for d in a.get("TagDescriptions", [])}
        )
        for arn in batch:
            found[arn] = answer.map(lambda by, a=arn: by.get(a, []))
    return found


def _collect_balancer(scope: RegionScope, elbv2, lb: dict, tags: Outcome) -> None:
    arn = lb["LoadBalancerArn"]
    attributes = scope.fetch(elbv2, "describe_load_balancer_attributes", LoadBalancerArn=arn).map(
        lambda a: {item["Key"]: item.get("Value") for item in a.get("Attributes", [])}
    )
    listeners = scope.list(elbv2, "describe_listeners", "Listeners", LoadBalancerArn=arn).map(
        lambda items: [_listener(listener) for listener in items]
    )
    scope.add(
        "load_balancers",
        uid=arn,
        id=lb["LoadBalancerName"],
        tags=tags,
        type=lb.get("Type"),
        scheme=lb.get("Scheme"),
        state=(lb.get("State") or {}).get("Code"),
        dns_name=lb.get("DNSName"),
        vpc_id=lb.get("VpcId"),
        availability_zones=sorted({z["ZoneName"] for z in lb.get("AvailabilityZones", []) if z.get("ZoneName")}),
        security_group_ids=lb.get("SecurityGroups", []),
        deletion_protection=attributes.map(lambda a: _true(a.get("deletion_protection.enabled"))),
        drop_invalid_header_fields=attributes.map(
            lambda a: _true(a.get("routing.http.drop_invalid_header_fields.enabled"))
        ),
        desync_mitigation_mode=attributes.map(lambda a: a.get("routing.http.desync_mitigation_mode")),
        access_logs_enabled=attributes.map(lambda a: _true(a.get("access_logs.s3.enabled"))),
        access_logs_bucket=attributes.map(lambda a: a.get("access_logs.s3.bucket") or None),
        # Network and Gateway Load Balancers only; Application Load Balancers always balance across zones.
        cross_zone_enabled=attributes.map(lambda a: _true(a.get("load_balancing.cross_zone.enabled"))),
        listeners=listeners,
    )


def _listener(listener: dict) -> dict:
    return {
        "arn": listener.get("ListenerArn"),
        "protocol": listener.get("Protocol"),
        "port": listener.get("Port"),
        "ssl_policy": listener.get("SslPolicy"),
        "default_actions": [
            {
                "type": action.get("Type"),
                "redirect_protocol": (action.get("RedirectConfig") or {}).get("Protocol"),
            }
            for action in listener.get("DefaultActions", [])
        ],
    }


def _true(value) -> bool:
    return str(value).lower() == "true"
