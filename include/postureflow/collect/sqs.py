"""SQS: queues and their encryption and access policy, per region.

``ListQueues`` once per region (paginated), then ``GetQueueAttributes`` once
per queue for the attributes the checks read.
"""

from __future__ import annotations

import json

from postureflow.collect.base import RegionScope, collector

ATTRIBUTES = ["QueueArn", "Policy", "KmsMasterKeyId", "SqsManagedSseEnabled"]
GONE = ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist")


@collector("sqs")
def collect_sqs(scope: RegionScope) -> None:
    sqs = scope.client("sqs")
    urls = scope.list(sqs, "list_queues", "QueueUrls", kind="queues")
    scope.each(urls.value or [], lambda url: _collect_queue(scope, sqs, url))


def _collect_queue(scope: RegionScope, sqs, url: str) -> None:
    name = url.rstrip("/").rsplit("/", 1)[-1]
    response = scope.fetch(sqs, "get_queue_attributes", absent=GONE, QueueUrl=url, AttributeNames=ATTRIBUTES)
    if response.state == "absent":
        return  # deleted since the listing
    attributes = response.get("Attributes", {})
    scope.add(
        "queues",
        uid=attributes.or_else({}).get("QueueArn") or scope.arn("sqs", name),
        id=name,
        url=url,
        kms_key_id=attributes.map(lambda a: a.get("KmsMasterKeyId") or None),
        sqs_managed_sse=attributes.map(lambda a: str(a.get("SqsManagedSseEnabled", "")).lower() == "true"),
        policy=attributes.map(lambda a: json.loads(a["Policy"]) if a.get("Policy") else None),
    )
