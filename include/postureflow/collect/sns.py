"""SNS: topics and their subscriptions, per region.

``ListTopics`` and ``ListSubscriptions`` once per region (paginated), and
``GetTopicAttributes`` once per topic (its KMS key and access policy). A
subscription's endpoint (an address or URL) is never stored: a pending
subscription, which has no ARN yet, is identified by a hash of it. One
``regions`` record per region says whether the listings answered.
"""

from __future__ import annotations

import hashlib
import json

from postureflow.collect.base import RegionScope, collector

UNCONFIRMED = ("PendingConfirmation", "Deleted", "")


@collector("sns")
def collect_sns(scope: RegionScope) -> None:
    sns = scope.client("sns")

    topics = scope.list(sns, "list_topics", "Topics", kind="topics")
    scope.each(topics.value or [], lambda topic: _collect_topic(scope, sns, topic["TopicArn"]))

    subscriptions = scope.list(sns, "list_subscriptions", "Subscriptions", kind="subscriptions")
    for sub in subscriptions.value or []:
        topic_arn = sub.get("TopicArn", "")
        sub_arn = sub.get("SubscriptionArn") or ""
        confirmed = sub_arn not in UNCONFIRMED
        if confirmed:
            uid = sub_arn
        else:
            digest = hashlib.sha256(f"{sub.get('Protocol')}|{sub.get('Endpoint')}".encode()).hexdigest()[:16]
            uid = f"{topic_arn}:pending-{digest}"
        scope.add(
            "subscriptions",
            uid=uid,
            id=uid.rsplit(":", 1)[-1],
            topic_arn=topic_arn,
            protocol=sub.get("Protocol"),
            owner=sub.get("Owner"),
            confirmed=confirmed,
        )

    scope.add(
        "regions",
        uid=scope.arn("sns", "topic"),
        id=scope.account_id,
        topics_listed=topics.known,
        subscriptions_listed=subscriptions.known,
    )


def _collect_topic(scope: RegionScope, sns, arn: str) -> None:
    response = scope.fetch(sns, "get_topic_attributes", absent=("NotFound",), TopicArn=arn)
    if response.state == "absent":
        return  # deleted since the listing
    attributes = response.get("Attributes", {})
    scope.add(
        "topics",
        uid=arn,
        id=arn.rsplit(":", 1)[-1],
        kms_key_id=attributes.map(lambda a: a.get("KmsMasterKeyId") or None),
        policy=attributes.map(lambda a: json.loads(a["Policy"]) if a.get("Policy") else None),
    )
