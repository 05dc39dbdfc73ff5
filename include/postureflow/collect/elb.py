"""ELB (Classic Load Balancers): listeners, zones and the cross-zone and access-log attributes."""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector

TAG_BATCH = 20  # DescribeTags takes at most 20 load balancer names


@collector("elb")
def collect_elb(scope: RegionScope) -> None:
    elb = scope.client("elb")
    balancers = list(scope.paginate(elb, "describe_load_balancers", "LoadBalancerDescriptions"))
    names = [lb["LoadBalancerName"] for lb in balancers]
    tags: dict[str, list[dict]] = {}
    for start in range(0, len(names), TAG_BATCH):
        answer = scope.call(elb, "describe_tags", LoadBalancerNames=names[start : start + TAG_BATCH]) or {}
        for description in answer.get("TagDescriptions", []):
            tags[description["LoadBalancerName"]] = description.get("Tags", [])

    for lb in balancers:
        name = lb["LoadBalancerName"]
        answer = scope.call(
            elb, "describe_load_balancer_attributes", absent=("LoadBalancerNotFound",), LoadBalancerName=name
        )
        attributes = (answer or {}).get("LoadBalancerAttributes") or {}
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
                }
                for d in lb.get("ListenerDescriptions", [])
            ],
            attributes_known=answer is not None,
            cross_zone_enabled=bool((attributes.get("CrossZoneLoadBalancing") or {}).get("Enabled")),
            access_logs_enabled=bool((attributes.get("AccessLog") or {}).get("Enabled")),
        )
