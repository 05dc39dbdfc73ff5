import json
from types import SimpleNamespace

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import DeniedAccess, scan_in_moto

GOOD = "us-east-1"  # every protection plan on, no open findings, delegated admin with auto-enable ALL
WEAK = "eu-west-1"  # protection plans off, two open high findings, no delegated admin
NONE = "ap-southeast-2"  # no detector at all
SUSPENDED = "us-west-2"  # a detector that is not enabled
REGIONS = [GOOD, WEAK, NONE, SUSPENDED]
PLANS = [
    "S3_DATA_EVENTS",
    "RDS_LOGIN_EVENTS",
    "EKS_AUDIT_LOGS",
    "EBS_MALWARE_PROTECTION",
    "LAMBDA_NETWORK_LOGS",
    "RUNTIME_MONITORING",
    "AI_PROTECTION",
]


def _features(status, names=PLANS):
    return [{"Name": name, "Status": status} for name in names]


def _build():
    good = boto3.client("guardduty", region_name=GOOD)
    features = _features("ENABLED")
    runtime = next(f for f in features if f["Name"] == "RUNTIME_MONITORING")
    runtime["AdditionalConfiguration"] = [{"Name": "EKS_ADDON_MANAGEMENT", "Status": "ENABLED"}]
    good.create_detector(Enable=True, Features=features)
    good.enable_organization_admin_account(AdminAccountId="111122223333")
    # The weak detector runs only the legacy EKS-only runtime feature, not RUNTIME_MONITORING.
    weak_features = _features("DISABLED", [p for p in PLANS if p != "RUNTIME_MONITORING"])
    weak_features.append({"Name": "EKS_RUNTIME_MONITORING", "Status": "ENABLED"})
    boto3.client("guardduty", region_name=WEAK).create_detector(Enable=True, Features=weak_features)
    boto3.client("guardduty", region_name=SUSPENDED).create_detector(Enable=False)


def _answer_hooks(access):
    """moto implements neither ListFindings, DescribeOrganizationConfiguration nor ListMembers; these before-call
    hooks answer them in moto's place: two open high findings in eu-west-1 (none elsewhere), organization
    auto-enable ALL in us-east-1 and NONE elsewhere, and one member account in us-east-1 (none elsewhere)."""

    def ok(body):
        return AWSResponse("https://guardduty.amazonaws.com", 200, {}, None), body

    def list_findings(region):
        def reply(params, **_):
            criteria = json.loads(params["body"])["findingCriteria"]["criterion"]
            assert criteria["severity"] == {"gte": 7}  # the collector asks for high and critical only
            return ok({"FindingIds": ["finding-1", "finding-2"] if region == WEAK else []})

        return reply

    for region in REGIONS:
        events = access.client("guardduty", region).meta.events
        events.register("before-call.guardduty.ListFindings", list_findings(region))
        members = [{"AccountId": "444455556666", "Email": "m@example.com", "RelationshipStatus": "Enabled",
                    "MasterId": "123456789012", "UpdatedAt": "2026-01-01"}] if region == GOOD else []  # fmt: skip
        events.register("before-call.guardduty.ListMembers", lambda members=members, **_: ok({"Members": members}))
        auto = "ALL" if region == GOOD else "NONE"
        events.register(
            "before-call.guardduty.DescribeOrganizationConfiguration",
            lambda auto=auto, **_: ok({"AutoEnable": auto != "NONE", "AutoEnableOrganizationMembers": auto}),
        )


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        _build()
        access = AwsAccess.from_default_chain()
        _answer_hooks(access)
        lake = Lake(str(tmp_path_factory.mktemp("guardduty-lake")))
        run = scan_in_moto(lake, ["guardduty"], REGIONS, access=access)
        unread = {}
        for operation in ("guardduty:GetDetector", "guardduty:ListFindings", "guardduty:ListDetectors",
                          "guardduty:GetAdministratorAccount", "guardduty:ListMembers"):  # fmt: skip
            denied = DeniedAccess(operation)
            _answer_hooks(denied)
            unread[operation] = scan_in_moto(Lake(str(tmp_path_factory.mktemp("denied"))), ["guardduty"], REGIONS,
                                             access=denied)  # fmt: skip
            assert denied.hits, (operation, unread[operation].errors, unread[operation].results)
    return SimpleNamespace(run=run, calls=access.call_log, unread=unread)


