"""Glue: the region's Data Catalog settings and policy, connections, ETL jobs, development
endpoints, ML transforms and security configurations.

Calls per region: GetDataCatalogEncryptionSettings, GetResourcePolicy, GetDatabases
(one page of one), and (all
pages) GetConnections (with HidePassword), GetJobs, GetDevEndpoints,
GetMLTransforms and GetSecurityConfigurations.

Connection properties hold user names and passwords and job arguments may hold
secrets: a connection keeps its SSL flags and which properties look secret, a job
its --encryption-type and logging arguments and which arguments look secret
(names and types from ``postureflow.secrets``, never a value). Passwords are never
requested (HidePassword).
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector
from postureflow.secrets import scan_key_values

NO_POLICY = ("EntityNotFoundException",)
# Connection properties left out of the secret scan: a user name is no secret, and a Secrets Manager
# reference (SECRET_ID) is the remedy. With HidePassword AWS leaves PASSWORD out: a connection that
# names a USERNAME without a SECRET_ID keeps its password in the catalog.
NOT_SECRET_PROPERTIES = {"SECRET_ID", "USERNAME"}
LOGGING_ARGUMENTS = ("--enable-continuous-cloudwatch-log", "--enable-continuous-log-filter")


@collector("glue")
def collect_glue(scope: RegionScope) -> None:
    client = scope.client("glue")
    connections = scope.list(client, "get_connections", "ConnectionList", kind="connections", HidePassword=True)
    for connection in connections.value or []:
        props = connection.get("ConnectionProperties") or {}
        name = connection["Name"]
        scope.add(
            "connections",
            uid=scope.arn("glue", f"connection/{name}"),
            id=name,
            connection_type=connection.get("ConnectionType") or ("JDBC" if "JDBC_CONNECTION_URL" in props else None),
            jdbc_enforce_ssl=str(props.get("JDBC_ENFORCE_SSL", "false")).lower() == "true",
            kafka_ssl_enabled=str(props.get("KAFKA_SSL_ENABLED", "false")).lower() == "true",
            secrets=scan_key_values({k: v for k, v in props.items() if k not in NOT_SECRET_PROPERTIES}),
            password_in_catalog="USERNAME" in props and "SECRET_ID" not in props,
        )
    _collect_catalog(scope, client, connections.map(len))
    _collect_security_configurations(scope, client)
    _collect_jobs(scope, client)
    _collect_dev_endpoints(scope, client)
    _collect_ml_transforms(scope, client)


def _collect_security_configurations(scope: RegionScope, client) -> None:
    configs = scope.list(client, "get_security_configurations", "SecurityConfigurations", kind="security_configurations")
    for config in configs.value or []:
        encryption = config.get("EncryptionConfiguration") or {}
        s3 = (encryption.get("S3Encryption") or [{}])[0]
        scope.add(
            "security_configurations",
            uid=scope.arn("glue", f"securityConfiguration/{config['Name']}"),
            id=config["Name"],
            s3_encryption=s3.get("S3EncryptionMode") or "DISABLED",
            s3_kms_key=s3.get("KmsKeyArn"),
            cloudwatch_encryption=(encryption.get("CloudWatchEncryption") or {}).get("CloudWatchEncryptionMode"),
            job_bookmarks_encryption=(encryption.get("JobBookmarksEncryption") or {}).get("JobBookmarksEncryptionMode"),
        )


def _collect_jobs(scope: RegionScope, client) -> None:
    for job in scope.list(client, "get_jobs", "Jobs", kind="jobs").value or []:
        arguments = job.get("DefaultArguments") or {}
        scope.add(
            "jobs",
            uid=scope.arn("glue", f"job/{job['Name']}"),
            id=job["Name"],
            security_configuration=job.get("SecurityConfiguration"),
            # The only job arguments kept: others may carry credentials.
            encryption_type=arguments.get("--encryption-type"),
            logging_arguments={k: arguments[k] for k in LOGGING_ARGUMENTS if k in arguments},
            secrets=scan_key_values(arguments),
        )


def _collect_dev_endpoints(scope: RegionScope, client) -> None:
    endpoints = scope.list(client, "get_dev_endpoints", "DevEndpoints", kind="dev_endpoints")
    for endpoint in endpoints.value or []:
        name = endpoint["EndpointName"]
        scope.add(
            "dev_endpoints",
            uid=scope.arn("glue", f"devEndpoint/{name}"),
            id=name,
            security_configuration=endpoint.get("SecurityConfiguration"),
        )


def _collect_ml_transforms(scope: RegionScope, client) -> None:
    transforms = scope.list(client, "get_ml_transforms", "Transforms", kind="ml_transforms")
    for transform in transforms.value or []:
        at_rest = (transform.get("TransformEncryption") or {}).get("MlUserDataEncryption") or {}
        scope.add(
            "ml_transforms",
            uid=scope.arn("glue", f"mlTransform/{transform['TransformId']}"),
            id=transform["TransformId"],
            name=transform.get("Name"),
            user_data_encryption=at_rest.get("MlUserDataEncryptionMode") or "DISABLED",
        )


def _collect_catalog(scope: RegionScope, client, connection_count) -> None:
    settings = scope.fetch(client, "get_data_catalog_encryption_settings")
    # one page of one database: whether the catalog holds any metadata (databases, and the tables
    # in them) that its encryption setting protects
    databases = scope.fetch(client, "get_databases", MaxResults=1)
    policy = scope.fetch(client, "get_resource_policy", absent=NO_POLICY)
    catalog = settings.map(lambda s: s.get("DataCatalogEncryptionSettings") or {})
    passwords = catalog.map(lambda c: c.get("ConnectionPasswordEncryption") or {})
    at_rest = catalog.map(lambda c: c.get("EncryptionAtRest") or {})
    scope.add(
        "data_catalogs",
        uid=scope.arn("glue", "catalog"),
        id=scope.account_id,
        connection_count=connection_count,
        has_databases=databases.map(lambda d: bool(d.get("DatabaseList"))),
        password_encryption=passwords.map(lambda p: bool(p.get("ReturnConnectionPasswordEncrypted"))),
        password_kms_key=passwords.get("AwsKmsKeyId"),
        metadata_encryption=at_rest.map(lambda a: a.get("CatalogEncryptionMode") or "DISABLED"),
        metadata_kms_key=at_rest.get("SseAwsKmsKeyId"),
        # The catalog's resource policy JSON as AWS returns it; None when it has none.
        policy=policy.map(lambda p: p.get("PolicyInJson") or None),
    )
