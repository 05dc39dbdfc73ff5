"""DMS checks: replication instances and endpoints."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check, no_verdict

INTERNET = ("0.0.0.0/0", "::/0")


def group_open_to_internet(group) -> bool:
    """Whether a security group (``ec2.security_groups`` record) admits 0.0.0.0/0 or ::/0 on any port."""
    for rule in group.get("ingress_rules") or []:
        if any(r.get("CidrIp") in INTERNET for r in rule.get("IpRanges") or []):
            return True
        if any(r.get("CidrIpv6") in INTERNET for r in rule.get("Ipv6Ranges") or []):
            return True
    return False


@check(
    id="dms_endpoint_ssl_enabled",
    title="DMS endpoint uses SSL",
    severity="high",
    resource_type="AwsDmsEndpoint",
    reads=["dms.endpoints"],
    risk="Data replicated over an endpoint without SSL crosses the network in clear text.",
    remediation="Set the endpoint's SSL mode to require, verify-ca or verify-full.",
)
def dms_endpoint_ssl_enabled(endpoints):
    for endpoint in endpoints:
        mode = endpoint.get("ssl_mode") or "none"
        if mode != "none":
            yield PASS(endpoint, f"DMS endpoint {endpoint.id} uses SSL mode {mode}.")
        else:
            yield FAIL(endpoint, f"DMS endpoint {endpoint.id} does not use SSL.")


@check(
    id="dms_instance_minor_version_upgrade_enabled",
    title="DMS replication instance upgrades minor versions automatically",
    severity="medium",
    resource_type="AwsDmsReplicationInstance",
    reads=["dms.replication_instances"],
    risk="Without automatic minor upgrades, security fixes in new DMS engine versions are not applied.",
    remediation="Enable AutoMinorVersionUpgrade on the replication instance.",
)
def dms_instance_minor_version_upgrade_enabled(instances):
    for instance in instances:
        if instance.get("auto_minor_version_upgrade"):
            yield PASS(instance, f"DMS replication instance {instance.id} upgrades minor versions automatically.")
        else:
            yield FAIL(
                instance, f"DMS replication instance {instance.id} does not upgrade minor versions automatically."
            )


@check(
    id="dms_instance_no_public_access",
    title="DMS replication instance is not exposed to the internet",
    severity="critical",
    resource_type="AwsDmsReplicationInstance",
    reads=["dms.replication_instances", "ec2.security_groups"],
    risk="A publicly accessible replication instance whose security group admits the internet can be "
    "reached and attacked from anywhere, and it holds credentials to source and target databases.",
    remediation="Recreate the replication instance without public accessibility, or restrict its security "
    "groups to the networks that need it.",
)
def dms_instance_no_public_access(instances, security_groups):
    groups = {(g.region, g.id): g for g in security_groups}
    for instance in instances:
        if not instance.get("publicly_accessible"):
            yield PASS(instance, f"DMS replication instance {instance.id} is not publicly accessible.")
            continue
        keys = [(instance.region, gid) for gid in instance.get("security_group_ids") or []]
        missing = [gid for region, gid in keys if (region, gid) not in groups]
        if missing:
            # a group that was not read could admit anyone: no verdict rather than a PASS
            yield no_verdict(FAIL(instance, ""), [f"security group(s) {', '.join(missing)} (not in the inventory)"])
            continue
        attached = [groups[k] for k in keys]
        open_groups = [g.id for g in attached if group_open_to_internet(g)]
        if open_groups:
            yield FAIL(
                instance,
                f"DMS replication instance {instance.id} is publicly accessible and security group(s) "
                f"{', '.join(open_groups)} admit traffic from the internet.",
            )
        else:
            yield PASS(
                instance,
                f"DMS replication instance {instance.id} is publicly accessible but none of its security groups "
                "admits traffic from the internet.",
            )


# -- checks added for issue 12 --------------------------------------------------------------------------


@check(
    id="dms_instance_multi_az_enabled",
    title="DMS replication instance is deployed in multiple Availability Zones",
    severity="medium",
    resource_type="AwsDmsReplicationInstance",
    reads=["dms.replication_instances"],
    risk="A single-AZ replication instance stops every migration and ongoing replication when its zone or host "
    "fails.",
    remediation="Modify the replication instance with --multi-az.",
)
def dms_instance_multi_az_enabled(instances):
    for instance in instances:
        if instance.get("multi_az"):
            yield PASS(instance, f"DMS replication instance {instance.id} is deployed in multiple Availability Zones.")
        else:
            yield FAIL(instance, f"DMS replication instance {instance.id} runs in a single Availability Zone.")


def _endpoints_of(endpoints, engine: str):
    return [e for e in endpoints if (e.get("engine") or "").lower() == engine]


@check(
    id="dms_endpoint_mongodb_authentication_enabled",
    title="DMS endpoint for MongoDB authenticates",
    severity="medium",
    resource_type="AwsDmsEndpoint",
    reads=["dms.endpoints"],
    risk="An endpoint that connects to MongoDB without authentication means the database accepts anonymous "
    "connections that can read or change all of its data.",
    remediation="Set the endpoint's MongoDB AuthType to password and AuthMechanism to scram-sha-1 or mongodb-cr.",
)
def dms_endpoint_mongodb_authentication_enabled(endpoints):
    for endpoint in _endpoints_of(endpoints, "mongodb"):
        auth = endpoint.get("mongodb_auth_type") or "no"
        if auth != "no":
            yield PASS(endpoint, f"DMS endpoint {endpoint.id} authenticates to MongoDB ({auth}).")
        else:
            yield FAIL(endpoint, f"DMS endpoint {endpoint.id} connects to MongoDB without authentication.")


@check(
    id="dms_endpoint_neptune_iam_authorization_enabled",
    title="DMS endpoint for Neptune uses IAM authorization",
    severity="medium",
    resource_type="AwsDmsEndpoint",
    reads=["dms.endpoints"],
    risk="Without IAM authorization, loading into Neptune relies on network access alone, with no per-principal "
    "control or audit of who writes the graph.",
    remediation="Enable IamAuthEnabled in the endpoint's Neptune settings (and IAM authentication on the cluster).",
)
def dms_endpoint_neptune_iam_authorization_enabled(endpoints):
    for endpoint in _endpoints_of(endpoints, "neptune"):
        if endpoint.get("neptune_iam_auth"):
            yield PASS(endpoint, f"DMS endpoint {endpoint.id} uses IAM authorization for Neptune.")
        else:
            yield FAIL(endpoint, f"DMS endpoint {endpoint.id} does not use IAM authorization for Neptune.")


@check(
    id="dms_endpoint_redis_in_transit_encryption_enabled",
    title="DMS endpoint for Redis OSS encrypts traffic in transit",
    severity="medium",
    resource_type="AwsDmsEndpoint",
    reads=["dms.endpoints"],
    risk="Replicated data sent to Redis in plaintext can be read or altered on the network.",
    remediation="Set the endpoint's Redis SslSecurityProtocol to ssl-encryption.",
)
def dms_endpoint_redis_in_transit_encryption_enabled(endpoints):
    for endpoint in _endpoints_of(endpoints, "redis"):
        if endpoint.get("redis_ssl_protocol") == "ssl-encryption":
            yield PASS(endpoint, f"DMS endpoint {endpoint.id} encrypts traffic to Redis OSS.")
        else:
            yield FAIL(endpoint, f"DMS endpoint {endpoint.id} sends data to Redis OSS unencrypted.")


# The log levels at which a component records what it did (Prowler's list).
LOGGED_SEVERITIES = ("LOGGER_SEVERITY_DEFAULT", "LOGGER_SEVERITY_DEBUG", "LOGGER_SEVERITY_DETAILED_DEBUG")


def _judge_task_logging(tasks, components: tuple[str, str], side: str):
    for task in tasks:
        if not task.get("logging_enabled"):
            yield FAIL(task, f"DMS replication task {task.id} does not log {side} events.")
            continue
        levels = task.get("log_components") or {}
        short = [c for c in components if levels.get(c) not in LOGGED_SEVERITIES]
        if short:
            yield FAIL(task, f"DMS replication task {task.id} logs below the default level for {', '.join(short)}.")
        else:
            yield PASS(task, f"DMS replication task {task.id} logs {' and '.join(components)} at the default level "
                       "or above.")  # fmt: skip


@check(
    id="dms_replication_task_source_logging_enabled",
    title="DMS replication task logs source capture and unload",
    severity="medium",
    resource_type="AwsDmsReplicationTask",
    reads=["dms.replication_tasks"],
    risk="Without source logging, failed or altered reads from the source database leave no trace to "
    "troubleshoot or investigate.",
    remediation="Enable task logging with SOURCE_CAPTURE and SOURCE_UNLOAD at LOGGER_SEVERITY_DEFAULT or more.",
)
def dms_replication_task_source_logging_enabled(tasks):
    yield from _judge_task_logging(tasks, ("SOURCE_CAPTURE", "SOURCE_UNLOAD"), "source")


@check(
    id="dms_replication_task_target_logging_enabled",
    title="DMS replication task logs target apply and load",
    severity="medium",
    resource_type="AwsDmsReplicationTask",
    reads=["dms.replication_tasks"],
    risk="Without target logging, failed or partial writes to the target database leave no trace to "
    "troubleshoot or investigate.",
    remediation="Enable task logging with TARGET_APPLY and TARGET_LOAD at LOGGER_SEVERITY_DEFAULT or more.",
)
def dms_replication_task_target_logging_enabled(tasks):
    yield from _judge_task_logging(tasks, ("TARGET_APPLY", "TARGET_LOAD"), "target")
