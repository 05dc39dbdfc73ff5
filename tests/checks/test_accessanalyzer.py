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


def _finding(n):
    return {"id": f"f-{n}", "resource": f"arn:aws:s3:::bucket-{n}", "resourceType": "AWS::S3::Bucket",
            "resourceOwnerAccount": "123456789012", "createdAt": "2026-01-01T00:00:00Z",
            "analyzedAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z", "status": "ACTIVE"}  # fmt: skip


def _stubbed(access, by_region, findings=None):
    # moto does not implement IAM Access Analyzer, so every region's client is stubbed.
    # ``findings``: active analyzer name -> how many active findings ListFindingsV2 answers (default 0)
    stubs = []
    for region, analyzers in by_region.items():
        stub = Stubber(access.client("accessanalyzer", region))
        stub.add_response("list_analyzers", {"analyzers": analyzers})
        for analyzer in analyzers:
            if analyzer["status"] == "ACTIVE":
                count = (findings or {}).get(analyzer["name"], 0)
                stub.add_response("list_findings_v2", {"findings": [_finding(n) for n in range(count)]})
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


def test_enabled_without_findings(scan):
    check = "accessanalyzer_enabled_without_findings"
    access = AwsAccess.from_default_chain()
    _stubbed(access, {"us-east-1": [_analyzer("busy", "ACTIVE")], "eu-west-1": [_analyzer("quiet", "ACTIVE")]},
             findings={"busy": 2})  # fmt: skip
    run = scan("accessanalyzer", access=access)
    assert run.statuses(check) == {"access-analyzer-us-east-1": "FAIL", "access-analyzer-eu-west-1": "PASS"}
    assert "busy (2)" in run.of(check)[0]["status_extended"] or "busy (2)" in run.of(check)[1]["status_extended"]


def test_without_an_active_analyzer_nothing_is_judged_and_unread_findings_give_no_verdict(scan):
    check = "accessanalyzer_enabled_without_findings"
    access = AwsAccess.from_default_chain()
    _stubbed(access, {"us-east-1": [_analyzer("broken", "FAILED")]})
    assert scan("accessanalyzer", regions=["us-east-1"], access=access).of(check) == []
    refused = AwsAccess.from_default_chain()
    stub = Stubber(refused.client("accessanalyzer", "us-east-1"))
    stub.add_response("list_analyzers", {"analyzers": [_analyzer("org-wide", "ACTIVE")]})
    stub.add_client_error("list_findings_v2", "AccessDeniedException", "denied by the test")
    with stub:
        run = scan("accessanalyzer", regions=["us-east-1"], access=refused)
    assert run.statuses(check) == {"access-analyzer-us-east-1": "MANUAL"}
    assert [e["api"] for e in run.errors] == ["accessanalyzer:list_findings_v2"]
