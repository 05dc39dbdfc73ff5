"""S3: buckets, access points and account settings, per region.

Each region lists its own buckets (``ListBuckets`` with ``BucketRegion``), so a
bucket is read once, by a client in its own region, and judged in that region.
Per bucket, one call each: policy, public access block, versioning, logging,
default encryption, tags, ACL, ownership controls, lifecycle and Object Lock.
Per region: ``s3control:ListAccessPoints`` and ``GetAccessPoint`` for each (its
Block Public Access settings), and ``HeadBucket`` on the bucket names AWS
services predict for this account and region (see ``PREDICTABLE``).
Once per run, in the home region: the account's public access block and the
Multi-Region Access Points (whose control plane is in us-west-2 only).
"""

from __future__ import annotations

import json
import re
from concurrent.futures import ThreadPoolExecutor

from botocore.exceptions import ClientError

from postureflow.collect.base import RECORDED_ERROR_CODES, RegionScope, ScanError, collector, global_region

BUCKET_THREADS = 8
MRAP_REGION = "us-west-2"

# Bucket names AWS services create on first use, predictable from the account and region. Someone
# else who creates one first receives that service's data ("shadow resource", Aqua, 2024).
PREDICTABLE = {
    "AWS Glue": "aws-glue-assets-{account}-{region}",
    "Amazon SageMaker": "sagemaker-{region}-{account}",
    "Amazon EMR Studio": "aws-emr-studio-{account}-{region}",
    "AWS CodeStar": "aws-codestar-{region}-{account}",
}
ABSENT_BUCKET = ("404", "NoSuchBucket", "NotFound")
FOREIGN_BUCKET = ("403", "AccessDenied", "Forbidden")
MOVED_BUCKET = ("301", "PermanentRedirect", "400")


def predicted_service(name: str, account: str) -> str | None:
    """The AWS service whose predictable bucket name (for any region) ``name`` is."""
    for service, pattern in PREDICTABLE.items():
        regex = re.escape(pattern).replace(r"\{account\}", account).replace(r"\{region\}", r"[a-z]{2}(-[a-z]+)+-\d")
        if re.fullmatch(regex, name):
            return service
    return None


@collector("s3")
def collect_s3(scope: RegionScope) -> None:
    if scope.region == global_region(scope.collection.regions):
        _account_settings(scope)
    s3 = scope.client("s3")
    names = [b["Name"] for b in scope.paginate(s3, "list_buckets", "Buckets", BucketRegion=scope.region)]
    with ThreadPoolExecutor(max_workers=BUCKET_THREADS) as pool:
        list(pool.map(lambda name: _collect_bucket(scope, name), names))
    _access_points(scope)
    _predictable_buckets(scope, set(names))


def _region_errors(scope: RegionScope) -> int:
    return sum(1 for e in list(scope.collection.errors) if e.region == scope.region)


def _account_settings(scope: RegionScope) -> None:
    control = scope.client("s3control")
    before = _region_errors(scope)
    block = scope.call(
        control,
        "get_public_access_block",
        absent=("NoSuchPublicAccessBlockConfiguration",),
        AccountId=scope.account_id,
    )
    if block is not None or _region_errors(scope) == before:  # answered, or "not configured"
        scope.add(
            "account_public_access_block",
            uid=f"arn:{scope.partition}:s3:::{scope.account_id}",
            id=scope.account_id,
            configured=block is not None,
            **(block or {}).get("PublicAccessBlockConfiguration", {}),
        )
    if scope.partition != "aws":
        return  # Multi-Region Access Points exist in the commercial partition only
    mrap = scope.client("s3control", MRAP_REGION)
    for point in scope.paginate(mrap, "list_multi_region_access_points", "AccessPoints", AccountId=scope.account_id):
        scope.add(
            "multi_region_access_points",
            uid=f"arn:{scope.partition}:s3::{scope.account_id}:accesspoint/{point.get('Alias') or point['Name']}",
            id=point["Name"],
            public_access_block=point.get("PublicAccessBlock"),
            regions=[r.get("Region") for r in point.get("Regions") or []],
        )


def _grant(grant: dict) -> dict:
    """One ACL grant; an e-mail grantee keeps only its type."""
    grantee = grant.get("Grantee") or {}
    return {
        "type": grantee.get("Type"),
        "uri": grantee.get("URI"),
        "id": grantee.get("ID"),
        "permission": grant.get("Permission"),
    }


