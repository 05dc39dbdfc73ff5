"""OpenSearch Service checks: domain access control, encryption, logging, exposure and software updates."""

from __future__ import annotations

from postureflow import policy as _policy
from postureflow.checks.base import FAIL, MANUAL, PASS, check, no_verdict

# A policy AWS returned that is not a JSON policy document: judged by no one (never PASS).
UNPARSEABLE = "its policy (not a JSON policy document)"

SLOW_LOGS = ("SEARCH_SLOW_LOGS", "INDEX_SLOW_LOGS")


def _label(domain) -> str:
    return f"OpenSearch domain {domain.id}"


@check(
    id="opensearch_service_domains_access_control_enabled",
    title="OpenSearch domain has fine-grained access control enabled",
    severity="high",
    resource_type="AwsOpenSearchServiceDomain",
    reads=["opensearch.domains"],
    risk="Without fine-grained access control every principal the domain policy lets in can read and change "
    "every index, with no per-index, per-document or per-field restriction.",
    remediation="Enable fine-grained access control (AdvancedSecurityOptions) on the domain and map IAM or "
    "internal users to least-privilege roles.",
)
def opensearch_service_domains_access_control_enabled(domains):
    for domain in domains:
        if domain.get("fine_grained_access_control"):
            yield PASS(domain, f"{_label(domain)} has fine-grained access control enabled.")
        else:
            yield FAIL(domain, f"{_label(domain)} does not have fine-grained access control enabled.")


@check(
    id="opensearch_service_domains_audit_logging_enabled",
    title="OpenSearch domain publishes audit logs",
    severity="high",
    resource_type="AwsOpenSearchServiceDomain",
    reads=["opensearch.domains"],
    risk="Without audit logs there is no record of who authenticated, which indices they touched or which "
    "requests were refused, so misuse goes unnoticed and cannot be investigated.",
    remediation="Publish AUDIT_LOGS to a CloudWatch Logs group (requires fine-grained access control) and enable "
    "audit logging in the domain's security settings.",
)
def opensearch_service_domains_audit_logging_enabled(domains):
    for domain in domains:
        if (domain.get("log_publishing") or {}).get("AUDIT_LOGS"):
            yield PASS(domain, f"{_label(domain)} publishes audit logs to CloudWatch Logs.")
        else:
            yield FAIL(domain, f"{_label(domain)} does not publish audit logs.")


@check(
    id="opensearch_service_domains_cloudwatch_logging_enabled",
    title="OpenSearch domain publishes search and index slow logs to CloudWatch Logs",
    severity="low",
    resource_type="AwsOpenSearchServiceDomain",
    reads=["opensearch.domains"],
    risk="Without slow logs, abusive or runaway queries and indexing problems cannot be traced back to their "
    "source.",
    remediation="Publish SEARCH_SLOW_LOGS and INDEX_SLOW_LOGS to CloudWatch Logs in the domain's logging settings.",
)
def opensearch_service_domains_cloudwatch_logging_enabled(domains):
    for domain in domains:
        published = domain.get("log_publishing") or {}
        missing = [name for name in SLOW_LOGS if not published.get(name)]
        if not missing:
            yield PASS(domain, f"{_label(domain)} publishes search and index slow logs to CloudWatch Logs.")
        else:
            yield FAIL(domain, f"{_label(domain)} does not publish {' or '.join(missing)} to CloudWatch Logs.")


@check(
    id="opensearch_service_domains_encryption_at_rest_enabled",
    title="OpenSearch domain encrypts data at rest",
    severity="critical",
    resource_type="AwsOpenSearchServiceDomain",
    reads=["opensearch.domains"],
    risk="Unencrypted indices, logs, swap files and automated snapshots can be read by anyone who gets hold of "
    "the underlying storage.",
    remediation="Enable encryption at rest (EncryptionAtRestOptions) with an AWS KMS key; domains on old engine "
    "versions may need a version upgrade first.",
)
def opensearch_service_domains_encryption_at_rest_enabled(domains):
    for domain in domains:
        if domain.get("encryption_at_rest"):
            yield PASS(domain, f"{_label(domain)} encrypts its data at rest.")
        else:
            yield FAIL(domain, f"{_label(domain)} does not encrypt its data at rest.")


