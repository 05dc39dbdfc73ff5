"""Account- and region-level checks of services moto lacks (DRS, Resource Explorer, Incident Manager,
Well-Architected Tool): each answered in moto's place by postureflow.testing.answer_in_moto, for a FAIL,
a PASS and a refused read (no verdict)."""

import pytest

from postureflow.lake import Lake
from postureflow.aws import AwsAccess
from postureflow.testing import DeniedAccess, answer_in_moto, scan_in_moto

GOOD, BAD = "us-east-1", "eu-west-1"


def _scan(tmp_path, service, answers, denied=None, regions=(GOOD, BAD)):
    from moto import mock_aws

    with mock_aws():
        access = DeniedAccess(denied) if denied else AwsAccess.from_default_chain()
        answer_in_moto(access, list(regions), answers)
        run = scan_in_moto(Lake(str(tmp_path / "lake")), [service], list(regions), access=access)
        if denied:
            assert access.hits
        return run


def _by_region(run, check):
    return {f["region"]: f["status"] for f in run.of(check)}


DRS = {"drs:DescribeJobs": lambda region, _: {"items": [{"jobID": "drsjob-1", "status": "COMPLETED"}] if region == GOOD else []}}


def test_drs_job_exist(tmp_path):
    assert _by_region(_scan(tmp_path, "drs", DRS), "drs_job_exist") == {GOOD: "PASS", BAD: "FAIL"}


def test_drs_unreadable(tmp_path):
    run = _scan(tmp_path, "drs", DRS, denied="drs:DescribeJobs")
    assert _by_region(run, "drs_job_exist") == {GOOD: "MANUAL", BAD: "MANUAL"}


def test_drs_uninitialised_account_fails(tmp_path):
    from botocore.exceptions import ClientError

    def uninitialised(region, params):
        raise ClientError({"Error": {"Code": "UninitializedAccountException", "Message": "not initialised"}}, "DescribeJobs")

    run = _scan(tmp_path, "drs", {"drs:DescribeJobs": uninitialised}, regions=(BAD,))
    assert _by_region(run, "drs_job_exist") == {BAD: "FAIL"} and run.errors == []


@pytest.mark.parametrize("indexes, expected", [([{"Arn": "arn:aws:resource-explorer-2:us-east-1:123456789012:index/1",
                                                  "Region": GOOD, "Type": "AGGREGATOR"}], "PASS"), ([], "FAIL")])  # fmt: skip
def test_resource_explorer_indexes(tmp_path, indexes, expected):
    run = _scan(tmp_path, "resourceexplorer2", {"resource-explorer-2:ListIndexes": {"Indexes": indexes}}, regions=(GOOD,))
    assert [f["status"] for f in run.of("resourceexplorer2_indexes_found")] == [expected]


def test_resource_explorer_unreadable(tmp_path):
    run = _scan(tmp_path, "resourceexplorer2", {"resource-explorer-2:ListIndexes": {"Indexes": []}},
                denied="resource-explorer-2:ListIndexes", regions=(GOOD,))  # fmt: skip
    assert [f["status"] for f in run.of("resourceexplorer2_indexes_found")] == ["MANUAL"]


SET_ARN = "arn:aws:ssm-incidents::123456789012:replication-set/abc"


def _incidents(status, plans):
    return {
        "ssm-incidents:ListReplicationSets": {"replicationSetArns": [SET_ARN] if status else []},
        "ssm-incidents:GetReplicationSet": {"replicationSet": {"arn": SET_ARN, "status": status, "regionMap": {},
                                                               "deletionProtected": False, "createdBy": "x",
                                                               "createdTime": "2026-01-01T00:00:00Z", "lastModifiedBy": "x",
                                                               "lastModifiedTime": "2026-01-01T00:00:00Z"}},
        "ssm-incidents:ListResponsePlans": {"responsePlanSummaries": [{"arn": f"{SET_ARN}/plan", "name": "p"}] * plans},
    }  # fmt: skip


@pytest.mark.parametrize("status, plans, expected", [("ACTIVE", 1, "PASS"), ("ACTIVE", 0, "FAIL"), ("CREATING", 1, "FAIL"),
                                                     (None, 0, "FAIL")])  # fmt: skip
def test_incident_manager(tmp_path, status, plans, expected):
    run = _scan(tmp_path, "ssmincidents", _incidents(status, plans), regions=(GOOD,))
    assert [f["status"] for f in run.of("ssmincidents_enabled_with_plans")] == [expected]


def test_incident_manager_unreadable(tmp_path):
    run = _scan(tmp_path, "ssmincidents", _incidents("ACTIVE", 1), denied="ssm-incidents:ListResponsePlans", regions=(GOOD,))
    assert [f["status"] for f in run.of("ssmincidents_enabled_with_plans")] == ["MANUAL"]


WORKLOADS = {"wellarchitected:ListWorkloads": {"WorkloadSummaries": [
    {"WorkloadId": "w1", "WorkloadArn": "arn:aws:wellarchitected:us-east-1:123456789012:workload/w1", "WorkloadName": "shop",
     "RiskCounts": {"HIGH": 2, "MEDIUM": 1, "NONE": 30}},
    {"WorkloadId": "w2", "WorkloadArn": "arn:aws:wellarchitected:us-east-1:123456789012:workload/w2", "WorkloadName": "blog",
     "RiskCounts": {"LOW": 3, "NONE": 40}}]}}  # fmt: skip


def test_wellarchitected_workloads(tmp_path):
    run = _scan(tmp_path, "wellarchitected", WORKLOADS, regions=(GOOD,))
    assert run.statuses("wellarchitected_workload_no_high_or_medium_risks") == {"shop": "FAIL", "blog": "PASS"}


def test_wellarchitected_unlisted(tmp_path):
    run = _scan(tmp_path, "wellarchitected", WORKLOADS, denied="wellarchitected:ListWorkloads", regions=(GOOD,))
    assert run.of("wellarchitected_workload_no_high_or_medium_risks") == [] and run.errors
