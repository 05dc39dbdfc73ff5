"""EventBridge: event buses with their resource policy, global endpoints, and schema registries.

Calls per region: events:ListEventBuses (its answer carries each bus's policy), events:ListEndpoints,
schemas:ListRegistries and schemas:GetResourcePolicy once per registry this account created.
"""

from __future__ import annotations

import json

from postureflow.collect.base import RegionScope, collector

NO_POLICY = ("NotFoundException",)


@collector("eventbridge")
def collect_eventbridge(scope: RegionScope) -> None:
    events = scope.client("events")
    buses = scope.list(events, "list_event_buses", "EventBuses", kind="buses", token=("NextToken", "NextToken"))
    for bus in buses.value or []:
        scope.add("buses", uid=bus["Arn"], id=bus["Name"], policy=_json(bus.get("Policy")))
    endpoints = scope.list(events, "list_endpoints", "Endpoints", kind="endpoints", token=("NextToken", "NextToken"))
    for endpoint in endpoints.value or []:
        scope.add(
            "endpoints",
            uid=endpoint.get("Arn") or scope.arn("events", f"endpoint/{endpoint['Name']}"),
            id=endpoint["Name"],
            replication_state=(endpoint.get("ReplicationConfig") or {}).get("State") or "ENABLED",
        )
    schemas = scope.client("schemas")
    registries = scope.list(schemas, "list_registries", "Registries", kind="registries", Scope="LOCAL")
    scope.each(registries.value or [], lambda registry: _collect_registry(scope, schemas, registry))


def _collect_registry(scope: RegionScope, schemas, registry: dict) -> None:
    name = registry["RegistryName"]
    policy = scope.fetch(schemas, "get_resource_policy", absent=NO_POLICY, RegistryName=name)
    scope.add(
        "registries",
        uid=registry.get("RegistryArn") or scope.arn("schemas", f"registry/{name}"),
        id=name,
        tags=registry.get("Tags"),
        policy=policy.map(lambda r: _json(r.get("Policy"))),
    )


def _json(text) -> dict | str | None:
    if not text or isinstance(text, dict):
        return text or None
    try:
        return json.loads(text)
    except ValueError:
        return text  # kept as text: an unparseable policy is never judged harmless
