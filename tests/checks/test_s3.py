import json

import boto3

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import DeniedAccess, scan_in_moto

ACCOUNT = "123456789012"
REGIONS = ["us-east-1", "eu-west-1"]


def _bucket(name, region="us-east-1"):
    s3 = boto3.client("s3", region_name=region)
    kwargs = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=name, **kwargs)
    return s3


FULL_BLOCK = dict(BlockPublicAcls=True, IgnorePublicAcls=True, BlockPublicPolicy=True, RestrictPublicBuckets=True)


def test_account_level_public_access_blocks(scan):
    assert scan("s3").of("s3_account_level_public_access_blocks") == []  # no bucket: not judged (Prowler's rule)
    _bucket("any-bucket", "eu-west-1")
    assert scan("s3").status("s3_account_level_public_access_blocks", ACCOUNT) == "FAIL"
    boto3.client("s3control", region_name="us-east-1").put_public_access_block(
        AccountId=ACCOUNT, PublicAccessBlockConfiguration=FULL_BLOCK
    )
    assert scan("s3").status("s3_account_level_public_access_blocks", ACCOUNT) == "PASS"


def test_bucket_level_public_access_block(scan):
    _bucket("open-bucket")
    s3 = _bucket("closed-bucket", "eu-west-1")
    s3.put_public_access_block(Bucket="closed-bucket", PublicAccessBlockConfiguration=FULL_BLOCK)
    run = scan("s3")
    assert run.status("s3_bucket_level_public_access_block", "open-bucket") == "FAIL"
    assert run.status("s3_bucket_level_public_access_block", "closed-bucket") == "PASS"
    regions = {f["resource_id"]: f["region"] for f in run.of("s3_bucket_level_public_access_block")}
    assert regions == {"open-bucket": "us-east-1", "closed-bucket": "eu-west-1"}


def test_bucket_no_mfa_delete(scan):
    _bucket("no-mfa-bucket")
    s3 = _bucket("mfa-bucket")
    s3.put_bucket_versioning(Bucket="mfa-bucket", VersioningConfiguration={"Status": "Enabled"})
    # moto stores versioning but drops MFADelete (it cannot verify an MFA code), so this
    # test adds the field to moto's GetBucketVersioning answer for the bucket that set it.
    access = AwsAccess.from_default_chain()

    def remember_bucket(params, context, **_):
        context["test_bucket"] = params["Bucket"]

    def add_mfa_delete(parsed, context, **_):
        if context.get("test_bucket") == "mfa-bucket":
            parsed["MFADelete"] = "Enabled"

    events = access.client("s3", "us-east-1").meta.events
    events.register("before-parameter-build.s3.GetBucketVersioning", remember_bucket)
    events.register("after-call.s3.GetBucketVersioning", add_mfa_delete)
    run = scan("s3", access=access)
    assert run.status("s3_bucket_no_mfa_delete", "no-mfa-bucket") == "FAIL"
    assert run.status("s3_bucket_no_mfa_delete", "mfa-bucket") == "PASS"


def test_bucket_secure_transport_policy(scan):
    _bucket("plain")
    s3 = _bucket("tls-only")
    s3.put_bucket_policy(
        Bucket="tls-only",
        Policy=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Deny",
                        "Principal": "*",
                        "Action": "s3:*",
                        "Resource": ["arn:aws:s3:::tls-only", "arn:aws:s3:::tls-only/*"],
                        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                    }
                ],
            }
        ),
    )
    run = scan("s3")
    assert run.status("s3_bucket_secure_transport_policy", "plain") == "FAIL"
    assert run.status("s3_bucket_secure_transport_policy", "tls-only") == "PASS"


def test_no_buckets_no_bucket_findings(scan):
    run = scan("s3")
    assert run.of("s3_bucket_no_mfa_delete") == []


def test_account_block_without_buckets_is_judged_only_with_scan_unused_services(scan, tmp_path):
    assert scan("s3").of("s3_account_level_public_access_blocks") == []
    unused = {"scan_unused_services": True}
    run = scan_in_moto(Lake(str(tmp_path / "unused")), ["s3"], REGIONS, config=unused)
    assert run.status("s3_account_level_public_access_blocks", ACCOUNT) == "FAIL"
    denied = DeniedAccess("s3control:GetPublicAccessBlock")
    run = scan_in_moto(Lake(str(tmp_path / "denied")), ["s3"], REGIONS, access=denied, config=unused)
    assert denied.hits and run.status("s3_account_level_public_access_blocks", ACCOUNT) == "MANUAL"
