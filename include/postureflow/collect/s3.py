"""S3: buckets, access points and account settings, per region.

Each region lists its own buckets (``ListBuckets`` with ``BucketRegion``), so a
bucket is read once, by a client in its own region, and judged in that region.
Per bucket, one call each: policy, public access block, versioning, logging,
default encryption, tags, ACL, ownership controls, lifecycle, Object Lock, replication
and event notifications. Only when the audit config's ``s3_bucket_object_public_enabled``
is on (Prowler's opt-in spot check): ListObjectsV2 (one page of at most
``s3_bucket_object_public_max_objects`` keys) and GetObjectAcl on an evenly spaced sample of
``s3_bucket_object_public_sample_size`` of them.
Per region: ``s3control:ListAccessPoints`` and ``GetAccessPoint`` for each (its
Block Public Access settings), and ``HeadBucket`` on the bucket names AWS
services predict for this account and region (see ``PREDICTABLE``).
Once per run, in the home region: the account's public access block and the
Multi-Region Access Points (whose control plane is in us-west-2 only).
"""

from __future__ import annotations

import json
import re

from postureflow import arn
from postureflow.collect.base import Outcome, RegionScope, collector

BLOCK_SETTINGS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")
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
# HEAD answers carry no error body: another account's bucket is a bare 403. A coded AccessDenied is our own
# role being refused, which says nothing about the bucket.
FOREIGN_BUCKET = ("403", "Forbidden")
MOVED_BUCKET = ("301", "PermanentRedirect", "400")
NOTIFICATION_TARGETS = ("TopicConfigurations", "QueueConfigurations", "LambdaFunctionConfigurations",
                        "EventBridgeConfiguration")  # fmt: skip


def predicted_service(name: str, account: str) -> str | None:
    """The AWS service whose predictable bucket name (for any region) ``name`` is."""
    for service, pattern in PREDICTABLE.items():
        regex = re.escape(pattern).replace(r"\{account\}", account).replace(r"\{region\}", r"[a-z]{2}(-[a-z]+)+-\d")
        if re.fullmatch(regex, name):
            return service
    return None


@collector("s3")
def collect_s3(scope: RegionScope) -> None:
    if scope.is_home:
        _account_settings(scope)
    s3 = scope.client("s3")
    listing = scope.list(s3, "list_buckets", "Buckets", kind="buckets", BucketRegion=scope.region)
    names = [b["Name"] for b in listing.value or []]
    scope.each(names, lambda name: _collect_bucket(scope, name))
    _access_points(scope)
    if listing.known:
        _predictable_buckets(scope, set(names))


