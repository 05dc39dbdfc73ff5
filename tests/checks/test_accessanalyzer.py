from botocore.stub import Stubber

from postureflow.aws import AwsAccess


def _analyzer(name, status):
    return {
        "arn": f"arn:aws:access-analyzer:us-east-1:123456789012:analyzer/{name}",
        "name": name,
        "type": "ACCOUNT",
        "createdAt": "2026-01-01T00:00:00Z",
        "status": status,
    }


def _stubbed(access, by_region):
    # moto does not implement IAM Access Analyzer, so every region's client is stubbed.
    stubs = []
    for region, analyzers in by_region.items():
        stub = Stubber(access.client("accessanalyzer", region))
        stub.add_response("list_analyzers", {"analyzers": analyzers})
        stub.activate()
        stubs.append(stub)
    return stubs


def test_active_analyzer_passes_none_fails(scan):
    access = AwsAccess.from_default_chain()
    _stubbed(access, {"us-east-1": [_analyzer("org-wide", "ACTIVE")], "eu-west-1": []})
    run = scan("accessanalyzer", access=access)
    assert run.status("accessanalyzer_enabled", "access-analyzer-us-east-1") == "PASS"
    assert run.status("accessanalyzer_enabled", "access-analyzer-eu-west-1") == "FAIL"


def test_analyzer_that_is_not_active_fails(scan):
    access = AwsAccess.from_default_chain()
    _stubbed(access, {"us-east-1": [_analyzer("broken", "FAILED")]})
    run = scan("accessanalyzer", regions=["us-east-1"], access=access)
    assert run.status("accessanalyzer_enabled", "access-analyzer-us-east-1") == "FAIL"
    assert "broken (FAILED)" in run.of("accessanalyzer_enabled")[0]["status_extended"]


def test_unreadable_region_is_a_scan_error_and_no_verdict(scan):
    run = scan("accessanalyzer", regions=["us-east-1"])  # moto answers 404 Not yet implemented
    assert run.statuses("accessanalyzer_enabled") == {"access-analyzer-us-east-1": "MANUAL"}
    assert [e["api"] for e in run.errors] == ["accessanalyzer:list_analyzers"]
