"""Route 53: hosted zones with their query logging, and registered domains (Route 53 Domains
answers in us-east-1 only) with their transfer lock and contact privacy.

Calls (global, once): route53 ListHostedZones and ListQueryLoggingConfigs (both paginated),
ListResourceRecordSets (paginated) per public hosted zone; route53domains ListDomains (paginated) and
GetDomainDetail per domain through ``scope.each``. Failed listings mark their kind incomplete; a failed
detail read leaves its fields unread.

Public A records (not aliases) are kept one per zone, name and address, with whether AWS owns the
address: looked up in a local copy of AWS's ip-ranges.json named by the audit config's
``aws_ip_ranges_file`` (read from disk; nothing is downloaded). Without that file AWS ownership is not
known (``aws_regions`` None) and the dangling-IP check judges only what it can without it.
"""

from __future__ import annotations

import ipaddress
import json

from postureflow.collect.base import OK, Outcome, RegionScope, collector

DOMAINS_REGION = "us-east-1"
TRANSFER_PROHIBITED = "clientTransferProhibited"


@collector("route53", scope="global")
def collect_route53(scope: RegionScope) -> None:
    _collect_hosted_zones(scope)
    _collect_domains(scope)


IP_RANGES_KEY = "aws_ip_ranges_file"
IP_RANGES_API = "route53:aws-ip-ranges"


def _collect_hosted_zones(scope: RegionScope) -> None:
    route53 = scope.client("route53", DOMAINS_REGION)
    zones = scope.list(route53, "list_hosted_zones", "HostedZones", kind="hosted_zones").or_else([])
    if not zones:
        return
    logging_confs = scope.list(route53, "list_query_logging_configs", "QueryLoggingConfigs").map(
        lambda confs: {c.get("HostedZoneId"): c.get("CloudWatchLogsLogGroupArn") for c in confs}
    )
    for zone in zones:
        zone_id = zone["Id"].rsplit("/", 1)[-1]
        scope.add(
            "hosted_zones",
            uid=f"arn:{scope.partition}:route53:::hostedzone/{zone_id}",
            id=zone_id,
            region=DOMAINS_REGION,
            name=zone.get("Name"),
            private=bool((zone.get("Config") or {}).get("PrivateZone")),
            query_log_group=logging_confs.map(lambda by, z=zone_id: by.get(z)),
        )
    # Private zones answer inside their VPCs only: no one outside can take their names over.
    public = [z for z in zones if not (z.get("Config") or {}).get("PrivateZone")]
    if public:
        ranges = _aws_ip_ranges(scope)
        for zone in public:
            _collect_a_records(scope, route53, zone, ranges)


def _collect_a_records(scope: RegionScope, route53, zone: dict, ranges: Outcome | None) -> None:
    zone_id = zone["Id"].rsplit("/", 1)[-1]
    zone_arn = f"arn:{scope.partition}:route53:::hostedzone/{zone_id}"
    listed = scope.list(route53, "list_resource_record_sets", "ResourceRecordSets", HostedZoneId=zone_id)
    if not listed.ok:
        # the zone's records are unknown: one unreadable record says so (no verdict) instead of silence
        scope.add_unreadable("a_records", listed, uid=f"{zone_arn}/A/*", id=f"{zone_id}/*", zone_name=zone.get("Name"))
        return
    seen: set[tuple[str, str]] = set()
    for record in listed.value:
        if record.get("Type") != "A" or record.get("AliasTarget"):
            continue
        for value in record.get("ResourceRecords") or []:
            ip, name = str(value.get("Value", "")).strip(), record.get("Name")
            try:
                address = ipaddress.ip_address(ip)
            except ValueError:
                continue
            if (name, ip) in seen:
                continue  # the same address under several routing policies: judged once
            seen.add((name, ip))
            scope.add(
                "a_records",
                uid=f"{zone_arn}/A/{name}{ip}",
                id=f"{zone_id}/{name}/{ip}",
                region=DOMAINS_REGION,
                zone_name=zone.get("Name"),
                name=name,
                ip=ip,
                public_ip=address.is_global,
                aws_regions=None if ranges is None else ranges.map(lambda r, a=address: _regions_of(r, a)),
                ip_ranges_created=None if ranges is None else ranges.map(lambda r: r["created"]),
            )


def _aws_ip_ranges(scope: RegionScope) -> Outcome | None:
    """The networks of the local ip-ranges.json (None when none is configured), or a failed read."""
    path = str(scope.config.get(IP_RANGES_KEY) or "")
    if not path:
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
        networks = [
            (ipaddress.ip_network(p["ip_prefix"]), p.get("region") or "GLOBAL") for p in document.get("prefixes") or []
        ]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        return scope.failed(IP_RANGES_API, type(err).__name__, f"{IP_RANGES_KEY} {path} could not be read: {err}"[:500])
    if not networks:
        return scope.failed(IP_RANGES_API, "NoPrefixes", f"{IP_RANGES_KEY} {path} lists no IPv4 prefix")
    return Outcome(OK, {"networks": networks, "created": document.get("createDate")}, IP_RANGES_API)


def _regions_of(ranges: dict, address) -> list[str]:
    """The AWS regions (or GLOBAL) of the published prefixes holding ``address``; [] when AWS does not own it."""
    return sorted({region for network, region in ranges["networks"] if address in network})


def _collect_domains(scope: RegionScope) -> None:
    domains = scope.client("route53domains", DOMAINS_REGION)
    listed = scope.list(domains, "list_domains", "Domains", kind="domains").or_else([])
    details = scope.each(listed, lambda d: scope.fetch(domains, "get_domain_detail", DomainName=d["DomainName"]))
    for domain, detail in zip(listed, details, strict=True):
        name = domain["DomainName"]
        locked = domain.get("TransferLock")
        scope.add(
            "domains",
            uid=f"arn:{scope.partition}:route53domains:{DOMAINS_REGION}:{scope.account_id}:domain/{name}",
            id=name,
            region=DOMAINS_REGION,
            # not in every listing: the domain's EPP status codes say it too
            transfer_lock=locked if locked is not None else detail.map(
                lambda d: TRANSFER_PROHIBITED in (d.get("StatusList") or [])),  # fmt: skip
            admin_privacy=detail.map(lambda d: bool(d.get("AdminPrivacy"))),
            auto_renew=domain.get("AutoRenew"),
            expiry=domain.get("Expiry"),
        )
