"""Kinesis Data Streams checks: retention and encryption at rest."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check


@check(
    id="kinesis_stream_data_retention_period",
    title="Kinesis stream keeps its records at least the configured number of hours",
    severity="medium",
    resource_type="AwsKinesisStream",
    reads=["kinesis.streams"],
    config=["min_kinesis_stream_retention_hours"],
    risk="Records older than the retention period are gone: a consumer that falls behind or fails for longer "
    "loses data, and there is nothing left to replay after an incident.",
    remediation="Raise the stream's retention (kinesis increase-stream-retention-period) to at least the "
    "configured minimum (Prowler's default: 168 hours, 7 days).",
)
def kinesis_stream_data_retention_period(streams, config):
    minimum = config["min_kinesis_stream_retention_hours"]
    for stream in streams:
        hours = stream.get("retention_hours")
        if hours is not None and hours >= minimum:
            yield PASS(stream, f"Kinesis stream {stream.id} keeps records for {hours} hours (minimum {minimum}).")
        else:
            yield FAIL(stream, f"Kinesis stream {stream.id} keeps records for only {hours} hours (minimum {minimum}).")


@check(
    id="kinesis_stream_encrypted_at_rest",
    title="Kinesis stream encrypts its records at rest with KMS",
    severity="high",
    resource_type="AwsKinesisStream",
    reads=["kinesis.streams"],
    risk="Records of an unencrypted stream are stored in the clear on the service's disks; whatever flows "
    "through it (events, logs, personal data) is exposed to anyone who reaches that storage.",
    remediation="Turn on server-side encryption with a KMS key (kinesis start-stream-encryption "
    "--encryption-type KMS --key-id alias/aws/kinesis or a customer key).",
)
def kinesis_stream_encrypted_at_rest(streams):
    for stream in streams:
        if stream.get("encryption_type") == "KMS":
            yield PASS(stream, f"Kinesis stream {stream.id} is encrypted at rest with KMS key {stream.get('key_id')}.")
        else:
            yield FAIL(stream, f"Kinesis stream {stream.id} is not encrypted at rest.")
