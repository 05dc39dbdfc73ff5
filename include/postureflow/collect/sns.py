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
from concurrent.futures import ThreadPoolExecutor

from postureflow.collect.base import RegionScope, collector

TOPIC_THREADS = 8

UNCONFIRMED = ("PendingConfirmation", "Deleted", "")


def _region_errors(scope: RegionScope) -> int:
    return sum(1 for e in list(scope.collection.errors) if e.region == scope.region)


def _listing(scope: RegionScope, client, operation: str, result_key: str) -> tuple[list[dict], bool]:
    before = _region_errors(scope)
    items = list(scope.paginate(client, operation, result_key))
    return items, _region_errors(scope) == before


@collector("sns")
def collect_sns(scope: RegionScope) -> None:
    sns = scope.client("sns")

    topics, topics_listed = _listing(scope, sns, "list_topics", "Topics")
    with ThreadPoolExecutor(max_workers=TOPIC_THREADS) as pool:
        list(pool.map(lambda topic: _collect_topic(scope, sns, topic["TopicArn"]), topics))

    subscriptions, subscriptions_listed = _listing(scope, sns, "list_subscriptions", "Subscriptions")
    for sub in subscriptions:
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
        topics_listed=topics_listed,
        subscriptions_listed=subscriptions_listed,
    )


def _collect_topic(scope: RegionScope, sns, arn: str) -> None:
    response = scope.call(sns, "get_topic_attributes", absent=("NotFound",), TopicArn=arn)
    attributes = (response or {}).get("Attributes") or {}
    policy = attributes.get("Policy")
    scope.add(
        "topics",
        uid=arn,
        id=arn.rsplit(":", 1)[-1],
        # None where the attributes could not be read: the checks then leave the topic unjudged.
        attributes_read=response is not None,
        kms_key_id=attributes.get("KmsMasterKeyId") or None,
        policy=json.loads(policy) if policy else None,
    )
