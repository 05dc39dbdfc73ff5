"""Inspector2 checks on a moto account: FAIL, PASS and no verdict for each.

moto answers Enable/Disable and BatchGetAccountStatus; its ListFindings answers nothing unless fed through
its private API, and it has neither ListCoverage nor BatchGetFindingDetails: answer_in_moto answers those
three in moto's place (see ``_answer``).
"""

import datetime as dt
import json
from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import DeniedAccess, answer_in_moto, scan_in_moto

ON, PART, OFF = "us-east-1", "eu-west-1", "us-west-2"  # every scan type / EC2 only, runs ECR / disabled
REGIONS = [ON, PART, OFF]
ACCOUNT = "123456789012"
NOW = dt.datetime.now(dt.timezone.utc)
SERVICES = ["inspector2"]


def _ago(days):
    return NOW - dt.timedelta(days=days)


def _build():
    boto3.client("inspector2", region_name=ON).enable(accountIds=[ACCOUNT], resourceTypes=["EC2", "ECR", "LAMBDA", "LAMBDA_CODE"])
    boto3.client("inspector2", region_name=PART).enable(accountIds=[ACCOUNT], resourceTypes=["EC2"])
    boto3.client("inspector2", region_name=OFF).disable(accountIds=[ACCOUNT], resourceTypes=["EC2"])
    boto3.client("ecr", region_name=PART).create_repository(repositoryName="images")  # ECR runs where it is not scanned
    _function(ON)


