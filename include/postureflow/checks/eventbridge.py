"""EventBridge checks: who may use event buses and schema registries; global endpoint replication."""

from __future__ import annotations

from postureflow import policy as policy_language
from postureflow.checks.base import FAIL, MANUAL, PASS, check

BUS_RISK = "Any account allowed to put events on a bus can trigger its rules and the targets behind them."


def _judged(resources):
    """Resources that have a resource policy (Prowler judges only those); unread ones go on to no verdict."""
    for resource in resources:
        if not resource.lacks("policy"):
            yield resource, resource.get("policy")


def _cross_account(resources, what: str, owner_of, trusted: set[str]):
    for resource, policy in _judged(resources):
        if isinstance(policy, str):
            yield MANUAL(resource, f"{what} {resource.id} has a policy that could not be parsed; review it.")
            continue
        outside = policy_language.outside_accounts(policy, owner_of(resource)) - trusted
        if outside:
            who = "everyone" if "*" in outside else ", ".join(sorted(outside))
            yield FAIL(resource, f"{what} {resource.id} lets other accounts in: {who}.")
        else:
            yield PASS(resource, f"{what} {resource.id} does not let other accounts in.")


def _owner(resource) -> str:
    return resource.uid.split(":")[4]


@check(
    id="eventbridge_bus_cross_account_access",
    title="EventBridge event bus does not let other accounts put events",
    severity="high",
    resource_type="AwsEventsEventbus",
    reads=["eventbridge.buses"],
    config=["trusted_account_ids"],
    risk=BUS_RISK,
    remediation="Limit the bus policy to this account, or to the accounts listed in trusted_account_ids.",
)
def eventbridge_bus_cross_account_access(buses, config):
    yield from _cross_account(buses, "EventBridge event bus", _owner, set(config["trusted_account_ids"] or []))


@check(
    id="eventbridge_bus_exposed",
    title="EventBridge event bus policy does not let everyone in",
    severity="high",
    resource_type="AwsEventsEventbus",
    reads=["eventbridge.buses"],
    risk=BUS_RISK,
    remediation='Remove Principal "*" from the bus policy, or narrow it with aws:PrincipalOrgID.',
)
def eventbridge_bus_exposed(buses):
    for bus, policy in _judged(buses):
        if isinstance(policy, str):
            yield MANUAL(bus, f"EventBridge event bus {bus.id} has a policy that could not be parsed; review it.")
        elif policy_language.is_public(policy):
            yield FAIL(bus, f"EventBridge event bus {bus.id} lets everyone put events.")
        else:
            yield PASS(bus, f"EventBridge event bus {bus.id} does not let everyone in.")


@check(
    id="eventbridge_global_endpoint_event_replication_enabled",
    title="EventBridge global endpoint replicates events to its secondary region",
    severity="medium",
    resource_type="AwsEventsEndpoint",
    reads=["eventbridge.endpoints"],
    risk="Without replication, events sent during a failover are only in the primary region and are lost to "
    "consumers in the secondary one.",
    remediation="Turn event replication on for the global endpoint (events update-endpoint --replication-config State=ENABLED).",
)
def eventbridge_global_endpoint_event_replication_enabled(endpoints):
    for endpoint in endpoints:
        if endpoint.get("replication_state") == "DISABLED":
            yield FAIL(endpoint, f"EventBridge global endpoint {endpoint.id} does not replicate events.")
        else:
            yield PASS(endpoint, f"EventBridge global endpoint {endpoint.id} replicates events.")


@check(
    id="eventbridge_schema_registry_cross_account_access",
    title="EventBridge schema registry does not let other accounts in",
    severity="high",
    resource_type="AwsEventSchemasRegistry",
    reads=["eventbridge.registries"],
    config=["trusted_account_ids"],
    risk="Other accounts allowed on a registry can read or change the schemas producers and consumers rely on.",
    remediation="Limit the registry policy to this account, or to the accounts listed in trusted_account_ids.",
)
def eventbridge_schema_registry_cross_account_access(registries, config):
    yield from _cross_account(registries, "EventBridge schema registry", _owner, set(config["trusted_account_ids"] or []))