@check(
    id="opensearch_service_domains_https_communications_enforced",
    title="OpenSearch domain requires HTTPS",
    severity="high",
    resource_type="AwsOpenSearchServiceDomain",
    reads=["opensearch.domains"],
    risk="A domain that accepts plain HTTP lets credentials, queries and documents cross the network unencrypted.",
    remediation="Turn on 'Require HTTPS for all traffic to the domain' (DomainEndpointOptions.EnforceHTTPS) with a "
    "current TLS security policy.",
)
def opensearch_service_domains_https_communications_enforced(domains):
    for domain in domains:
        if domain.get("enforce_https"):
            yield PASS(domain, f"{_label(domain)} only accepts HTTPS requests.")
        else:
            yield FAIL(domain, f"{_label(domain)} accepts requests over plain HTTP.")


@check(
    id="opensearch_service_domains_node_to_node_encryption_enabled",
    title="OpenSearch domain encrypts traffic between its nodes",
    severity="high",
    resource_type="AwsOpenSearchServiceDomain",
    reads=["opensearch.domains"],
    risk="Without node-to-node encryption, data replicated and queried between the domain's nodes crosses the "
    "network in clear text.",
    remediation="Enable node-to-node encryption (NodeToNodeEncryptionOptions) on the domain.",
)
def opensearch_service_domains_node_to_node_encryption_enabled(domains):
    for domain in domains:
        if domain.get("node_to_node_encryption"):
            yield PASS(domain, f"{_label(domain)} encrypts traffic between its nodes.")
        else:
            yield FAIL(domain, f"{_label(domain)} does not encrypt traffic between its nodes.")


@check(
    id="opensearch_service_domains_not_publicly_accessible",
    title="OpenSearch domain is not open to anyone on the internet",
    severity="critical",
    resource_type="AwsOpenSearchServiceDomain",
    reads=["opensearch.domains"],
    risk="A public endpoint whose access policy allows any principal lets anyone on the internet read, change or "
    "delete the domain's data.",
    remediation="Place the domain in a VPC, or restrict its access policy to named principals or source IP ranges.",
)
def opensearch_service_domains_not_publicly_accessible(domains):
    for domain in domains:
        if domain.get("in_vpc"):
            where = f"VPC {domain['vpc_id']}" if domain.get("vpc_id") else "its VPC"
            yield PASS(domain, f"{_label(domain)} is reachable only inside {where}.")
        elif not _policy.parseable(domain.get("access_policy")):
            yield no_verdict(FAIL(domain, ""), [UNPARSEABLE])
        elif _policy.is_public(domain.get("access_policy")):
            yield FAIL(
                domain,
                f"{_label(domain)} has a public endpoint and an access policy that allows any principal.",
            )
        else:
            yield PASS(
                domain, f"{_label(domain)} has a public endpoint but its access policy admits no anonymous principal."
            )


@check(
    id="opensearch_service_domains_updated_to_the_latest_service_software_version",
    title="OpenSearch domain runs the latest service software",
    severity="high",
    resource_type="AwsOpenSearchServiceDomain",
    reads=["opensearch.domains"],
    risk="Service software updates carry security fixes; a domain with a pending update keeps known "
    "vulnerabilities until it is updated.",
    remediation="Start the pending service software update (aws opensearch start-service-software-update) or enable "
    "off-peak automatic updates.",
)
def opensearch_service_domains_updated_to_the_latest_service_software_version(domains):
    for domain in domains:
        available = domain.get("software_update_available")
        current = domain.get("software_version") or "unknown"
        if available is None:
            yield MANUAL(domain, f"{_label(domain)} did not report whether a service software update is pending.")
        elif available:
            new = domain.get("software_new_version") or "a newer release"
            yield FAIL(domain, f"{_label(domain)} runs service software {current} and {new} is available.")
        else:
            yield PASS(domain, f"{_label(domain)} runs the latest service software ({current}).")


