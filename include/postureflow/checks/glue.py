"""Glue checks: Data Catalog password encryption and policy, connection SSL, ETL job S3 encryption."""

from __future__ import annotations

from postureflow import policy as _policy
from postureflow.checks.base import FAIL, PASS, check, no_verdict

# A policy AWS returned that is not a JSON policy document: judged by no one (never PASS).
UNPARSEABLE = "its policy (not a JSON policy document)"


def _catalog(catalog) -> str:
    return f"Glue Data Catalog in {catalog.region}"


@check(
    id="glue_data_catalogs_connection_passwords_encryption_enabled",
    title="Glue Data Catalog encrypts connection passwords with a KMS key",
    severity="high",
    resource_type="Other",
    reads=["glue.data_catalogs"],
    risk="Without connection password encryption, anyone allowed to call GetConnection reads database passwords "
    "in clear text.",
    remediation="In the Data Catalog settings enable 'Encrypt connection passwords' with a KMS key "
    "(aws glue put-data-catalog-encryption-settings with ReturnConnectionPasswordEncrypted=true).",
)
def glue_data_catalogs_connection_passwords_encryption_enabled(data_catalogs):
    for catalog in data_catalogs:
        count = catalog.get("connection_count")
        if count == 0:
            continue  # no connections, no passwords to protect (unknown: judged, and so no verdict)
        if catalog.get("password_encryption"):
            key = catalog.get("password_kms_key") or "the default key"
            yield PASS(catalog, f"{_catalog(catalog)} encrypts connection passwords with {key}.")
        else:
            yield FAIL(catalog, f"{_catalog(catalog)} returns the passwords of its {count} connection(s) unencrypted.")


@check(
    id="glue_data_catalogs_not_publicly_accessible",
    title="Glue Data Catalog resource policy does not grant access to everyone",
    severity="high",
    resource_type="Other",
    reads=["glue.data_catalogs"],
    risk="A catalog policy open to any principal lets anyone read or change the metadata of your databases and "
    "tables, and find the data behind them.",
    remediation="Restrict the Data Catalog resource policy to named accounts, roles or your organization "
    "(aws glue put-resource-policy), or delete it.",
)
def glue_data_catalogs_not_publicly_accessible(data_catalogs):
    for catalog in data_catalogs:
        policy = catalog.get("policy")
        if not policy and catalog.readable("policy"):
            continue  # no resource policy, nothing shared (an unread one is judged, and so gives no verdict)
        if not _policy.parseable(policy):
            yield no_verdict(FAIL(catalog, ""), [UNPARSEABLE])
        elif _policy.is_public(policy):
            yield FAIL(catalog, f"{_catalog(catalog)} has a resource policy that allows any principal.")
        else:
            yield PASS(catalog, f"{_catalog(catalog)} has a resource policy that allows no anonymous principal.")


@check(
    id="glue_database_connections_ssl_enabled",
    title="Glue JDBC or Kafka connection requires SSL",
    severity="high",
    resource_type="Other",
    reads=["glue.connections"],
    risk="Without enforced SSL, Glue jobs and crawlers may talk to the data store unencrypted, exposing "
    "credentials and data on the network.",
    remediation="Edit the connection and turn on 'Require SSL connection' (JDBC_ENFORCE_SSL=true, or "
    "KAFKA_SSL_ENABLED=true for Kafka).",
)
def glue_database_connections_ssl_enabled(connections):
    for connection in connections:
        kind = (connection.get("connection_type") or "").upper()
        if kind == "JDBC":
            enforced = connection.get("jdbc_enforce_ssl")
        elif kind == "KAFKA":
            enforced = connection.get("kafka_ssl_enabled")
        else:
            continue  # other connection types have no SSL switch of their own
        if enforced:
            yield PASS(connection, f"Glue {kind} connection {connection.id} requires SSL.")
        else:
            yield FAIL(connection, f"Glue {kind} connection {connection.id} does not require SSL.")


@check(
    id="glue_etl_jobs_amazon_s3_encryption_enabled",
    title="Glue ETL job encrypts the data it writes to S3",
    severity="high",
    resource_type="Other",
    reads=["glue.jobs", "glue.security_configurations"],
    risk="A job without S3 encryption settings may write its output, temporary files and shuffle data to S3 "
    "unencrypted or outside your key's control.",
    remediation="Attach a security configuration with S3 encryption (SSE-KMS or SSE-S3) to the job, or set the "
    "job argument --encryption-type sse-s3.",
)
def glue_etl_jobs_amazon_s3_encryption_enabled(jobs, security_configurations):
    configs = {(c.region, c.id): c for c in security_configurations}
    for job in jobs:
        name = job.get("security_configuration")
        config = configs.get((job.region, name)) if name else None
        mode = (config.get("s3_encryption") if config else None) or "DISABLED"
        if mode != "DISABLED":
            yield PASS(job, f"Glue job {job.id} encrypts S3 data with {mode} through security configuration {name}.")
        elif job.get("encryption_type") == "sse-s3":
            yield PASS(job, f"Glue job {job.id} encrypts S3 data with SSE-S3 through its --encryption-type argument.")
        elif config:
            yield FAIL(job, f"Glue job {job.id} uses security configuration {name}, which leaves S3 encryption off.")
        else:
            yield FAIL(
                job,
                f"Glue job {job.id} has no S3 encryption: no security configuration with S3 encryption and no "
                "--encryption-type argument.",
            )
