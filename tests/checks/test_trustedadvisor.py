"""Trusted Advisor checks: premium plan or not, check states, refused reads. moto's Support API has no
DescribeServices: answered in moto's place by postureflow.testing.answer_in_moto."""

import pytest
from botocore.exceptions import ClientError

from postureflow.aws import AwsAccess
from postureflow.config import audit_config
from postureflow.lake import Lake
from postureflow.testing import DeniedAccess, answer_in_moto, scan_in_moto

REGION = "us-east-1"


def _no_plan(region, params):
    raise ClientError({"Error": {"Code": "SubscriptionRequiredException", "Message": "no plan"}}, "DescribeServices")


CHECKS = {"checks": [{"id": "ok-check", "name": "Security Groups", "category": "security", "description": "", "metadata": []},
                     {"id": "warn-check", "name": "Root MFA", "category": "security", "description": "", "metadata": []},
                     {"id": "na-check", "name": "Idle RDS", "category": "cost_optimizing", "description": "", "metadata": []}]}
STATES = {"ok-check": "ok", "warn-check": "warning", "na-check": "not_available"}


def _answers(premium=True):
    return {
        "support:DescribeServices": {"services": []} if premium else _no_plan,
        "support:DescribeTrustedAdvisorChecks": CHECKS,
        "support:DescribeTrustedAdvisorCheckResult": lambda region, params: {"result": {
            "checkId": "x", "timestamp": "2026-11-22T00:00:00Z", "status": STATES[__import__("json").loads(params["body"])["checkId"]],
            "resourcesSummary": {"resourcesProcessed": 1, "resourcesFlagged": 0, "resourcesIgnored": 0, "resourcesSuppressed": 0},
            "categorySpecificSummary": {}, "flaggedResources": []}},
    }  # fmt: skip


def _scan(tmp_path, premium=True, denied=None):
    from moto import mock_aws

    with mock_aws():
        access = DeniedAccess(denied) if denied else AwsAccess.from_default_chain()
        answer_in_moto(access, REGION, _answers(premium))
        return scan_in_moto(Lake(str(tmp_path / "lake")), ["trustedadvisor"], [REGION], access=access)


def test_errors_and_warnings_with_a_plan(tmp_path):
    run = _scan(tmp_path)
    assert run.statuses("trustedadvisor_errors_and_warnings") == {"Security Groups": "PASS", "Root MFA": "FAIL"}
    assert [f["status"] for f in run.of("trustedadvisor_premium_support_plan_subscribed")] == ["PASS"]
    assert run.errors == []


def test_without_a_plan(tmp_path):
    run = _scan(tmp_path, premium=False)
    assert [f["status"] for f in run.of("trustedadvisor_errors_and_warnings")] == ["MANUAL"]
    assert [f["status"] for f in run.of("trustedadvisor_premium_support_plan_subscribed")] == ["FAIL"]
    assert run.errors == []


def test_plan_check_can_be_turned_off():
    import datetime as dt

    from postureflow.checks import all_checks
    from postureflow.inventory import Resource

    account = Resource("account", "arn:aws:trusted-advisor:us-east-1:1:account", "1", REGION, {}, {"premium_support": False})
    check = all_checks()["trustedadvisor_premium_support_plan_subscribed"]
    now = dt.datetime.now(dt.timezone.utc)
    assert [r.status for r in check.evaluate({"trustedadvisor.account": [account]}, now)] == ["FAIL"]
    assert list(check.evaluate({"trustedadvisor.account": [account]}, now, audit_config({"verify_premium_support_plans": False}))) == []


@pytest.mark.parametrize("refused, check, expected", [
    ("support:DescribeServices", "trustedadvisor_premium_support_plan_subscribed", ["MANUAL"]),
    ("support:DescribeTrustedAdvisorCheckResult", "trustedadvisor_errors_and_warnings", ["MANUAL", "MANUAL", "MANUAL"]),
])  # fmt: skip
def test_refused_reads_give_no_verdict(tmp_path, refused, check, expected):
    run = _scan(tmp_path, denied=refused)
    assert sorted(f["status"] for f in run.of(check)) == expected
