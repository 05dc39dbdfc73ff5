"""SNS checks: one moto account, built once, scanned once."""

import json
from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import scan_denied, scan_in_moto

ACCOUNT = "123456789012"


def _topic(name, region="us-east-1", policy=None, **attributes):
    sns = boto3.client("sns", region_name=region)
    arn = sns.create_topic(Name=name, Attributes=attributes)["TopicArn"]
    if policy is not None:
        statement = {"Effect": "Allow", "Action": ["SNS:Publish", "SNS:Subscribe"], "Resource": arn, **policy}
        sns.set_topic_attributes(
            TopicArn=arn,
            AttributeName="Policy",
            AttributeValue=json.dumps({"Version": "2012-10-17", "Statement": [statement]}),
        )
    return sns, arn


def _build():
    _topic("plain-topic")  # moto's default policy: everyone, but only when the source owner is this account
    _topic("sealed-topic", "eu-west-1", KmsMasterKeyId="alias/aws/sns")
    _topic("open-topic", policy={"Principal": {"AWS": "*"}})
    _topic("org-topic", policy={"Principal": "*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}})
    sns, arn = _topic("hooks-topic")
    sns.subscribe(TopicArn=arn, Protocol="http", Endpoint="http://hooks.example.com/plain")
    sns.subscribe(TopicArn=arn, Protocol="https", Endpoint="https://hooks.example.com/tls")
    return arn


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        hooks = _build()
        access = AwsAccess.from_default_chain()
        lake = Lake(str(tmp_path_factory.mktemp("sns-lake")))
        run = scan_in_moto(lake, ["sns"], regions=["us-east-1", "eu-west-1"], access=access)
        denied = lambda *ops: scan_denied(str(tmp_path_factory.mktemp("denied")), ["sns"], ["us-east-1"], *ops)
        unread = {"attributes": denied("sns:GetTopicAttributes"), "subscriptions": denied("sns:ListSubscriptions")}
    return SimpleNamespace(run=run, calls=access.call_log, hooks=hooks, unread=unread)


def test_topics_kms_encryption_at_rest_enabled(world):
    check = "sns_topics_kms_encryption_at_rest_enabled"
    assert world.run.status(check, "plain-topic") == "FAIL"
    assert world.run.status(check, "sealed-topic") == "PASS"
    assert {f["resource_id"]: f["region"] for f in world.run.of(check)}["sealed-topic"] == "eu-west-1"


def test_topics_not_publicly_accessible(world):
    check = "sns_topics_not_publicly_accessible"
    assert world.run.status(check, "open-topic") == "FAIL"
    assert world.run.status(check, "plain-topic") == "PASS"
    assert world.run.status(check, "org-topic") == "PASS"
    finding = next(f for f in world.run.of(check) if f["resource_id"] == "open-topic")
    assert "SNS:Publish" in finding["status_extended"]


def test_subscription_not_using_http_endpoints(world):
    findings = {f["status"]: f for f in world.run.of("sns_subscription_not_using_http_endpoints")}
    assert set(findings) == {"PASS", "FAIL"}
    assert "plain HTTP" in findings["FAIL"]["status_extended"]
    assert "https" in findings["PASS"]["status_extended"]
    assert all(f["resource_uid"].startswith(world.hooks) for f in findings.values())
    # the endpoint URL is never stored or reported
    assert not any("hooks.example.com" in f["status_extended"] for f in world.run.findings)


def test_collection_calls(world):
    assert world.calls.repeated() == []
    assert world.calls.calls[("sns", "us-east-1", "GetTopicAttributes")] == 4
    assert not world.run.errors


@pytest.mark.parametrize(
    "check, refused",
    [
        ("sns_topics_kms_encryption_at_rest_enabled", "attributes"),
        ("sns_topics_not_publicly_accessible", "attributes"),
    ],
)
def test_unreadable_topic_attributes_give_no_verdict(world, check, refused):
    statuses = world.unread[refused].statuses(check)
    assert statuses and set(statuses.values()) == {"MANUAL"}


def test_unlisted_subscriptions_give_no_verdict(world):
    # ListSubscriptions refused: no subscription is known, so none can be judged (no PASS by absence)
    assert world.unread["subscriptions"].of("sns_subscription_not_using_http_endpoints") == []
    assert ("us-east-1", "sns:list_subscriptions") in {(e["region"], e["api"]) for e in world.unread["subscriptions"].errors}
