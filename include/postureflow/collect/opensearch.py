"""OpenSearch Service: domains (OpenSearch and legacy Elasticsearch engines) and their security settings.

Calls per region: ListDomainNames; DescribeDomains once per five domains (the
API's batch size), which carries every setting the checks read; ListTags once
per domain. A domain listed but not described is recorded with every setting
unread (no verdict).
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector

DESCRIBE_BATCH = 5  # DescribeDomains accepts at most five names per call


@collector("opensearch")
def collect_opensearch(scope: RegionScope) -> None:
    client = scope.client("opensearch")
    listing = scope.list(client, "list_domain_names", "DomainNames", kind="domains")
    names = [d["DomainName"] for d in listing.value or [] if d.get("DomainName")]
    batches = [names[start : start + DESCRIBE_BATCH] for start in range(0, len(names), DESCRIBE_BATCH)]
    for batch, answer in zip(batches, scope.each(batches, lambda batch: scope.fetch(client, "describe_domains", DomainNames=batch))):
        if not answer.ok:
            # listed but not described: recorded with every setting unread, so no check judges them
            for name in batch:
                scope.add_unreadable("domains", answer, uid=scope.arn("es", f"domain/{name}"), id=name)
            continue
        live = [d for d in answer.value.get("DomainStatusList", []) if not d.get("Deleted")]
        scope.each(live, lambda domain: _add_domain(scope, client, domain))


def _add_domain(scope: RegionScope, client, domain: dict) -> None:
    arn = domain["ARN"]
    tags = scope.fetch(client, "list_tags", absent=("ResourceNotFoundException",), ARN=arn)
    security = domain.get("AdvancedSecurityOptions") or {}
    software = domain.get("ServiceSoftwareOptions") or {}
    vpc = domain.get("VPCOptions") or {}
    cluster = domain.get("ClusterConfig") or {}
    scope.add(
        "domains",
        uid=arn,
        id=domain["DomainName"],
        tags=tags.get("TagList"),
        engine_version=domain.get("EngineVersion"),
        vpc_id=vpc.get("VPCId"),
        # A VPC domain has subnets and a "vpc" endpoint instead of a public one.
        in_vpc=bool(vpc.get("VPCId") or vpc.get("SubnetIds") or "vpc" in (domain.get("Endpoints") or {})),
        # The policy JSON as AWS returns it (checks parse it with postureflow.policy).
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
        internal_user_database=bool(security.get("InternalUserDatabaseEnabled")),
        cognito_enabled=bool((domain.get("CognitoOptions") or {}).get("Enabled")),
        saml_enabled=bool((security.get("SAMLOptions") or {}).get("Enabled")),
        instance_count=cluster.get("InstanceCount"),
        zone_awareness=bool(cluster.get("ZoneAwarenessEnabled")),
        dedicated_master=bool(cluster.get("DedicatedMasterEnabled")),
        dedicated_master_count=cluster.get("DedicatedMasterCount"),
        software_version=software.get("CurrentVersion"),
        software_update_available=software.get("UpdateAvailable"),
        software_new_version=software.get("NewVersion"),
    )