def _function(region):
    """A Lambda function where Lambda is scanned. (Without any function in the account the engine finds no
    awslambda inventory at all and does not run inspector2_is_enabled: InventoryMissing.)"""
    import io
    import zipfile

    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                      "Action": "sts:AssumeRole"}]}  # fmt: skip
    role = boto3.client("iam").create_role(RoleName="fn-role", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("index.py", "def handler(event, context):\n    return event\n")
    boto3.client("lambda", region_name=region).create_function(
        FunctionName="scanned-fn", Runtime="python3.12", Role=role, Handler="index.handler", Code={"ZipFile": code.getvalue()})


def _finding(number, cve, first_seen_days):
    return {"findingArn": f"arn:aws:inspector2:{ON}:{ACCOUNT}:finding/{number}", "awsAccountId": ACCOUNT,
            "type": "PACKAGE_VULNERABILITY", "description": "d", "severity": "HIGH", "status": "ACTIVE",
            "firstObservedAt": _ago(first_seen_days), "lastObservedAt": NOW, "updatedAt": NOW, "remediation": {},
            "resources": [{"type": "AWS_EC2_INSTANCE", "id": "i-0active"}],
            **({"packageVulnerabilityDetails": {"vulnerabilityId": cve, "source": "NVD"}} if cve else {})}  # fmt: skip


# ON: an exploited CVE past CISA's due date, first seen 400 days ago; another exploited CVE not yet due;
# a finding without a CVE. PART and OFF: none.
FINDINGS = [_finding("a1", "CVE-2021-44228", 400), _finding("a2", "CVE-2099-0001", 3), _finding("a3", None, 1)]
CISA = {"CVE-2021-44228": {"dateAdded": _ago(800), "dateDue": _ago(780)},
        "CVE-2099-0001": {"dateAdded": _ago(2), "dateDue": NOW + dt.timedelta(days=20)}}  # fmt: skip
COVERAGE = [  # (instance, status, reason, last scanned days ago)
    ("i-0active", "ACTIVE", "SUCCESSFUL", 0),
    ("i-0stale", "ACTIVE", "SUCCESSFUL", 10),
    ("i-0unmanaged", "INACTIVE", "UNMANAGED_EC2_INSTANCE", None),
    ("i-0stopped", "INACTIVE", "EC2_INSTANCE_STOPPED", None),  # nothing to scan: judged by neither check
    ("i-0pending", "ACTIVE", "PENDING_INITIAL_SCAN", None),  # first scan still to come
]


def _answer(access):
    def findings(region, params):
        criteria = json.loads(params["body"])["filterCriteria"]
        assert criteria["findingStatus"] == [{"comparison": "EQUALS", "value": "ACTIVE"}]
        return {"findings": FINDINGS if region == ON else []}

    def coverage(region, params):
        return {"coveredResources": [
            {"resourceType": "AWS_EC2_INSTANCE", "resourceId": instance, "accountId": ACCOUNT, "scanType": "PACKAGE",
             "scanStatus": {"statusCode": status, "reason": reason},
             **({"lastScannedAt": _ago(days)} if days is not None else {})}
            for instance, status, reason, days in COVERAGE] if region == ON else []}  # fmt: skip

    def details(region, params):
        arns = json.loads(params["body"])["findingArns"]
        cve_of = {f["findingArn"]: f["packageVulnerabilityDetails"]["vulnerabilityId"] for f in FINDINGS if "packageVulnerabilityDetails" in f}
        return {"findingDetails": [{"findingArn": arn, "cisaData": CISA[cve_of[arn]]} for arn in arns]}

    return answer_in_moto(access, REGIONS, {"inspector2:ListFindings": findings, "inspector2:ListCoverage": coverage,
                                            "inspector2:BatchGetFindingDetails": details})


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    def denied(*operations):
        access = _answer(DeniedAccess(*operations))
        run = scan_in_moto(Lake(str(tmp_path_factory.mktemp("denied"))), SERVICES, REGIONS, access=access)
        assert access.hits
        return run

    with mock_aws():
        _build()
        access = _answer(AwsAccess.from_default_chain())
        run = scan_in_moto(Lake(str(tmp_path_factory.mktemp("lake"))), SERVICES, REGIONS, access=access)
        status = denied("inspector2:BatchGetAccountStatus")
        listings = denied("inspector2:ListFindings", "inspector2:ListCoverage")
        details = denied("inspector2:BatchGetFindingDetails")
    return SimpleNamespace(run=run, calls=access.call_log, status=status, listings=listings, details=details)


def _by_region(run, check):
    return {f["region"]: f["status"] for f in run.of(check)}


def _no_verdict(run, check):
    found = run.of(check)
    assert found and all(f["status"] == "MANUAL" and "No verdict" in f["status_extended"] for f in found), found
    return {f["region"] for f in found}


def test_is_enabled(world):
    check = "inspector2_is_enabled"
    assert _by_region(world.run, check) == {ON: "PASS", PART: "FAIL", OFF: "FAIL"}
    assert "ECR" in next(f for f in world.run.of(check) if f["region"] == PART)["status_extended"]
    assert _no_verdict(world.status, check) == set(REGIONS)


@pytest.mark.parametrize("check", [
    "inspector2_active_findings_exist",
    "inspector2_active_findings_no_known_exploited_vulnerabilities",
    "inspector2_active_findings_kev_within_due_date",
    "inspector2_active_findings_within_max_age",
])  # fmt: skip
def test_active_findings(world, check):
    assert _by_region(world.run, check) == {ON: "FAIL", PART: "PASS"}
    assert _no_verdict(world.listings, check) == {ON, PART}


def test_overdue_names_only_the_overdue_cve(world):
    text = next(f for f in world.run.of("inspector2_active_findings_kev_within_due_date") if f["region"] == ON)["status_extended"]
    assert "CVE-2021-44228" in text and "CVE-2099-0001" not in text


@pytest.mark.parametrize("check", [
    "inspector2_active_findings_no_known_exploited_vulnerabilities",
    "inspector2_active_findings_kev_within_due_date",
])  # fmt: skip
def test_unread_kev_status_gives_no_verdict(world, check):
    # PART has no CVE to look up: still a verdict there
    assert _by_region(world.details, check) == {ON: "MANUAL", PART: "PASS"}


def test_max_age_comes_from_the_audit_config(world):
    from postureflow.checks import all_checks
    from postureflow.config import audit_config

    check = all_checks()["inspector2_active_findings_within_max_age"]
    assert check.config_values() == {"inspector2_active_finding_max_age_days": 192}
    assert check.version_for(audit_config({"inspector2_active_finding_max_age_days": 500})) != check.version_for()


@pytest.mark.parametrize("check, expected", [
    ("inspector2_coverage_scan_status_active",
     {"i-0active": "PASS", "i-0stale": "PASS", "i-0unmanaged": "FAIL", "i-0pending": "PASS"}),
    ("inspector2_coverage_recently_scanned", {"i-0active": "PASS", "i-0stale": "FAIL"}),
])  # fmt: skip
def test_coverage(world, check, expected):
    assert world.run.statuses(check) == expected
    assert _no_verdict(world.listings, check) == {ON, PART}


def test_calls(world):
    assert [e for e in world.run.errors if e["service"] == "inspector2"] == [] and world.calls.repeated() == []
