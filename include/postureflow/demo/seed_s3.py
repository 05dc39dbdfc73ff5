"""Demo S3: an open bucket over plain HTTP beside a locked-down, TLS-only twin."""

from __future__ import annotations

import json

SERVICES = ("s3",)

FULL_BLOCK = dict(BlockPublicAcls=True, IgnorePublicAcls=True, BlockPublicPolicy=True, RestrictPublicBuckets=True)


def seed(session, account_id: str, regions: list[str]) -> None:
    for region in regions:
        s3 = session.client("s3", region_name=region)
        location = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        bad = f"pf-demo-bad-{account_id}-{region}"
        good = f"pf-demo-good-{account_id}-{region}"
        s3.create_bucket(Bucket=bad, **location)
        s3.create_bucket(Bucket=good, **location)
        s3.put_public_access_block(Bucket=good, PublicAccessBlockConfiguration=FULL_BLOCK)
        s3.put_bucket_policy(
            Bucket=good,
            Policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "DenyPlainHttp",
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "s3:*",
                            "Resource": [f"arn:aws:s3:::{good}", f"arn:aws:s3:::{good}/*"],
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        }
                    ],
                }
            ),
        )
