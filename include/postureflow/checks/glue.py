"""Glue checks: Data Catalog password encryption and policy, connection SSL, ETL job S3 encryption."""

from __future__ import annotations

from postureflow import policy as _policy
from postureflow.checks._in_use import SCAN_UNUSED, judged
from postureflow.checks.base import FAIL, PASS, check, no_verdict
from postureflow.secrets import describe_hits

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
    config=[SCAN_UNUSED],
    risk="Without connection password encryption, anyone allowed to call GetConnection reads database passwords "
    "in clear text.",
    remediation="In the Data Catalog settings enable 'Encrypt connection passwords' with a KMS key "
    "(aws glue put-data-catalog-encryption-settings with ReturnConnectionPasswordEncrypted=true).",
)
def glue_data_catalogs_connection_passwords_encryption_enabled(data_catalogs, config):
    # Prowler judges catalogs with tables; here a catalog with connections (the passwords at stake), unless
    # unused resources are scanned. Unknown connections are judged, and so give no verdict.
    for catalog in data_catalogs:
        count = catalog.get("connection_count")
        if not judged(config, count != 0):
            continue
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


# -- secrets in arguments and connections -----------------------------------------------------------


@check(
    id="glue_etl_jobs_no_secrets_in_arguments",
    title="Glue ETL job keeps no secrets in its default arguments",
    severity="critical",
    resource_type="Other",
    reads=["glue.jobs"],
    risk="Default arguments are returned in clear text by GetJob to anyone who may read the job, and are copied "
    "into every run's details: a password or key there is readable far beyond the job.",
    remediation="Move the secret to AWS Secrets Manager, have the job read it at run time, remove the argument "
    "and rotate the exposed secret.",
)
def glue_etl_jobs_no_secrets_in_arguments(jobs):
    for job in jobs:
        hits = job.get("secrets") or []
        if hits:
            yield FAIL(job, f"Glue job {job.id} has secret-looking default arguments: {describe_hits(hits)}.")
        else:
            yield PASS(job, f"Glue job {job.id} has no secret-looking default arguments.")


@check(
    id="glue_catalog_connection_no_secrets",
    title="Glue Data Catalog connection keeps no credentials in its properties",
    severity="high",
    resource_type="Other",
    reads=["glue.connections"],
    risk="Credentials stored in a connection's properties are returned by GetConnection to anyone who may read "
    "the catalog (in clear text unless password encryption is on) instead of being governed by Secrets Manager.",
    remediation="Store the credentials in AWS Secrets Manager and reference the secret from the connection "
    "(SECRET_ID), then remove the password and any other secret from the properties.",
)
def glue_catalog_connection_no_secrets(connections):
    # Prowler reads every connection with its password and scans the values; postureflow never asks for
    # passwords (HidePassword): a USERNAME without a SECRET_ID means the password is stored in the
    # catalog, which is what this check is about, and the other properties are scanned for secrets.
    for connection in connections:
        hits = list(connection.get("secrets") or [])
        if connection.get("password_in_catalog"):
            hits.insert(0, {"location": "PASSWORD", "type": "password stored in the connection"})
        if hits:
            yield FAIL(connection, f"Glue connection {connection.id} keeps credentials in its properties: "
                       f"{describe_hits(hits)}.")  # fmt: skip
        else:
            yield PASS(connection, f"Glue connection {connection.id} keeps no credentials in its properties.")


# -- encryption through security configurations ---------------------------------------------------------


def _judge_security_configuration(resources, security_configurations, noun: str, field: str, what: str):
    """PASS a job or endpoint whose security configuration turns ``field`` encryption on; FAIL otherwise
    (no configuration, an unknown one, or one that leaves it off)."""
    configs = {(c.region, c.id): c for c in security_configurations}
    for resource in resources:
        name = resource.get("security_configuration")
        config = configs.get((resource.region, name)) if name else None
        mode = (config.get(field) if config else None) or "DISABLED"
        if mode != "DISABLED":
            yield PASS(resource, f"{noun} {resource.id} encrypts {what} with {mode} (security configuration {name}).")
        elif config:
            yield FAIL(resource, f"{noun} {resource.id} uses security configuration {name}, which leaves {what} "
                       "unencrypted.")  # fmt: skip
        else:
            yield FAIL(resource, f"{noun} {resource.id} has no security configuration encrypting {what}.")


@check(
    id="glue_etl_jobs_cloudwatch_logs_encryption_enabled",
    title="Glue ETL job encrypts the logs it writes to CloudWatch",
    severity="medium",
    resource_type="AwsGlueJob",
    reads=["glue.jobs", "glue.security_configurations"],
    risk="Job logs can carry data values, paths and errors with sensitive content; unencrypted they are readable "
    "by anyone who may read the log group.",
    remediation="Attach a security configuration with CloudWatch Logs encryption (SSE-KMS) to the job.",
)
def glue_etl_jobs_cloudwatch_logs_encryption_enabled(jobs, security_configurations):
    yield from _judge_security_configuration(jobs, security_configurations, "Glue job", "cloudwatch_encryption",
                                             "its CloudWatch logs")  # fmt: skip


@check(
    id="glue_etl_jobs_job_bookmark_encryption_enabled",
    title="Glue ETL job encrypts its job bookmarks",
    severity="medium",
    resource_type="Other",
    reads=["glue.jobs", "glue.security_configurations"],
    risk="Job bookmarks record which data a job processed; unencrypted they reveal data locations and progress "
    "to anyone who reaches them.",
    remediation="Attach a security configuration with job bookmark encryption (CSE-KMS) to the job.",
)
def glue_etl_jobs_job_bookmark_encryption_enabled(jobs, security_configurations):
    yield from _judge_security_configuration(jobs, security_configurations, "Glue job", "job_bookmarks_encryption",
                                             "its job bookmarks")  # fmt: skip


