import boto3
from botocore.stub import Stubber

from postureflow.aws import AwsAccess
from postureflow.testing import DeniedAccess, answer_in_moto, scan_in_moto


def _discovery(access, status="ENABLED"):
    # moto lacks GetAutomatedDiscoveryConfiguration: answered in its place
    return answer_in_moto(access, ["us-east-1", "eu-west-1"],
                          {"macie2:GetAutomatedDiscoveryConfiguration": {"status": status}})  # fmt: skip


def _bucket(region):
    location = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
    boto3.client("s3", region_name=region).create_bucket(Bucket=f"data-{region}", **location)


def test_macie_enabled_per_region(scan):
    # moto starts with Macie enabled in every region
    boto3.client("macie2", region_name="eu-west-1").disable_macie()
    _bucket("eu-west-1")
    run = scan("macie", access=_discovery(AwsAccess.from_default_chain()))
    assert run.status("macie_is_enabled", "macie-us-east-1") == "PASS"
    assert run.status("macie_is_enabled", "macie-eu-west-1") == "FAIL"
    assert run.errors == []  # "not enabled" is a finding, not a scan error
    texts = {f["region"]: f["status_extended"] for f in run.of("macie_is_enabled")}
    assert texts["eu-west-1"] == "Amazon Macie is not enabled in region eu-west-1."


def test_paused_macie_fails(scan):
    boto3.client("macie2", region_name="us-east-1").enable_macie(status="PAUSED")
    _bucket("us-east-1")
    run = scan("macie", regions=["us-east-1"])
    assert run.status("macie_is_enabled", "macie-us-east-1") == "FAIL"
    assert "suspended" in run.of("macie_is_enabled")[0]["status_extended"]


def test_aws_not_enabled_answer_and_real_access_denied(scan):
    # AWS says AccessDeniedException "Macie is not enabled" where moto says ResourceNotFoundException,
    # so the two AWS answers are stubbed: the first means "off", the second is a real permission gap.
    _bucket("us-east-1")
    access = AwsAccess.from_default_chain()
    messages = {"us-east-1": "Macie is not enabled.", "eu-west-1": "User is not authorized to perform this."}
    stubbers = []

    def stub(client, service, region):  # on the macie2 clients the scan makes (released between services)
        if service == "macie2":
            stubber = Stubber(client)
            stubber.add_client_error("get_macie_session", "AccessDeniedException", messages[region])
            stubber.activate()
            stubbers.append(stubber)

    access.on_client(stub)
    run = scan("macie", access=access)
    for stubber in stubbers:
        stubber.deactivate()
    assert len(stubbers) == 2
    # the permission gap is no verdict, never a FAIL or a PASS
    assert run.statuses("macie_is_enabled") == {"macie-us-east-1": "FAIL", "macie-eu-west-1": "MANUAL"}
    assert [(e["region"], e["error_code"]) for e in run.errors] == [("eu-west-1", "AccessDeniedException")]


def test_automated_sensitive_data_discovery(scan):
    check = "macie_automated_sensitive_data_discovery_enabled"
    boto3.client("macie2", region_name="eu-west-1").disable_macie()
    off = scan("macie", access=_discovery(AwsAccess.from_default_chain(), "DISABLED"))
    # eu-west-1 has Macie off: that is macie_is_enabled's finding, not this one's
    assert off.statuses(check) == {"macie-us-east-1": "FAIL"}
    on = scan("macie", access=_discovery(AwsAccess.from_default_chain(), "ENABLED"))
    assert on.statuses(check) == {"macie-us-east-1": "PASS"}
    refused = DeniedAccess("macie2:GetAutomatedDiscoveryConfiguration")
    unread = scan("macie", access=_discovery(refused))
    assert refused.hits and unread.statuses(check) == {"macie-us-east-1": "MANUAL"}
    assert unread.status("macie_is_enabled", "macie-us-east-1") == "PASS"  # the session itself was read


def test_macie_off_matters_only_where_s3_holds_buckets_unless_unused_services_are_scanned(scan, lake):
    # Prowler: Macie off in a region without buckets is no finding, unless --scan-unused-services.
    boto3.client("macie2", region_name="eu-west-1").disable_macie()
    access = _discovery(AwsAccess.from_default_chain())
    assert scan("macie", access=access).statuses("macie_is_enabled") == {"macie-us-east-1": "PASS"}
    every = scan_in_moto(lake, ["macie"], ["us-east-1", "eu-west-1"], access=access, config={"scan_unused_services": True})
    assert every.statuses("macie_is_enabled") == {"macie-us-east-1": "PASS", "macie-eu-west-1": "FAIL"}


def test_macie_off_where_buckets_could_not_be_listed_is_no_verdict(scan):
    boto3.client("macie2", region_name="eu-west-1").disable_macie()
    refused = _discovery(DeniedAccess("s3:ListBuckets"))
    run = scan("macie", access=refused)
    assert refused.hits and run.status("macie_is_enabled", "macie-eu-west-1") == "MANUAL"
