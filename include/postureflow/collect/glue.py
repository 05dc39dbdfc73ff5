"""Glue: the region's Data Catalog settings and policy, connections, ETL jobs and security configurations.

Calls per region: GetDataCatalogEncryptionSettings, GetResourcePolicy, and paginated
GetConnections (with HidePassword), GetJobs and GetSecurityConfigurations.

Connection properties hold user names and passwords and job arguments may hold
secrets: only the SSL flags of a connection and the --encryption-type argument
of a job are stored.
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector

NO_POLICY = ("EntityNotFoundException",)


@collector("glue")
def collect_glue(scope: RegionScope) -> None:
    client = scope.client("glue")
    connections = list(scope.paginate(client, "get_connections", "ConnectionList", HidePassword=True))
    for connection in connections:
        props = connection.get("ConnectionProperties") or {}
        name = connection["Name"]
        scope.add(
            "connections",
            uid=scope.arn("glue", f"connection/{name}"),
            id=name,
            connection_type=connection.get("ConnectionType") or ("JDBC" if "JDBC_CONNECTION_URL" in props else None),
            jdbc_enforce_ssl=str(props.get("JDBC_ENFORCE_SSL", "false")).lower() == "true",
            kafka_ssl_enabled=str(props.get("KAFKA_SSL_ENABLED", "false")).lower() == "true",
        )
    _collect_catalog(scope, client, len(connections))

    configs = scope.paginate(client, "get_security_configurations", "SecurityConfigurations")
    for config in configs:
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

    for job in scope.paginate(client, "get_jobs", "Jobs"):
        scope.add(
            "jobs",
            uid=scope.arn("glue", f"job/{job['Name']}"),
            id=job["Name"],
            security_configuration=job.get("SecurityConfiguration"),
            # The only job argument kept: others may carry credentials.
            encryption_type=(job.get("DefaultArguments") or {}).get("--encryption-type"),
        )


def _collect_catalog(scope: RegionScope, client, connection_count: int) -> None:
    settings = scope.call(client, "get_data_catalog_encryption_settings")
    policy = scope.call(client, "get_resource_policy", absent=NO_POLICY)
    if settings is None:
        return
    catalog = settings.get("DataCatalogEncryptionSettings") or {}
    passwords = catalog.get("ConnectionPasswordEncryption") or {}
    at_rest = catalog.get("EncryptionAtRest") or {}
    scope.add(
        "data_catalogs",
        uid=scope.arn("glue", "catalog"),
        id=scope.account_id,
        connection_count=connection_count,
        password_encryption=bool(passwords.get("ReturnConnectionPasswordEncrypted")),
        password_kms_key=passwords.get("AwsKmsKeyId"),
        metadata_encryption=at_rest.get("CatalogEncryptionMode") or "DISABLED",
        metadata_kms_key=at_rest.get("SseAwsKmsKeyId"),
        # The catalog's resource policy JSON as AWS returns it; None when it has none.
        policy=(policy or {}).get("PolicyInJson") or None,
    )
