"""SQS checks: queue encryption at rest and access policy."""

from __future__ import annotations

from postureflow import policy as policy_language
from postureflow.checks.base import FAIL, PASS, check


@check(
    id="sqs_queues_server_side_encryption_enabled",
    title="SQS queue encrypts messages at rest",
    severity="medium",
    resource_type="AwsSqsQueue",
    reads=["sqs.queues"],
    risk="Messages held in an unencrypted queue are readable in the service's storage; anything sensitive they "
    "carry is exposed.",
    remediation="Turn on server-side encryption for the queue: SSE-SQS, or SSE-KMS with a customer managed key "
    "where access to the key must be controlled (sqs set-queue-attributes).",
)
def sqs_queues_server_side_encryption_enabled(queues):
    for queue in queues:
        if queue.get("kms_key_id"):
            yield PASS(queue, f"SQS queue {queue.id} is encrypted with KMS key {queue['kms_key_id']}.")
        elif queue.get("sqs_managed_sse"):
            yield PASS(queue, f"SQS queue {queue.id} is encrypted with SQS-managed keys (SSE-SQS).")
        else:
            yield FAIL(queue, f"SQS queue {queue.id} is not encrypted at rest.")


@check(
    id="sqs_queues_not_publicly_accessible",
    title="SQS queue policy does not let everyone in",
    severity="critical",
    resource_type="AwsSqsQueue",
    reads=["sqs.queues"],
    risk="A queue anyone may use lets outsiders read or delete the messages (and the data in them) or flood "
    "the consumers with forged ones.",
    remediation="Replace Principal \"*\" in the queue policy with the accounts or services that need access, or "
    "add a condition such as aws:SourceArn or aws:SourceAccount.",
)
def sqs_queues_not_publicly_accessible(queues):
    for queue in queues:
        actions = policy_language.public_actions(queue.get("policy"))
        if actions:
            yield FAIL(queue, f"SQS queue {queue.id} policy lets everyone use {', '.join(actions)}.")
        else:
            yield PASS(queue, f"SQS queue {queue.id} policy does not let everyone in.")
