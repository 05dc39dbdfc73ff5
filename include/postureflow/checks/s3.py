"""S3 checks."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check

BLOCK_SETTINGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def _blocks_everything(config: dict | None) -> bool:
    return bool(config) and all(config.get(setting) for setting in BLOCK_SETTINGS)


def _statements(policy: dict | None) -> list[dict]:
    statements = (policy or {}).get("Statement", [])
    return statements if isinstance(statements, list) else [statements]


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def _denies_insecure_transport(policy: dict | None) -> bool:
    for statement in _statements(policy):
        if statement.get("Effect") != "Deny":
            continue
        principal = statement.get("Principal")
        if principal not in ("*", {"AWS": "*"}):
            continue
        actions = _as_list(statement.get("Action", []))
        if not any(a in ("*", "s3:*") for a in actions):
            continue
        condition = statement.get("Condition", {}).get("Bool", {})
        if str(condition.get("aws:SecureTransport", "")).lower() == "false":
            return True
    return False


@check(
    id="s3_account_level_public_access_blocks",
    title="S3 public access is blocked at the account level",
    severity="high",
    resource_type="AwsS3AccountPublicAccessBlock",
    reads=["s3.account_public_access_block"],
    risk="Without the account-wide block, one mistaken bucket policy or ACL can publish data to the internet.",
    remediation="Turn on all four S3 Block Public Access settings for the account (s3control put-public-access-block).",
)
def s3_account_level_public_access_blocks(account_blocks):
    for block in account_blocks:
        if _blocks_everything(block.data):
            yield PASS(block, f"Account {block.id} blocks S3 public access with all four settings.")
        else:
            off = [s for s in BLOCK_SETTINGS if not block.get(s)]
            yield FAIL(block, f"Account {block.id} does not block S3 public access: {', '.join(off)} off.")


@check(
    id="s3_bucket_level_public_access_block",
    title="S3 bucket blocks public access at the bucket level",
    severity="high",
    resource_type="AwsS3Bucket",
    reads=["s3.buckets", "s3.account_public_access_block"],
    risk="A bucket without Block Public Access can be made public by a policy or ACL change.",
    remediation="Enable all four Block Public Access settings on the bucket, or on the whole account.",
)
def s3_bucket_level_public_access_block(buckets, account_blocks):
    account_wide = any(_blocks_everything(b.data) for b in account_blocks)
    for bucket in buckets:
        if _blocks_everything(bucket.get("public_access_block")):
            yield PASS(bucket, f"S3 bucket {bucket.id} blocks public access.")
        elif account_wide:
            yield PASS(bucket, f"S3 bucket {bucket.id} is covered by the account-level public access block.")
        else:
            yield FAIL(bucket, f"S3 bucket {bucket.id} does not block public access.")


@check(
    id="s3_bucket_no_mfa_delete",
    title="S3 bucket requires MFA to delete object versions",
    severity="medium",
    resource_type="AwsS3Bucket",
    reads=["s3.buckets"],
    risk="Without MFA Delete, stolen credentials alone can remove object versions and disable versioning.",
    remediation="Enable versioning with MFA Delete using the root account's MFA device.",
)
def s3_bucket_no_mfa_delete(buckets):
    for bucket in buckets:
        if bucket.get("mfa_delete") == "Enabled":
            yield PASS(bucket, f"S3 bucket {bucket.id} has MFA Delete enabled.")
        else:
            yield FAIL(bucket, f"S3 bucket {bucket.id} does not have MFA Delete enabled.")


@check(
    id="s3_bucket_secure_transport_policy",
    title="S3 bucket policy denies requests over plain HTTP",
    severity="medium",
    resource_type="AwsS3Bucket",
    reads=["s3.buckets"],
    risk="Requests over HTTP can be read or altered in transit.",
    remediation="Add a bucket policy statement that denies s3:* when aws:SecureTransport is false.",
)
def s3_bucket_secure_transport_policy(buckets):
    for bucket in buckets:
        if _denies_insecure_transport(bucket.get("policy")):
            yield PASS(bucket, f"S3 bucket {bucket.id} denies requests that do not use TLS.")
        else:
            yield FAIL(bucket, f"S3 bucket {bucket.id} allows requests over plain HTTP.")
