"""CloudTrail delivery to CloudWatch Logs and the log bucket's exposure: one moto account, scanned once."""

import datetime as dt
import json
from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.config import audit_config
from postureflow.lake import Lake
from postureflow.testing import answer_in_moto, scan_in_moto

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/trail-to-logs"


def _bucket(name, public=False):
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket=name)
    if public:
        statement = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                     "Resource": f"arn:aws:s3:::{name}/*"}  # fmt: skip
        s3.put_bucket_policy(Bucket=name, Policy=json.dumps({"Version": "2012-10-17", "Statement": [statement]}))
    return name


def _trail(name, bucket, log_group=None, region="us-east-1"):
    ct = boto3.client("cloudtrail", region_name=region)
    kwargs = {}
    if log_group:
        kwargs = {"CloudWatchLogsLogGroupArn": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:{log_group}:*",
                  "CloudWatchLogsRoleArn": ROLE}  # fmt: skip
    ct.create_trail(Name=name, S3BucketName=bucket, **kwargs)
    ct.start_logging(Name=name)


def _build():
    private = _bucket("private-trail-bucket")
    _trail("no-logs-trail", private)
    _trail("fresh-logs-trail", private, log_group="trail-fresh")
    _trail("stale-logs-trail", private, log_group="trail-stale")
    _trail("never-logs-trail", private, log_group="trail-never")
    _trail("exposed-trail", _bucket("public-trail-bucket", public=True))
    eu = "eu-trail-bucket"
    boto3.client("s3", region_name="eu-west-1").create_bucket(
        Bucket=eu, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )
    _trail("eu-trail", eu, region="eu-west-1")


# -- the event history: moto has no LookupEvents, so a hook answers it per region and event name ----------

RECON = f"arn:aws:iam::{ACCOUNT}:user/recon"
ADMIN = f"arn:aws:iam::{ACCOUNT}:user/admin"
ESCALATOR = f"arn:aws:sts::{ACCOUNT}:assumed-role/ci-deployer/build-42"
MODEL_THIEF = f"arn:aws:iam::{ACCOUNT}:user/bedrock-key"
# Prowler's default watched calls (audit config threat_detection_<kind>_actions)
THREAT_EVENTS = {kind: sorted(audit_config()[f"threat_detection_{kind}_actions"])
                 for kind in ("enumeration", "privilege_escalation", "llm_jacking")}
ACTIVITY = {
    "us-east-1": {
        RECON: THREAT_EVENTS["enumeration"][::2],  # half of the watched discovery calls
        ADMIN: THREAT_EVENTS["enumeration"][:3] + THREAT_EVENTS["privilege_escalation"][:2],
        ESCALATOR: THREAT_EVENTS["privilege_escalation"][:15],  # 15 of 51: over 0.2
    },
    "eu-west-1": {MODEL_THIEF: THREAT_EVENTS["llm_jacking"][:8]},
}


def _event(name, arn, source="198.51.100.7"):
    kind = "AssumedRole" if ":assumed-role/" in arn else "IAMUser"
    detail = {"eventName": name, "sourceIPAddress": source, "userIdentity": {"type": kind, "arn": arn}}
    return {"EventId": f"{name}-{arn}", "EventName": name, "CloudTrailEvent": json.dumps(detail)}


def _history_hooks(access):
    for region, callers in ACTIVITY.items():

        def answer(region, params, callers=callers):
            name = json.loads(params["body"])["LookupAttributes"][0]["AttributeValue"]
            events = [_event(name, arn) for arn, names in callers.items() if name in names]
            # the same call made by an AWS service for the account does not count
            events.append(_event(name, f"arn:aws:sts::{ACCOUNT}:assumed-role/service-role/x", "ec2.amazonaws.com"))
            return {"Events": events}

        answer_in_moto(access, region, {"cloudtrail:LookupEvents": answer})


