"""CloudFront: distributions (a global service, read once in the home region).

``ListDistributions`` (paginated; a failed listing marks ``distributions``
incomplete), then per distribution, through ``scope.each``,
``GetDistributionConfig`` (the summary lacks logging and the default root
object) and ``ListTagsForResource``. Each S3 origin's bucket is probed once
with ``s3:HeadBucket``: 404 means the bucket no longer exists (anyone could
claim the name), 403 or 200 that it does; a probe refused or failed leaves
``origin_buckets_probed`` unread (and that origin's ``bucket_exists`` None).
Facts only the configuration holds are unread when it could not be read; the
rest come from the summary.
"""

from __future__ import annotations

import re

from postureflow.collect.base import OK, Outcome, RegionScope, collector
from postureflow.collect.s3 import probe_bucket

# The REST endpoint of a bucket: <bucket>.s3.amazonaws.com, <bucket>.s3.<region>.amazonaws.com(.cn),
# <bucket>.s3-<region>.amazonaws.com. Website endpoints (s3-website) are custom origins.
_S3_DOMAIN = re.compile(r"^(?P<bucket>.+?)\.s3(?:[.-](?!website)[a-z0-9-]+)?\.amazonaws\.com(?:\.cn)?$")


def _items(container: dict | None) -> list:
    return (container or {}).get("Items") or []


def s3_bucket_of(origin: dict) -> str | None:
    """The bucket name of an S3 REST origin, None for any other origin."""
    match = _S3_DOMAIN.match(origin.get("DomainName") or "")
    if match:
        return match.group("bucket")
    return None


def _origin(origin: dict) -> dict:
    custom = origin.get("CustomOriginConfig") or {}
    bucket = s3_bucket_of(origin) if not custom else None
    return {
        "id": origin.get("Id"),
        "domain": origin.get("DomainName"),
        "kind": "s3" if bucket else "custom" if custom else "vpc" if origin.get("VpcOriginConfig") else "other",
        "bucket": bucket,
        "origin_access_control": origin.get("OriginAccessControlId") or None,
        "origin_access_identity": (origin.get("S3OriginConfig") or {}).get("OriginAccessIdentity") or None,
        "protocol_policy": custom.get("OriginProtocolPolicy"),
        "ssl_protocols": _items(custom.get("OriginSslProtocols")),
    }


def _behaviors(config: dict) -> list[dict]:
    found = []
    for behavior in [config.get("DefaultCacheBehavior") or {}, *_items(config.get("CacheBehaviors"))]:
        found.append(
            {
                "path": behavior.get("PathPattern", "*"),
                "target_origin": behavior.get("TargetOriginId"),
                "viewer_protocol_policy": behavior.get("ViewerProtocolPolicy"),
                "realtime_logs": bool(behavior.get("RealtimeLogConfigArn")),
                "field_level_encryption": behavior.get("FieldLevelEncryptionId") or None,
            }
        )
    return found


@collector("cloudfront", scope="global")
def collect_cloudfront(scope: RegionScope) -> None:
    cloudfront = scope.client("cloudfront")
    summaries = scope.list(cloudfront, "list_distributions", "DistributionList.Items", kind="distributions").or_else([])
    configs = scope.each(summaries, lambda d: _read(scope, cloudfront, d))
    buckets = sorted({o["bucket"] for _, config, _ in configs for o in config["origins"] if o["bucket"]})
    exists = dict(zip(buckets, scope.each(buckets, lambda b: _bucket_exists(scope, b)), strict=True))
    for summary, config, tags in configs:
        probes = [exists[o["bucket"]] for o in config["origins"] if o["bucket"]]
        for origin in config["origins"]:
            # the answers only: a bucket whose probe failed is named by origin_buckets_probed
            origin["bucket_exists"] = exists[origin["bucket"]].or_else(None) if origin["bucket"] else None
        scope.add("distributions", uid=summary["ARN"], id=summary["Id"], tags=tags,
                  origin_buckets_probed=_all_answered(probes), **config)  # fmt: skip


# Facts GetDistributionConfig gives that the listing's summary does not.
CONFIG_ONLY = ("default_root_object", "logging_enabled")


def _read(scope: RegionScope, cloudfront, summary: dict) -> tuple[dict, dict, object]:
    response = scope.fetch(cloudfront, "get_distribution_config", absent=("NoSuchDistribution",), Id=summary["Id"])
    # Without the full configuration, the summary still has origins, behaviours, certificate and web ACL.
    config = (response.value or {}).get("DistributionConfig") if response.ok else summary
    tagging = scope.fetch(cloudfront, "list_tags_for_resource", absent=("NoSuchResource",), Resource=summary["ARN"])
    viewer = config.get("ViewerCertificate") or {}
    logging_conf = config.get("Logging") or {}
    geo = (config.get("Restrictions") or {}).get("GeoRestriction") or {}
    facts = {
        "domain_name": summary.get("DomainName"),
        "enabled": bool(config.get("Enabled")),
        "default_root_object": config.get("DefaultRootObject") or None,
        "logging_enabled": bool(logging_conf.get("Enabled")),
        "origins": [_origin(o) for o in _items(config.get("Origins"))],
        "origin_groups": [
            {"id": g.get("Id"), "members": [m.get("OriginId") for m in _items(g.get("Members"))]}
            for g in _items(config.get("OriginGroups"))
        ],
        "behaviors": _behaviors(config),
        "default_certificate": bool(viewer.get("CloudFrontDefaultCertificate")),
        "ssl_support_method": viewer.get("SSLSupportMethod"),
        "minimum_protocol_version": viewer.get("MinimumProtocolVersion"),
        "geo_restriction": geo.get("RestrictionType"),
        "web_acl_id": config.get("WebACLId") or None,
    }
    if not response.known:
        # recorded unread by scope.add, with the probes' outcomes
        facts.update({name: response for name in CONFIG_ONLY})
    return summary, facts, tagging.map(lambda t: _items(t.get("Tags")))


def _bucket_exists(scope: RegionScope, bucket: str) -> Outcome:
    """HeadBucket on an origin's bucket: it exists unless S3 says 404 (a bare 403 is another account's
    bucket, a redirect one in another region); refused or failed, the outcome says why."""
    answer, probe = probe_bucket(scope, scope.client("s3"), bucket)
    return probe if answer is None else Outcome(OK, answer != "absent", probe.api)


def _all_answered(probes: list[Outcome]) -> Outcome:
    """Whether S3 answered the probe of every S3 origin bucket of a distribution: the first that failed if not."""
    return next((probe for probe in probes if not probe.known), Outcome(OK, True))
