"""Issue 11's policy-language cases on real S3 bucket policies (moto): each PASSed or FAILed
wrongly under the old resource-policy reader and is judged right by postureflow.policy."""

from __future__ import annotations

import json

import boto3
import pytest

ACCOUNT = "123456789012"


def _statement(bucket, condition=None, principal="*", **extra):
    statement = {"Effect": "Allow", "Principal": principal, "Action": "s3:GetObject",
                 "Resource": f"arn:aws:s3:::{bucket}/*", **extra}  # fmt: skip
    if condition:
        statement["Condition"] = condition
    return statement


CASES = {
    # name: (statement builder, s3_bucket_public_access status)
    "notprincipal": (lambda b: {k: v for k, v in _statement(b, NotPrincipal={"AWS": f"arn:aws:iam::{ACCOUNT}:root"})
                                .items() if k != "Principal"}, "FAIL"),  # fmt: skip
    "wildcard-account-root": (lambda b: _statement(b, principal={"AWS": "arn:aws:iam::*:root"}), "FAIL"),
    "org-wildcard": (lambda b: _statement(b, {"StringLike": {"aws:PrincipalOrgID": "o-*"}}), "FAIL"),
    "vpce-wildcard": (lambda b: _statement(b, {"StringLike": {"aws:SourceVpce": "vpce-*"}}), "FAIL"),
    "userid-wildcard": (lambda b: _statement(b, {"StringLike": {"aws:userid": "AIDA*"}}), "FAIL"),
    "sourceip-halves": (lambda b: _statement(b, {"IpAddress": {"aws:SourceIp": ["0.0.0.0/1", "128.0.0.0/1"]}}),
                        "FAIL"),  # fmt: skip
    "sourcearn-bucket": (lambda b: _statement(b, {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::source-bucket"}}), "PASS"),
    "org-pinned": (lambda b: _statement(b, {"StringEquals": {"aws:PrincipalOrgID": "o-abc123def4"}}), "PASS"),
    "vpce-pinned": (lambda b: _statement(b, {"StringEquals": {"aws:SourceVpce": "vpce-0123456789abcdef0"}}), "PASS"),
}


@pytest.fixture
def buckets(aws):
    s3 = boto3.client("s3", region_name="us-east-1")
    for name, (statement, _) in CASES.items():
        s3.create_bucket(Bucket=name)
        s3.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement(name)]}))


def test_policy_cases(scan, buckets):
    run = scan("s3", regions=["us-east-1"])
    statuses = run.statuses("s3_bucket_public_access")
    assert {name: statuses.get(name) for name in CASES} == {name: want for name, (_, want) in CASES.items()}
