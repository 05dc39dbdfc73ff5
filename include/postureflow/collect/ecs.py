"""ECS: services (with their task sets) and active task definitions.

Calls per region: ListClusters and DescribeClusters (with settings) in batches of 100; per cluster
ListServices and DescribeServices in batches of 10 (task sets come inside the service description);
ListTaskDefinitions
(ACTIVE revisions) and DescribeTaskDefinition once per revision.

Container environment variables are scanned here for secret-looking values; only
the variable names and the kind of secret they look like are stored, never a value.
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector
from postureflow.secrets import scan_key_values

DESCRIBE_SERVICES_BATCH = 10
DESCRIBE_CLUSTERS_BATCH = 100
SERVICE_KINDS = ("services", "task_sets", "clusters")


@collector("ecs")
def collect_ecs(scope: RegionScope) -> None:
    ecs = scope.client("ecs")
    clusters = scope.list(ecs, "list_clusters", "clusterArns", kind=SERVICE_KINDS)
    _collect_clusters(scope, ecs, clusters.value or [])
    scope.each(clusters.value or [], lambda cluster_arn: _collect_services(scope, ecs, cluster_arn))
    arns = scope.list(ecs, "list_task_definitions", "taskDefinitionArns", kind="task_definitions", status="ACTIVE")
    scope.each(arns.value or [], lambda arn: _collect_task_definition(scope, ecs, arn))


def _collect_clusters(scope: RegionScope, ecs, arns: list[str]) -> None:
    clusters = scope.describe_batches(
        "clusters", ecs, "describe_clusters", arns, size=DESCRIBE_CLUSTERS_BATCH, param="clusters", key="clusters",
        listed=lambda arn: {"uid": arn, "id": arn.rsplit("/", 1)[-1]}, include=["SETTINGS", "TAGS"],
    )
    for cluster in clusters:
        settings = {s.get("name"): s.get("value") for s in cluster.get("settings") or []}
        scope.add(
            "clusters",
            uid=cluster["clusterArn"],
            id=cluster.get("clusterName") or cluster["clusterArn"].rsplit("/", 1)[-1],
            tags=cluster.get("tags"),
            container_insights=settings.get("containerInsights") or "disabled",
        )


def _public_ip(network_configuration: dict | None) -> str | None:
    return ((network_configuration or {}).get("awsvpcConfiguration") or {}).get("assignPublicIp")


def _collect_services(scope: RegionScope, ecs, cluster_arn: str) -> None:
    service_arns = scope.list(ecs, "list_services", "serviceArns", kind=SERVICE_KINDS, cluster=cluster_arn).value or []
    services = scope.describe_batches(
        "services", ecs, "describe_services", service_arns, size=DESCRIBE_SERVICES_BATCH, param="services",
        key="services", listed=lambda arn: {"uid": arn, "id": arn.rsplit("/", 1)[-1], "cluster_arn": cluster_arn},
        cluster=cluster_arn, include=["TAGS"],
    )
    for service in services:
        scope.add(
            "services",
            uid=service["serviceArn"],
            id=service["serviceName"],
            tags=service.get("tags"),
            cluster_arn=cluster_arn,
            status=service.get("status"),
            launch_type=service.get("launchType"),
            platform_version=service.get("platformVersion"),
            platform_family=service.get("platformFamily"),
            deployment_controller=(service.get("deploymentController") or {}).get("type"),
            task_definition=service.get("taskDefinition"),
            assign_public_ip=_public_ip(service.get("networkConfiguration")),
        )
        for task_set in service.get("taskSets") or []:
            scope.add(
                "task_sets",
                uid=task_set["taskSetArn"],
                id=task_set.get("id") or task_set["taskSetArn"].rsplit("/", 1)[-1],
                tags=task_set.get("tags"),
                service_arn=service["serviceArn"],
                service_name=service["serviceName"],
                cluster_arn=cluster_arn,
                status=task_set.get("status"),
                assign_public_ip=_public_ip(task_set.get("networkConfiguration")),
            )


def _collect_task_definition(scope: RegionScope, ecs, arn: str) -> None:
    answer = scope.fetch(ecs, "describe_task_definition", taskDefinition=arn, include=["TAGS"])
    if not answer.ok:
        family_revision = arn.rsplit("/", 1)[-1]
        scope.add_unreadable("task_definitions", answer, uid=arn, id=family_revision)
        return
    definition = answer.value.get("taskDefinition") or {}
    scope.add(
        "task_definitions",
        uid=definition.get("taskDefinitionArn", arn),
        id=f"{definition.get('family')}:{definition.get('revision')}",
        tags=answer.value.get("tags"),
        family=definition.get("family"),
        revision=definition.get("revision"),
        network_mode=definition.get("networkMode"),
        pid_mode=definition.get("pidMode"),
        ipc_mode=definition.get("ipcMode"),
        containers=[_container(c) for c in definition.get("containerDefinitions") or []],
    )


def _container(container: dict) -> dict:
    environment = [(e.get("name", ""), e.get("value")) for e in container.get("environment") or []]
    return {
        "name": container.get("name"),
        "privileged": bool(container.get("privileged")),
        "read_only_root_filesystem": bool(container.get("readonlyRootFilesystem")),
        "user": container.get("user") or "",
        "log_driver": (container.get("logConfiguration") or {}).get("logDriver"),
        "log_mode": ((container.get("logConfiguration") or {}).get("options") or {}).get("mode"),
        # Only the names and kinds of secret-looking variables; the values never leave this function.
        "environment_secrets": scan_key_values(environment),
    }
