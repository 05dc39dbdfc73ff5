"""SNS: topics and their subscriptions, per region.

``ListTopics`` and ``ListSubscriptions`` once per region (paginated). A
subscription's endpoint (an address or URL) is never stored: a pending
subscription, which has no ARN yet, is identified by a hash of it. One
``regions`` record per region says whether the listings answered.
"""

from __future__ import annotations

import hashlib

from postureflow.collect.base import RegionScope, collector

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
    for topic in topics:
        arn = topic["TopicArn"]
        scope.add("topics", uid=arn, id=arn.rsplit(":", 1)[-1])

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