@check(
    id="glue_development_endpoints_s3_encryption_enabled",
    title="Glue development endpoint encrypts the data it writes to S3",
    severity="medium",
    resource_type="Other",
    reads=["glue.dev_endpoints", "glue.security_configurations"],
    risk="Data written to S3 from a development endpoint without S3 encryption settings may be stored "
    "unencrypted or outside your key's control.",
    remediation="Recreate the development endpoint with a security configuration that enables S3 encryption.",
)
def glue_development_endpoints_s3_encryption_enabled(dev_endpoints, security_configurations):
    yield from _judge_security_configuration(dev_endpoints, security_configurations, "Glue development endpoint",
                                             "s3_encryption", "its S3 data")  # fmt: skip


@check(
    id="glue_development_endpoints_cloudwatch_logs_encryption_enabled",
    title="Glue development endpoint encrypts the logs it writes to CloudWatch",
    severity="medium",
    resource_type="Other",
    reads=["glue.dev_endpoints", "glue.security_configurations"],
    risk="Logs from a development endpoint can carry data and errors with sensitive content; unencrypted they "
    "are readable by anyone who may read the log group.",
    remediation="Recreate the development endpoint with a security configuration that enables CloudWatch Logs "
    "encryption.",
)
def glue_development_endpoints_cloudwatch_logs_encryption_enabled(dev_endpoints, security_configurations):
    yield from _judge_security_configuration(dev_endpoints, security_configurations, "Glue development endpoint",
                                             "cloudwatch_encryption", "its CloudWatch logs")  # fmt: skip


@check(
    id="glue_development_endpoints_job_bookmark_encryption_enabled",
    title="Glue development endpoint encrypts job bookmarks",
    severity="medium",
    resource_type="Other",
    reads=["glue.dev_endpoints", "glue.security_configurations"],
    risk="Job bookmarks reveal data locations and processing progress to anyone who reaches them when they are "
    "not encrypted.",
    remediation="Recreate the development endpoint with a security configuration that enables job bookmark "
    "encryption.",
)
def glue_development_endpoints_job_bookmark_encryption_enabled(dev_endpoints, security_configurations):
    yield from _judge_security_configuration(dev_endpoints, security_configurations, "Glue development endpoint",
                                             "job_bookmarks_encryption", "job bookmarks")  # fmt: skip


@check(
    id="glue_etl_jobs_logging_enabled",
    title="Glue ETL job has continuous CloudWatch logging enabled",
    severity="medium",
    resource_type="Other",
    reads=["glue.jobs"],
    risk="Without continuous logging, a job's progress, errors and driver output are not kept for "
    "troubleshooting or for investigating misuse.",
    remediation="Set the job argument --enable-continuous-cloudwatch-log to true.",
)
def glue_etl_jobs_logging_enabled(jobs):
    for job in jobs:
        arguments = job.get("logging_arguments") or {}
        if str(arguments.get("--enable-continuous-cloudwatch-log", "false")).lower() == "true":
            yield PASS(job, f"Glue job {job.id} has continuous CloudWatch logging enabled.")
        else:
            yield FAIL(job, f"Glue job {job.id} does not have continuous CloudWatch logging enabled.")


@check(
    id="glue_ml_transform_encrypted_at_rest",
    title="Glue ML transform encrypts its user data at rest",
    severity="medium",
    resource_type="Other",
    reads=["glue.ml_transforms"],
    risk="An ML transform keeps labels and training data; without encryption at rest they are readable by "
    "anyone who reaches the storage.",
    remediation="Recreate the transform with TransformEncryption MlUserDataEncryptionMode SSE-KMS.",
)
def glue_ml_transform_encrypted_at_rest(ml_transforms):
    for transform in ml_transforms:
        mode = transform.get("user_data_encryption") or "DISABLED"
        label = f"Glue ML transform {transform.id} ({transform.get('name')})"
        if mode == "DISABLED":
            yield FAIL(transform, f"{label} does not encrypt its user data at rest.")
        else:
            yield PASS(transform, f"{label} encrypts its user data at rest with {mode}.")


@check(
    id="glue_data_catalogs_metadata_encryption_enabled",
    title="Glue Data Catalog encrypts its metadata with a KMS key",
    severity="medium",
    resource_type="Other",
    reads=["glue.data_catalogs"],
    config=[SCAN_UNUSED],
    risk="Unencrypted catalog metadata (databases, tables, schemas, locations) tells anyone who reaches it where "
    "the data is and what it holds.",
    remediation="Enable metadata encryption with SSE-KMS in the Data Catalog settings "
    "(aws glue put-data-catalog-encryption-settings).",
)
def glue_data_catalogs_metadata_encryption_enabled(data_catalogs, config):
    # Prowler judges only catalogs with tables unless unused resources are scanned; databases are catalog
    # metadata too, so a catalog with any database is judged here (an empty one holds nothing to encrypt).
    for catalog in data_catalogs:
        if not judged(config, catalog.get("has_databases") is not False):
            continue
        mode = catalog.get("metadata_encryption") or "DISABLED"
        if mode == "SSE-KMS":
            key = catalog.get("metadata_kms_key") or "the AWS managed key"
            yield PASS(catalog, f"{_catalog(catalog)} encrypts its metadata with SSE-KMS ({key}).")
        else:
            yield FAIL(catalog, f"{_catalog(catalog)} does not encrypt its metadata.")
