"""Lightsail: instances (with their firewall ports) and managed databases.

Calls per region where Lightsail exists: GetInstances, GetRelationalDatabases and GetStaticIps (all
paginated; a failed listing marks its kind incomplete, so its checks give no verdict in the region).
"""

from __future__ import annotations

import boto3

from postureflow.collect.base import RegionScope, collector

_REGIONS: set[str] | None = None


def lightsail_regions() -> set[str]:
    """Regions botocore knows a Lightsail endpoint for (no API call)."""
    global _REGIONS
    if _REGIONS is None:
        _REGIONS = set(boto3.session.Session().get_available_regions("lightsail"))
    return _REGIONS


@collector("lightsail")
def collect_lightsail(scope: RegionScope) -> None:
    if scope.region not in lightsail_regions():
        return
    client = scope.client("lightsail")
    for instance in scope.list(client, "get_instances", "instances", kind="instances").or_else([]):
        networking = instance.get("networking") or {}
        scope.add(
            "instances",
            uid=instance.get("arn") or scope.arn("lightsail", f"Instance/{instance['name']}"),
            id=instance["name"],
            tags=instance.get("tags"),
            state=(instance.get("state") or {}).get("name"),
            blueprint_id=instance.get("blueprintId"),
            blueprint_name=instance.get("blueprintName"),
            auto_snapshot=any(
                add_on.get("name") == "AutoSnapshot" and add_on.get("status") == "Enabled"
                for add_on in instance.get("addOns") or []
            ),
            public_ip=instance.get("publicIpAddress"),
            ipv6_addresses=instance.get("ipv6Addresses") or [],
            ports=[
                {
                    "from_port": p.get("fromPort"),
                    "to_port": p.get("toPort"),
                    "protocol": p.get("protocol"),
                    "access_type": p.get("accessType"),
                    "cidrs": p.get("cidrs") or [],
                    "ipv6_cidrs": p.get("ipv6Cidrs") or [],
                }
                for p in networking.get("ports") or []
            ],
        )
    databases = scope.list(client, "get_relational_databases", "relationalDatabases", kind="databases")
    for database in databases.or_else([]):
        scope.add(
            "databases",
            uid=database.get("arn") or scope.arn("lightsail", f"RelationalDatabase/{database['name']}"),
            id=database["name"],
            tags=database.get("tags"),
            engine=database.get("engine"),
            state=database.get("state"),
            publicly_accessible=database.get("publiclyAccessible"),
        )
    for address in scope.list(client, "get_static_ips", "staticIps", kind="static_ips").or_else([]):
        scope.add(
            "static_ips",
            uid=address.get("arn") or scope.arn("lightsail", f"StaticIp/{address['name']}"),
            id=address["name"],
            ip_address=address.get("ipAddress"),
            attached=bool(address.get("isAttached")),
            attached_to=address.get("attachedTo"),
        )
