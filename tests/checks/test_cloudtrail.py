import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.checks.cloudtrail import _advanced_records, _classic_records

ACCOUNT = "123456789012"


def _bucket(name, region="us-east-1", access_logging=False):
    s3 = boto3.client("s3", region_name=region)
    kwargs = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    s3.create_bucket(Bucket=name, **kwargs)
    if access_logging:
        target = f"{name}-access"
        s3.create_bucket(Bucket=target, **kwargs)
        s3.put_bucket_acl(Bucket=target, ACL="log-delivery-write")
        s3.put_bucket_logging(
            Bucket=name, BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": target, "TargetPrefix": "x/"}}
        )
    return name


def _trail(name, region="us-east-1", bucket=None, logging=True, **kwargs):
    bucket = bucket or _bucket(f"{name}-logs", region)
    ct = boto3.client("cloudtrail", region_name=region)
    ct.create_trail(Name=name, S3BucketName=bucket, **kwargs)
    if logging:
        ct.start_logging(Name=name)
    return ct


def test_kms_encryption_and_log_file_validation(scan):
    _trail("plain-trail")
    _trail(
        "hardened-trail",
        region="eu-west-1",
        KmsKeyId="arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555",
        EnableLogFileValidation=True,
    )
    run = scan("cloudtrail")
    assert run.status("cloudtrail_kms_encryption_enabled", "plain-trail") == "FAIL"
    assert run.status("cloudtrail_kms_encryption_enabled", "hardened-trail") == "PASS"
    assert run.status("cloudtrail_log_file_validation_enabled", "plain-trail") == "FAIL"
    assert run.status("cloudtrail_log_file_validation_enabled", "hardened-trail") == "PASS"
    regions = {f["resource_id"]: f["region"] for f in run.of("cloudtrail_kms_encryption_enabled")}
    assert regions == {"plain-trail": "us-east-1", "hardened-trail": "eu-west-1"}


def test_multi_region_trail_is_collected_once_with_no_repeated_calls(scan):
    _trail("everywhere-trail", IsMultiRegionTrail=True)
    access = AwsAccess.from_default_chain()
    run = scan("cloudtrail", access=access)
    # Shadow copies of the multi-region trail are seen in eu-west-1 but recorded only in its home region.
    assert [(f["resource_id"], f["region"]) for f in run.of("cloudtrail_kms_encryption_enabled")] == [
        ("everywhere-trail", "us-east-1")
    ]
    assert access.call_log.repeated() == []
    calls = access.call_log.calls
    assert calls[("cloudtrail", "us-east-1", "GetTrailStatus")] == 1
    assert calls[("cloudtrail", "eu-west-1", "GetTrailStatus")] == 0


def test_logs_bucket_access_logging(scan):
    _trail("unlogged-trail", bucket=_bucket("trail-bucket-unlogged"))
    _trail("logged-trail", bucket=_bucket("trail-bucket-logged", access_logging=True))
    run = scan("cloudtrail")
    assert run.status("cloudtrail_logs_s3_bucket_access_logging_enabled", "unlogged-trail") == "FAIL"
    assert run.status("cloudtrail_logs_s3_bucket_access_logging_enabled", "logged-trail") == "PASS"


def test_logs_bucket_in_another_account_is_manual(scan):
    _trail("central-trail")
    # moto only accepts a bucket of the same account, so this test rewrites moto's DescribeTrails
    # answer to point the trail at a bucket the scanned account cannot see.
    access = AwsAccess.from_default_chain()

    def elsewhere(parsed, **_):
        for trail in parsed.get("trailList", []):
            trail["S3BucketName"] = "org-log-archive-bucket"

    # on_client: the hook reaches the clients the scan makes (each service's are released after it)
    access.on_client(lambda client, service, region: client.meta.events.register("after-call.cloudtrail.DescribeTrails", elsewhere))
    run = scan("cloudtrail", access=access)
    assert run.status("cloudtrail_logs_s3_bucket_access_logging_enabled", "central-trail") == "MANUAL"
    assert run.status("cloudtrail_logs_s3_bucket_is_not_publicly_accessible", "central-trail") == "MANUAL"


