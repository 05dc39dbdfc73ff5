"""ELBv2: Application, Network and Gateway Load Balancers with their attributes and listeners.

Which web ACL protects a load balancer is recorded by the ``wafv2`` (and WAF
Classic ``waf``) collectors; the ELBv2 checks read it from there.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from postureflow.collect.base import RegionScope, collector

LB_THREADS = 8
TAG_BATCH = 20  # DescribeTags takes at most 20 ARNs


@collector("elbv2")
def collect_elbv2(scope: RegionScope) -> None:
    elbv2 = scope.client("elbv2")
    balancers = list(scope.paginate(elbv2, "describe_load_balancers", "LoadBalancers"))
    if not balancers:
        return
    tags = _tags(scope, elbv2, [lb["LoadBalancerArn"] for lb in balancers])
    with ThreadPoolExecutor(max_workers=LB_THREADS) as pool:
        list(pool.map(lambda lb: _collect_balancer(scope, elbv2, lb, tags.get(lb["LoadBalancerArn"])), balancers))


def _tags(scope: RegionScope, client, arns: list[str]) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for start in range(0, len(arns), TAG_BATCH):
        answer = scope.call(client, "describe_tags", ResourceArns=arns[start : start + TAG_BATCH]) or {}
        for description in answer.get("TagDescriptions", []):
            found[description["ResourceArn"]] = description.get("Tags", [])
    return found


def _collect_balancer(scope: RegionScope, elbv2, lb: dict, tags: list[dict] | None) -> None:
    arn = lb["LoadBalancerArn"]
    answer = scope.call(elbv2, "describe_load_balancer_attributes", LoadBalancerArn=arn)
    attributes = {a["Key"]: a.get("Value") for a in (answer or {}).get("Attributes", [])}
    listeners = [
        {
            "arn": listener.get("ListenerArn"),
            "protocol": listener.get("Protocol"),
            "port": listener.get("Port"),
            "default_actions": [
                {
                    "type": action.get("Type"),
                    "redirect_protocol": (action.get("RedirectConfig") or {}).get("Protocol"),
                }
                for action in listener.get("DefaultActions", [])
            ],
        }
        for listener in scope.paginate(elbv2, "describe_listeners", "Listeners", LoadBalancerArn=arn)
    ]
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
        attributes_known=answer is not None,
        deletion_protection=_true(attributes.get("deletion_protection.enabled")),
        drop_invalid_header_fields=_true(attributes.get("routing.http.drop_invalid_header_fields.enabled")),
        desync_mitigation_mode=attributes.get("routing.http.desync_mitigation_mode"),
        access_logs_enabled=_true(attributes.get("access_logs.s3.enabled")),
        access_logs_bucket=attributes.get("access_logs.s3.bucket") or None,
        listeners=listeners,
    )


def _true(value) -> bool:
    return str(value).lower() == "true"
