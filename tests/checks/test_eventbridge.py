"""EventBridge checks on buses, endpoints and registries: FAIL, PASS and no verdict."""

import json
from types import SimpleNamespace

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import DeniedAccess, scan_in_moto

REGION = "us-east-1"
ACCOUNT = "123456789012"
PARTNER = "111122223333"


def _registry_policy(principal):
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": principal, "Action": "schemas:*",
        "Resource": f"arn:aws:schemas:{REGION}:{ACCOUNT}:registry/shared"}]})  # fmt: skip


def _answer_schemas(access):
    """moto has no EventBridge Schemas (nor ListEndpoints): before-call hooks answer ListRegistries and GetResourcePolicy in its place.
    Registry "shared" lets a partner account in; "private" has a policy naming only this account."""
    registries = {"Registries": [
        {"RegistryName": name, "RegistryArn": f"arn:aws:schemas:{REGION}:{ACCOUNT}:registry/{name}"}
        for name in ("shared", "private")]}  # fmt: skip
    policies = {"shared": _registry_policy({"AWS": f"arn:aws:iam::{PARTNER}:root"}),
                "private": _registry_policy({"AWS": f"arn:aws:iam::{ACCOUNT}:root"})}  # fmt: skip

    def ok(body):
        return AWSResponse("https://schemas.amazonaws.com", 200, {}, None), body

    # moto has no events:ListEndpoints either: no global endpoint in this account
    access.client("events", REGION).meta.events.register("before-call.events.ListEndpoints", lambda **_: ok({"Endpoints": []}))
    events = access.client("schemas", REGION).meta.events
    events.register("before-call.schemas.ListRegistries", lambda **_: ok(registries))
    events.register("before-call.schemas.GetResourcePolicy",
                    lambda params, **_: ok({"Policy": policies[params["query_string"]["registryName"]], "RevisionId": "1"}))  # fmt: skip
    return access


def _scan(tmp_path_factory, access):
    run = scan_in_moto(Lake(str(tmp_path_factory.mktemp("lake"))), ["eventbridge"], [REGION], access=_answer_schemas(access))
    return run


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        events = boto3.client("events", region_name=REGION)
        events.create_event_bus(Name="open-bus")
        events.put_permission(EventBusName="open-bus", Action="events:PutEvents", Principal="*", StatementId="anyone")
        events.create_event_bus(Name="partner-bus")
        events.put_permission(EventBusName="partner-bus", Action="events:PutEvents", Principal=PARTNER, StatementId="partner")
        events.create_event_bus(Name="quiet-bus")
        events.put_permission(EventBusName="quiet-bus", Action="events:PutEvents", Principal=ACCOUNT, StatementId="self")
        access = AwsAccess.from_default_chain()
        run = _scan(tmp_path_factory, access)
        denied = {}
        for operation in ("events:ListEventBuses", "schemas:GetResourcePolicy"):
            refused = DeniedAccess(operation)
            denied[operation] = _scan(tmp_path_factory, refused)
            assert refused.hits
    return SimpleNamespace(run=run, calls=access.call_log, denied=denied)


def test_bus_exposed(world):
    statuses = world.run.statuses("eventbridge_bus_exposed")
    assert statuses == {"open-bus": "FAIL", "partner-bus": "PASS", "quiet-bus": "PASS"}


def test_bus_cross_account_access(world):
    statuses = world.run.statuses("eventbridge_bus_cross_account_access")
    assert statuses == {"open-bus": "FAIL", "partner-bus": "FAIL", "quiet-bus": "PASS"}


def test_trusted_account_passes():
    import datetime as dt

    from postureflow.checks import all_checks
    from postureflow.config import audit_config
    from postureflow.inventory import Resource

    policy = json.loads(_registry_policy({"AWS": f"arn:aws:iam::{PARTNER}:root"}))
    bus = Resource("buses", f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/partner", "partner", REGION, {}, {"policy": policy})
    check = all_checks()["eventbridge_bus_cross_account_access"]
    now = dt.datetime.now(dt.timezone.utc)
    assert [r.status for r in check.evaluate({"eventbridge.buses": [bus]}, now)] == ["FAIL"]
    trusted = audit_config({"trusted_account_ids": [PARTNER]})
    assert [r.status for r in check.evaluate({"eventbridge.buses": [bus]}, now, trusted)] == ["PASS"]


def test_schema_registry_cross_account_access(world):
    assert world.run.statuses("eventbridge_schema_registry_cross_account_access") == {"shared": "FAIL", "private": "PASS"}


def test_global_endpoint_replication():
    import datetime as dt

    from postureflow.checks import all_checks
    from postureflow.inventory import Resource

    # moto's endpoints lack replication settings; the decision is shown on records as the collector writes them
    on = Resource("endpoints", "arn:aws:events:us-east-1:1:endpoint/on", "on", REGION, {}, {"replication_state": "ENABLED"})
    off = Resource("endpoints", "arn:aws:events:us-east-1:1:endpoint/off", "off", REGION, {}, {"replication_state": "DISABLED"})
    unread = Resource("endpoints", "arn:aws:events:us-east-1:1:endpoint/u", "u", REGION, {},
                      {"replication_state": None, "_unread": {"replication_state": "events:list_endpoints AccessDenied"}})
    check = all_checks()["eventbridge_global_endpoint_event_replication_enabled"]
    results = {r.resource.id: r.status for r in check.evaluate({"eventbridge.endpoints": [on, off, unread]}, dt.datetime.now(dt.timezone.utc))}
    assert results == {"on": "PASS", "off": "FAIL", "u": "MANUAL"}


@pytest.mark.parametrize("check", ["eventbridge_bus_exposed", "eventbridge_bus_cross_account_access"])
def test_unlisted_buses_give_no_verdict(world, check):
    assert world.denied["events:ListEventBuses"].of(check) == []


def test_unreadable_registry_policy_gives_no_verdict(world):
    statuses = world.denied["schemas:GetResourcePolicy"].statuses("eventbridge_schema_registry_cross_account_access")
    assert statuses == {"shared": "MANUAL", "private": "MANUAL"}


def test_calls(world):
    assert world.run.errors == [] and world.calls.repeated() == []
