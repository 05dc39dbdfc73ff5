"""Route 53: hosted zones with their query logging, and registered domains (Route 53 Domains
answers in us-east-1 only) with their transfer lock and contact privacy.

Calls (global, once): route53 ListHostedZones and ListQueryLoggingConfigs (both paginated);
route53domains ListDomains (paginated) and GetDomainDetail per domain through ``scope.each``.
Failed listings mark their kind incomplete; a failed detail read leaves its fields unread.
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector

DOMAINS_REGION = "us-east-1"
TRANSFER_PROHIBITED = "clientTransferProhibited"


@collector("route53", scope="global")
def collect_route53(scope: RegionScope) -> None:
    _collect_hosted_zones(scope)
    _collect_domains(scope)


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