def _account_settings(scope: RegionScope) -> None:
    control = scope.client("s3control")
    block = scope.fetch(
        control, "get_public_access_block", absent=("NoSuchPublicAccessBlockConfiguration",), AccountId=scope.account_id
    )
    settings = block.get("PublicAccessBlockConfiguration", {})
    scope.add(
        "account_public_access_block",
        uid=arn.build("s3", scope.account_id, partition=scope.partition),
        id=scope.account_id,
        configured=block.map(bool),
        settings=settings,
        **{name: settings.get(name) for name in BLOCK_SETTINGS},
    )
    if scope.partition != "aws":
        return  # Multi-Region Access Points exist in the commercial partition only
    mrap = scope.client("s3control", MRAP_REGION)
    points = scope.list(
        mrap, "list_multi_region_access_points", "AccessPoints", kind="multi_region_access_points",
        AccountId=scope.account_id,
    )  # fmt: skip
    for point in points.value or []:
        scope.add(
            "multi_region_access_points",
            uid=arn.build("s3", f"accesspoint/{point.get('Alias') or point['Name']}", account=scope.account_id,
                          partition=scope.partition),  # fmt: skip
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
    policy = scope.fetch(s3, "get_bucket_policy", absent=("NoSuchBucketPolicy",), Bucket=name)
    block = scope.fetch(s3, "get_public_access_block", absent=("NoSuchPublicAccessBlockConfiguration",), Bucket=name)
    versioning = scope.fetch(s3, "get_bucket_versioning", Bucket=name)
    logging_conf = scope.fetch(s3, "get_bucket_logging", Bucket=name)
    encryption = scope.fetch(s3, "get_bucket_encryption", absent=("ServerSideEncryptionConfigurationNotFoundError",), Bucket=name)
    tagging = scope.fetch(s3, "get_bucket_tagging", absent=("NoSuchTagSet",), Bucket=name)
    acl = scope.fetch(s3, "get_bucket_acl", Bucket=name)
    ownership = scope.fetch(s3, "get_bucket_ownership_controls", absent=("OwnershipControlsNotFoundError",), Bucket=name)
    lifecycle = scope.fetch(s3, "get_bucket_lifecycle_configuration", absent=("NoSuchLifecycleConfiguration",), Bucket=name)
    lock = scope.fetch(s3, "get_object_lock_configuration", absent=("ObjectLockConfigurationNotFoundError",), Bucket=name)
    replication = scope.fetch(s3, "get_bucket_replication", absent=("ReplicationConfigurationNotFoundError",), Bucket=name)
    notifications = scope.fetch(s3, "get_bucket_notification_configuration", Bucket=name)
    sample = _object_sample(scope, s3, name) if scope.config.get("s3_bucket_object_public_enabled") else None

    scope.add(
        "buckets",
        uid=arn.build("s3", name, partition=scope.partition),
        id=name,
        tags=tagging.get("TagSet", []),
        account=scope.account_id,
        policy=policy.map(lambda r: json.loads(r["Policy"])),
        public_access_block=block.get("PublicAccessBlockConfiguration"),
        versioning=versioning.get("Status"),
        mfa_delete=versioning.get("MFADelete"),
        logging_target=logging_conf.map(lambda r: (r.get("LoggingEnabled") or {}).get("TargetBucket")),
        encryption_rules=encryption.map(lambda r: r.get("ServerSideEncryptionConfiguration", {}).get("Rules", [])),
        acl_grants=acl.map(lambda r: [_grant(g) for g in r.get("Grants") or []]),
        object_ownership=ownership.map(lambda r: next(
            (rule.get("ObjectOwnership") for rule in (r.get("OwnershipControls") or {}).get("Rules") or []), None
        )),  # fmt: skip
        lifecycle_rules=lifecycle.map(lambda r: [{"id": x.get("ID"), "status": x.get("Status")} for x in r.get("Rules") or []]),
        object_lock=lock.map(lambda r: (r.get("ObjectLockConfiguration") or {}).get("ObjectLockEnabled")),
        predicted_for=predicted_service(name, scope.account_id),
        replication_rules=replication.map(lambda r: [
            {"id": x.get("ID"), "status": x.get("Status"), "destination": (x.get("Destination") or {}).get("Bucket")}
            for x in (r.get("ReplicationConfiguration") or {}).get("Rules") or []
        ]).absent_as([]),  # fmt: skip
        notification_targets=notifications.map(lambda r: [key for key in NOTIFICATION_TARGETS if key in r]),
        **({} if sample is None else {"object_sample": sample}),
    )


def _sample_keys(keys: list[str], size: int) -> list[str]:
    """Evenly spaced keys, so a re-scan of an unchanged bucket samples the same objects."""
    if len(keys) <= size:
        return keys
    step = len(keys) // size
    return [keys[i * step] for i in range(size)]


def _positive(value, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else default


def _object_sample(scope: RegionScope, s3, name: str):
    """The sampled objects' ACL grants to public groups: an Outcome of {"listed", "sampled", "public"}."""
    max_objects = _positive(scope.config.get("s3_bucket_object_public_max_objects"), 100)
    size = _positive(scope.config.get("s3_bucket_object_public_sample_size"), 3)
    # one page on purpose: a spot check, not an inventory of the bucket's objects
    listing = scope.fetch(s3, "list_objects_v2", Bucket=name, MaxKeys=max_objects)
    if not listing.ok:
        return listing
    keys = _sample_keys([o["Key"] for o in listing.value.get("Contents") or []], size)
    public: dict[str, list[str]] = {}
    for key in keys:
        acl = scope.fetch(s3, "get_object_acl", Bucket=name, Key=key)
        if not acl.ok:
            return acl  # a sample with a hole says nothing about the bucket
        groups = [g["uri"] for g in map(_grant, acl.value.get("Grants") or []) if g["type"] == "Group" and g["uri"]]
        if groups:
            public[key] = sorted(set(groups))
    return {"listed": len(listing.value.get("Contents") or []), "sampled": len(keys), "group_grants": public}


def _access_points(scope: RegionScope) -> None:
    control = scope.client("s3control")
    points = scope.list(
        control, "list_access_points", "AccessPointList", kind="access_points", AccountId=scope.account_id
    )

    def one(point: dict) -> None:
        point_arn = point.get("AccessPointArn") or scope.arn("s3", f"accesspoint/{point['Name']}")
        if arn.region_of(point_arn) not in (None, scope.region):
            return  # listed by another region's endpoint too; recorded there
        details = scope.fetch(
            control, "get_access_point", absent=("NoSuchAccessPoint",), AccountId=scope.account_id, Name=point["Name"]
        )
        if details.state == "absent":
            return  # deleted since the listing
        scope.add(
            "access_points",
            uid=point_arn,
            id=point["Name"],
            bucket=point.get("Bucket"),
            network_origin=point.get("NetworkOrigin"),
            public_access_block=details.get("PublicAccessBlockConfiguration"),
        )

    scope.each(points.value or [], one)


def probe_bucket(scope: RegionScope, client, name: str, **params) -> tuple[str | None, Outcome]:
    """HeadBucket on a name: "present" (200), "forbidden" (403: another account's), "moved" (another
    region's answer), "absent" (404), or None when it could not be asked (a recorded error); with the
    call's outcome, which says why."""
    answers = {**{c: "absent" for c in ABSENT_BUCKET}, **{c: "forbidden" for c in FOREIGN_BUCKET},
               **{c: "moved" for c in MOVED_BUCKET}}  # fmt: skip
    outcome = scope.fetch(client, "head_bucket", absent=tuple(answers), Bucket=name, **params)
    if outcome.ok:
        return "present", outcome
    return (answers.get(outcome.code) if outcome.known else None), outcome


def _predictable_buckets(scope: RegionScope, own: set[str]) -> None:
    """Record predictable bucket names for this region that exist but belong to another account."""
    s3 = scope.client("s3")
    for service, pattern in PREDICTABLE.items():
        name = pattern.format(account=scope.account_id, region=scope.region)
        if name in own:
            continue
        answer, outcome = probe_bucket(scope, s3, name, ExpectedBucketOwner=scope.account_id)
        # Ours ("present": homed in another region) are recorded where they live; a name that could not
        # be asked is recorded with its owner unread, so the check gives no verdict rather than nothing.
        if answer in ("forbidden", None):
            scope.add(
                "foreign_predictable_buckets",
                uid=arn.build("s3", name, partition=scope.partition),
                id=name,
                service_name=service,
                owned_elsewhere=True if answer == "forbidden" else outcome,
            )
