"""CloudTrail checks on trails whose status or selectors could not be read: no verdict (issue 11).

Before, GetTrailStatus or GetEventSelectors refused left the trail's fields None, and the
checks either skipped it silently or FAILed the other trails. Now the fields are unread and
every verdict resting on them is a MANUAL "No verdict".
"""

from __future__ import annotations

import boto3

from postureflow.testing import DeniedAccess

from .test_cloudtrail import _bucket, _trail

S3_OBJECTS = [{"ReadWriteType": "All", "IncludeManagementEvents": True,
               "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}]}]  # fmt: skip


def _statuses(run, check_id):
    return {f["resource_id"]: f["status"] for f in run.of(check_id)}


def test_status_unread_gives_no_verdict(scan):
    _bucket("trail-logs")
    _trail("main", bucket="trail-logs", IsMultiRegionTrail=True)
    ok = scan("cloudtrail", regions=["us-east-1"])
    assert _statuses(ok, "cloudtrail_multi_region_enabled") == {"main": "PASS"}
    assert _statuses(ok, "cloudtrail_cloudwatch_logging_enabled") == {"main": "FAIL"}
    run = scan("cloudtrail", regions=["us-east-1"], access=DeniedAccess("cloudtrail:GetTrailStatus"))
    for check_id in ("cloudtrail_multi_region_enabled", "cloudtrail_cloudwatch_logging_enabled"):
        findings = run.of(check_id)
        assert findings and {f["status"] for f in findings} == {"MANUAL"}, check_id
        assert all(f["status_extended"].startswith("No verdict:") for f in findings)


def test_selectors_unread_gives_no_verdict(scan):
    _bucket("trail-logs")
    _trail("recording", bucket="trail-logs", IsMultiRegionTrail=True)
    _trail("other", bucket="trail-logs")
    boto3.client("cloudtrail", region_name="us-east-1").put_event_selectors(TrailName="recording",
                                                                            EventSelectors=S3_OBJECTS)  # fmt: skip
    ok = scan("cloudtrail", regions=["us-east-1"])
    assert _statuses(ok, "cloudtrail_s3_dataevents_read_enabled") == {"recording": "PASS"}
    run = scan("cloudtrail", regions=["us-east-1"], access=DeniedAccess("cloudtrail:GetEventSelectors"))
    statuses = _statuses(run, "cloudtrail_s3_dataevents_read_enabled")
    # "other" must not FAIL: "recording" (unread) may be the trail that records
    assert statuses == {"recording": "MANUAL", "other": "MANUAL"}


def test_no_trail_records_data_events_fails(scan):
    _bucket("trail-logs")
    _trail("plain", bucket="trail-logs", IsMultiRegionTrail=True)
    run = scan("cloudtrail", regions=["us-east-1"])
    assert _statuses(run, "cloudtrail_s3_dataevents_write_enabled") == {"plain": "FAIL"}
