"""Firewall Manager check: FAIL, PASS, not the administrator, and no verdict. moto has no FMS: answered in its
place by postureflow.testing.answer_in_moto."""

import pytest
from botocore.exceptions import ClientError

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import DeniedAccess, answer_in_moto, scan_in_moto

REGION = "us-east-1"
CHECK = "fms_policy_compliant"
POLICY_ID = "12345678-1234-1234-1234-123456789012"


def _answers(statuses, admin=True):
    def policies(region, params):
        if not admin:
            raise ClientError({"Error": {"Code": "AccessDeniedException",
                                         "Message": "No default admin could be found for account 123456789012"}}, "ListPolicies")
        return {"PolicyList": [{"PolicyId": POLICY_ID, "PolicyName": "waf-baseline", "PolicyArn": "arn:aws:fms:us-east-1:123456789012:policy/" + POLICY_ID}]}

    return {
        "fms:ListPolicies": policies,
        "fms:ListComplianceStatus": {"PolicyComplianceStatusList": [
            {"MemberAccount": account, "PolicyId": POLICY_ID, "EvaluationResults": [{"ComplianceStatus": status}]}
            for account, status in statuses.items()]},
    }  # fmt: skip


def _scan(tmp_path, statuses, admin=True, denied=None):
    from moto import mock_aws

    with mock_aws():
        access = DeniedAccess(denied) if denied else AwsAccess.from_default_chain()
        answer_in_moto(access, REGION, _answers(statuses, admin))
        return scan_in_moto(Lake(str(tmp_path / "lake")), ["fms"], [REGION], access=access)


@pytest.mark.parametrize("statuses, expected", [
    ({"111122223333": "COMPLIANT", "444455556666": "COMPLIANT"}, "PASS"),
    ({"111122223333": "COMPLIANT", "444455556666": "NON_COMPLIANT"}, "FAIL"),
])  # fmt: skip
def test_policy_compliant(tmp_path, statuses, expected):
    run = _scan(tmp_path, statuses)
    assert [f["status"] for f in run.of(CHECK)] == [expected] and run.errors == []


def test_not_the_administrator_nothing_is_judged(tmp_path):
    run = _scan(tmp_path, {}, admin=False)
    assert run.of(CHECK) == [] and run.errors == []


def test_unreadable_compliance_gives_no_verdict(tmp_path):
    run = _scan(tmp_path, {"111122223333": "COMPLIANT"}, denied="fms:ListComplianceStatus")
    assert [f["status"] for f in run.of(CHECK)] == ["MANUAL"]