def _delivery_access():
    """moto's GetTrailStatus has no LatestCloudWatchLogsDeliveryTime, so this hook adds one: an hour ago for
    fresh-logs-trail, three days ago for stale-logs-trail (never-logs-trail keeps none)."""
    access = AwsAccess.from_default_chain()
    now = dt.datetime.now(dt.timezone.utc)
    delivered = {"fresh-logs-trail": now - dt.timedelta(hours=1), "stale-logs-trail": now - dt.timedelta(days=3)}

    def remember(params, context, **_):
        context["test_trail"] = params.get("Name", "").rsplit("/", 1)[-1]

    def add_delivery(parsed, context, **_):
        when = delivered.get(context.get("test_trail"))
        if when:
            parsed["LatestCloudWatchLogsDeliveryTime"] = when

    def hook(client, service, region):
        if region == "us-east-1":
            client.meta.events.register("before-parameter-build.cloudtrail.GetTrailStatus", remember)
            client.meta.events.register("after-call.cloudtrail.GetTrailStatus", add_delivery)

    access.on_client(hook)  # the scan's clients, made after this and released between services
    _history_hooks(access)
    return access


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        _build()
        access = _delivery_access()
        lake = Lake(str(tmp_path_factory.mktemp("cloudtrail-lake")))
        run = scan_in_moto(lake, ["cloudtrail"], regions=["us-east-1", "eu-west-1"], access=access)
    return SimpleNamespace(run=run, calls=access.call_log)


def test_cloudwatch_logging_enabled(world):
    assert world.run.statuses("cloudtrail_cloudwatch_logging_enabled") == {
        "no-logs-trail": "FAIL",
        "fresh-logs-trail": "PASS",
        "stale-logs-trail": "FAIL",
        "never-logs-trail": "FAIL",
        "exposed-trail": "FAIL",
        "eu-trail": "FAIL",
    }
    findings = world.run.of("cloudtrail_cloudwatch_logging_enabled")
    stale = next(f for f in findings if f["resource_id"] == "stale-logs-trail")
    assert "3.0 days ago" in stale["status_extended"]


def test_logs_s3_bucket_is_not_publicly_accessible(world):
    check = "cloudtrail_logs_s3_bucket_is_not_publicly_accessible"
    assert world.run.statuses(check) == {
        "public-trail-bucket": "FAIL",
        "private-trail-bucket": "PASS",
        "eu-trail-bucket": "PASS",
    }
    shared = next(f for f in world.run.of(check) if f["resource_id"] == "private-trail-bucket")
    assert shared["resource_uid"] == "arn:aws:s3:::private-trail-bucket"
    assert "no-logs-trail" in shared["status_extended"] and "fresh-logs-trail" in shared["status_extended"]


def test_collection_calls(world):
    assert world.calls.repeated() == []
    assert not world.run.errors


def _threat_findings(world, check):
    return {(f["region"], f["resource_uid"]): f["status"] for f in world.run.of(check)}


def _trail_arn(name, region="us-east-1"):
    return f"arn:aws:cloudtrail:{region}:{ACCOUNT}:trail/{name}"


def test_threat_detection_enumeration(world):
    assert _threat_findings(world, "cloudtrail_threat_detection_enumeration") == {
        ("us-east-1", RECON): "FAIL",  # the admin's three discovery calls stay under the threshold
        ("eu-west-1", _trail_arn("eu-trail", "eu-west-1")): "PASS",
    }
    recon = next(f for f in world.run.of("cloudtrail_threat_detection_enumeration") if f["status"] == "FAIL")
    assert recon["resource_type"] == "AwsIamUser" and f"{len(set(THREAT_EVENTS['enumeration'][::2]))} of {len(set(THREAT_EVENTS['enumeration']))}" in recon["status_extended"]


def test_threat_detection_privilege_escalation(world):
    assert _threat_findings(world, "cloudtrail_threat_detection_privilege_escalation") == {
        ("us-east-1", ESCALATOR): "FAIL",
        ("eu-west-1", _trail_arn("eu-trail", "eu-west-1")): "PASS",
    }


def test_threat_detection_llm_jacking(world):
    # Without a multi-region trail, each region that records a trail reads its own history; in
    # us-east-1 the trail standing for it is the first by ARN.
    assert _threat_findings(world, "cloudtrail_threat_detection_llm_jacking") == {
        ("us-east-1", _trail_arn("exposed-trail")): "PASS",
        ("eu-west-1", MODEL_THIEF): "FAIL",
    }


