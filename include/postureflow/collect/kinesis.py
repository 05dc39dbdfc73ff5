"""Kinesis Data Streams: streams with their retention and encryption.

Calls per region: ListStreams (paginated, with summaries) and DescribeStreamSummary once per stream.
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector


@collector("kinesis")
def collect_kinesis(scope: RegionScope) -> None:
    kinesis = scope.client("kinesis")
    streams = scope.list(kinesis, "list_streams", "StreamSummaries", kind="streams")
    scope.each(streams.value or [], lambda listed: _collect_stream(scope, kinesis, listed))


def _collect_stream(scope: RegionScope, kinesis, listed: dict) -> None:
    name, arn = listed["StreamName"], listed["StreamARN"]
    answer = scope.fetch(kinesis, "describe_stream_summary", absent=("ResourceNotFoundException",), StreamARN=arn)
    if answer.state == "absent":
        return  # deleted since the listing
    if not answer.ok:
        scope.add_unreadable("streams", answer, uid=arn, id=name)
        return
    summary = answer.value.get("StreamDescriptionSummary") or {}
    scope.add(
        "streams",
        uid=arn,
        id=name,
        status=summary.get("StreamStatus"),
        retention_hours=summary.get("RetentionPeriodHours"),
        encryption_type=summary.get("EncryptionType") or "NONE",
        key_id=summary.get("KeyId"),
    )
