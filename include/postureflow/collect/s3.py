"""S3: buckets (listed once, read in their own region) and the account's public access block."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from postureflow.collect.base import RegionScope, collector

BUCKET_THREADS = 8


@collector("s3", scope="global")
def collect_s3(scope: RegionScope) -> None:
    s3 = scope.client("s3")
    control = scope.client("s3control")
    block = scope.call(
        control,
        "get_public_access_block",
        absent=("NoSuchPublicAccessBlockConfiguration",),
        AccountId=scope.account_id,
    )
    scope.add(
        "account_public_access_block",
        uid=f"arn:{scope.partition}:s3:::{scope.account_id}",
        id=scope.account_id,
        configured=block is not None,
        **(block or {}).get("PublicAccessBlockConfiguration", {}),
    )

    listing = scope.call(s3, "list_buckets")
    if listing is None:
        return
    buckets = listing.get("Buckets", [])
    with ThreadPoolExecutor(max_workers=BUCKET_THREADS) as pool:
        list(pool.map(lambda b: _collect_bucket(scope, b["Name"]), buckets))


def _collect_bucket(scope: RegionScope, name: str) -> None:
    s3 = scope.client("s3")
    location = scope.call(s3, "get_bucket_location", Bucket=name)
    if location is None:
        return
    region = location.get("LocationConstraint") or "us-east-1"
    if region == "EU":
        region = "eu-west-1"
    regional = scope.client("s3", region)

    policy = scope.call(regional, "get_bucket_policy", absent=("NoSuchBucketPolicy",), Bucket=name)
    block = scope.call(
        regional, "get_public_access_block", absent=("NoSuchPublicAccessBlockConfiguration",), Bucket=name
    )
    versioning = scope.call(regional, "get_bucket_versioning", Bucket=name) or {}
    logging_conf = scope.call(regional, "get_bucket_logging", Bucket=name) or {}
    encryption = scope.call(
        regional,
        "get_bucket_encryption",
        absent=("ServerSideEncryptionConfigurationNotFoundError",),
        Bucket=name,
    )
    tagging = scope.call(regional, "get_bucket_tagging", absent=("NoSuchTagSet",), Bucket=name) or {}

    scope.add(
        "buckets",
        uid=f"arn:{scope.partition}:s3:::{name}",
        id=name,
        region=region,
        tags=tagging.get("TagSet", []),
        policy=json.loads(policy["Policy"]) if policy else None,
        public_access_block=(block or {}).get("PublicAccessBlockConfiguration"),
        versioning=versioning.get("Status"),
        mfa_delete=versioning.get("MFADelete"),
        logging_target=(logging_conf.get("LoggingEnabled") or {}).get("TargetBucket"),
        encryption_rules=(encryption or {}).get("ServerSideEncryptionConfiguration", {}).get("Rules", []),
    )
