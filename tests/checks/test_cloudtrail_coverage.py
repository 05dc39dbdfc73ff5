"""What CloudTrail trails record (management events, Bedrock calls, Insights) and their bucket's MFA delete,
and the S3 data-event checks' treatment of accounts without buckets: FAIL, PASS and no verdict for each.

moto answers DescribeTrails with HasInsightSelectors always false and drops MFADelete from
GetBucketVersioning: after-call hooks put AWS's values into its answers for the trail and bucket that set them.
"""

import datetime as dt
from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.checks import all_checks
from postureflow.checks.cloudtrail import records_bedrock, records_management_events
from postureflow.config import audit_config
from postureflow.inventory import ALL_REGIONS, INCOMPLETE_KIND, Resource
from postureflow.lake import Lake
from postureflow.testing import scan_denied, scan_in_moto

REGIONS = ["us-east-1", "eu-west-1"]
ACCOUNT = "123456789012"


def _trail(name, bucket, region, selectors=None, logging=True):
    s3 = boto3.client("s3", region_name=region)
    extra = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=bucket, **extra)
    ct = boto3.client("cloudtrail", region_name=region)
    ct.create_trail(Name=name, S3BucketName=bucket)
    if selectors:
        ct.put_event_selectors(TrailName=name, EventSelectors=selectors)
    if logging:
        ct.start_logging(Name=name)


def _build():
    # us-east-1: AWS's default selectors (all management events), Insights on, bucket with MFA delete.
    _trail("us-trail", "mfa-bucket", "us-east-1")
    # eu-west-1: read-only management events, no Insights, bucket without MFA delete.
    _trail("eu-trail", "plain-eu-bucket", "eu-west-1",
           selectors=[{"ReadWriteType": "ReadOnly", "IncludeManagementEvents": True}])  # fmt: skip
    _trail("stopped-trail", "stopped-bucket", "eu-west-1", logging=False)


def _aws_answers(access):
    """HasInsightSelectors and MFADelete as AWS would answer them for us-trail and mfa-bucket."""

    def insights(parsed, **_):
        for trail in parsed.get("trailList") or []:
            if trail.get("Name") == "us-trail":
                trail["HasInsightSelectors"] = True

    def remember_bucket(params, context, **_):
        context["test_bucket"] = params["Bucket"]

    def mfa_delete(parsed, context, **_):
        if context.get("test_bucket") == "mfa-bucket":
            parsed["MFADelete"] = "Enabled"

    # on the session, so clients the engine makes after releasing its first ones answer the same
    events = access.session().events
    events.register("after-call.cloudtrail.DescribeTrails", insights)
    events.register("before-parameter-build.s3.GetBucketVersioning", remember_bucket)
    events.register("after-call.s3.GetBucketVersioning", mfa_delete)
    return access


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    def lake(name):
        return str(tmp_path_factory.mktemp(name))

    with mock_aws():
        _build()
        access = _aws_answers(AwsAccess.from_default_chain())
        run = scan_in_moto(Lake(lake("lake")), ["cloudtrail"], REGIONS, access=access)
        no_selectors = scan_denied(lake("no-selectors"), ["cloudtrail"], REGIONS, "cloudtrail:GetEventSelectors")
        no_status = scan_denied(lake("no-status"), ["cloudtrail"], REGIONS, "cloudtrail:GetTrailStatus")
        no_versioning = scan_denied(lake("no-versioning"), ["cloudtrail"], REGIONS, "s3:GetBucketVersioning")
    return SimpleNamespace(run=run, calls=access.call_log, no_selectors=no_selectors, no_status=no_status,
                           no_versioning=no_versioning)  # fmt: skip


def by_region(run, check):
    return {f["region"]: (f["resource_id"], f["status"]) for f in run.of(check)}


def test_management_events_per_region(world):
    assert by_region(world.run, "cloudtrail_multi_region_enabled_logging_management_events") == {
        "us-east-1": ("us-trail", "PASS"),
        "eu-west-1": (ACCOUNT, "FAIL"),  # eu-trail records reads only; stopped-trail is not logging
    }


def test_bedrock_logging_per_region(world):
    # write management events include Bedrock's control plane; eu-trail records reads only
    assert by_region(world.run, "cloudtrail_bedrock_logging_enabled") == {
        "us-east-1": ("us-trail", "PASS"),
        "eu-west-1": (ACCOUNT, "FAIL"),
    }


@pytest.mark.parametrize(
    "check", ["cloudtrail_multi_region_enabled_logging_management_events", "cloudtrail_bedrock_logging_enabled"]
)
def test_unread_selectors_give_no_verdict(world, check):
    assert {status for _, status in by_region(world.no_selectors, check).values()} == {"MANUAL"}
    assert set(by_region(world.no_selectors, check)) == set(REGIONS)


def test_insights(world):
    # stopped-trail is not logging: not judged, as Prowler
    assert world.run.statuses("cloudtrail_insights_exist") == {"us-trail": "PASS", "eu-trail": "FAIL"}
    assert world.no_status.statuses("cloudtrail_insights_exist") == {
        "us-trail": "MANUAL", "eu-trail": "MANUAL", "stopped-trail": "MANUAL"
    }  # fmt: skip


