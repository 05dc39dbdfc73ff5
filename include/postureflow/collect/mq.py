"""Amazon MQ: brokers with their engine, deployment mode, exposure, upgrades and logging.

Calls per region: ListBrokers and DescribeBroker once per broker.
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector


@collector("mq")
def collect_mq(scope: RegionScope) -> None:
    mq = scope.client("mq")
    brokers = scope.list(mq, "list_brokers", "BrokerSummaries", kind="brokers")
    scope.each(brokers.value or [], lambda listed: _collect_broker(scope, mq, listed))


def _collect_broker(scope: RegionScope, mq, listed: dict) -> None:
    broker_id, name = listed["BrokerId"], listed.get("BrokerName") or listed["BrokerId"]
    uid = listed.get("BrokerArn") or scope.arn("mq", f"broker:{name}:{broker_id}")
    answer = scope.fetch(mq, "describe_broker", absent=("NotFoundException",), BrokerId=broker_id)
    if answer.state == "absent":
        return  # deleted since the listing
    if not answer.ok:
        engine = (listed.get("EngineType") or "").upper() or None
        scope.add_unreadable("brokers", answer, uid=uid, id=name, **({"engine_type": engine} if engine else {}))
        return
    broker = answer.value
    logs = broker.get("Logs") or {}
    scope.add(
        "brokers",
        uid=uid,
        id=name,
        tags=broker.get("Tags"),
        engine_type=(broker.get("EngineType") or "").upper(),
        deployment_mode=broker.get("DeploymentMode"),
        publicly_accessible=bool(broker.get("PubliclyAccessible")),
        auto_minor_version_upgrade=bool(broker.get("AutoMinorVersionUpgrade")),
        general_logging=bool(logs.get("General")),
        audit_logging=bool(logs.get("Audit")),
    )
