"""CloudTrail: every trail once, with its status and event selectors.

``DescribeTrails`` is called once per region with shadow trails included, so a
member account also sees the organization trail that covers it. Each trail is
kept in one region only: its home region, or (for a multi-region trail homed in
a region outside the scan) the first scanned region. ``GetTrailStatus`` and
``GetEventSelectors`` are then called once per trail, by ARN, in that region.

Besides the trails, each region where ``DescribeTrails`` answered gets one
``regions`` record: checks such as ``cloudtrail_multi_region_enabled`` judge
every scanned region, including one with no trail at all.

For the threat-detection checks, the event history of the audit config's longest
threat_detection_<kind>_minutes window (24 hours by default) before collection is read
with ``LookupEvents``, once per watched event name (``watched_events``: the
threat_detection_<kind>_actions lists), at most ``LOOKUP_PAGES`` pages each, in one region:
the recording region of the account's first multi-region trail, or, without
one, each region that records a trail. Only who called which watched event is
kept (identity ARN and type), never the events' parameters. Calls made by AWS
services on the account's behalf are left out. LookupEvents allows two calls a
second per region, so the ~150 lookups take about 75 seconds (botocore's
adaptive retries pace them); the first recorded error ends them for the region.
"""

from __future__ import annotations

import datetime as dt
import json

from postureflow.collect.base import OK, Outcome, RegionScope, collector

# Codes meaning the trail vanished or is not readable by ARN from here (a shadow trail of another account).
TRAIL_ABSENT = (
    "TrailNotFoundException",
    "CloudTrailARNInvalidException",
    "InvalidTrailNameException",
    "ResourceNotFoundException",
)
TAGS_PER_CALL = 20
LOOKUP_PAGES = 10  # 50 events a page: at most 500 events per event name

# The threat-detection checks watch the management events named by Prowler's audit-config keys
# threat_detection_<kind>_actions, over threat_detection_<kind>_minutes (defaults: 90, 51 and 14
# event names, 1,440 minutes): the history is read for all of them, over the longest window.
THREAT_KINDS = ("enumeration", "privilege_escalation", "llm_jacking")


def watched_events(config) -> list[str]:
    return sorted({str(name) for kind in THREAT_KINDS for name in config.get(f"threat_detection_{kind}_actions") or []})


def lookup_window(config) -> dt.timedelta:
    return dt.timedelta(minutes=max(float(config.get(f"threat_detection_{kind}_minutes") or 0) for kind in THREAT_KINDS))


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
    listing = scope.fetch(client, "describe_trails", includeShadowTrails=True)
    if not listing.ok:
        scope.mark_incomplete("trails", listing)
        scope.mark_incomplete("regions", listing)
        return
    scope.add("regions", uid=scope.arn("cloudtrail", "trail"), id=scope.account_id, trails_listed=True)

    listed = listing.value.get("trailList", [])
    trails = [t for t in listed if _owner_region(t, scope.collection.regions) == scope.region]
    tags = _tags(scope, client, [t["TrailARN"] for t in trails if _arn_account(t["TrailARN"]) == scope.account_id])
    for trail in trails:
        _collect_trail(scope, client, trail, tags.get(trail["TrailARN"], Outcome(OK, [])))
    lookup_trail = _lookup_trail(listed, trails)
    if lookup_trail is not None:
        _event_history(scope, client, lookup_trail)


def _lookup_trail(listed: list[dict], here: list[dict]) -> dict | None:
    """The trail this region reads the event history for, if it is the region to read it in."""
    multi = sorted((t for t in listed if t.get("IsMultiRegionTrail")), key=lambda t: t["TrailARN"])
    if multi:
        return multi[0] if multi[0] in here else None
    return min(here, key=lambda t: t["TrailARN"]) if here else None


