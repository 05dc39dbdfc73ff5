"""GuardDuty verdicts the other GuardDuty tests leave out: protection plans of a detector that could not be read
(GetDetector refused) or whose region's detectors could not be listed (ListDetectors refused)."""

from __future__ import annotations

import boto3
import pytest

from postureflow.testing import scan_denied

# every check built on _feature_check (their other MANUAL, a plan the region does not report, is tested elsewhere)
PLANS = ("guardduty_s3_protection_enabled", "guardduty_rds_protection_enabled", "guardduty_eks_audit_log_enabled",
         "guardduty_ec2_malware_protection_enabled", "guardduty_lambda_protection_enabled",
         "guardduty_ai_protection_enabled")
# the checks that skip a region without a detector (tests/checks/test_guardduty.py shows that stays as it was)
ENABLED_ONLY = PLANS + ("guardduty_runtime_monitoring_enabled", "guardduty_no_high_severity_findings",
                        "guardduty_centrally_managed", "guardduty_eks_runtime_monitoring_enabled")


@pytest.mark.parametrize("refused", ["guardduty:GetDetector", "guardduty:ListDetectors"])
@pytest.mark.parametrize("check", ENABLED_ONLY)
def test_plans_of_an_unreadable_detector_get_no_verdict(aws, tmp_path, check, refused):
    boto3.client("guardduty", region_name="us-east-1").create_detector(
        Enable=True, Features=[{"Name": "S3_DATA_EVENTS", "Status": "ENABLED"}, {"Name": "EKS_AUDIT_LOGS", "Status": "DISABLED"}]
    )
    run = scan_denied(str(tmp_path), ["guardduty"], ["us-east-1"], refused)
    assert [f["status"] for f in run.of(check)] == ["MANUAL"]