def test_multi_region_enabled_per_region(scan):
    _trail("home-only-trail")  # single-region, logging, in us-east-1
    run = scan("cloudtrail")
    assert run.status("cloudtrail_multi_region_enabled", "arn:aws:cloudtrail:eu-west-1:123456789012:trail") == "FAIL"
    passed = [f for f in run.of("cloudtrail_multi_region_enabled") if f["status"] == "PASS"]
    assert [(f["resource_id"], f["region"]) for f in passed] == [("home-only-trail", "us-east-1")]

    _trail("stopped-global-trail", region="eu-west-1", IsMultiRegionTrail=True, logging=False)
    run = scan("cloudtrail")
    eu = [f for f in run.of("cloudtrail_multi_region_enabled") if f["region"] == "eu-west-1"]
    assert [(f["resource_id"], f["status"]) for f in eu] == [("stopped-global-trail", "FAIL")]

    boto3.client("cloudtrail", region_name="eu-west-1").start_logging(Name="stopped-global-trail")
    run = scan("cloudtrail")
    by_region = {f["region"]: (f["resource_id"], f["status"]) for f in run.of("cloudtrail_multi_region_enabled")}
    # The multi-region trail is preferred and covers both regions.
    assert by_region == {"us-east-1": ("stopped-global-trail", "PASS"), "eu-west-1": ("stopped-global-trail", "PASS")}


def test_no_trails_fails_every_region_and_judges_no_trail(scan):
    run = scan("cloudtrail")
    assert run.statuses("cloudtrail_multi_region_enabled") == {ACCOUNT: "FAIL"}
    assert len(run.of("cloudtrail_multi_region_enabled")) == 2
    assert run.of("cloudtrail_kms_encryption_enabled") == []
    assert run.of("cloudtrail_s3_dataevents_read_enabled") == []


ALL_OBJECTS = [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}]


def test_s3_data_events(scan):
    _trail("management-trail")
    ct = _trail("read-trail")
    ct.put_event_selectors(
        TrailName="read-trail",
        EventSelectors=[{"ReadWriteType": "ReadOnly", "IncludeManagementEvents": True, "DataResources": ALL_OBJECTS}],
    )
    run = scan("cloudtrail")
    # Reads are recorded by one trail: it passes and the other trail is not blamed.
    assert run.statuses("cloudtrail_s3_dataevents_read_enabled") == {"read-trail": "PASS"}
    # No trail records writes: every trail fails.
    assert run.statuses("cloudtrail_s3_dataevents_write_enabled") == {"management-trail": "FAIL", "read-trail": "FAIL"}

    ct = _trail("write-trail")
    ct.put_event_selectors(
        TrailName="write-trail",
        AdvancedEventSelectors=[
            {
                "Name": "S3 writes",
                "FieldSelectors": [
                    {"Field": "eventCategory", "Equals": ["Data"]},
                    {"Field": "resources.type", "Equals": ["AWS::S3::Object"]},
                    {"Field": "readOnly", "Equals": ["false"]},
                ],
            }
        ],
    )
    run = scan("cloudtrail")
    assert run.statuses("cloudtrail_s3_dataevents_write_enabled") == {"write-trail": "PASS"}
    assert run.statuses("cloudtrail_s3_dataevents_read_enabled") == {"read-trail": "PASS"}


def test_s3_data_events_for_one_bucket_do_not_count(scan):
    ct = _trail("one-bucket-trail")
    ct.put_event_selectors(
        TrailName="one-bucket-trail",
        EventSelectors=[
            {"ReadWriteType": "All", "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::one/"]}]}
        ],
    )
    run = scan("cloudtrail")
    assert run.status("cloudtrail_s3_dataevents_read_enabled", "one-bucket-trail") == "FAIL"
    assert run.status("cloudtrail_s3_dataevents_write_enabled", "one-bucket-trail") == "FAIL"


@pytest.mark.parametrize(
    "fields, read, write",
    [
        ([("eventCategory", "Data"), ("resources.type", "AWS::S3::Object")], True, True),
        ([("eventCategory", "Data"), ("resources.type", "AWS::S3::Object"), ("readOnly", "true")], True, False),
        ([("eventCategory", "Management")], False, False),
        ([("eventCategory", "Data"), ("resources.type", "AWS::DynamoDB::Table")], False, False),
    ],
)
def test_advanced_selector_rules(fields, read, write):
    selector = {"FieldSelectors": [{"Field": f, "Equals": [v]} for f, v in fields]}
    assert _advanced_records(selector, "ReadOnly") is read
    assert _advanced_records(selector, "WriteOnly") is write
    one_bucket = {"Field": "resources.ARN", "StartsWith": ["arn:aws:s3:::b/"]}
    limited = {"FieldSelectors": selector["FieldSelectors"] + [one_bucket]}
    assert _advanced_records(limited, "ReadOnly") is False


def test_classic_selector_rules():
    assert _classic_records({"ReadWriteType": "WriteOnly", "DataResources": ALL_OBJECTS}, "ReadOnly") is False
    assert _classic_records({"ReadWriteType": "WriteOnly", "DataResources": ALL_OBJECTS}, "WriteOnly") is True
    assert _classic_records({"DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3:::"]}]}, "ReadOnly")
