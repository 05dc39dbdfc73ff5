"""CloudFront verdicts the other CloudFront tests leave out: an S3 origin whose bucket could not be probed."""

from __future__ import annotations

import boto3
import pytest

from postureflow.lake import Lake
from postureflow.testing import DeniedAccess, scan_in_moto

CHECK = "cloudfront_distributions_s3_origin_non_existent_bucket"
CACHE_POLICY = "658327ea-f89d-4fab-a63d-7e88639e58f6"  # AWS's managed CachingOptimized policy


@pytest.fixture
def s3_origin_distribution(aws):
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="origin-bucket")
    origin = {"Id": "site", "DomainName": "origin-bucket.s3.us-east-1.amazonaws.com",
              "S3OriginConfig": {"OriginAccessIdentity": ""}}  # fmt: skip
    config = {"CallerReference": "site", "Comment": "site", "Enabled": True,
              "Origins": {"Quantity": 1, "Items": [origin]},
              "DefaultCacheBehavior": {"TargetOriginId": "site", "ViewerProtocolPolicy": "https-only",
                                       "CachePolicyId": CACHE_POLICY}}  # fmt: skip
    cloudfront = boto3.client("cloudfront", region_name="us-east-1")
    return cloudfront.create_distribution(DistributionConfig=config)["Distribution"]["Id"]


def test_origin_bucket_that_exists_passes(s3_origin_distribution, tmp_path):
    run = scan_in_moto(Lake(str(tmp_path)), ["cloudfront"], regions=["us-east-1"])
    assert run.statuses(CHECK) == {s3_origin_distribution: "PASS"}


# A refused probe (AccessDenied: neither 403 nor 404) says nothing about the bucket.
def test_origin_bucket_that_could_not_be_probed_gets_no_verdict(s3_origin_distribution, tmp_path):
    access = DeniedAccess("s3:HeadBucket")
    run = scan_in_moto(Lake(str(tmp_path)), ["cloudfront"], regions=["us-east-1"], access=access)
    assert access.hits
    assert run.statuses(CHECK) == {s3_origin_distribution: "MANUAL"}