def test_bucket_requires_mfa_delete(world):
    check = "cloudtrail_bucket_requires_mfa_delete"
    assert world.run.statuses(check) == {"us-trail": "PASS", "eu-trail": "FAIL"}
    assert set(world.no_versioning.statuses(check).values()) == {"MANUAL"}
    assert set(world.no_status.statuses(check).values()) == {"MANUAL"}


def test_calls(world):
    assert world.calls.repeated() == []
    # moto lacks LookupEvents (the threat-detection checks' event history)
    assert {e["api"] for e in world.run.errors} <= {"cloudtrail:lookup_events"}


# -- selectors, judged directly ----------------------------------------------------------------------


def _selectors(classic=(), advanced=()):
    return Resource(kind="trails", uid="arn:aws:cloudtrail:us-east-1:123456789012:trail/t", id="t",
                    region="us-east-1", tags={},
                    data={"event_selectors": list(classic), "advanced_event_selectors": list(advanced)})  # fmt: skip


def _advanced(**fields):
    return {"FieldSelectors": [{"Field": k.replace("__", "."), **v} for k, v in fields.items()]}


def test_management_events_selectors():
    assert records_management_events(_selectors(), reads=True)  # no selector at all: AWS records everything
    write_only = _selectors([{"ReadWriteType": "WriteOnly", "IncludeManagementEvents": True}])
    assert records_management_events(write_only) and not records_management_events(write_only, reads=True)
    off = _selectors([{"ReadWriteType": "All", "IncludeManagementEvents": False}])
    assert not records_management_events(off)
    # the selector's name does not matter (Prowler wants the console's "Management events selector")
    named = _selectors(advanced=[{"Name": "mine", **_advanced(eventCategory={"Equals": ["Management"]})}])
    assert records_management_events(named, reads=True)
    reads_only = _selectors(advanced=[_advanced(eventCategory={"Equals": ["Management"]}, readOnly={"Equals": ["true"]})])
    assert not records_management_events(reads_only)
    no_kms = _selectors(advanced=[_advanced(eventCategory={"Equals": ["Management"]},
                                            eventSource={"NotEquals": ["kms.amazonaws.com"]})])  # fmt: skip
    assert records_management_events(no_kms, reads=True)


def test_bedrock_selectors():
    model_data = _selectors(advanced=[_advanced(eventCategory={"Equals": ["Data"]},
                                                resources__type={"Equals": ["AWS::Bedrock::Model"]})])  # fmt: skip
    assert records_bedrock(model_data)
    s3_data = _selectors(advanced=[_advanced(eventCategory={"Equals": ["Data"]},
                                             resources__type={"Equals": ["AWS::S3::Object"]})])  # fmt: skip
    assert not records_bedrock(s3_data)
    only_bedrock = _selectors(advanced=[_advanced(eventCategory={"Equals": ["Management"]},
                                                  eventSource={"StartsWith": ["bedrock"]})])  # fmt: skip
    assert records_bedrock(only_bedrock)
    not_bedrock = _selectors(advanced=[_advanced(eventCategory={"Equals": ["Management"]},
                                                 eventSource={"NotStartsWith": ["bedrock"]})])  # fmt: skip
    assert not records_bedrock(not_bedrock)


# -- S3 data events and accounts without buckets (Prowler's --scan-unused-services) -------------------------


def _evaluate(check_id, buckets=(), unlisted=False, **config):
    trail = _selectors([{"ReadWriteType": "All", "IncludeManagementEvents": True}])
    region = Resource(kind="regions", uid="arn:aws:cloudtrail:us-east-1:123456789012:trail", id=ACCOUNT,
                      region="us-east-1", tags={}, data={"trails_listed": True})  # fmt: skip
    inventory = {
        "cloudtrail.trails": [trail],
        "cloudtrail.regions": [region],
        "s3.buckets": [Resource(kind="buckets", uid=f"arn:aws:s3:::{b}", id=b, region="us-east-1", tags={}, data={})
                       for b in buckets],  # fmt: skip
    }
    if unlisted:
        inventory[f"s3.{INCOMPLETE_KIND}"] = [
            Resource(kind=INCOMPLETE_KIND, uid="s3:buckets@us-east-1", id="buckets", region="us-east-1", tags={},
                     data={"kind": "buckets", "reason": "s3:list_buckets AccessDenied"})  # fmt: skip
        ]
    check = all_checks()[check_id]
    return [r.status for r in check.evaluate(inventory, dt.datetime.now(dt.timezone.utc), audit_config(config))]


@pytest.mark.parametrize("check", ["cloudtrail_s3_dataevents_read_enabled", "cloudtrail_s3_dataevents_write_enabled"])
def test_s3_data_events_skip_accounts_without_buckets(check):
    assert all_checks()[check].config_values() == {"scan_unused_services": False}
    assert _evaluate(check, buckets=["data"]) == ["FAIL"]
    assert _evaluate(check) == []  # no bucket, so no S3 object activity to record
    assert _evaluate(check, scan_unused_services=True) == ["FAIL"]
    assert _evaluate(check, unlisted=True) == ["MANUAL"]  # unknown whether there are buckets


def test_s3_data_events_without_buckets_in_moto(world):
    # the moto account has buckets (the trails' own): its trails record no data events, so they FAIL
    for check in ("cloudtrail_s3_dataevents_read_enabled", "cloudtrail_s3_dataevents_write_enabled"):
        assert set(world.run.statuses(check).values()) == {"FAIL"}
