"""Resources in use, as Prowler decides it, for the checks that judge only those.

Without ``--scan-unused-services`` (the audit-config key ``scan_unused_services``,
off by default as in Prowler) such checks skip what nothing uses: a security
group no network interface carries, a VPC without interfaces, a region without
volumes. A resource whose use could not be read is judged anyway, so its result
becomes a no verdict instead of a silent skip (it is never a PASS either).
"""

from __future__ import annotations

from typing import Iterable

SCAN_UNUSED = "scan_unused_services"
INTERFACES = "ec2.network_interfaces"


def judged(config, used: bool, known: bool = True) -> bool:
    """Whether to judge a resource: unused ones are scanned, it is in use, or its use is unknown."""
    return bool(config.get(SCAN_UNUSED)) or bool(used) or not known


def interfaces_by_group(network_interfaces) -> dict[tuple[str, str], list]:
    """(region, security group id) -> the network interfaces that carry the group."""
    users: dict[tuple[str, str], list] = {}
    for interface in network_interfaces:
        for group_id in interface.get("group_ids") or []:
            users.setdefault((interface.region, group_id), []).append(interface)
    return users


def vpcs_with_interfaces(network_interfaces) -> set[tuple[str, str]]:
    """(region, VPC id) of every VPC with a network interface: Prowler's "VPC in use"."""
    return {(n.region, n.get("vpc_id")) for n in network_interfaces if n.get("vpc_id")}


def regions_with(resources: Iterable) -> set[str]:
    return {r.region for r in resources}
