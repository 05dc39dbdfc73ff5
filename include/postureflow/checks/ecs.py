"""ECS checks: public IPs on services and task sets, and the container settings of task definitions."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check
from postureflow.secrets import describe_hits


def _names(containers: list[dict]) -> str:
    return ", ".join(str(c.get("name")) for c in containers)


def _runs_as_root(user: str | None) -> bool:
    """No user (the image default, usually root), root or UID 0, with or without a group."""
    return (user or "").split(":")[0] in ("", "root", "0")


def _containers(definition) -> list[dict]:
    return definition.get("containers") or []


def _public_ip_findings(resources, what: str):
    for resource in resources:
        if resource.get("assign_public_ip") == "ENABLED":
            yield FAIL(resource, f"ECS {what} {resource.id} assigns public IP addresses to its tasks.")
        else:
            yield PASS(resource, f"ECS {what} {resource.id} does not assign public IP addresses to its tasks.")


@check(
    id="ecs_service_no_assign_public_ip",
    title="ECS service does not give its tasks public IP addresses",
    severity="high",
    resource_type="AwsEcsService",
    reads=["ecs.services"],
    risk="Tasks with public IP addresses are reachable from the internet wherever their security groups allow it.",
    remediation="Set assignPublicIp to DISABLED in the service's awsvpcConfiguration and reach the internet "
    "through a NAT gateway or VPC endpoints.",
)
def ecs_service_no_assign_public_ip(services):
    yield from _public_ip_findings(services, "service")


@check(
    id="ecs_task_set_no_assign_public_ip",
    title="ECS task set does not give its tasks public IP addresses",
    severity="high",
    resource_type="AwsEcsService",
    reads=["ecs.task_sets"],
    risk="Tasks with public IP addresses are reachable from the internet wherever their security groups allow it.",
    remediation="Create the task set with assignPublicIp DISABLED in its awsvpcConfiguration.",
)
def ecs_task_set_no_assign_public_ip(task_sets):
    yield from _public_ip_findings(task_sets, "task set")


@check(
    id="ecs_task_definitions_no_privileged_containers",
    title="ECS task definition runs no privileged containers",
    severity="high",
    resource_type="AwsEcsTaskDefinition",
    reads=["ecs.task_definitions"],
    risk="A privileged container has root on the host: a compromise of it is a compromise of the instance "
    "and of every other task on it.",
    remediation="Register a new revision with privileged set to false and grant only the Linux capabilities "
    "the container needs.",
)
def ecs_task_definitions_no_privileged_containers(task_definitions):
    for definition in task_definitions:
        privileged = [c for c in _containers(definition) if c.get("privileged")]
        if privileged:
            yield FAIL(
                definition, f"ECS task definition {definition.id} has privileged containers: {_names(privileged)}."
            )
        else:
            yield PASS(definition, f"ECS task definition {definition.id} has no privileged containers.")


@check(
    id="ecs_task_definitions_containers_readonly_access",
    title="ECS task definition gives every container a read-only root file system",
    severity="high",
    resource_type="AwsEcsTaskDefinition",
    reads=["ecs.task_definitions"],
    risk="A writable root file system lets an attacker in the container drop tools and alter binaries.",
    remediation="Set readonlyRootFilesystem to true for each container and mount volumes for the paths "
    "that must be written.",
)
def ecs_task_definitions_containers_readonly_access(task_definitions):
    for definition in task_definitions:
        writable = [c for c in _containers(definition) if not c.get("read_only_root_filesystem")]
        if writable:
            yield FAIL(
                definition,
                f"ECS task definition {definition.id} has containers with writable root file systems: "
                f"{_names(writable)}.",
            )
        else:
            yield PASS(
                definition, f"ECS task definition {definition.id} has read-only root file systems in all containers."
            )


@check(
    id="ecs_task_definitions_host_namespace_not_shared",
    title="ECS task definition does not share the host's process namespace",
    severity="high",
    resource_type="AwsEcsTaskDefinition",
    reads=["ecs.task_definitions"],
    risk="With pidMode host, containers see and can signal every process on the instance, including other "
    "tasks and the ECS agent.",
    remediation="Register a new revision without pidMode host (use task or leave it unset).",
)
def ecs_task_definitions_host_namespace_not_shared(task_definitions):
    for definition in task_definitions:
        if definition.get("pid_mode") == "host":
            yield FAIL(definition, f"ECS task definition {definition.id} shares the host's process namespace.")
        else:
            yield PASS(definition, f"ECS task definition {definition.id} does not share the host's process namespace.")


@check(
    id="ecs_task_definitions_host_networking_mode_users",
    title="ECS task definition in host network mode runs its unprivileged containers as a non-root user",
    severity="high",
    resource_type="AwsEcsTaskDefinition",
    reads=["ecs.task_definitions"],
    risk="In host network mode a container shares the instance's network stack; running it as root makes "
    "a compromise of it a direct attack on the host's network.",
    remediation="Set a non-root user for each container, or register the task definition with the awsvpc network mode.",
)
def ecs_task_definitions_host_networking_mode_users(task_definitions):
    for definition in task_definitions:
        if definition.get("network_mode") != "host":
            yield PASS(definition, f"ECS task definition {definition.id} does not use host network mode.")
            continue
        rooted = [c for c in _containers(definition) if not c.get("privileged") and _runs_as_root(c.get("user"))]
        if rooted:
            yield FAIL(
                definition,
                f"ECS task definition {definition.id} uses host network mode with containers running as root: "
                f"{_names(rooted)}.",
            )
        else:
            yield PASS(definition, f"ECS task definition {definition.id} uses host network mode with non-root users.")


@check(
    id="ecs_task_definitions_logging_enabled",
    title="ECS task definition configures logging for every container",
    severity="high",
    resource_type="AwsEcsTaskDefinition",
    reads=["ecs.task_definitions"],
    risk="Containers without a log driver leave no record of their output for troubleshooting or "
    "incident investigation.",
    remediation="Add a logConfiguration (for example the awslogs driver) to each container definition.",
)
def ecs_task_definitions_logging_enabled(task_definitions):
    for definition in task_definitions:
        silent = [c for c in _containers(definition) if not c.get("log_driver")]
        if silent:
            yield FAIL(
                definition, f"ECS task definition {definition.id} has containers without logging: {_names(silent)}."
            )
        else:
            yield PASS(definition, f"ECS task definition {definition.id} configures logging for all containers.")


@check(
    id="ecs_task_definitions_no_environment_secrets",
    title="ECS task definition keeps no secrets in container environment variables",
    severity="critical",
    resource_type="AwsEcsTaskDefinition",
    reads=["ecs.task_definitions"],
    risk="Environment values in a task definition are readable by anyone allowed ecs:DescribeTaskDefinition "
    "and stay in every registered revision.",
    remediation="Reference the value from Secrets Manager or SSM Parameter Store in the container's secrets "
    "field, register a new revision, deregister the old ones and rotate the exposed secret.",
)
def ecs_task_definitions_no_environment_secrets(task_definitions):
    for definition in task_definitions:
        hits = [
            {"location": f"{c.get('name')}/{h.get('location')}", "type": h.get("type")}
            for c in _containers(definition)
            for h in c.get("environment_secrets") or []
        ]
        if hits:
            yield FAIL(
                definition,
                f"ECS task definition {definition.id} has secret-looking environment variables: {describe_hits(hits)}.",
            )
        else:
            yield PASS(definition, f"ECS task definition {definition.id} has no secret-looking environment variables.")


@check(
    id="ecs_cluster_container_insights_enabled",
    title="ECS cluster has Container Insights enabled or enhanced",
    severity="medium",
    resource_type="AwsEcsCluster",
    reads=["ecs.clusters"],
    risk="Without Container Insights there are no per-task and per-service CPU, memory and network metrics to "
    "notice resource exhaustion, crash loops or abuse such as crypto-mining.",
    remediation="Turn Container Insights on for the cluster (aws ecs update-cluster-settings --settings "
    "name=containerInsights,value=enhanced).",
)
def ecs_cluster_container_insights_enabled(clusters):
    for cluster in clusters:
        insights = cluster.get("container_insights")
        if insights in ("enabled", "enhanced"):
            yield PASS(cluster, f"ECS cluster {cluster.id} has Container Insights {insights}.")
        else:
            yield FAIL(cluster, f"ECS cluster {cluster.id} has Container Insights {insights}.")


@check(
    id="ecs_service_fargate_latest_platform_version",
    title="ECS Fargate service runs on the latest Fargate platform version",
    severity="medium",
    resource_type="AwsEcsService",
    reads=["ecs.services"],
    config=["fargate_linux_latest_version", "fargate_windows_latest_version"],
    risk="Older Fargate platform versions miss the kernel, runtime and agent security fixes of the newer ones.",
    remediation="Update the service to platform version LATEST (aws ecs update-service --platform-version LATEST "
    "--force-new-deployment).",
)
def ecs_service_fargate_latest_platform_version(services, config):
    # Prowler's condition binds "and" before "or", so a Windows service on LATEST fails there; LATEST always
    # resolves to the newest version (ECS developer guide), so it passes here for both families.
    for service in services:
        if service.readable("launch_type") and service.get("launch_type") != "FARGATE":
            continue  # (an unreadable service goes on to a no verdict)
        family = service.get("platform_family") or "Linux"
        windows = family.upper().startswith("WINDOWS")
        latest = str(config["fargate_windows_latest_version" if windows else "fargate_linux_latest_version"])
        version = service.get("platform_version") or "LATEST"
        if version in ("LATEST", latest):
            yield PASS(service, f"ECS service {service.id} runs on Fargate {family} platform version {version}.")
        else:
            yield FAIL(service, f"ECS service {service.id} runs on Fargate {family} platform version {version}, "
                       f"not the latest ({latest}).")  # fmt: skip


@check(
    id="ecs_task_definitions_logging_block_mode",
    title="ECS task definition containers log in non-blocking mode",
    severity="low",
    resource_type="AwsEcsTaskDefinition",
    reads=["ecs.task_definitions"],
    risk="In blocking mode a container whose log destination is slow or unreachable stops when its log buffer "
    "fills: a logging outage becomes an application outage.",
    remediation="Set logConfiguration.options.mode to non-blocking (with a max-buffer-size) on every container "
    "that has a log driver, and register a new revision.",
)
def ecs_task_definitions_logging_block_mode(task_definitions):
    for definition in task_definitions:
        logged = [c for c in _containers(definition) if c.get("log_driver")]
        if not logged and definition.readable("containers"):
            continue  # no container logs: ecs_task_definitions_logging_enabled reports it
        blocking = [c for c in logged if c.get("log_mode") != "non-blocking"]
        if blocking:
            yield FAIL(definition, f"ECS task definition {definition.id} logs in blocking mode from {_names(blocking)}.")
        else:
            yield PASS(definition, f"ECS task definition {definition.id} logs in non-blocking mode from every container.")
