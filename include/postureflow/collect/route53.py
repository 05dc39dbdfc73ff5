"""Route 53: registered domains (Route 53 Domains answers in us-east-1 only) and their transfer lock."""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector

DOMAINS_REGION = "us-east-1"
TRANSFER_PROHIBITED = "clientTransferProhibited"


@collector("route53", scope="global")
def collect_route53(scope: RegionScope) -> None:
    domains = scope.client("route53domains", DOMAINS_REGION)
    for domain in scope.paginate(domains, "list_domains", "Domains"):
        name = domain["DomainName"]
        locked = domain.get("TransferLock")
        if locked is None:  # not in the listing: read the domain's EPP status codes instead
            detail = scope.call(domains, "get_domain_detail", DomainName=name)
            locked = None if detail is None else TRANSFER_PROHIBITED in (detail.get("StatusList") or [])
        scope.add(
            "domains",
            uid=f"arn:{scope.partition}:route53domains:{DOMAINS_REGION}:{scope.account_id}:domain/{name}",
            id=name,
            region=DOMAINS_REGION,
            transfer_lock=locked,
            auto_renew=domain.get("AutoRenew"),
            expiry=domain.get("Expiry"),
        )
