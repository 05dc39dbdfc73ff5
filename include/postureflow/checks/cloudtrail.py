"""CloudTrail checks.

Trail settings (encryption, log file validation, the log bucket's access logging)
are judged once per trail, filed in the trail's home region.

``cloudtrail_multi_region_enabled`` is judged once per scanned region (the
collector's ``regions`` records): PASS on a logging trail that covers the
region (a multi-region trail, or one homed there), re-filed in that region;
FAIL on a covering trail that is not logging, or on the region's record when no
trail covers it.

The S3 data-event checks are account-level, as in Prowler: every trail that
records S3 object-level reads (writes) for all buckets PASSes; when no trail
does, every trail FAILs, unless the account has no bucket (and the audit
config's ``scan_unused_services`` is off), as Prowler. When a trail's selectors
could not be read, no trail gets a verdict (the unread one may be the one
recording).

``cloudtrail_multi_region_enabled_logging_management_events`` and
``cloudtrail_bedrock_logging_enabled`` are judged per scanned region like
``cloudtrail_multi_region_enabled``: PASS on the first logging trail covering
the region that records the events, FAIL on the region's record otherwise.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from postureflow.checks.base import FAIL, MANUAL, NO_VERDICT, PASS, check, days_since, parse_time
from postureflow.checks.s3 import account_block, acl_known, public_exposure
from postureflow.inventory import Resource

CLOUDWATCH_DELIVERY_DAYS = 1

# "arn:aws:s3" or "arn:aws:s3:::" (any partition) selects the objects of every bucket.
_ALL_BUCKETS = re.compile(r"^arn:[\w-]+:s3(:::)?/?$")


def _classic_records(selector: dict, want: str) -> bool:
    if selector.get("ReadWriteType", "All") not in ("All", want):
        return False
    for resource in selector.get("DataResources") or []:
        if resource.get("Type") == "AWS::S3::Object" and any(
            _ALL_BUCKETS.match(v or "") for v in resource.get("Values") or []
        ):
            return True
    return False


def _advanced_records(selector: dict, want: str) -> bool:
    fields = {f.get("Field"): f for f in selector.get("FieldSelectors") or []}
    if (fields.get("eventCategory") or {}).get("Equals") != ["Data"]:
        return False
    if (fields.get("resources.type") or {}).get("Equals") != ["AWS::S3::Object"]:
        return False
    # A filter on bucket ARNs or event names records only part of the S3 object activity.
    arn_filter = fields.get("resources.ARN")
    if arn_filter and not all(
        op == "StartsWith" and all(_ALL_BUCKETS.match(v) for v in values)
        for op, values in arn_filter.items()
        if op != "Field"
    ):
        return False
    if "eventName" in fields:
        return False
    read_only = (fields.get("readOnly") or {}).get("Equals")
    if read_only == ["true"]:
        return want == "ReadOnly"
    if read_only == ["false"]:
        return want == "WriteOnly"
    return True


def _records_s3_objects(trail, want: str) -> bool:
    return any(_classic_records(s, want) for s in trail.get("event_selectors") or []) or any(
        _advanced_records(s, want) for s in trail.get("advanced_event_selectors") or []
    )


def _field_allows(selector: dict, value: str) -> bool:
    """Whether one advanced field selector lets ``value`` through (every operator it sets must)."""
    tests = {
        "Equals": lambda vs: value in vs,
        "NotEquals": lambda vs: value not in vs,
        "StartsWith": lambda vs: any(value.startswith(v) for v in vs),
        "NotStartsWith": lambda vs: not any(value.startswith(v) for v in vs),
        "EndsWith": lambda vs: any(value.endswith(v) for v in vs),
        "NotEndsWith": lambda vs: not any(value.endswith(v) for v in vs),
    }
    return all(test(selector[op] or []) for op, test in tests.items() if op in selector)


def selector_allows(selector: dict, field: str, value: str, explicit: bool = False) -> bool:
    """Whether an advanced event selector records events whose ``field`` is ``value``: every condition on
    the field must allow it; with no condition the selector records every value (unless ``explicit``)."""
    conditions = [f for f in selector.get("FieldSelectors") or [] if f.get("Field") == field]
    if explicit and not conditions:
        return False
    return all(_field_allows(c, value) for c in conditions)


def records_management_events(trail, reads: bool = False, sources: tuple[str, ...] = ()) -> bool:
    """Whether the trail records write management events (and read ones too, with ``reads``), of one of
    ``sources`` (event sources such as bedrock.amazonaws.com) when given.

    Classic selectors: IncludeManagementEvents (on unless set false), ReadWriteType All (or WriteOnly when
    reads are not asked for), the sources not excluded. Advanced selectors: eventCategory Management, readOnly
    allowing false (and true), eventSource allowing one of the sources; the selector's name does not matter
    (Prowler requires the console's default name for the read-and-write check). A trail without any
    selectors records all management events (AWS's default)."""
    classic = trail.get("event_selectors") or []
    advanced = trail.get("advanced_event_selectors") or []
    if not classic and not advanced:
        return True
    modes = ("All",) if reads else ("All", "WriteOnly")
    for selector in classic:
        excluded = set(selector.get("ExcludeManagementEventSources") or [])
        if (
            selector.get("IncludeManagementEvents", True)
            and selector.get("ReadWriteType", "All") in modes
            and (not sources or set(sources) - excluded)
        ):
            return True
    for selector in advanced:
        if (
            selector_allows(selector, "eventCategory", "Management", explicit=True)
            and selector_allows(selector, "readOnly", "false")
            and (not reads or selector_allows(selector, "readOnly", "true"))
            and (not sources or any(selector_allows(selector, "eventSource", s) for s in sources))
        ):
            return True
    return False


def _covering(trails, region: str) -> list:
    """The trails that record ``region``: multi-region ones first, then the trails homed there."""
    return sorted(
        (t for t in trails if t.get("multi_region") or t.get("home_region") == region),
        key=lambda t: (not t.get("multi_region"), t.uid),
    )


_SELECTOR_FIELDS = ("is_logging", "event_selectors", "advanced_event_selectors")


def _per_region(trails, regions, records, what: str):
    """One result per scanned region: PASS on the first logging trail covering it for which ``records(trail)``
    holds (re-filed in the region), else FAIL on the region's record. A covering trail whose status or
    selectors could not be read makes it a no verdict; one of another account whose settings AWS does not
    show here (an organization trail seen from a member) a MANUAL."""
    for record in sorted(regions, key=lambda r: r.region):
        region = record.region
        covering = _covering(trails, region)
        readable = [t for t in covering if all(t.readable(f) for f in _SELECTOR_FIELDS)]
        doing = [t for t in readable if t.get("is_logging") and records(t)]
        if doing:
            trail = doing[0]
            where = f"multi-region trail {trail.id}" if trail.get("multi_region") else f"trail {trail.id}"
            yield PASS(dataclasses.replace(trail, region=region),
                       f"Region {region} is covered by {where}, which is logging and records {what}.")
        elif unread := [t for t in covering if t not in readable]:
            trail = unread[0]
            reasons = "; ".join(f"{k} ({v})" for k, v in trail.unread.items())
            yield MANUAL(dataclasses.replace(trail, region=region),
                         f"{NO_VERDICT} {trail.id}: could not read {reasons}.")
        elif hidden := [t for t in readable if t.get("is_logging") is None or t.get("event_selectors") is None]:
            trail = hidden[0]
            yield MANUAL(dataclasses.replace(trail, region=region),
                         f"Region {region} is covered by trail {trail.id} of another account, whose status and "
                         f"event selectors are not visible here; check in that account whether it records {what}.")
        else:
            yield FAIL(record, f"Region {region} has no logging CloudTrail trail that records {what}.")


def _s3_data_events(trails, buckets, regions, listed, config, want: str, verb: str):
    # A trail whose selectors AWS would not show (another account's shadow trail) is not judged.
    judged = [t for t in trails if t.get("event_selectors") is not None or not t.readable("event_selectors")]
    recording = [t for t in judged if _records_s3_objects(t, want)]
    if recording:
        for trail in recording:
            yield PASS(trail, f"CloudTrail trail {trail.id} records S3 object-level {verb} events for all buckets.")
        return
    if not buckets and not config["scan_unused_services"]:
        # As Prowler without --scan-unused-services: an account without buckets has no S3 objects to record.
        # Only where the buckets were listed in every region is "no buckets" a fact.
        gaps = sorted(r.region for r in regions if not listed.complete("s3.buckets", r.region))
        if not gaps:
            return
        for trail in judged:
            yield MANUAL(trail, f"{NO_VERDICT} {trail.id}: could not list the S3 buckets of {', '.join(gaps)}, "
                         "so whether the account uses S3 (and needs object-level events) is unknown.")
        return
    unread = sorted(t.id for t in judged if not t.readable("event_selectors"))
    for trail in judged:
        if unread and trail.readable("event_selectors"):
            # The account-level verdict rests on every trail: one unread trail may be the one recording.
            yield MANUAL(trail, f"{NO_VERDICT} {trail.id}: could not read the event selectors of trail "
                         f"{', '.join(unread)}, which may record S3 object-level {verb} events.")
        else:
            yield FAIL(
                trail,
                f"CloudTrail trail {trail.id} does not record S3 object-level {verb} events for all buckets, "
                "and no other trail in the account does.",
            )


@check(
    id="cloudtrail_kms_encryption_enabled",
    title="CloudTrail trail encrypts its log files with a KMS key",
    severity="medium",
    resource_type="AwsCloudTrailTrail",
    reads=["cloudtrail.trails"],
    risk="Log files protected only by S3-managed keys can be read by anyone with read access to the bucket; "
    "a KMS key adds a second, separately audited permission.",
    remediation="Set a customer managed KMS key on the trail (cloudtrail update-trail --kms-key-id) and allow "
    "CloudTrail to use it in the key policy.",
)
def cloudtrail_kms_encryption_enabled(trails):
    for trail in trails:
        if trail.get("kms_key_id"):
            yield PASS(trail, f"CloudTrail trail {trail.id} encrypts its logs with KMS key {trail['kms_key_id']}.")
        else:
            yield FAIL(trail, f"CloudTrail trail {trail.id} does not encrypt its logs with a KMS key.")


@check(
    id="cloudtrail_log_file_validation_enabled",
    title="CloudTrail trail has log file integrity validation on",
    severity="medium",
    resource_type="AwsCloudTrailTrail",
    reads=["cloudtrail.trails"],
    risk="Without digest files, an intruder can alter or delete delivered log files and nobody can prove it.",
    remediation="Turn on log file validation for the trail (cloudtrail update-trail --enable-log-file-validation).",
)
def cloudtrail_log_file_validation_enabled(trails):
    for trail in trails:
        if trail.get("log_file_validation"):
            yield PASS(trail, f"CloudTrail trail {trail.id} has log file validation enabled.")
        else:
            yield FAIL(trail, f"CloudTrail trail {trail.id} has log file validation disabled.")


@check(
    id="cloudtrail_logs_s3_bucket_access_logging_enabled",
    title="The S3 bucket that receives CloudTrail logs has server access logging on",
    severity="medium",
    resource_type="AwsCloudTrailTrail",
    reads=["cloudtrail.trails", "s3.buckets"],
    risk="Without access logs on the log bucket, reads and deletions of the audit trail itself leave no record.",
    remediation="Enable server access logging on the trail's S3 bucket, delivering to a separate bucket.",
)
def cloudtrail_logs_s3_bucket_access_logging_enabled(trails, buckets):
    by_name = {b.id: b for b in buckets}
    for trail in trails:
        name = trail.get("s3_bucket")
        if not name:
            continue
        bucket = by_name.get(name)
        if bucket is None:
            yield MANUAL(
                trail,
                f"CloudTrail trail {trail.id} delivers to S3 bucket {name}, which is not in this account's "
                "inventory (another account's bucket?); check its access logging there.",
            )
        elif bucket.get("logging_target"):
            yield PASS(
                trail,
                f"CloudTrail trail {trail.id} delivers to S3 bucket {name}, which logs access to "
                f"{bucket['logging_target']}.",
            )
        else:
            yield FAIL(
                trail, f"CloudTrail trail {trail.id} delivers to S3 bucket {name}, which has access logging off."
            )


@check(
    id="cloudtrail_multi_region_enabled",
    title="Every region is covered by a CloudTrail trail that is logging",
    severity="high",
    resource_type="AwsCloudTrailTrail",
    reads=["cloudtrail.trails", "cloudtrail.regions"],
    risk="API activity in a region no trail covers is not recorded, so misuse there cannot be detected or "
    "investigated.",
    remediation="Create a multi-region trail (or an organization trail) and make sure it is logging "
    "(cloudtrail create-trail --is-multi-region-trail; cloudtrail start-logging).",
)
def cloudtrail_multi_region_enabled(trails, regions):
    for record in sorted(regions, key=lambda r: r.region):
        region = record.region
        covering = sorted(
            (t for t in trails if t.get("multi_region") or t.get("home_region") == region),
            key=lambda t: (not t.get("multi_region"), t.uid),
        )
        logging = [t for t in covering if t.get("is_logging")]
        if logging:
            trail = logging[0]
            scope = "multi-region trail" if trail.get("multi_region") else "trail"
            yield PASS(
                dataclasses.replace(trail, region=region),
                f"Region {region} is covered by {scope} {trail.id}, which is logging.",
            )
        elif unknown := [t for t in covering if not t.readable("is_logging")]:
            trail = unknown[0]
            yield MANUAL(dataclasses.replace(trail, region=region),
                         f"{NO_VERDICT} {trail.id}: could not read whether it is logging "
                         f"({trail.unread.get('is_logging')}).")
        elif any(t.get("is_logging") is None for t in covering):
            continue  # another account's trail whose status AWS does not show here
        elif covering:
            trail = covering[0]
            yield FAIL(
                dataclasses.replace(trail, region=region),
                f"Region {region} is covered only by trail {trail.id}, which is not logging.",
            )
        else:
            yield FAIL(record, f"Region {region} is not covered by any CloudTrail trail.")


@check(
    id="cloudtrail_s3_dataevents_read_enabled",
    title="CloudTrail records S3 object-level read events for all buckets",
    severity="low",
    resource_type="AwsCloudTrailTrail",
    reads=["cloudtrail.trails", "s3.buckets", "cloudtrail.regions"],
    config=["scan_unused_services"],
    risk="Without S3 data events, who read which object (for example during data exfiltration) is not recorded.",
    remediation="Add an event selector to a trail that records read (or all) data events for AWS::S3::Object "
    "on all buckets.",
)
def cloudtrail_s3_dataevents_read_enabled(trails, buckets, regions, listed, config):
    yield from _s3_data_events(trails, buckets, regions, listed, config, "ReadOnly", "read")


@check(
    id="cloudtrail_s3_dataevents_write_enabled",
    title="CloudTrail records S3 object-level write events for all buckets",
    severity="low",
    resource_type="AwsCloudTrailTrail",
    reads=["cloudtrail.trails", "s3.buckets", "cloudtrail.regions"],
    config=["scan_unused_services"],
    risk="Without S3 data events, who put, overwrote or deleted which object is not recorded.",
    remediation="Add an event selector to a trail that records write (or all) data events for AWS::S3::Object "
    "on all buckets.",
)
def cloudtrail_s3_dataevents_write_enabled(trails, buckets, regions, listed, config):
    yield from _s3_data_events(trails, buckets, regions, listed, config, "WriteOnly", "write")


@check(
    id="cloudtrail_cloudwatch_logging_enabled",
    title="CloudTrail trail has delivered to CloudWatch Logs in the last 24 hours",
    severity="low",
    resource_type="AwsCloudTrailTrail",
    reads=["cloudtrail.trails"],
    risk="Without delivery to CloudWatch Logs, API activity cannot be searched in near real time or drive metric "
    "filters and alarms; a delivery that stopped silently blinds them.",
    remediation="Set a CloudWatch Logs log group and a delivery role on the trail (cloudtrail update-trail "
    "--cloud-watch-logs-log-group-arn ... --cloud-watch-logs-role-arn ...) and fix the role if delivery stopped.",
)
def cloudtrail_cloudwatch_logging_enabled(trails, now):
    for trail in trails:
        if trail.get("is_logging") is None and trail.readable("is_logging"):
            continue  # another account's trail whose status AWS does not show here
        group = trail.get("cloudwatch_log_group_arn")
        age = days_since(trail.get("latest_cloudwatch_logs_delivery_time"), now)
        if not group:
            yield FAIL(trail, f"CloudTrail trail {trail.id} does not deliver to CloudWatch Logs.")
        elif age is None:
            yield FAIL(trail, f"CloudTrail trail {trail.id} has a CloudWatch Logs log group but has never delivered.")
        elif age > CLOUDWATCH_DELIVERY_DAYS:
            yield FAIL(
                trail, f"CloudTrail trail {trail.id} last delivered to CloudWatch Logs {age:.1f} days ago."
            )
        else:
            yield PASS(trail, f"CloudTrail trail {trail.id} delivered to CloudWatch Logs in the last 24 hours.")


@check(
    id="cloudtrail_logs_s3_bucket_is_not_publicly_accessible",
    title="The S3 bucket that receives CloudTrail logs is not publicly accessible",
    severity="critical",
    resource_type="AwsS3Bucket",
    reads=["cloudtrail.trails", "s3.buckets", "s3.account_public_access_block"],
    risk="A public log bucket hands the account's complete API history (who, what, from where) to anyone, and "
    "if writable, lets them tamper with the evidence.",
    remediation="Remove the public ACL grants and policy statements from the trail's bucket and turn on Block "
    "Public Access for it (or for the account).",
)
def cloudtrail_logs_s3_bucket_is_not_publicly_accessible(trails, buckets, account_blocks):
    by_name = {b.id: b for b in buckets}
    account = account_block(account_blocks)
    trails_of: dict[str, list] = {}
    for trail in trails:
        if trail.get("s3_bucket"):
            trails_of.setdefault(trail["s3_bucket"], []).append(trail)
    for name, users in sorted(trails_of.items()):
        names = ", ".join(t.id for t in users)
        bucket = by_name.get(name)
        if bucket is None:
            for trail in users:
                yield MANUAL(
                    trail,
                    f"CloudTrail trail {trail.id} delivers to S3 bucket {name}, which is not in this account's "
                    "inventory (another account's bucket?); check its public access there.",
                    resource_type="AwsCloudTrailTrail",
                )
        elif reasons := public_exposure(bucket, account):
            yield FAIL(
                bucket, f"S3 bucket {name} of CloudTrail trail {names} is publicly accessible: {'; '.join(reasons)}."
            )
        elif acl_known(bucket, account):
            yield PASS(bucket, f"S3 bucket {name} of CloudTrail trail {names} is not publicly accessible.")


# -- threat detection in the event history ------------------------------------------------------------
#
# An identity (user, role session, root) is suspicious when, within the last
# threat_detection_<kind>_minutes before collection, it made more than threat_detection_<kind>_threshold
# of the distinct calls in threat_detection_<kind>_actions (Prowler's audit-config keys and defaults:
# 0.3 / 0.2 / 0.4 of 90 / 51 / 14 calls over 1,440 minutes). A person doing their job touches a few; a
# discovery tool or an intruder feeling out stolen keys touches many.
_IDENTITY_TYPES = {"IAMUser": "AwsIamUser", "AssumedRole": "AwsIamRole", "Root": "AwsIamUser"}


def _identity(arn: str, region: str) -> Resource:
    return Resource(kind="identities", uid=arn, id=arn.rsplit("/", 1)[-1].rsplit(":", 1)[-1], region=region,
                    tags={}, data={})  # fmt: skip


def _unjudgeable(history, watched: set[str], since) -> str | None:
    """Why this history cannot answer for ``watched`` since ``since``, or None."""
    if not history.get("complete"):
        return "could not be read completely (see the scan errors)"
    missing = watched - set(history.get("looked_up") or [])
    if missing:  # collected under another config: those calls were never looked up
        return f"was not read for {len(missing)} watched calls (e.g. {sorted(missing)[0]})"
    start = history.get("window_start")
    if start is not None and parse_time(start) > since:
        return f"covers less than the configured window (from {parse_time(start):%Y-%m-%d %H:%M} UTC)"
    return None


def _threats(histories, trails, kind: str, what: str, config):
    watched = set(config[f"threat_detection_{kind}_actions"])
    threshold = float(config[f"threat_detection_{kind}_threshold"])
    minutes = float(config[f"threat_detection_{kind}_minutes"])
    by_arn = {t.uid: t for t in trails}
    for history in histories:
        since = parse_time(history.get("window_end") or history.get("window_start")) - dt.timedelta(minutes=minutes)
        problem = _unjudgeable(history, watched, since)
        if problem or not watched:
            yield MANUAL(history, f"{NO_VERDICT} {history.id}: the {history.region} event history "
                         f"{problem or 'has no watched calls configured'}.")
            continue
        found = False
        for arn, caller in sorted((history.get("identities") or {}).items()):
            events = caller.get("events") or {}
            seen = sorted(name for name in watched & set(events)
                          if not isinstance(events, dict) or events[name] is None or parse_time(events[name]) >= since)
            share = len(seen) / len(watched)
            if share > threshold:
                found = True
                shown = ", ".join(seen[:8]) + (", ..." if len(seen) > 8 else "")
                yield FAIL(
                    _identity(arn, history.region),
                    f"Potential {what} by {caller.get('type') or 'identity'} {arn}: {len(seen)} of {len(watched)} "
                    f"watched calls ({share:.0%}) in the {minutes:g} minutes before the scan ({shown}).",
                    _IDENTITY_TYPES.get(caller.get("type"), "Other"),
                )
        if not found:
            trail = by_arn.get(history.get("trail_arn"), history)
            yield PASS(
                trail if trail.region == history.region else history,
                f"No potential {what} in the {history.region} event history of the {minutes:g} minutes before the scan.",
            )


@check(
    id="cloudtrail_threat_detection_enumeration",
    title="CloudTrail event history shows no identity enumerating the account",
    severity="critical",
    resource_type="AwsCloudTrailTrail",
    reads=["cloudtrail.event_history", "cloudtrail.trails"],
    risk="Broad listing of users, roles, buckets, secrets and networks by one identity is how an intruder with "
    "fresh credentials maps what they can reach; noticed early, the breach can be contained.",
    remediation="Find out who or what used the identity; if it was not an approved tool, disable its keys or "
    "sessions, rotate credentials and review what else it did in CloudTrail.",
    config=["threat_detection_enumeration_threshold", "threat_detection_enumeration_actions", "threat_detection_enumeration_minutes"],
)
def cloudtrail_threat_detection_enumeration(histories, trails, config):
    yield from _threats(histories, trails, "enumeration", "enumeration", config)


@check(
    id="cloudtrail_threat_detection_privilege_escalation",
    title="CloudTrail event history shows no identity attempting privilege escalation",
    severity="critical",
    resource_type="AwsCloudTrailTrail",
    reads=["cloudtrail.event_history", "cloudtrail.trails"],
    risk="Creating keys, attaching policies or running code under other roles, in quick succession, is how an "
    "intruder turns limited access into administrator access.",
    remediation="Review the identity's recent IAM and compute changes in CloudTrail; revert unapproved ones, "
    "disable its credentials and narrow its permissions (iam:PassRole, policy and key management).",
    config=["threat_detection_privilege_escalation_threshold", "threat_detection_privilege_escalation_actions", "threat_detection_privilege_escalation_minutes"],
)
def cloudtrail_threat_detection_privilege_escalation(histories, trails, config):
    yield from _threats(histories, trails, "privilege_escalation", "privilege escalation", config)


@check(
    id="cloudtrail_threat_detection_llm_jacking",
    title="CloudTrail event history shows no identity hijacking Bedrock models",
    severity="critical",
    resource_type="AwsCloudTrailTrail",
    reads=["cloudtrail.event_history", "cloudtrail.trails"],
    risk="Stolen credentials are used to enable and invoke expensive foundation models for someone else's "
    "benefit (LLM jacking), often after switching off invocation logging; the bill can reach thousands a day.",
    remediation="Confirm the identity's Bedrock use was intended; if not, disable its credentials, revoke model "
    "access and restore model invocation logging.",
    config=["threat_detection_llm_jacking_threshold", "threat_detection_llm_jacking_actions", "threat_detection_llm_jacking_minutes"],
)
def cloudtrail_threat_detection_llm_jacking(histories, trails, config):
    yield from _threats(histories, trails, "llm_jacking", "LLM jacking", config)


# -- what the trails record, and where they keep it --------------------------------------------------


@check(
    id="cloudtrail_multi_region_enabled_logging_management_events",
    title="Every region is covered by a logging CloudTrail trail that records read and write management events",
    severity="low",
    resource_type="AwsCloudTrailTrail",
    reads=["cloudtrail.trails", "cloudtrail.regions"],
    risk="A trail that records only reads or only writes, or no management events at all, leaves control-plane "
    "changes or reconnaissance in that region without a record.",
    remediation="Make a multi-region trail record all management events: a classic selector with "
    "IncludeManagementEvents true and ReadWriteType All, or an advanced selector for eventCategory Management "
    "without a readOnly condition (cloudtrail put-event-selectors).",
)
def cloudtrail_multi_region_enabled_logging_management_events(trails, regions):
    yield from _per_region(trails, regions, lambda t: records_management_events(t, reads=True),
                           "read and write management events")


# Bedrock's control-plane and runtime event sources, and the resource types of its data events.
BEDROCK_EVENT_SOURCES = (
    "bedrock.amazonaws.com", "bedrock-agent.amazonaws.com", "bedrock-runtime.amazonaws.com",
    "bedrock-agent-runtime.amazonaws.com", "bedrock-data-automation.amazonaws.com",
    "bedrock-data-automation-runtime.amazonaws.com",
)  # fmt: skip
BEDROCK_RESOURCE_TYPES = (
    "AWS::Bedrock::AgentAlias", "AWS::Bedrock::FlowAlias", "AWS::Bedrock::Guardrail", "AWS::Bedrock::InlineAgent",
    "AWS::Bedrock::KnowledgeBase", "AWS::Bedrock::Model", "AWS::Bedrock::Prompt",
)  # fmt: skip


def records_bedrock(trail) -> bool:
    """Management events of a Bedrock source (write ones at least), or Bedrock data events."""
    if records_management_events(trail, sources=BEDROCK_EVENT_SOURCES):
        return True
    return any(
        selector_allows(s, "eventCategory", "Data", explicit=True)
        and any(selector_allows(s, "resources.type", t, explicit=True) for t in BEDROCK_RESOURCE_TYPES)
        for s in trail.get("advanced_event_selectors") or []
    )


@check(
    id="cloudtrail_bedrock_logging_enabled",
    title="CloudTrail records Amazon Bedrock API calls in every region",
    severity="medium",
    resource_type="AwsCloudTrailTrail",
    reads=["cloudtrail.trails", "cloudtrail.regions"],
    risk="Without a record of Bedrock calls, model access granted, invocation logging switched off or models "
    "invoked with stolen credentials cannot be traced.",
    remediation="Record management events on a multi-region trail (without excluding Bedrock's event sources), "
    "and add advanced data-event selectors for the Bedrock resource types you use (AWS::Bedrock::Model, "
    "AWS::Bedrock::AgentAlias, ...).",
)
def cloudtrail_bedrock_logging_enabled(trails, regions):
    # Per region, unlike Prowler's single account-wide verdict: a trail homed in one region records
    # Bedrock calls made there only, so it leaves the other regions unrecorded.
    yield from _per_region(trails, regions, records_bedrock, "Amazon Bedrock API calls")


@check(
    id="cloudtrail_insights_exist",
    title="Logging CloudTrail trail has CloudTrail Insights on",
    severity="low",
    resource_type="AwsCloudTrailTrail",
    reads=["cloudtrail.trails"],
    risk="Without Insights, unusual bursts of API calls or errors (a runaway script, an attacker's automation) "
    "are not flagged against the account's normal activity.",
    remediation="Enable Insights on the trail for API call rate and API error rate (cloudtrail "
    "put-insight-selectors --insight-selectors InsightType=ApiCallRateInsight InsightType=ApiErrorRateInsight).",
)
def cloudtrail_insights_exist(trails):
    for trail in trails:
        if trail.get("is_logging") is None and trail.readable("is_logging"):
            continue  # another account's trail whose status AWS does not show here
        if trail.readable("is_logging") and not trail.get("is_logging"):
            continue  # as Prowler: Insights matter on a trail that records (unread status: no verdict below)
        insights = trail.get("has_insight_selectors")
        if insights is None:
            yield MANUAL(trail, f"{NO_VERDICT} {trail.id}: DescribeTrails did not say whether it has Insights "
                         "selectors.")
        elif insights:
            yield PASS(trail, f"CloudTrail trail {trail.id} is logging and has Insights selectors.")
        else:
            yield FAIL(trail, f"CloudTrail trail {trail.id} is logging but has no Insights selectors.")


@check(
    id="cloudtrail_bucket_requires_mfa_delete",
    title="The S3 bucket of a logging CloudTrail trail has MFA delete on",
    severity="medium",
    resource_type="AwsCloudTrailTrail",
    reads=["cloudtrail.trails", "s3.buckets"],
    risk="Without MFA delete, credentials that can write to the log bucket can also remove old log versions "
    "or suspend versioning, erasing the audit trail.",
    remediation="As the root user with an MFA device, enable versioning with MFA delete on the trail's bucket "
    "(s3api put-bucket-versioning --versioning-configuration Status=Enabled,MFADelete=Enabled --mfa ...).",
)
def cloudtrail_bucket_requires_mfa_delete(trails, buckets):
    by_name = {b.id: b for b in buckets}
    for trail in trails:
        if trail.get("is_logging") is None and trail.readable("is_logging"):
            continue  # another account's trail whose status AWS does not show here
        if (trail.readable("is_logging") and not trail.get("is_logging")) or not trail.get("s3_bucket"):
            continue  # unread status: judged below, which makes it a no verdict
        name = trail["s3_bucket"]
        bucket = by_name.get(name)
        if bucket is None:
            yield MANUAL(trail, f"CloudTrail trail {trail.id} delivers to S3 bucket {name}, which is not in this "
                         "account's inventory (another account's bucket?); check its MFA delete there.")
        elif bucket.get("mfa_delete") == "Enabled":
            yield PASS(trail, f"CloudTrail trail {trail.id} delivers to S3 bucket {name}, which has MFA delete on.")
        else:
            yield FAIL(trail, f"CloudTrail trail {trail.id} delivers to S3 bucket {name}, which has MFA delete off.")
