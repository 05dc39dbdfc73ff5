"""SQS: queues and their encryption and access policy, per region.

``ListQueues`` once per region (paginated), then ``GetQueueAttributes`` once
per queue for the attributes the checks read.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from postureflow.collect.base import RegionScope, collector

QUEUE_THREADS = 8
ATTRIBUTES = ["QueueArn", "Policy", "KmsMasterKeyId", "SqsManagedSseEnabled"]
GONE = ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist")


@collector("sqs")
def collect_sqs(scope: RegionScope) -> None:
    sqs = scope.client("sqs")
    urls = list(scope.paginate(sqs, "list_queues", "QueueUrls"))
    with ThreadPoolExecutor(max_workers=QUEUE_THREADS) as pool:
        list(pool.map(lambda url: _collect_queue(scope, sqs, url), urls))


def _collect_queue(scope: RegionScope, sqs, url: str) -> None:
    name = url.rstrip("/").rsplit("/", 1)[-1]
    response = scope.call(sqs, "get_queue_attributes", absent=GONE, QueueUrl=url, AttributeNames=ATTRIBUTES)
    if response is None:
        return
    attributes = response.get("Attributes") or {}
    policy = attributes.get("Policy")
    scope.add(
        "queues",
        uid=attributes.get("QueueArn") or scope.arn("sqs", name),
        id=name,
        url=url,
        kms_key_id=attributes.get("KmsMasterKeyId") or None,
        sqs_managed_sse=str(attributes.get("SqsManagedSseEnabled", "")).lower() == "true",
        policy=json.loads(policy) if policy else None,
    )
