"""DMS: replication instances and endpoints."""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector


@collector("dms")
def collect_dms(scope: RegionScope) -> None:
    dms = scope.client("dms")
    instances = scope.list(dms, "describe_replication_instances", "ReplicationInstances", kind="replication_instances")
    for instance in instances.value or []:
        scope.add(
            "replication_instances",
            uid=instance["ReplicationInstanceArn"],
            id=instance["ReplicationInstanceIdentifier"],
            status=instance.get("ReplicationInstanceStatus"),
            engine_version=instance.get("EngineVersion"),
            publicly_accessible=bool(instance.get("PubliclyAccessible")),
            public_ips=[ip for ip in instance.get("ReplicationInstancePublicIpAddresses", []) if ip],
            auto_minor_version_upgrade=bool(instance.get("AutoMinorVersionUpgrade")),
            multi_az=bool(instance.get("MultiAZ")),
            security_group_ids=[g["VpcSecurityGroupId"] for g in instance.get("VpcSecurityGroups", [])],
            kms_key_id=instance.get("KmsKeyId"),
        )
    for endpoint in scope.list(dms, "describe_endpoints", "Endpoints", kind="endpoints").value or []:
        scope.add(
            "endpoints",
            uid=endpoint["EndpointArn"],
            id=endpoint["EndpointIdentifier"],
            endpoint_type=endpoint.get("EndpointType"),
            engine=endpoint.get("EngineName"),
            ssl_mode=endpoint.get("SslMode"),
        )
