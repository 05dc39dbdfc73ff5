"""DynamoDB: tables and DAX clusters.

Calls per region: paginated ListTables; per table DescribeTable,
DescribeContinuousBackups and ListTagsOfResource; paginated DAX DescribeClusters.
The AWS Backup selections that can cover tables are the backup collector's.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from postureflow.collect.base import RegionScope, collector

TABLE_THREADS = 8
NOT_FOUND = ("ResourceNotFoundException",)
TABLE_GONE = NOT_FOUND + ("TableNotFoundException",)


@collector("dynamodb")
def collect_dynamodb(scope: RegionScope) -> None:
    client = scope.client("dynamodb")
    names = list(scope.paginate(client, "list_tables", "TableNames"))
    with ThreadPoolExecutor(max_workers=TABLE_THREADS) as pool:
        list(pool.map(lambda name: _collect_table(scope, client, name), names))
    _collect_dax(scope)


def _collect_table(scope: RegionScope, client, name: str) -> None:
    answer = scope.call(client, "describe_table", absent=NOT_FOUND, TableName=name)
    table = (answer or {}).get("Table")
    if not table:
        return
    arn = table.get("TableArn") or scope.arn("dynamodb", f"table/{name}")
    backups = scope.call(client, "describe_continuous_backups", absent=TABLE_GONE, TableName=name)
    pitr = ((backups or {}).get("ContinuousBackupsDescription") or {}).get("PointInTimeRecoveryDescription") or {}
    tags = list(scope.paginate(client, "list_tags_of_resource", "Tags", ResourceArn=arn))
    sse = table.get("SSEDescription") or {}
    scope.add(
        "tables",
        uid=arn,
        id=name,
        tags=tags,
        status=table.get("TableStatus"),
        deletion_protection=bool(table.get("DeletionProtectionEnabled")),
        # ENABLED / DISABLED, or None when DescribeContinuousBackups could not be read.
        pitr_status=pitr.get("PointInTimeRecoveryStatus") if backups is not None else None,
        sse_type=sse.get("SSEType"),
        sse_status=sse.get("Status"),
        kms_key_arn=sse.get("KMSMasterKeyArn"),
        billing_mode=(table.get("BillingModeSummary") or {}).get("BillingMode"),
    )


def _collect_dax(scope: RegionScope) -> None:
    dax = scope.client("dax")
    for cluster in scope.paginate(dax, "describe_clusters", "Clusters"):
        name = cluster["ClusterName"]
        scope.add(
            "dax_clusters",
            uid=cluster.get("ClusterArn") or scope.arn("dax", f"cache/{name}"),
            id=name,
            status=cluster.get("Status"),
            sse_status=(cluster.get("SSEDescription") or {}).get("Status"),
            endpoint_encryption=cluster.get("ClusterEndpointEncryptionType"),
        )

