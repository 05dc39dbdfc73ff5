"""Kinesis Data Firehose: delivery streams with their encryption and source.

Calls per region: ListDeliveryStreams (paged on the last name seen) and
DescribeDeliveryStream once per stream.
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector


@collector("firehose")
def collect_firehose(scope: RegionScope) -> None:
    firehose = scope.client("firehose")
    names = scope.list(firehose, "list_delivery_streams", "DeliveryStreamNames", kind="delivery_streams",
                       token=_next_page, Limit=100)  # fmt: skip
    scope.each(names.value or [], lambda name: _collect_stream(scope, firehose, name))


def _next_page(page: dict) -> dict | None:
    """The listing pages on the last name seen (botocore has no paginator for it)."""
    names = page.get("DeliveryStreamNames") or []
    if page.get("HasMoreDeliveryStreams") and names:
        return {"ExclusiveStartDeliveryStreamName": names[-1]}
    return None


def _collect_stream(scope: RegionScope, firehose, name: str) -> None:
    answer = scope.fetch(firehose, "describe_delivery_stream", absent=("ResourceNotFoundException",),
                         DeliveryStreamName=name)  # fmt: skip
    if answer.state == "absent":
        return  # deleted since the listing
    if not answer.ok:
        scope.add_unreadable("delivery_streams", answer, uid=scope.arn("firehose", f"deliverystream/{name}"), id=name)
        return
    stream = answer.value.get("DeliveryStreamDescription") or {}
    encryption = stream.get("DeliveryStreamEncryptionConfiguration") or {}
    source = stream.get("Source") or {}
    scope.add(
        "delivery_streams",
        uid=stream.get("DeliveryStreamARN") or scope.arn("firehose", f"deliverystream/{name}"),
        id=name,
        stream_type=stream.get("DeliveryStreamType"),
        encryption_status=encryption.get("Status") or "DISABLED",
        key_type=encryption.get("KeyType"),
        source_kinesis_stream=(source.get("KinesisStreamSourceDescription") or {}).get("KinesisStreamARN"),
        source_msk_cluster=(source.get("MSKSourceDescription") or {}).get("MSKClusterARN"),
    )
