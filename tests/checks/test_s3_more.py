"""S3 bucket, access point and shadow-bucket checks: one moto account, built once, scanned once."""

import json
from types import SimpleNamespace

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from postureflow.aws import AwsAccess
from postureflow.checks import _policy
from postureflow.lake import Lake
from postureflow.testing import DeniedAccess, scan_in_moto

ACCOUNT = "123456789012"
OTHER = "111122223333"
ALL_USERS = 'uri="http://acs.amazonaws.com/groups/global/AllUsers"'
AUTHENTICATED = 'uri="http://acs.amazonaws.com/groups/global/AuthenticatedUsers"'
FULL_BLOCK = dict(BlockPublicAcls=True, IgnorePublicAcls=True, BlockPublicPolicy=True, RestrictPublicBuckets=True)
NO_BLOCK = {k: False for k in FULL_BLOCK}
SHADOW = f"sagemaker-eu-west-1-{ACCOUNT}"
OWN_GLUE = f"aws-glue-assets-{ACCOUNT}-us-east-1"


def _bucket(name, region="us-east-1", **kwargs):
    s3 = boto3.client("s3", region_name=region)
    if region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
    s3.create_bucket(Bucket=name, **kwargs)
    return s3


def _policy_doc(name, *statements):
    body = []
    for principal, action, condition in statements:
        statement = {"Effect": "Allow", "Principal": principal, "Action": action}
        statement["Resource"] = [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"]
        if condition:
            statement["Condition"] = condition
        body.append(statement)
    return json.dumps({"Version": "2012-10-17", "Statement": body})


def _with_policy(name, *statements, region="us-east-1"):
    s3 = _bucket(name, region)
    s3.put_bucket_policy(Bucket=name, Policy=_policy_doc(name, *statements))
    return s3


def _build():
    s3 = _bucket("plain-bucket")
    s3.put_bucket_acl(Bucket="plain-bucket", ACL="private")

    _bucket("acl-write-bucket").put_bucket_acl(Bucket="acl-write-bucket", GrantWrite=ALL_USERS)
    _bucket("acl-list-bucket").put_bucket_acl(Bucket="acl-list-bucket", GrantRead=AUTHENTICATED)
    s3 = _bucket("acl-ignored-bucket")
    s3.put_bucket_acl(Bucket="acl-ignored-bucket", GrantWrite=ALL_USERS, GrantRead=ALL_USERS)
    s3.put_public_access_block(
        Bucket="acl-ignored-bucket", PublicAccessBlockConfiguration={**NO_BLOCK, "IgnorePublicAcls": True}
    )

    _with_policy("policy-write-bucket", ("*", "s3:Put*", None))
    _with_policy("policy-read-bucket", ("*", "s3:GetObject", None))
    s3 = _with_policy("policy-restricted-bucket", ("*", "s3:*", None))
    s3.put_public_access_block(
        Bucket="policy-restricted-bucket", PublicAccessBlockConfiguration={**NO_BLOCK, "RestrictPublicBuckets": True}
    )
    _with_policy("cross-account-bucket", ({"AWS": f"arn:aws:iam::{OTHER}:root"}, "s3:GetObject", None))
    _with_policy(
        "own-account-bucket",
        ({"AWS": f"arn:aws:iam::{ACCOUNT}:role/reader"}, "s3:GetObject", None),
        ("*", "s3:PutObject", {"StringEquals": {"aws:SourceAccount": ACCOUNT}}),
        ({"Service": "logging.s3.amazonaws.com"}, "s3:PutObject", None),
    )

    # Every "good" setting on one bucket, in eu-west-1; its twin there has none.
    good = "well-kept-bucket"
    s3 = _bucket(good, "eu-west-1", ObjectLockEnabledForBucket=True)
    _bucket("eu-plain-bucket", "eu-west-1")
    _bucket("eu-logs-bucket", "eu-west-1").put_bucket_acl(Bucket="eu-logs-bucket", ACL="log-delivery-write")
    s3.put_public_access_block(Bucket=good, PublicAccessBlockConfiguration=FULL_BLOCK)
    s3.put_bucket_ownership_controls(
        Bucket=good, OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    )
    s3.put_bucket_encryption(
        Bucket=good,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/x"}}]
        },
    )
    s3.put_bucket_versioning(Bucket=good, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_logging(
        Bucket=good, BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": "eu-logs-bucket", "TargetPrefix": "x/"}}
    )
    rule = {"ID": "expire", "Filter": {"Prefix": ""}, "Expiration": {"Days": 30}}
    s3.put_bucket_lifecycle_configuration(
        Bucket=good, LifecycleConfiguration={"Rules": [{**rule, "Status": "Enabled"}]}
    )
    s3.put_bucket_lifecycle_configuration(
        Bucket="eu-plain-bucket", LifecycleConfiguration={"Rules": [{**rule, "Status": "Disabled"}]}
    )
    s3.put_bucket_encryption(
        Bucket="eu-plain-bucket",
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )

    control = boto3.client("s3control", region_name="us-east-1")
    control.create_access_point(AccountId=ACCOUNT, Name="open-point", Bucket="plain-bucket",
                                PublicAccessBlockConfiguration=NO_BLOCK)  # fmt: skip
    control.create_access_point(AccountId=ACCOUNT, Name="closed-point", Bucket="plain-bucket")
    mrap = boto3.client("s3control", region_name="us-west-2")
    for name, block in (("open-mrap", NO_BLOCK), ("closed-mrap", FULL_BLOCK)):
        mrap.create_multi_region_access_point(
            AccountId=ACCOUNT,
            ClientToken=name,
            Details={"Name": name, "PublicAccessBlock": block, "Regions": [{"Bucket": "plain-bucket"}]},
        )

    _bucket(OWN_GLUE)


def _shadow_access():
    """moto lets any account see any bucket and ignores ExpectedBucketOwner, so HeadBucket on the planted
    shadow name is answered here as S3 answers a bucket owned by another account: 403."""
    access = AwsAccess.from_default_chain()

    def remember(params, context, **_):
        context["test_bucket"] = params.get("Bucket")

    def forbidden(context, **_):
        if context.get("test_bucket") == SHADOW:
            response = AWSResponse("https://s3.eu-west-1.amazonaws.com", 403, {}, None)
            return response, {"Error": {"Code": "403", "Message": "Forbidden"}, "ResponseMetadata": {}}
        return None

    events = access.client("s3", "eu-west-1").meta.events
    events.register("before-parameter-build.s3.HeadBucket", remember)
    events.register("before-call.s3.HeadBucket", forbidden)
    return access


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        _build()
        access = _shadow_access()
        lake = Lake(str(tmp_path_factory.mktemp("s3-lake")))
        run = scan_in_moto(lake, ["s3"], regions=["us-east-1", "eu-west-1"], access=access)
        refused = DeniedAccess("s3:HeadBucket")
        unprobed = scan_in_moto(Lake(str(tmp_path_factory.mktemp("s3-unprobed"))), ["s3"],
                                regions=["us-east-1", "eu-west-1"], access=refused)
        assert refused.hits
    return SimpleNamespace(run=run, calls=access.call_log, unprobed=unprobed)


def _statuses(world, check, **expected):
    got = {name: world.run.status(check, name) for name in expected}
    assert got == expected


def test_bucket_public_access(world):
    check = "s3_bucket_public_access"
    assert world.run.status(check, "acl-write-bucket") == "FAIL"
    assert world.run.status(check, "policy-read-bucket") == "FAIL"
    assert world.run.status(check, "plain-bucket") == "PASS"
    assert world.run.status(check, "acl-ignored-bucket") == "PASS"
    assert world.run.status(check, "policy-restricted-bucket") == "PASS"
    assert world.run.status(check, "own-account-bucket") == "PASS"
    finding = next(f for f in world.run.of(check) if f["resource_id"] == "acl-list-bucket")
    assert finding["status"] == "FAIL" and "READ to any authenticated AWS user" in finding["status_extended"]


def test_bucket_public_write_acl(world):
    check = "s3_bucket_public_write_acl"
    assert world.run.status(check, "acl-write-bucket") == "FAIL"
    assert world.run.status(check, "acl-list-bucket") == "PASS"
    assert world.run.status(check, "acl-ignored-bucket") == "PASS"
    assert world.run.status(check, "well-kept-bucket") == "PASS"


def test_bucket_public_list_acl(world):
    check = "s3_bucket_public_list_acl"
    assert world.run.status(check, "acl-list-bucket") == "FAIL"
    assert world.run.status(check, "acl-write-bucket") == "PASS"
    assert world.run.status(check, "acl-ignored-bucket") == "PASS"


def test_bucket_policy_public_write_access(world):
    check = "s3_bucket_policy_public_write_access"
    assert world.run.status(check, "policy-write-bucket") == "FAIL"
    assert world.run.status(check, "policy-read-bucket") == "PASS"
    assert world.run.status(check, "policy-restricted-bucket") == "PASS"
    assert world.run.status(check, "own-account-bucket") == "PASS"
    assert world.run.status(check, "plain-bucket") == "PASS"


def test_bucket_cross_account_access(world):
    check = "s3_bucket_cross_account_access"
    assert world.run.status(check, "cross-account-bucket") == "FAIL"
    assert world.run.status(check, "policy-read-bucket") == "FAIL"  # everyone is other accounts too
    assert world.run.status(check, "own-account-bucket") == "PASS"
    assert world.run.status(check, "policy-restricted-bucket") == "PASS"
    assert world.run.status(check, "plain-bucket") == "PASS"
    finding = next(f for f in world.run.of(check) if f["resource_id"] == "cross-account-bucket")
    assert OTHER in finding["status_extended"]


def test_bucket_settings(world):
    good, bad = "well-kept-bucket", "eu-plain-bucket"
    for check in (
        "s3_bucket_acl_prohibited",
        "s3_bucket_kms_encryption",
        "s3_bucket_object_versioning",
        "s3_bucket_object_lock",
        "s3_bucket_lifecycle_enabled",
        "s3_bucket_server_access_logging_enabled",
    ):
        assert (world.run.status(check, good), world.run.status(check, bad)) == ("PASS", "FAIL"), check
    regions = {f["resource_id"]: f["region"] for f in world.run.of("s3_bucket_object_lock")}
    assert regions[good] == "eu-west-1" and regions["plain-bucket"] == "us-east-1"
    lifecycle = next(f for f in world.run.of("s3_bucket_lifecycle_enabled") if f["resource_id"] == bad)
    assert "none is enabled" in lifecycle["status_extended"]


def test_access_point_public_access_block(world):
    check = "s3_access_point_public_access_block"
    assert world.run.statuses(check) == {"open-point": "FAIL", "closed-point": "PASS"}
    assert {f["region"] for f in world.run.of(check)} == {"us-east-1"}


def test_multi_region_access_point_public_access_block(world):
    check = "s3_multi_region_access_point_public_access_block"
    assert world.run.statuses(check) == {"open-mrap": "FAIL", "closed-mrap": "PASS"}


def test_bucket_shadow_resource_vulnerability(world):
    check = "s3_bucket_shadow_resource_vulnerability"
    assert world.run.statuses(check) == {OWN_GLUE: "PASS", SHADOW: "FAIL"}
    shadow = next(f for f in world.run.of(check) if f["resource_id"] == SHADOW)
    assert shadow["region"] == "eu-west-1" and "Amazon SageMaker" in shadow["status_extended"]


def test_bucket_shadow_names_that_could_not_be_probed_give_no_verdict(world):
    statuses = world.unprobed.statuses("s3_bucket_shadow_resource_vulnerability")
    assert statuses[SHADOW] == "MANUAL" and statuses[OWN_GLUE] == "PASS"
    assert set(statuses.values()) == {"MANUAL", "PASS"}


def test_collection_calls(world):
    assert world.calls.repeated() == []
    assert not [e for e in world.run.errors if e["service"] == "s3"]


def test_account_block_overrides_bucket_settings(scan):
    _bucket("open-bucket").put_bucket_acl(Bucket="open-bucket", GrantWrite=ALL_USERS)
    _with_policy("open-policy-bucket", ("*", "s3:*", None))
    assert scan("s3").status("s3_bucket_public_access", "open-bucket") == "FAIL"
    boto3.client("s3control", region_name="us-east-1").put_public_access_block(
        AccountId=ACCOUNT, PublicAccessBlockConfiguration=FULL_BLOCK
    )
    run = scan("s3")
    assert run.statuses("s3_bucket_public_access") == {"open-bucket": "PASS", "open-policy-bucket": "PASS"}
    assert run.status("s3_bucket_public_write_acl", "open-bucket") == "PASS"
    assert run.status("s3_bucket_policy_public_write_access", "open-policy-bucket") == "PASS"


# -- the policy reader on its own -----------------------------------------------------------------


def test_policy_conditions_that_do_and_do_not_narrow():
    def statement(condition):
        return {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sqs:SendMessage", "Condition": condition}

    assert _policy.is_public_statement(statement({}))
    assert not _policy.is_public_statement(statement({"StringEquals": {"aws:SourceAccount": ACCOUNT}}))
    assert not _policy.is_public_statement(statement({"ArnLike": {"aws:SourceArn": f"arn:aws:sns:*:{ACCOUNT}:t"}}))
    assert not _policy.is_public_statement(statement({"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}))
    assert not _policy.is_public_statement(statement({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))
    assert _policy.is_public_statement(statement({"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}))
    assert _policy.is_public_statement(statement({"StringEqualsIfExists": {"aws:SourceAccount": ACCOUNT}}))
    assert _policy.is_public_statement(statement({"StringNotEquals": {"aws:SourceAccount": ACCOUNT}}))
    assert _policy.is_public_statement(statement({"ForAllValues:StringEquals": {"aws:SourceAccount": ACCOUNT}}))
    assert _policy.is_public_statement(statement({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:*:t"}}))
    assert _policy.is_public_statement(statement({"Bool": {"aws:SecureTransport": "true"}}))
    assert not _policy.is_public_statement({**statement({}), "Effect": "Deny"})
    assert _policy.is_public_statement({**statement({}), "Principal": "*"}, ["sqs:SendMessage"])
    assert not _policy.is_public_statement(statement({}), ["sqs:ReceiveMessage"])
    assert _policy.grants({"NotAction": "s3:Get*"}, "s3:PutObject")
    assert not _policy.grants({"NotAction": "s3:*"}, "s3:PutObject")
    narrowed_elsewhere = {"Statement": statement({"StringEquals": {"aws:SourceAccount": OTHER}})}
    assert _policy.outside_accounts(narrowed_elsewhere, ACCOUNT) == {OTHER}
    assert _policy.outside_accounts({"Statement": statement({})}, ACCOUNT) == {"*"}
    assert _policy.outside_accounts({"Statement": statement({})}, ACCOUNT, public_counts=False) == set()


def test_unreadable_account_block_is_not_judged(scan):
    _bucket("some-bucket")
    access = AwsAccess.from_default_chain()

    def denied(**_):
        error = {"Code": "AccessDenied", "Message": "not allowed"}
        return AWSResponse("https://s3-control", 403, {}, None), {"Error": error, "ResponseMetadata": {}}

    access.client("s3control", "us-east-1").meta.events.register("before-call.s3-control.GetPublicAccessBlock", denied)
    run = scan("s3", access=access)
    # Unknown is never a verdict: the account block and every bucket judged with it say so.
    assert run.status("s3_account_level_public_access_blocks", ACCOUNT) == "MANUAL"
    assert run.status("s3_bucket_level_public_access_block", "some-bucket") == "MANUAL"
    [finding] = run.of("s3_bucket_level_public_access_block")
    assert finding["status_extended"].startswith("No verdict:")
    assert "s3control:get_public_access_block AccessDenied" in finding["status_extended"]
    assert ("s3control:get_public_access_block", "AccessDenied") in {(e["api"], e["error_code"]) for e in run.errors}


PUBLIC_WRITE_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::open-policy/*"}],
}
POLICY_CHECKS = ("s3_bucket_public_access", "s3_bucket_policy_public_write_access", "s3_bucket_cross_account_access")


def test_denied_bucket_policy_is_no_verdict_never_pass(scan):
    """Issue 11: GetBucketPolicy AccessDenied used to PASS as "has no bucket policy"."""
    s3 = _bucket("open-policy")
    s3.put_bucket_policy(Bucket="open-policy", Policy=json.dumps(PUBLIC_WRITE_POLICY))
    readable = scan("s3")
    assert {readable.status(c, "open-policy") for c in POLICY_CHECKS} == {"FAIL"}
    access = DeniedAccess("s3:GetBucketPolicy")
    run = scan("s3", access=access)
    assert access.hits
    for check_id in POLICY_CHECKS:
        assert run.status(check_id, "open-policy") == "MANUAL", check_id
    assert ("s3:get_bucket_policy", "AccessDenied") in {(e["api"], e["error_code"]) for e in run.errors}
    # checks that do not read the policy still judge the bucket
    assert run.status("s3_bucket_object_versioning", "open-policy") == "FAIL"


def test_failed_bucket_listing_marks_the_region_unjudged(scan):
    _bucket("listed")
    run = scan("s3", access=DeniedAccess("s3:ListBuckets", regions=("eu-west-1",)))
    assert run.status("s3_bucket_level_public_access_block", "listed") == "FAIL"
    assert ("eu-west-1", "s3:list_buckets") in {(e["region"], e["api"]) for e in run.errors}