# -- checks added for issue 12 --------------------------------------------------------------------------

FAULT_TOLERANT_NODES = 3


@check(
    id="opensearch_service_domains_fault_tolerant_data_nodes",
    title="OpenSearch domain has at least three data nodes spread across Availability Zones",
    severity="medium",
    resource_type="AwsOpenSearchServiceDomain",
    reads=["opensearch.domains"],
    risk="With fewer than three data nodes, or all in one zone, losing a node or a zone can make the domain "
    "unavailable or lose shards.",
    remediation="Use at least three data nodes and enable zone awareness (two or three Availability Zones).",
)
def opensearch_service_domains_fault_tolerant_data_nodes(domains):
    for domain in domains:
        count, zones = int(domain.get("instance_count") or 0), domain.get("zone_awareness")
        if count >= FAULT_TOLERANT_NODES and zones:
            yield PASS(domain, f"{_label(domain)} has {count} data nodes with zone awareness.")
        else:
            missing = [] if count >= FAULT_TOLERANT_NODES else [f"only {count} data node(s)"]
            missing += [] if zones else ["no zone awareness"]
            yield FAIL(domain, f"{_label(domain)} is not fault tolerant: {' and '.join(missing)}.")


@check(
    id="opensearch_service_domains_fault_tolerant_master_nodes",
    title="OpenSearch domain has at least three dedicated master nodes",
    severity="medium",
    resource_type="AwsOpenSearchServiceDomain",
    reads=["opensearch.domains"],
    risk="Without three dedicated master nodes, the cluster cannot keep a quorum when a master fails, and data "
    "nodes that double as masters are destabilised by load.",
    remediation="Enable dedicated master nodes with a count of three (or five).",
)
def opensearch_service_domains_fault_tolerant_master_nodes(domains):
    for domain in domains:
        count = int(domain.get("dedicated_master_count") or 0)
        if not domain.get("dedicated_master"):
            yield FAIL(domain, f"{_label(domain)} has no dedicated master nodes.")
        elif count < FAULT_TOLERANT_NODES:
            yield FAIL(domain, f"{_label(domain)} has only {count} dedicated master node(s).")
        else:
            yield PASS(domain, f"{_label(domain)} has {count} dedicated master nodes.")


@check(
    id="opensearch_service_domains_internal_user_database_enabled",
    title="OpenSearch domain does not use the internal user database",
    severity="medium",
    resource_type="AwsOpenSearchServiceDomain",
    reads=["opensearch.domains"],
    risk="Users in the internal database live outside your identity provider: no central MFA, password policy "
    "or removal when people leave.",
    remediation="Use IAM (a master user ARN), SAML or Cognito for fine-grained access control instead of the "
    "internal user database.",
)
def opensearch_service_domains_internal_user_database_enabled(domains):
    for domain in domains:
        if domain.get("internal_user_database"):
            yield FAIL(domain, f"{_label(domain)} uses the internal user database.")
        else:
            yield PASS(domain, f"{_label(domain)} does not use the internal user database.")


@check(
    id="opensearch_service_domains_use_cognito_authentication_for_kibana",
    title="OpenSearch domain authenticates Dashboards users through Cognito or SAML",
    severity="medium",
    resource_type="AwsOpenSearchServiceDomain",
    reads=["opensearch.domains"],
    risk="Without Cognito or SAML, OpenSearch Dashboards (Kibana) users are not authenticated by your identity "
    "provider.",
    remediation="Enable Amazon Cognito authentication or SAML authentication for OpenSearch Dashboards.",
)
def opensearch_service_domains_use_cognito_authentication_for_kibana(domains):
    for domain in domains:
        if domain.get("cognito_enabled") or domain.get("saml_enabled"):
            yield PASS(domain, f"{_label(domain)} authenticates Dashboards users through Cognito or SAML.")
        else:
            yield FAIL(domain, f"{_label(domain)} authenticates Dashboards users through neither Cognito nor SAML.")
