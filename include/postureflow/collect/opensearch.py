"""OpenSearch Service: domains (OpenSearch and legacy Elasticsearch engines) and their security settings.

Calls per region: ListDomainNames; DescribeDomains once per five domains (the
API's batch size), which carries every setting the checks read; ListTags once
per domain.
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector

DESCRIBE_BATCH = 5  # DescribeDomains accepts at most five names per call


@collector("opensearch")
def collect_opensearch(scope: RegionScope) -> None:
    client = scope.client("opensearch")
    listing = scope.call(client, "list_domain_names")
    names = [d["DomainName"] for d in (listing or {}).get("DomainNames", []) if d.get("DomainName")]
    for start in range(0, len(names), DESCRIBE_BATCH):
        answer = scope.call(client, "describe_domains", DomainNames=names[start : start + DESCRIBE_BATCH])
        for domain in (answer or {}).get("DomainStatusList", []):
            if domain.get("Deleted"):
                continue
            _add_domain(scope, client, domain)


def _add_domain(scope: RegionScope, client, domain: dict) -> None:
    arn = domain["ARN"]
    tags = scope.call(client, "list_tags", absent=("ResourceNotFoundException",), ARN=arn)
    security = domain.get("AdvancedSecurityOptions") or {}
    software = domain.get("ServiceSoftwareOptions") or {}
    vpc = domain.get("VPCOptions") or {}
    scope.add(
        "domains",
        uid=arn,
        id=domain["DomainName"],
        tags=(tags or {}).get("TagList"),
        engine_version=domain.get("EngineVersion"),
        vpc_id=vpc.get("VPCId"),
        # A VPC domain has subnets and a "vpc" endpoint instead of a public one.
        in_vpc=bool(vpc.get("VPCId") or vpc.get("SubnetIds") or "vpc" in (domain.get("Endpoints") or {})),
        # The policy JSON as AWS returns it (checks parse it with checks._policy).
        access_policy=domain.get("AccessPolicies") or None,
        fine_grained_access_control=bool(security.get("Enabled")),
        encryption_at_rest=bool((domain.get("EncryptionAtRestOptions") or {}).get("Enabled")),
        node_to_node_encryption=bool((domain.get("NodeToNodeEncryptionOptions") or {}).get("Enabled")),
        enforce_https=bool((domain.get("DomainEndpointOptions") or {}).get("EnforceHTTPS")),
        tls_policy=(domain.get("DomainEndpointOptions") or {}).get("TLSSecurityPolicy"),
        # {"AUDIT_LOGS": true, "SEARCH_SLOW_LOGS": false, ...}: which log types are published.
        log_publishing={
            name: bool((option or {}).get("Enabled"))
            for name, option in (domain.get("LogPublishingOptions") or {}).items()
        },
        software_version=software.get("CurrentVersion"),
        software_update_available=software.get("UpdateAvailable"),
        software_new_version=software.get("NewVersion"),
    )

