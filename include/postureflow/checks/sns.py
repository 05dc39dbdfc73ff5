"""SNS checks: topic encryption and access policy, subscription transport."""

from __future__ import annotations

from postureflow import policy as policy_language
from postureflow.checks.base import FAIL, PASS, check


@check(
    id="sns_topics_kms_encryption_at_rest_enabled",
    title="SNS topic encrypts messages at rest with KMS",
    severity="high",
    resource_type="AwsSnsTopic",
    reads=["sns.topics"],
    risk="Messages waiting for delivery are stored unencrypted by default; anything sensitive in them is exposed "
    "to whoever can read the service's storage.",
    remediation="Set a KMS key on the topic (sns set-topic-attributes --attribute-name KmsMasterKeyId) and allow "
    "the publishing services to use it.",
)
def sns_topics_kms_encryption_at_rest_enabled(topics):
    for topic in topics:
        if topic.get("kms_key_id"):
            yield PASS(topic, f"SNS topic {topic.id} is encrypted with KMS key {topic['kms_key_id']}.")
        else:
            yield FAIL(topic, f"SNS topic {topic.id} is not encrypted at rest with KMS.")


@check(
    id="sns_topics_not_publicly_accessible",
    title="SNS topic policy does not let everyone in",
    severity="high",
    resource_type="AwsSnsTopic",
    reads=["sns.topics"],
    risk="A topic anyone may publish to or subscribe to can be used to spam or phish its subscribers, or to "
    "read every message it carries.",
    remediation="Replace Principal \"*\" in the topic policy with the accounts or services that need access, or "
    "add a condition such as aws:SourceAccount or aws:SourceArn.",
)
def sns_topics_not_publicly_accessible(topics):
    for topic in topics:
        actions = policy_language.public_actions(topic.get("policy"))
        if actions:
            yield FAIL(topic, f"SNS topic {topic.id} policy lets everyone use {', '.join(actions)}.")
        else:
            yield PASS(topic, f"SNS topic {topic.id} policy does not let everyone in.")


@check(
    id="sns_subscription_not_using_http_endpoints",
    title="SNS subscription delivers over HTTPS, not plain HTTP",
    severity="high",
    resource_type="AwsSnsTopic",
    reads=["sns.subscriptions"],
    risk="Notifications sent to an http:// endpoint cross the network in clear text, where they can be read or "
    "altered.",
    remediation="Subscribe the endpoint again with the https protocol and remove the http subscription.",
)
def sns_subscription_not_using_http_endpoints(subscriptions):
    for sub in subscriptions:
        topic = str(sub.get("topic_arn") or "").rsplit(":", 1)[-1]
        if sub.get("protocol") == "http":
            yield FAIL(sub, f"SNS subscription {sub.id} to topic {topic} delivers over plain HTTP.")
        else:
            yield PASS(sub, f"SNS subscription {sub.id} to topic {topic} uses the {sub.get('protocol')} protocol.")
