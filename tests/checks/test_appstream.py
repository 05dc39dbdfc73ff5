"""AppStream checks: FAIL, PASS and no verdict for each. moto has no AppStream: DescribeFleets is answered in
its place by postureflow.testing.answer_in_moto."""

import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import DeniedAccess, answer_in_moto, scan_in_moto

REGION = "us-east-1"
ARN = "arn:aws:appstream:us-east-1:123456789012:fleet/"
FLEETS = {"appstream:DescribeFleets": {"Fleets": [
    {"Name": "loose-fleet", "Arn": ARN + "loose-fleet", "EnableDefaultInternetAccess": True, "MaxUserDurationInSeconds": 57600,
     "DisconnectTimeoutInSeconds": 900, "IdleDisconnectTimeoutInSeconds": 0},
    {"Name": "tight-fleet", "Arn": ARN + "tight-fleet", "EnableDefaultInternetAccess": False, "MaxUserDurationInSeconds": 28800,
     "DisconnectTimeoutInSeconds": 300, "IdleDisconnectTimeoutInSeconds": 600}]}}  # fmt: skip
CHECKS = [
    "appstream_fleet_default_internet_access_disabled",
    "appstream_fleet_maximum_session_duration",
    "appstream_fleet_session_disconnect_timeout",
    "appstream_fleet_session_idle_disconnect_timeout",
]


def _scan(tmp_path, denied=None):
    from moto import mock_aws

    with mock_aws():
        access = DeniedAccess(denied) if denied else AwsAccess.from_default_chain()
        answer_in_moto(access, REGION, FLEETS)
        return scan_in_moto(Lake(str(tmp_path / "lake")), ["appstream"], [REGION], access=access)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    return _scan(tmp_path_factory.mktemp("a")), _scan(tmp_path_factory.mktemp("b"), denied="appstream:DescribeFleets")


@pytest.mark.parametrize("check", CHECKS)
def test_fail_and_pass(runs, check):
    assert runs[0].statuses(check) == {"loose-fleet": "FAIL", "tight-fleet": "PASS"}


@pytest.mark.parametrize("check", CHECKS)
def test_unlisted_fleets_give_no_verdict(runs, check):
    assert runs[1].of(check) == []
    assert "appstream:describe_fleets" in {e["api"] for e in runs[1].errors}
