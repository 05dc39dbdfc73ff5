"""s3_bucket_secure_transport_policy (issue 11): judged on moto buckets with real bucket policies.

Before: a Deny naming only the bucket ARN PASSed (objects stay reachable over HTTP, as
in Prowler), and ``{"AWS": ["*"]}`` or ``S3:*`` FAILed. An unreadable policy gives no verdict.
"""

from __future__ import annotations

import json

import boto3
import pytest

from postureflow.testing import DeniedAccess


def _deny(bucket, principal="*", action="s3:*", resources=None, condition=None):
    return {
        "Effect": "Deny",
        "Principal": principal,
        "Action": action,
        "Resource": resources if resources is not None else [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
        "Condition": condition or {"Bool": {"aws:SecureTransport": "false"}},
    }


CASES = [
    ("bucket-and-objects", lambda b: _deny(b), "PASS"),
    ("aws-star-in-list", lambda b: _deny(b, principal={"AWS": ["*"]}), "PASS"),
    ("upper-case-service", lambda b: _deny(b, action="S3:*"), "PASS"),
    ("star-action-star-resource", lambda b: _deny(b, action="*", resources="*"), "PASS"),
    ("boolean-false-value", lambda b: _deny(b, condition={"Bool": {"aws:SecureTransport": False}}), "PASS"),
    ("bucket-arn-only", lambda b: _deny(b, resources=f"arn:aws:s3:::{b}"), "FAIL"),
    ("objects-only", lambda b: _deny(b, resources=f"arn:aws:s3:::{b}/*"), "FAIL"),
    ("only-get-object", lambda b: _deny(b, action="s3:GetObject"), "FAIL"),
    ("one-account-only", lambda b: _deny(b, principal={"AWS": "arn:aws:iam::123456789012:root"}), "FAIL"),
    ("secure-transport-true", lambda b: _deny(b, condition={"Bool": {"aws:SecureTransport": "true"}}), "FAIL"),
]


@pytest.fixture
def buckets(aws):
    s3 = boto3.client("s3", region_name="us-east-1")
    for name, statement, _ in CASES:
        s3.create_bucket(Bucket=name)
        s3.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement(name)]}))
    s3.create_bucket(Bucket="no-policy")


def test_secure_transport_cases(scan, buckets):
    run = scan("s3", regions=["us-east-1"])
    statuses = run.statuses("s3_bucket_secure_transport_policy")
    assert {name: statuses.get(name) for name, _, _ in CASES} == {name: want for name, _, want in CASES}
    assert statuses["no-policy"] == "FAIL"


def test_unreadable_policy_gives_no_verdict(scan, buckets):
    run = scan("s3", regions=["us-east-1"], access=DeniedAccess("s3:GetBucketPolicy"))
    findings = run.of("s3_bucket_secure_transport_policy")
    assert findings and {f["status"] for f in findings} == {"MANUAL"}
    assert all(f["status_extended"].startswith("No verdict:") for f in findings)
