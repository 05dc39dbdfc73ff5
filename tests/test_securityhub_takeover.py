"""The first forward into a hub that holds Prowler's findings takes them over (moto's Security Hub).

Prowler's findings are imported as Prowler's ASFF output writes them (product
``prowler/prowler``, ``GeneratorId`` ``prowler-<check>``, ``Id``
``prowler-<check>-<account>-<region>-<sha512(resource uid)[:9]>``). moto's GetFindings
ignores Filters; the takeover filters what it gets as well, which this test relies on.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.securityhub import ForwardOptions, forward_findings
from postureflow.securityhub import forward as forward_module
from postureflow.securityhub.takeover import ARCHIVE_REASON, TAKEN_OVER_BY, prowler_product_arn
from postureflow.securityhub.testing import ACCOUNT, enable_hub, hub_findings, row, write_day

DAY = dt.date(2026, 11, 20)
REGION = "us-east-1"
NOW = "2026-11-01T00:00:00.000Z"


@pytest.fixture(autouse=True)
def no_retry_sleep(monkeypatch):
    monkeypatch.setattr(forward_module, "RETRY_DELAYS", ())


def prowler_id(check: str, resource_uid: str, region: str = REGION) -> str:
    digest = hashlib.sha512(resource_uid.encode()).hexdigest()[:9]
    return f"prowler-{check}-{ACCOUNT}-{region}-{digest}"


def prowler_finding(check: str, resource_uid: str, region: str = REGION) -> dict:
    """A finding as Prowler's json-asff / --security-hub output sends it."""
    return {
        "SchemaVersion": "2018-10-08", "Id": prowler_id(check, resource_uid, region),
        "ProductArn": prowler_product_arn(region), "ProductName": "Prowler", "CompanyName": "Prowler",
        "GeneratorId": f"prowler-{check}", "AwsAccountId": ACCOUNT, "Region": region,
        "Types": ["Software and Configuration Checks"], "FirstObservedAt": NOW, "UpdatedAt": NOW, "CreatedAt": NOW,
        "Severity": {"Label": "MEDIUM"}, "Title": check, "Description": "from Prowler",
        "Resources": [{"Type": "AwsS3Bucket", "Id": resource_uid, "Partition": "aws", "Region": region}],
        "Compliance": {"Status": "FAILED"}, "RecordState": "ACTIVE", "ProductFields": {"ProviderName": "Prowler"},
    }


def test_first_forward_archives_prowlers_findings_of_the_forwarded_checks(aws, lake):
    enable_hub(REGION)
    hub = boto3.client("securityhub", region_name=REGION)
    same = prowler_finding("s3_bucket_no_mfa_delete", "arn:aws:s3:::logs")
    gone = prowler_finding("s3_bucket_no_mfa_delete", "arn:aws:s3:::deleted-since")
    other_check = prowler_finding("ec2_ebs_volume_encryption", "arn:aws:ec2:us-east-1:123456789012:volume/vol-1")
    hub.batch_import_findings(Findings=[same, gone, other_check])
    write_day(lake, DAY, [row("logs"), row("data")])

    result = forward_findings(lake, AwsAccess.from_default_chain(), ACCOUNT, DAY, ForwardOptions(enabled=True))

    held = hub_findings(REGION)
    ours = {row("logs")["finding_uid"], row("data")["finding_uid"]}
    assert result.prowler_archived == 2 and result.failed == 0
    assert all(held[i]["RecordState"] == "ACTIVE" for i in ours)
    # the same check on the same resource: archived, pointing at postureflow's finding
    assert held[same["Id"]]["RecordState"] == "ARCHIVED"
    assert held[same["Id"]]["ProductFields"][TAKEN_OVER_BY] == row("logs")["finding_uid"]
    # a forwarded check, a resource postureflow does not report: archived with the reason
    assert held[gone["Id"]]["RecordState"] == "ARCHIVED" and ARCHIVE_REASON in held[gone["Id"]]["ProductFields"]
    # a check postureflow does not forward here: left to Prowler
    assert held[other_check["Id"]]["RecordState"] == "ACTIVE"
    assert {i for i, f in held.items() if f["RecordState"] == "ACTIVE"} == ours | {other_check["Id"]}


def test_the_takeover_matches_prowlers_identity_not_ours(aws, lake):
    """The password policy: postureflow's ARN differs from Prowler's, the Prowler Id still matches."""
    enable_hub(REGION)
    hub = boto3.client("securityhub", region_name=REGION)
    prowler_arn = f"arn:aws:iam:{REGION}:{ACCOUNT}:password-policy"
    theirs = prowler_finding("iam_password_policy_lowercase", prowler_arn)
    hub.batch_import_findings(Findings=[theirs])
    ours = dict(row("account-password-policy", check_id="iam_password_policy_lowercase", service="iam",
                    resource_uid=f"arn:aws:iam::{ACCOUNT}:account-password-policy"),
                prowler_resource_uid=prowler_arn, prowler_resource_name=ACCOUNT)
    write_day(lake, DAY, [ours], service="iam")

    forward_findings(lake, AwsAccess.from_default_chain(), ACCOUNT, DAY, ForwardOptions(enabled=True))

    held = hub_findings(REGION)
    assert held[theirs["Id"]]["RecordState"] == "ARCHIVED"
    assert held[theirs["Id"]]["ProductFields"][TAKEN_OVER_BY] == ours["finding_uid"]


def test_only_the_first_forward_into_a_region_takes_over(aws, lake):
    enable_hub(REGION)
    hub = boto3.client("securityhub", region_name=REGION)
    write_day(lake, DAY, [row("logs")])
    forward_findings(lake, AwsAccess.from_default_chain(), ACCOUNT, DAY, ForwardOptions(enabled=True))
    later = prowler_finding("s3_bucket_no_mfa_delete", "arn:aws:s3:::logs")  # Prowler still run by someone
    hub.batch_import_findings(Findings=[later])
    write_day(lake, DAY + dt.timedelta(days=1), [row("logs", status_extended="changed", day=DAY + dt.timedelta(days=1))])

    result = forward_findings(lake, AwsAccess.from_default_chain(), ACCOUNT, DAY + dt.timedelta(days=1),
                              ForwardOptions(enabled=True))

    assert result.prowler_archived == 0
    assert hub_findings(REGION)[later["Id"]]["RecordState"] == "ACTIVE"


def test_dry_run_takes_nothing_over(aws, lake):
    enable_hub(REGION)
    hub = boto3.client("securityhub", region_name=REGION)
    theirs = prowler_finding("s3_bucket_no_mfa_delete", "arn:aws:s3:::logs")
    hub.batch_import_findings(Findings=[theirs])
    write_day(lake, DAY, [row("logs")])
    forward_findings(lake, AwsAccess.from_default_chain(), ACCOUNT, DAY, ForwardOptions(enabled=True), dry_run=True)
    assert hub_findings(REGION)[theirs["Id"]]["RecordState"] == "ACTIVE"
