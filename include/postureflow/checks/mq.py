"""Amazon MQ checks: deployment modes, exposure, upgrades, logging."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check


@check(
    id="mq_broker_active_deployment_mode",
    title="ActiveMQ broker runs active/standby across Availability Zones",
    severity="low",
    resource_type="AwsAmazonMQBroker",
    reads=["mq.brokers"],
    risk="A single-instance broker stops delivering messages when its instance or zone fails.",
    remediation="Recreate the broker with deployment mode ACTIVE_STANDBY_MULTI_AZ (the mode cannot be changed in place).",
)
def mq_broker_active_deployment_mode(brokers):
    for broker in brokers:
        if broker.get("engine_type") != "ACTIVEMQ":
            continue
        mode = broker.get("deployment_mode")
        if mode == "ACTIVE_STANDBY_MULTI_AZ":
            yield PASS(broker, f"ActiveMQ broker {broker.id} runs active/standby across zones.")
        else:
            yield FAIL(broker, f"ActiveMQ broker {broker.id} runs in deployment mode {mode}, not active/standby.")


@check(
    id="mq_broker_cluster_deployment_mode",
    title="RabbitMQ broker runs as a cluster across Availability Zones",
    severity="medium",
    resource_type="AwsAmazonMQBroker",
    reads=["mq.brokers"],
    risk="A single-instance RabbitMQ broker is a single point of failure for every queue it hosts.",
    remediation="Recreate the broker with deployment mode CLUSTER_MULTI_AZ.",
)
def mq_broker_cluster_deployment_mode(brokers):
    for broker in brokers:
        if broker.get("engine_type") != "RABBITMQ":
            continue
        mode = broker.get("deployment_mode")
        if mode == "CLUSTER_MULTI_AZ":
            yield PASS(broker, f"RabbitMQ broker {broker.id} runs as a cluster across zones.")
        else:
            yield FAIL(broker, f"RabbitMQ broker {broker.id} runs in deployment mode {mode}, not as a cluster.")


@check(
    id="mq_broker_auto_minor_version_upgrades",
    title="MQ broker applies minor engine versions automatically",
    severity="low",
    resource_type="AwsAmazonMQBroker",
    reads=["mq.brokers"],
    risk="Without automatic minor upgrades the broker keeps running engine versions with known, fixed flaws.",
    remediation="Turn on AutoMinorVersionUpgrade (mq update-broker --auto-minor-version-upgrade).",
)
def mq_broker_auto_minor_version_upgrades(brokers):
    for broker in brokers:
        if broker.get("auto_minor_version_upgrade"):
            yield PASS(broker, f"MQ broker {broker.id} upgrades minor versions automatically.")
        else:
            yield FAIL(broker, f"MQ broker {broker.id} does not upgrade minor versions automatically.")


@check(
    id="mq_broker_logging_enabled",
    title="MQ broker sends its general log (and, for ActiveMQ, its audit log) to CloudWatch",
    severity="low",
    resource_type="AwsAmazonMQBroker",
    reads=["mq.brokers"],
    risk="Without broker logs there is no record of connections, configuration changes or administrative actions.",
    remediation="Enable general logging (and audit logging for ActiveMQ; RabbitMQ has no audit log) on the broker.",
)
def mq_broker_logging_enabled(brokers):
    for broker in brokers:
        needed = {"general": broker.get("general_logging")}
        if broker.get("engine_type") == "ACTIVEMQ":
            needed["audit"] = broker.get("audit_logging")
        missing = [name for name, on in needed.items() if not on]
        if missing:
            yield FAIL(broker, f"MQ broker {broker.id} does not send its {' and '.join(missing)} log to CloudWatch.")
        else:
            yield PASS(broker, f"MQ broker {broker.id} sends its {' and '.join(needed)} log to CloudWatch.")


@check(
    id="mq_broker_not_publicly_accessible",
    title="MQ broker is not reachable from the internet",
    severity="high",
    resource_type="AwsAmazonMQBroker",
    reads=["mq.brokers"],
    risk="A public broker exposes its messaging endpoints and console to everyone on the internet, leaving "
    "only its user passwords between attackers and the messages.",
    remediation="Recreate the broker with PubliclyAccessible false in private subnets, reached through a VPN, "
    "peering or PrivateLink.",
)
def mq_broker_not_publicly_accessible(brokers):
    for broker in brokers:
        if broker.get("publicly_accessible"):
            yield FAIL(broker, f"MQ broker {broker.id} is publicly accessible.")
        else:
            yield PASS(broker, f"MQ broker {broker.id} is not publicly accessible.")
