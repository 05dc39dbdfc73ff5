import json
from types import SimpleNamespace

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import scan_denied, scan_in_moto

REGION = "us-east-1"
SECRET = "Sup3rS3cretValue"


def _document(name, commands, parameters=None):
    content = {
        "schemaVersion": "2.2",
        "description": name,
        "parameters": parameters or {},
        "mainSteps": [{"action": "aws:runShellScript", "name": "run", "inputs": {"runCommand": commands}}],
    }
    boto3.client("ssm", region_name=REGION).create_document(
        Name=name, Content=json.dumps(content, indent=2), DocumentType="Command", DocumentFormat="JSON"
    )


COMPLIANCE = [
    {
        "ResourceId": "i-0aaa1111bbbb2222c",
        "ResourceType": "ManagedInstance",
        "Status": "NON_COMPLIANT",
        "OverallSeverity": "CRITICAL",
        "NonCompliantSummary": {"NonCompliantCount": 3},
    },
    {
        "ResourceId": "mi-0123456789abcdef0",
        "ResourceType": "ManagedInstance",
        "Status": "COMPLIANT",
        "OverallSeverity": "UNSPECIFIED",
        "NonCompliantSummary": {"NonCompliantCount": 0},
    },
]


def _compliance(params, **_):
    """moto lacks ListResourceComplianceSummaries: this before-call hook answers it (nothing is sent)
    with one non-compliant EC2 instance and one compliant on-premises managed instance."""
    assert json.loads(params["body"])["Filters"][0]["Values"] == ["Patch"]
    return AWSResponse("", 200, {}, None), {"ResourceComplianceSummaryItems": COMPLIANCE}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        ssm = boto3.client("ssm", region_name=REGION)
        _document("pf-public", ["yum -y update"])
        _document("pf-partners", ["yum -y update"])
        _document("pf-leaky", ["echo start", f"export DB_PASSWORD={SECRET}", "./migrate.sh"])
        _document(
            "pf-leaky-default", ["./deploy.sh {{ ApiToken }}"], {"ApiToken": {"type": "String", "default": SECRET}}
        )
        _document(
            "pf-clean",
            ["./deploy.sh {{ ApiToken }}"],
            {"ApiToken": {"type": "String", "default": "{{ssm:/app/token}}"}},
        )
        ssm.modify_document_permission(Name="pf-public", PermissionType="Share", AccountIdsToAdd=["all"])
        _document("pf-public-as-aws-says", ["yum -y update"])
        # DescribeDocumentPermission answers "All" for a public document: the comparison ignores case
        ssm.modify_document_permission(Name="pf-public-as-aws-says", PermissionType="Share", AccountIdsToAdd=["All"])
        ssm.modify_document_permission(Name="pf-partners", PermissionType="Share", AccountIdsToAdd=["210987654321"])
        access = AwsAccess.from_default_chain()
        access.client("ssm", REGION).meta.events.register(
            "before-call.ssm.ListResourceComplianceSummaries", _compliance
        )
        lake = Lake(str(tmp_path_factory.mktemp("ssm-lake")))
        run = scan_in_moto(lake, ["ssm"], regions=[REGION], access=access)
        denied = lambda *ops: scan_denied(str(tmp_path_factory.mktemp("denied")), ["ssm"], [REGION], *ops)
        unread = {
            "ssm_documents_set_as_public": denied("ssm:DescribeDocumentPermission"),
            "ssm_document_secrets": denied("ssm:GetDocument"),
        }
    return SimpleNamespace(run=run, calls=access.call_log, lake=lake, unread=unread)


def test_documents_set_as_public(world):
    statuses = world.run.statuses("ssm_documents_set_as_public")
    assert statuses["pf-public"] == "FAIL"
    assert statuses["pf-public-as-aws-says"] == "FAIL"
    assert statuses["pf-partners"] == "PASS"
    assert statuses["pf-clean"] == "PASS"
    assert not any(name.startswith("AWS-") for name in statuses)  # Amazon's own documents are not listed


def test_document_secrets(world):
    statuses = world.run.statuses("ssm_document_secrets")
    assert statuses["pf-leaky"] == "FAIL"
    assert statuses["pf-leaky-default"] == "FAIL"
    assert statuses["pf-clean"] == "PASS"
    assert statuses["pf-public"] == "PASS"


def test_secret_values_never_reach_the_lake(world):
    from postureflow.lake.query import connect

    rows = (
        connect(world.lake, ["inventory", "findings"])
        .sql("SELECT data AS text FROM inventory UNION ALL SELECT status_extended FROM findings")
        .fetchall()
    )
    assert rows and not any(SECRET in row[0] for row in rows)
    leaky = next(f for f in world.run.of("ssm_document_secrets") if f["resource_id"] == "pf-leaky")
    assert "line" in leaky["status_extended"]


def test_managed_compliant_patching(world):
    assert world.run.statuses("ssm_managed_compliant_patching") == {
        "i-0aaa1111bbbb2222c": "FAIL",
        "mi-0123456789abcdef0": "PASS",
    }
    uid = f"arn:aws:ec2:{REGION}:123456789012:instance/i-0aaa1111bbbb2222c"
    assert world.run.status("ssm_managed_compliant_patching", uid) == "FAIL"


def test_no_errors(world):
    assert world.run.errors == [] and world.calls.repeated() == []


@pytest.mark.parametrize("check", ["ssm_documents_set_as_public", "ssm_document_secrets"])
def test_unreadable_document_details_give_no_verdict(world, check):
    statuses = world.unread[check].statuses(check)
    assert statuses.get("pf-public") == "MANUAL" and set(statuses.values()) == {"MANUAL"}
