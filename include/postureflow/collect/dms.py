"""DMS: replication instances, endpoints and replication tasks.

Calls per region: DescribeReplicationInstances, DescribeEndpoints and
DescribeReplicationTasks (all pages; the tasks without their table mappings).
Endpoints keep their engine's security settings only, never a password.
"""

from __future__ import annotations

import json

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
            # AWS's defaults where a setting is left out: no MongoDB authentication, no Neptune IAM
            # authorization, plaintext to Redis
            mongodb_auth_type=(endpoint.get("MongoDbSettings") or {}).get("AuthType", "no"),
            neptune_iam_auth=bool((endpoint.get("NeptuneSettings") or {}).get("IamAuthEnabled")),
            redis_ssl_protocol=(endpoint.get("RedisSettings") or {}).get("SslSecurityProtocol", "plaintext"),
        )
    tasks = scope.list(dms, "describe_replication_tasks", "ReplicationTasks", kind="replication_tasks",
                       WithoutSettings=False)  # fmt: skip
    for task in tasks.value or []:
        logging = _settings(task.get("ReplicationTaskSettings")).get("Logging") or {}
        scope.add(
            "replication_tasks",
            uid=task["ReplicationTaskArn"],
            id=task["ReplicationTaskIdentifier"],
            status=task.get("Status"),
            logging_enabled=bool(logging.get("EnableLogging")),
            log_components={c.get("Id"): c.get("Severity") for c in logging.get("LogComponents") or [] if c.get("Id")},
        )


def _settings(text: str | None) -> dict:
    try:
        settings = json.loads(text or "{}")
    except ValueError:
        return {}
    return settings if isinstance(settings, dict) else {}
