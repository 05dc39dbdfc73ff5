"""Kinesis Data Firehose checks: encryption at rest."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check


@check(
    id="firehose_stream_encrypted_at_rest",
    title="Firehose delivery stream encrypts data at rest",
    severity="medium",
    resource_type="AwsKinesisStream",
    reads=["firehose.delivery_streams"],
    risk="Records buffered by an unencrypted delivery stream sit in the clear in the service's storage until "
    "they are delivered.",
    remediation="Turn on server-side encryption for the delivery stream (firehose start-delivery-stream-encryption), "
    "or, for a stream fed by a Kinesis data stream, encrypt the source stream.",
)
def firehose_stream_encrypted_at_rest(streams):
    # Like Prowler: a stream reading from MSK inherits MSK's always-on encryption at rest. A stream fed by a
    # Kinesis data stream cannot be encrypted itself (AWS rejects it); Prowler then FAILs, and so do we,
    # naming the source, since only the source's encryption protects that data.
    for stream in streams:
        if stream.get("encryption_status") == "ENABLED":
            yield PASS(stream, f"Firehose stream {stream.id} is encrypted at rest ({stream.get('key_type')}).")
        elif stream.get("stream_type") == "MSKAsSource":
            yield PASS(stream, f"Firehose stream {stream.id} reads from MSK, which always encrypts data at rest.")
        elif stream.get("stream_type") == "KinesisStreamAsSource":
            yield FAIL(stream, f"Firehose stream {stream.id} is not encrypted at rest; it reads from "
                               f"{stream.get('source_kinesis_stream')}, whose own encryption must cover it.")  # fmt: skip
        else:
            yield FAIL(stream, f"Firehose stream {stream.id} is not encrypted at rest.")
