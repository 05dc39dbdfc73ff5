"""S3 verdicts the other S3 test files leave out: an access point whose settings could not be read."""

from __future__ import annotations

import boto3

from postureflow.testing import scan_denied

ACCOUNT = "123456789012"
NO_BLOCK = {name: False for name in ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")}


def test_access_point_whose_settings_could_not_be_read_gets_no_verdict(aws, tmp_path):
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="point-bucket")
    control = boto3.client("s3control", region_name="us-east-1")
    control.create_access_point(AccountId=ACCOUNT, Name="open-point", Bucket="point-bucket",
                                PublicAccessBlockConfiguration=NO_BLOCK)  # fmt: skip
    # the listing names the point; only GetAccessPoint holds its public access block
    run = scan_denied(str(tmp_path), ["s3"], ["us-east-1"], "s3:GetAccessPoint")
    finding = run.of("s3_access_point_public_access_block")
    assert [(f["resource_id"], f["status"]) for f in finding] == [("open-point", "MANUAL")]
    assert "public_access_block" in finding[0]["status_extended"]