def _collect_bucket(scope: RegionScope, name: str) -> None:
    s3 = scope.client("s3")
    policy = scope.call(s3, "get_bucket_policy", absent=("NoSuchBucketPolicy",), Bucket=name)
    block = scope.call(s3, "get_public_access_block", absent=("NoSuchPublicAccessBlockConfiguration",), Bucket=name)
    versioning = scope.call(s3, "get_bucket_versioning", Bucket=name) or {}
    logging_conf = scope.call(s3, "get_bucket_logging", Bucket=name) or {}
    encryption = scope.call(
        s3, "get_bucket_encryption", absent=("ServerSideEncryptionConfigurationNotFoundError",), Bucket=name
    )
    tagging = scope.call(s3, "get_bucket_tagging", absent=("NoSuchTagSet",), Bucket=name) or {}
    acl = scope.call(s3, "get_bucket_acl", Bucket=name)
    ownership = scope.call(
        s3, "get_bucket_ownership_controls", absent=("OwnershipControlsNotFoundError",), Bucket=name
    )
    lifecycle = scope.call(
        s3, "get_bucket_lifecycle_configuration", absent=("NoSuchLifecycleConfiguration",), Bucket=name
    )
    lock = scope.call(
        s3, "get_object_lock_configuration", absent=("ObjectLockConfigurationNotFoundError",), Bucket=name
    )
    ownership_rules = ((ownership or {}).get("OwnershipControls") or {}).get("Rules") or []

    scope.add(
        "buckets",
        uid=f"arn:{scope.partition}:s3:::{name}",
        id=name,
        tags=tagging.get("TagSet", []),
        account=scope.account_id,
        policy=json.loads(policy["Policy"]) if policy else None,
        public_access_block=(block or {}).get("PublicAccessBlockConfiguration"),
        versioning=versioning.get("Status"),
        mfa_delete=versioning.get("MFADelete"),
        logging_target=(logging_conf.get("LoggingEnabled") or {}).get("TargetBucket"),
        encryption_rules=(encryption or {}).get("ServerSideEncryptionConfiguration", {}).get("Rules", []),
        # None where the ACL could not be read: the ACL checks then leave the bucket unjudged.
        acl_grants=None if acl is None else [_grant(g) for g in acl.get("Grants") or []],
        object_ownership=ownership_rules[0].get("ObjectOwnership") if ownership_rules else None,
        lifecycle_rules=[
            {"id": r.get("ID"), "status": r.get("Status")} for r in (lifecycle or {}).get("Rules") or []
        ],
        object_lock=((lock or {}).get("ObjectLockConfiguration") or {}).get("ObjectLockEnabled"),
        predicted_for=predicted_service(name, scope.account_id),
    )


def _access_points(scope: RegionScope) -> None:
    control = scope.client("s3control")
    for point in scope.paginate(control, "list_access_points", "AccessPointList", AccountId=scope.account_id):
        arn = point.get("AccessPointArn") or scope.arn("s3", f"accesspoint/{point['Name']}")
        if arn.split(":")[3] not in ("", scope.region):
            continue  # listed by another region's endpoint too; recorded there
        details = scope.call(
            control, "get_access_point", absent=("NoSuchAccessPoint",), AccountId=scope.account_id, Name=point["Name"]
        )
        if details is None:
            continue
        scope.add(
            "access_points",
            uid=arn,
            id=point["Name"],
            bucket=point.get("Bucket"),
            network_origin=point.get("NetworkOrigin"),
            public_access_block=details.get("PublicAccessBlockConfiguration"),
        )


def probe_bucket(scope: RegionScope, client, name: str, **params) -> str | None:
    """HeadBucket on a name: "present" (200), "forbidden" (403: another account's), "moved" (another
    region's answer), "absent" (404); None after a recorded error."""
    try:
        client.head_bucket(Bucket=name, **params)
        return "present"
    except ClientError as err:
        code = str(err.response.get("Error", {}).get("Code", ""))
        for answer, codes in (("absent", ABSENT_BUCKET), ("forbidden", FOREIGN_BUCKET), ("moved", MOVED_BUCKET)):
            if code in codes:
                return answer
        if code in RECORDED_ERROR_CODES:
            scope.collection.error(ScanError(scope.service, scope.region, "s3:head_bucket", code, str(err)[:1000]))
            return None
        raise


def _predictable_buckets(scope: RegionScope, own: set[str]) -> None:
    """Record predictable bucket names for this region that exist but belong to another account."""
    s3 = scope.client("s3")
    for service, pattern in PREDICTABLE.items():
        name = pattern.format(account=scope.account_id, region=scope.region)
        # Ours ("present": homed in another region) are recorded where they live.
        if name not in own and probe_bucket(scope, s3, name, ExpectedBucketOwner=scope.account_id) == "forbidden":
            scope.add(
                "foreign_predictable_buckets",
                uid=f"arn:{scope.partition}:s3:::{name}",
                id=name,
                service_name=service,
            )