def _event_history(scope: RegionScope, client, trail: dict) -> None:
    end = scope.collection.collected_at
    start = end - lookup_window(scope.config)
    identities: dict[str, dict] = {}
    truncated: list[str] = []
    complete = True
    names = watched_events(scope.config)
    for name in names:
        events = _lookup(scope, client, name, start, end)
        if not events.ok:
            complete = False
            break  # not allowed, throttled beyond the retries, or not implemented: no partial picture
        if len(events.value) >= LOOKUP_PAGES * 50:
            truncated.append(name)
        for event in events.value:
            _note_caller(identities, name, event)
    scope.add(
        "event_history",
        uid=scope.arn("cloudtrail", "event-history"),
        id=trail.get("Name", "event-history"),
        trail_arn=trail["TrailARN"],
        window_start=start,
        window_end=end,
        complete=complete,
        looked_up=names,
        truncated_events=truncated,
        # per identity: each watched event it made, with the time of its latest such call
        identities={arn: {"type": v["type"], "events": dict(sorted(v["events"].items()))} for arn, v in sorted(identities.items())},
    )


def _lookup(scope: RegionScope, client, name: str, start: dt.datetime, end: dt.datetime) -> Outcome:
    return scope.list(
        client,
        "lookup_events",
        "Events",
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": name}],
        StartTime=start,
        EndTime=end,
        PaginationConfig={"MaxItems": LOOKUP_PAGES * 50, "PageSize": 50},
    )


def _note_caller(identities: dict[str, dict], name: str, event: dict) -> None:
    try:
        detail = json.loads(event.get("CloudTrailEvent") or "{}")
    except ValueError:
        return
    source = str(detail.get("sourceIPAddress") or "")
    identity = detail.get("userIdentity") or {}
    arn = identity.get("arn")
    if not arn or source.endswith(".amazonaws.com") or identity.get("type") == "AWSService":
        return
    entry = identities.setdefault(arn, {"type": identity.get("type") or "", "events": {}})
    when = event.get("EventTime")
    when = when.astimezone(dt.timezone.utc).isoformat() if isinstance(when, dt.datetime) else None
    entry["events"][name] = max(filter(None, [entry["events"].get(name), when]), default=None)


def _tags(scope: RegionScope, client, arns: list[str]) -> dict[str, Outcome]:
    """trail ARN -> the outcome of its tags (read 20 trails a call)."""
    found: dict[str, Outcome] = {}
    for start in range(0, len(arns), TAGS_PER_CALL):
        batch = arns[start : start + TAGS_PER_CALL]
        response = scope.fetch(client, "list_tags", absent=TRAIL_ABSENT, ResourceIdList=batch)
        listed = {e.get("ResourceId"): e.get("TagsList", []) for e in (response.value or {}).get("ResourceTagList", [])}
        for arn in batch:
            found[arn] = response.map(lambda _, arn=arn: listed.get(arn, []))
    return found


def _collect_trail(scope: RegionScope, client, trail: dict, tags: Outcome) -> None:
    arn = trail["TrailARN"]
    # Absent: a shadow trail of another account, not readable by ARN from here (its settings stay None).
    status = scope.fetch(client, "get_trail_status", absent=TRAIL_ABSENT, Name=arn)
    selectors = scope.fetch(client, "get_event_selectors", absent=TRAIL_ABSENT, TrailName=arn)
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
        # DescribeTrails says whether Insights selectors are set: no GetInsightSelectors call per trail.
        has_insight_selectors=trail.get("HasInsightSelectors"),
        # Unread when the status or selectors could not be read: checks then give the trail no verdict.
        is_logging=status.map(lambda v: bool(v.get("IsLogging"))),
        latest_cloudwatch_logs_delivery_time=status.get("LatestCloudWatchLogsDeliveryTime"),
        event_selectors=selectors.map(lambda v: v.get("EventSelectors") or []),
        advanced_event_selectors=selectors.map(lambda v: v.get("AdvancedEventSelectors") or []),
    )