def _by_region(world, check) -> dict[str, str]:
    results = {}
    for finding in world.run.of(check):
        assert finding["region"] not in results, f"{check} judged {finding['region']} twice"
        results[finding["region"]] = finding["status"]
    return results


def _plan_check(world, check):
    # Only enabled detectors are judged on their protection plans.
    assert _by_region(world, check) == {GOOD: "PASS", WEAK: "FAIL"}


def test_collected_without_errors_or_repeats(world):
    assert world.run.errors == []
    assert world.calls.repeated() == []


def test_is_enabled(world):
    assert _by_region(world, "guardduty_is_enabled") == {GOOD: "PASS", WEAK: "PASS", NONE: "FAIL", SUSPENDED: "FAIL"}


def test_s3_protection(world):
    _plan_check(world, "guardduty_s3_protection_enabled")


def test_rds_protection(world):
    _plan_check(world, "guardduty_rds_protection_enabled")


def test_eks_audit_logs(world):
    _plan_check(world, "guardduty_eks_audit_log_enabled")


def test_ec2_malware_protection(world):
    _plan_check(world, "guardduty_ec2_malware_protection_enabled")


def test_lambda_protection(world):
    _plan_check(world, "guardduty_lambda_protection_enabled")


def test_ai_protection(world):
    _plan_check(world, "guardduty_ai_protection_enabled")


def test_runtime_monitoring(world):
    _plan_check(world, "guardduty_runtime_monitoring_enabled")
    weak = [f for f in world.run.of("guardduty_runtime_monitoring_enabled") if f["region"] == WEAK][0]
    assert "legacy EKS Runtime Monitoring" in weak["status_extended"]


def test_no_high_severity_findings(world):
    assert _by_region(world, "guardduty_no_high_severity_findings") == {GOOD: "PASS", WEAK: "FAIL", SUSPENDED: "PASS"}


def test_delegated_admin_all_regions(world):
    assert _by_region(world, "guardduty_delegated_admin_enabled_all_regions") == {
        GOOD: "PASS",
        WEAK: "FAIL",
        NONE: "FAIL",
        SUSPENDED: "FAIL",
    }


@pytest.mark.parametrize(
    "check, refused",
    [
        ("guardduty_is_enabled", "guardduty:ListDetectors"),
        ("guardduty_is_enabled", "guardduty:GetDetector"),
        ("guardduty_no_high_severity_findings", "guardduty:ListFindings"),
        ("guardduty_delegated_admin_enabled_all_regions", "guardduty:GetDetector"),
        ("guardduty_centrally_managed", "guardduty:GetAdministratorAccount"),
        ("guardduty_centrally_managed", "guardduty:ListMembers"),
        ("guardduty_eks_runtime_monitoring_enabled", "guardduty:GetDetector"),
    ],
)
def test_unreadable_detector_gives_no_verdict(world, check, refused):
    statuses = {f["region"]: f["status"] for f in world.unread[refused].of(check)}
    normal = _by_region(world, check)
    assert GOOD in statuses and statuses[GOOD] == "MANUAL"
    # where nothing needed was refused (no detector to describe), the verdict stands
    assert all(status == "MANUAL" or status == normal.get(region) for region, status in statuses.items())


def test_centrally_managed(world):
    # us-east-1 administers a member; eu-west-1 has neither an administrator nor members
    assert _by_region(world, "guardduty_centrally_managed") == {GOOD: "PASS", WEAK: "FAIL"}


def test_eks_runtime_monitoring(world):
    # us-east-1: RUNTIME_MONITORING with the EKS agent managed; eu-west-1: the legacy EKS-only feature
    # (Prowler's only test); a detector with neither fails
    assert _by_region(world, "guardduty_eks_runtime_monitoring_enabled") == {GOOD: "PASS", WEAK: "PASS"}


def test_eks_runtime_monitoring_off_fails_and_unmanaged_agent_is_manual(scan):
    boto3.client("guardduty", region_name="us-east-1").create_detector(Enable=True, Features=_features("DISABLED"))
    boto3.client("guardduty", region_name="eu-west-1").create_detector(
        Enable=True, Features=_features("ENABLED", ["RUNTIME_MONITORING"])
    )
    access = AwsAccess.from_default_chain()
    _answer_hooks(access)
    run = scan("guardduty", regions=[GOOD, WEAK], access=access)
    statuses = {f["region"]: f["status"] for f in run.of("guardduty_eks_runtime_monitoring_enabled")}
    assert statuses == {GOOD: "FAIL", WEAK: "MANUAL"}
