"""Demo seed for CloudTrail and the CloudWatch CIS monitoring controls (run against moto).

In every region given:

- ``pf-demo-bad-trail``: single-region, not logging, no KMS key, no log file
  validation, S3 data events for one bucket only, delivering to a bucket
  without access logging;
- ``pf-demo-good-trail``: multi-region, logging, KMS-encrypted, validated, S3
  data events for all buckets, delivering to a bucket with access logging and
  to the CloudWatch Logs group ``pf-demo-good-trail-logs``;
- on that log group, for each CIS monitoring control, a ``pf-demo-good-...``
  metric filter with a complete pattern and an alarm notifying the subscribed
  topic ``pf-demo-good-alerts``, and a ``pf-demo-bad-...`` twin whose pattern
  misses one comparison and whose alarm notifies ``pf-demo-bad-alerts`` (no
  subscribers).

The trail coverage, S3 data-event and CIS monitoring checks are account-level:
the good twins cover the account, so those checks PASS and the bad twins are
only there to be looked at.
"""

from __future__ import annotations

import json
import re

import boto3
from botocore.exceptions import ClientError

from postureflow.checks.cloudwatch import CIS_PATTERNS

SERVICES = ("cloudtrail", "cloudwatch", "sns")

EXISTS = {
    "BucketAlreadyOwnedByYou",
    "EntityAlreadyExists",
    "ResourceAlreadyExistsException",
    "TrailAlreadyExistsException",
    "AlreadyExistsException",
}
NAMESPACE = "pf-demo/CIS"
# The last comparison of a pattern, which the bad twin swaps for one that never matches.
_LAST_COMPARISON = re.compile(
    r'\$\.[\w.]+\s*(?:!=|=)\s*(?:"[^"]*"|[^\s()&|}]+)(?!.*\$\.)|\$\.[\w.]+\s+NOT\s+EXISTS(?!.*\$\.)', re.S
)


def _quietly(call, **params):
    """Create something; an 'already exists' answer (a second seeding) is fine."""
    try:
        return call(**params)
    except ClientError as err:
        if err.response.get("Error", {}).get("Code") not in EXISTS:
            raise
        return None


def _bucket(s3, name: str, region: str) -> None:
    kwargs = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    _quietly(s3.create_bucket, Bucket=name, **kwargs)
    s3.put_public_access_block(
        Bucket=name,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )


def _short(check_id: str) -> str:
    return check_id.removeprefix("cloudwatch_").replace("_", "-")


def _broken(pattern: str) -> str:
    return _LAST_COMPARISON.sub('$.eventName = "pf-demo-never"', pattern, count=1)


def _role(session: boto3.session.Session, account_id: str) -> str:
    name = "pf-demo-good-cloudtrail-to-logs"
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "cloudtrail.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
    _quietly(session.client("iam").create_role, RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))
    return f"arn:aws:iam::{account_id}:role/{name}"


def seed(session: boto3.session.Session, account_id: str, regions: list[str]) -> None:
    role_arn = _role(session, account_id)
    for region in regions:
        _seed_region(session, account_id, region, role_arn)


def _seed_region(session: boto3.session.Session, account_id: str, region: str, role_arn: str) -> None:
    s3 = session.client("s3", region_name=region)
    cloudtrail = session.client("cloudtrail", region_name=region)
    logs = session.client("logs", region_name=region)
    cloudwatch = session.client("cloudwatch", region_name=region)
    sns = session.client("sns", region_name=region)
    kms = session.client("kms", region_name=region)

    bad_bucket = f"pf-demo-bad-trail-logs-{account_id}-{region}"
    good_bucket = f"pf-demo-good-trail-logs-{account_id}-{region}"
    access_bucket = f"pf-demo-good-trail-access-{account_id}-{region}"
    for name in (bad_bucket, good_bucket, access_bucket):
        _bucket(s3, name, region)
    s3.put_bucket_acl(Bucket=access_bucket, ACL="log-delivery-write")
    s3.put_bucket_logging(
        Bucket=good_bucket,
        BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": access_bucket, "TargetPrefix": "trail-bucket/"}},
    )

    key_id = kms.create_key(Description="pf-demo-good CloudTrail log encryption")["KeyMetadata"]["Arn"]
    kms.enable_key_rotation(KeyId=key_id)
    _quietly(kms.create_alias, AliasName="alias/pf-demo-good-cloudtrail", TargetKeyId=key_id)

    group = "pf-demo-good-trail-logs"
    _quietly(logs.create_log_group, logGroupName=group)
    group_arn = f"arn:aws:logs:{region}:{account_id}:log-group:{group}:*"

    _quietly(cloudtrail.create_trail, Name="pf-demo-bad-trail", S3BucketName=bad_bucket)
    cloudtrail.put_event_selectors(
        TrailName="pf-demo-bad-trail",
        EventSelectors=[
            {
                "ReadWriteType": "All",
                "IncludeManagementEvents": True,
                "DataResources": [{"Type": "AWS::S3::Object", "Values": [f"arn:aws:s3:::{bad_bucket}/"]}],
            }
        ],
    )
    _quietly(
        cloudtrail.create_trail,
        Name="pf-demo-good-trail",
        S3BucketName=good_bucket,
        IsMultiRegionTrail=True,
        IncludeGlobalServiceEvents=True,
        EnableLogFileValidation=True,
        KmsKeyId=key_id,
        CloudWatchLogsLogGroupArn=group_arn,
        CloudWatchLogsRoleArn=role_arn,
    )
    cloudtrail.put_event_selectors(
        TrailName="pf-demo-good-trail",
        EventSelectors=[
            {
                "ReadWriteType": "All",
                "IncludeManagementEvents": True,
                "DataResources": [{"Type": "AWS::S3::Object", "Values": ["arn:aws:s3"]}],
            }
        ],
    )
    cloudtrail.start_logging(Name="pf-demo-good-trail")

    good_topic = sns.create_topic(Name="pf-demo-good-alerts")["TopicArn"]
    sns.subscribe(TopicArn=good_topic, Protocol="email", Endpoint="security-team@example.com")
    bad_topic = sns.create_topic(Name="pf-demo-bad-alerts")["TopicArn"]

    for check_id, pattern in sorted(CIS_PATTERNS.items()):
        for twin, twin_pattern, topic in (
            ("good", pattern, good_topic),
            ("bad", _broken(pattern), bad_topic),
        ):
            name = f"pf-demo-{twin}-{_short(check_id)}"
            logs.put_metric_filter(
                logGroupName=group,
                filterName=name,
                filterPattern=twin_pattern,
                metricTransformations=[{"metricName": name, "metricNamespace": NAMESPACE, "metricValue": "1"}],
            )
            cloudwatch.put_metric_alarm(
                AlarmName=name,
                MetricName=name,
                Namespace=NAMESPACE,
                Statistic="Sum",
                Period=300,
                EvaluationPeriods=1,
                Threshold=1,
                ComparisonOperator="GreaterThanOrEqualToThreshold",
                AlarmActions=[topic],
            )
