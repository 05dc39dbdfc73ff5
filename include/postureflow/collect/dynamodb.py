"""DynamoDB: tables and DAX clusters.

Calls per region: ListTables (all pages); per table DescribeTable,
DescribeContinuousBackups, GetResourcePolicy and ListTagsOfResource; when a
table bills per provisioned capacity, application-autoscaling
DescribeScalableTargets (namespace dynamodb, all pages) once; DAX
DescribeClusters (all pages). The AWS Backup selections that can cover tables
are the backup collector's.
"""

from __future__ import annotations

import json

from postureflow.collect.base import RegionScope, collector

NOT_FOUND = ("ResourceNotFoundException",)
TABLE_GONE = NOT_FOUND + ("TableNotFoundException",)
NO_POLICY = ("PolicyNotFoundException",) + NOT_FOUND
PROVISIONED = "PROVISIONED"


@collector("dynamodb")
def collect_dynamodb(scope: RegionScope) -> None:
    client = scope.client("dynamodb")
    names = scope.list(client, "list_tables", "TableNames", kind="tables").value or []
    described = scope.each(names, lambda name: (name, scope.fetch(client, "describe_table", absent=NOT_FOUND, TableName=name)))
    described = [(name, answer) for name, answer in described if answer.state != "absent"]  # absent: deleted since
    scaling = None
    if any(answer.ok and _billing_mode(answer.value["Table"]) == PROVISIONED for _, answer in described):
        scaling = scope.list(
            scope.client("application-autoscaling"), "describe_scalable_targets", "ScalableTargets",
            ServiceNamespace="dynamodb",
        ).map(lambda targets: {(t.get("ResourceId"), t.get("ScalableDimension")) for t in targets})  # fmt: skip
    scope.each(described, lambda item: _collect_table(scope, client, *item, scaling))
    _collect_dax(scope)


def _billing_mode(table: dict) -> str:
    # DescribeTable leaves BillingModeSummary out for tables that were always provisioned
    return (table.get("BillingModeSummary") or {}).get("BillingMode") or PROVISIONED


def _collect_table(scope: RegionScope, client, name: str, described, scaling) -> None:
    if not described.ok:
        # listed but not described: every setting is unread, so each check gives no verdict on it
        scope.add_unreadable("tables", described, uid=scope.arn("dynamodb", f"table/{name}"), id=name)
        return
    table = described.value["Table"]
    arn = table.get("TableArn") or scope.arn("dynamodb", f"table/{name}")
    backups = scope.fetch(client, "describe_continuous_backups", absent=TABLE_GONE, TableName=name)
    policy = scope.fetch(client, "get_resource_policy", absent=NO_POLICY, ResourceArn=arn)
    tags = scope.list(client, "list_tags_of_resource", "Tags", token=("NextToken", "NextToken"), ResourceArn=arn)
    sse = table.get("SSEDescription") or {}
    billing = _billing_mode(table)
    autoscaling = None
    if billing == PROVISIONED and scaling is not None:
        resource = f"table/{name}"
        autoscaling = scaling.map(lambda found: {
            "read": (resource, "dynamodb:table:ReadCapacityUnits") in found,
            "write": (resource, "dynamodb:table:WriteCapacityUnits") in found,
        })  # fmt: skip
    scope.add(
        "tables",
        uid=arn,
        id=name,
        tags=tags,
        status=table.get("TableStatus"),
        deletion_protection=bool(table.get("DeletionProtectionEnabled")),
        # ENABLED / DISABLED
        pitr_status=backups.map(
            lambda b: ((b.get("ContinuousBackupsDescription") or {}).get("PointInTimeRecoveryDescription") or {}).get(
                "PointInTimeRecoveryStatus"
            )
        ),
        # "KMS" for a KMS key (AWS managed or customer managed); None for DynamoDB's own key
        sse_type=sse.get("SSEType"),
        sse_status=sse.get("Status"),
        kms_key_arn=sse.get("KMSMasterKeyArn"),
        billing_mode=billing,
        policy=policy.map(lambda r: json.loads(r.get("Policy") or "null")),
        # provisioned tables: whether read and write capacity scale automatically
        autoscaling=autoscaling,
    )


def _collect_dax(scope: RegionScope) -> None:
    dax = scope.client("dax")
    clusters = scope.list(dax, "describe_clusters", "Clusters", kind="dax_clusters", token=("NextToken", "NextToken"))
    for cluster in clusters.value or []:
        name = cluster["ClusterName"]
        scope.add(
            "dax_clusters",
            uid=cluster.get("ClusterArn") or scope.arn("dax", f"cache/{name}"),
            id=name,
            status=cluster.get("Status"),
            sse_status=(cluster.get("SSEDescription") or {}).get("Status"),
            endpoint_encryption=cluster.get("ClusterEndpointEncryptionType"),
            node_zones=sorted({n.get("AvailabilityZone") for n in cluster.get("Nodes") or [] if n.get("AvailabilityZone")}),
        )
