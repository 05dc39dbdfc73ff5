"""ELB (Classic Load Balancers): listeners, zones, policies and the load balancer attributes.

Per region: DescribeLoadBalancers (paginated), DescribeTags per 20 names; per load balancer
DescribeLoadBalancerAttributes and, when it has listener policies, DescribeLoadBalancerPolicies.
A failed listing marks ``load_balancers`` incomplete; failed attribute, tag or policy reads are
stored as unread fields (their checks give no verdict).
"""

from __future__ import annotations

from postureflow.collect.base import OK, Outcome, RegionScope, collector

TAG_BATCH = 20  # DescribeTags takes at most 20 load balancer names


@collector("elb")
def collect_elb(scope: RegionScope) -> None:
    elb = scope.client("elb")
    balancers = scope.list(elb, "describe_load_balancers", "LoadBalancerDescriptions", kind="load_balancers")
    balancers = balancers.or_else([])
    names = [lb["LoadBalancerName"] for lb in balancers]
    batches = [names[start : start + TAG_BATCH] for start in range(0, len(names), TAG_BATCH)]
    tag_answers = [scope.fetch(elb, "describe_tags", LoadBalancerNames=batch) for batch in batches]
    tags: dict[str, Outcome] = {}
    for batch, answer in zip(batches, tag_answers, strict=True):
        by_name = answer.map(lambda a: {d["LoadBalancerName"]: d.get("Tags", []) for d in a.get("TagDescriptions", [])})
        for name in batch:
            tags[name] = by_name.map(lambda found, n=name: found.get(n, []))
    details = scope.each(balancers, lambda lb: _details(scope, elb, lb))
    for lb, (attributes, policies) in zip(balancers, details, strict=True):
        name = lb["LoadBalancerName"]
        scope.add(
            "load_balancers",
            uid=scope.arn("elasticloadbalancing", f"loadbalancer/{name}"),
            id=name,
            tags=tags.get(name),
            scheme=lb.get("Scheme"),
            dns_name=lb.get("DNSName"),
            vpc_id=lb.get("VPCId"),
            availability_zones=sorted(set(lb.get("AvailabilityZones", []))),
            security_group_ids=lb.get("SecurityGroups", []),
            listeners=[
                {
                    "protocol": (d.get("Listener") or {}).get("Protocol"),
                    "port": (d.get("Listener") or {}).get("LoadBalancerPort"),
                    "instance_protocol": (d.get("Listener") or {}).get("InstanceProtocol"),
                    "certificate_id": (d.get("Listener") or {}).get("SSLCertificateId"),
                    "policy_names": d.get("PolicyNames") or [],
                }
                for d in lb.get("ListenerDescriptions", [])
            ],
            cross_zone_enabled=attributes.map(lambda a: bool((a.get("CrossZoneLoadBalancing") or {}).get("Enabled"))),
            access_logs_enabled=attributes.map(lambda a: bool((a.get("AccessLog") or {}).get("Enabled"))),
            connection_draining_enabled=attributes.map(
                lambda a: bool((a.get("ConnectionDraining") or {}).get("Enabled"))
            ),
            desync_mitigation_mode=attributes.map(_desync_mode),
            # listener policy name -> {"reference": predefined policy it names, "enabled": options it enables
            # (Protocol-*, cipher names)}
            ssl_policies=policies,
        )


def _details(scope: RegionScope, elb, lb: dict) -> tuple[Outcome, Outcome]:
    name = lb["LoadBalancerName"]
    attributes = scope.fetch(
        elb, "describe_load_balancer_attributes", absent=("LoadBalancerNotFound",), LoadBalancerName=name
    ).map(lambda a: a.get("LoadBalancerAttributes") or {})
    listener_policies = sorted({p for d in lb.get("ListenerDescriptions", []) for p in d.get("PolicyNames") or []})
    if not listener_policies:
        return attributes, Outcome(OK, {})
    policies = scope.fetch(
        elb, "describe_load_balancer_policies", LoadBalancerName=name, PolicyNames=listener_policies
    ).map(_enabled_ssl_options)
    return attributes, policies


def _desync_mode(attributes: dict) -> str | None:
    for extra in attributes.get("AdditionalAttributes") or []:
        if extra.get("Key") == "elb.http.desyncmitigationmode":
            return extra.get("Value")
    return None


def _enabled_ssl_options(answer: dict) -> dict[str, dict]:
    return {
        policy.get("PolicyName"): _ssl_policy(policy.get("PolicyAttributeDescriptions") or [])
        for policy in answer.get("PolicyDescriptions") or []
        if policy.get("PolicyTypeName") == "SSLNegotiationPolicyType"
    }


def _ssl_policy(attributes: list[dict]) -> dict:
    return {
        "reference": next(
            (a.get("AttributeValue") for a in attributes if a.get("AttributeName") == "Reference-Security-Policy"), None
        ),
        "enabled": sorted(a.get("AttributeName") for a in attributes if str(a.get("AttributeValue")).lower() == "true"),
    }