def test_event_history_that_cannot_be_read_is_not_judged(scan):
    _trail("lonely-trail", _bucket("lonely-trail-bucket"))
    run = scan("cloudtrail")  # moto's own LookupEvents answer: 404 "not yet implemented"
    # moto in-process raises NotImplementedError for LookupEvents: one scan error, then no more lookups
    assert [(e["api"], e["error_code"]) for e in run.errors] == [("cloudtrail:lookup_events", "NotImplementedError")]
    for check in ("enumeration", "privilege_escalation", "llm_jacking"):
        findings = run.of(f"cloudtrail_threat_detection_{check}")  # no verdict, and it says so
        assert findings and {f["status"] for f in findings} == {"MANUAL"}, check
        assert all(f["status_extended"].startswith("No verdict:") for f in findings)


def test_threat_detection_follows_the_audit_config():
    """Prowler's threat_detection_<kind>_threshold, _actions and _minutes keys decide; a history read under
    another config (calls never looked up, a shorter window) gives no verdict."""
    import datetime as dt

    from postureflow.checks import all_checks
    from postureflow.inventory import Resource

    watched = THREAT_EVENTS["enumeration"]
    end = dt.datetime(2026, 11, 22, tzinfo=dt.timezone.utc)
    recent, old = (end - dt.timedelta(minutes=30)).isoformat(), (end - dt.timedelta(hours=20)).isoformat()
    prober = f"arn:aws:iam::{ACCOUNT}:user/prober"
    # half the watched calls, half of those (a quarter of all) made 20 hours ago, the rest 30 minutes ago
    half = watched[: len(watched) // 2]
    events = {name: (old if i % 2 else recent) for i, name in enumerate(half)}

    def history(**data):
        base = {"complete": True, "trail_arn": _trail_arn("main"), "window_start": end - dt.timedelta(days=1),
                "window_end": end, "looked_up": list(watched), "identities": {prober: {"type": "IAMUser", "events": events}}}
        return Resource(kind="event_history", uid=f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:event-history",
                        id="main", region="us-east-1", tags={}, data={**base, **data})

    check = all_checks()["cloudtrail_threat_detection_enumeration"]
    assert set(check.config_keys) == {f"threat_detection_enumeration_{k}" for k in ("threshold", "actions", "minutes")}

    def statuses(config, **data):
        inventory = {"cloudtrail.event_history": [history(**data)], "cloudtrail.trails": []}
        return [r.status for r in check.evaluate(inventory, end, audit_config(config))]

    assert statuses({}) == ["FAIL"]  # half the watched calls in 24 hours: over 0.3
    assert statuses({"threat_detection_enumeration_threshold": 0.9}) == ["PASS"]
    assert statuses({"threat_detection_enumeration_minutes": 60}) == ["PASS"]  # a quarter in the last hour
    # watching only the calls the prober made: all of them
    assert statuses({"threat_detection_enumeration_actions": half, "threat_detection_enumeration_threshold": 0.9}) == ["FAIL"]
    # a call that was never looked up, or a window longer than the one read: no verdict
    assert statuses({"threat_detection_enumeration_actions": [*watched, "ListThingsNobodyLookedUp"]}) == ["MANUAL"]
    assert statuses({"threat_detection_enumeration_minutes": 2880}) == ["MANUAL"]
    assert statuses({}, complete=False) == ["MANUAL"]


def test_the_collector_looks_up_the_configured_calls_over_the_longest_window():
    from postureflow.collect.cloudtrail import lookup_window, watched_events

    config = audit_config({"threat_detection_enumeration_actions": ["ListUsers"],
                           "threat_detection_privilege_escalation_actions": ["CreateAccessKey", "ListUsers"],
                           "threat_detection_llm_jacking_actions": [], "threat_detection_llm_jacking_minutes": 4320})
    assert watched_events(config) == ["CreateAccessKey", "ListUsers"]
    assert lookup_window(config) == dt.timedelta(days=3)
    defaults = audit_config()
    assert len(watched_events(defaults)) == len({n for k in THREAT_EVENTS.values() for n in k})
