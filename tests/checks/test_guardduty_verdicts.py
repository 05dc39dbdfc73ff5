"""GuardDuty verdicts the other GuardDuty tests leave out: protection plans of a detector that could not be read."""

from __future__ import annotations

import boto3
import pytest

from postureflow.testing import scan_denied

KNOWN_GAP = ("known gap: the plan checks keep only detectors whose status reads ENABLED "
             "(checks/guardduty.py _active), so a detector GetDetector refused is skipped, not no verdict")

# every check built on _feature_check (their other MANUAL, a plan the region does not report, is tested elsewhere)
PLANS = ("guardduty_s3_protection_enabled", "guardduty_rds_protection_enabled", "guardduty_eks_audit_log_enabled",
         "guardduty_ec2_malware_protection_enabled", "guardduty_lambda_protection_enabled",
         "guardduty_ai_protection_enabled")


@pytest.mark.xfail(strict=True, reason=KNOWN_GAP)
@pytest.mark.parametrize("check", PLANS)
def test_plans_of_an_unreadable_detector_get_no_verdict(aws, tmp_path, check):
    boto3.client("guardduty", region_name="us-east-1").create_detector(
        Enable=True, Features=[{"Name": "S3_DATA_EVENTS", "Status": "ENABLED"}, {"Name": "EKS_AUDIT_LOGS", "Status": "DISABLED"}]
    )
    run = scan_denied(str(tmp_path), ["guardduty"], ["us-east-1"], "guardduty:GetDetector")
    assert [f["status"] for f in run.of(check)] == ["MANUAL"]
