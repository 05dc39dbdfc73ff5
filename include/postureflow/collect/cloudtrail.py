"""CloudTrail: every trail once, with its status and event selectors.

``DescribeTrails`` is called once per region with shadow trails included, so a
member account also sees the organization trail that covers it. Each trail is
kept in one region only: its home region, or (for a multi-region trail homed in
a region outside the scan) the first scanned region. ``GetTrailStatus`` and
``GetEventSelectors`` are then called once per trail, by ARN, in that region.

Besides the trails, each region where ``DescribeTrails`` answered gets one
``regions`` record: checks such as ``cloudtrail_multi_region_enabled`` judge
every scanned region, including one with no trail at all.
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector

# Codes meaning the trail vanished or is not readable by ARN from here (a shadow trail of another account).
TRAIL_ABSENT = (
    "TrailNotFoundException",
    "CloudTrailARNInvalidException",
    "InvalidTrailNameException",
    "ResourceNotFoundException",
)
TAGS_PER_CALL = 20


def _owner_region(trail: dict, scanned: list[str]) -> str | None:
    """The one scanned region that records this trail."""
    home = trail.get("HomeRegion")
    if home in scanned:
        return home
    if trail.get("IsMultiRegionTrail") and scanned:
        return sorted(scanned)[0]
    return None


def _arn_account(arn: str) -> str:
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 else ""


@collector("cloudtrail")
def collect_cloudtrail(scope: RegionScope) -> None:
    client = scope.client("cloudtrail")
    listing = scope.call(client, "describe_trails", includeShadowTrails=True)
    if listing is None:
        return
    scope.add("regions", uid=scope.arn("cloudtrail", "trail"), id=scope.account_id, trails_listed=True)

    trails = [t for t in listing.get("trailList", []) if _owner_region(t, scope.collection.regions) == scope.region]
    tags = _tags(scope, client, [t["TrailARN"] for t in trails if _arn_account(t["TrailARN"]) == scope.account_id])
    for trail in trails:
        _collect_trail(scope, client, trail, tags.get(trail["TrailARN"], []))


def _tags(scope: RegionScope, client, arns: list[str]) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for start in range(0, len(arns), TAGS_PER_CALL):
        batch = arns[start : start + TAGS_PER_CALL]
        response = scope.call(client, "list_tags", absent=TRAIL_ABSENT, ResourceIdList=batch) or {}
        for entry in response.get("ResourceTagList", []):
            found[entry.get("ResourceId")] = entry.get("TagsList", [])
    return found


def _collect_trail(scope: RegionScope, client, trail: dict, tags: list[dict]) -> None:
    arn = trail["TrailARN"]
    status = scope.call(client, "get_trail_status", absent=TRAIL_ABSENT, Name=arn)
    selectors = scope.call(client, "get_event_selectors", absent=TRAIL_ABSENT, TrailName=arn)
    home = trail.get("HomeRegion") or scope.region
    scope.add(
        "trails",
        uid=arn,
        id=trail.get("Name", arn.rsplit("/", 1)[-1]),
        region=home if home in scope.collection.regions else scope.region,
        tags=tags,
        home_region=home,
        other_account=_arn_account(arn) != scope.account_id,
        multi_region=bool(trail.get("IsMultiRegionTrail")),
        organization_trail=bool(trail.get("IsOrganizationTrail")),
        include_global_service_events=bool(trail.get("IncludeGlobalServiceEvents")),
        s3_bucket=trail.get("S3BucketName"),
        kms_key_id=trail.get("KmsKeyId"),
        log_file_validation=bool(trail.get("LogFileValidationEnabled")),
        cloudwatch_log_group_arn=trail.get("CloudWatchLogsLogGroupArn"),
        # None when the status or selectors could not be read: checks then leave the trail unjudged.
        is_logging=None if status is None else bool(status.get("IsLogging")),
        latest_cloudwatch_logs_delivery_time=(status or {}).get("LatestCloudWatchLogsDeliveryTime"),
        event_selectors=None if selectors is None else selectors.get("EventSelectors") or [],
        advanced_event_selectors=None if selectors is None else selectors.get("AdvancedEventSelectors") or [],
    )
