"""Lambda checks against functions created in moto, scanned once for the module."""

import io
import zipfile
from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import scan_denied, scan_in_moto

REGION = "us-east-1"


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return 1\n")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        ec2 = boto3.client("ec2", region_name=REGION)
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        zone_a = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]
        zone_b = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.2.0/24", AvailabilityZone="us-east-1b")["Subnet"]
        zone_a2 = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.3.0/24", AvailabilityZone="us-east-1a")["Subnet"]
        group = ec2.create_security_group(GroupName="fn", Description="fn", VpcId=vpc)["GroupId"]
        role = boto3.client("iam", region_name=REGION).create_role(RoleName="fn-role", AssumeRolePolicyDocument="{}")[
            "Role"
        ]["Arn"]
        lam = boto3.client("lambda", region_name=REGION)

        def function(name, runtime, variables=None, subnets=()):
            params = dict(
                FunctionName=name, Runtime=runtime, Role=role, Handler="app.handler", Code={"ZipFile": _zip()}
            )
            if variables:
                params["Environment"] = {"Variables": variables}
            if subnets:
                params["VpcConfig"] = {"SubnetIds": [s["SubnetId"] for s in subnets], "SecurityGroupIds": [group]}
            lam.create_function(**params)

        function("exposed-fn", "python3.7", {"DB_PASSWORD": "correct-horse-battery", "LOG_LEVEL": "debug"})
        lam.add_permission(
            FunctionName="exposed-fn", StatementId="anyone", Action="lambda:InvokeFunction", Principal="*"
        )
        lam.create_function_url_config(FunctionName="exposed-fn", AuthType="NONE")

        function("guarded-fn", "python3.13", {"LOG_LEVEL": "info", "TABLE": "orders"}, subnets=(zone_a, zone_b))
        lam.add_permission(
            FunctionName="guarded-fn",
            StatementId="one-account",
            Action="lambda:InvokeFunction",
            Principal="*",
            SourceAccount="111122223333",
        )
        lam.add_permission(
            FunctionName="guarded-fn",
            StatementId="bucket",
            Action="lambda:InvokeFunction",
            Principal="s3.amazonaws.com",
            SourceArn="arn:aws:s3:::orders-bucket",
        )
        lam.create_function_url_config(FunctionName="guarded-fn", AuthType="AWS_IAM")

        function("one-zone-fn", "nodejs22.x", subnets=(zone_a, zone_a2))
        boto3.client("lambda", region_name="eu-west-1").create_function(
            FunctionName="eu-fn", Runtime="go1.x", Role=role, Handler="main", Code={"ZipFile": _zip()}
        )

        access = AwsAccess.from_default_chain()
        lake = Lake(str(tmp_path_factory.mktemp("lambda-lake")))
        run = scan_in_moto(lake, ["awslambda"], regions=[REGION, "eu-west-1"], access=access)
        denied = lambda *ops: scan_denied(str(tmp_path_factory.mktemp("denied")), ["awslambda"], [REGION], *ops)
        unread = {"policy": denied("lambda:GetPolicy"), "url": denied("lambda:GetFunctionUrlConfig")}
    return SimpleNamespace(run=run, calls=access.call_log, unread=unread)


def test_function_inside_vpc(world):
    assert world.run.status("awslambda_function_inside_vpc", "exposed-fn") == "FAIL"
    assert world.run.status("awslambda_function_inside_vpc", "guarded-fn") == "PASS"


def test_function_not_publicly_accessible(world):
    check = "awslambda_function_not_publicly_accessible"
    assert world.run.status(check, "exposed-fn") == "FAIL"
    # Principal "*" limited by aws:SourceAccount, and a service principal limited by aws:SourceArn.
    assert world.run.status(check, "guarded-fn") == "PASS"
    assert world.run.status(check, "one-zone-fn") == "PASS"  # no policy at all


def test_function_url_public(world):
    check = "awslambda_function_url_public"
    assert world.run.status(check, "exposed-fn") == "FAIL"
    assert world.run.status(check, "guarded-fn") == "PASS"
    assert "one-zone-fn" not in world.run.statuses(check)  # no URL, nothing to judge


def test_function_using_supported_runtimes(world):
    check = "awslambda_function_using_supported_runtimes"
    assert world.run.status(check, "exposed-fn") == "FAIL"  # python3.7
    assert world.run.status(check, "eu-fn") == "FAIL"  # go1.x, in the second region
    assert world.run.status(check, "guarded-fn") == "PASS"  # python3.13


def test_function_vpc_multi_az(world):
    check = "awslambda_function_vpc_multi_az"
    assert world.run.status(check, "one-zone-fn") == "FAIL"
    assert world.run.status(check, "guarded-fn") == "PASS"
    assert "exposed-fn" not in world.run.statuses(check)  # not in a VPC


def test_function_no_secrets_in_variables(world):
    check = "awslambda_function_no_secrets_in_variables"
    assert world.run.status(check, "exposed-fn") == "FAIL"
    assert world.run.status(check, "guarded-fn") == "PASS"
    (finding,) = [f for f in world.run.of(check) if f["resource_id"] == "exposed-fn"]
    assert "DB_PASSWORD" in finding["status_extended"]
    assert "correct-horse-battery" not in finding["status_extended"]


def test_each_call_made_once_and_no_scan_errors(world):
    assert world.calls.repeated() == []
    assert [e for e in world.run.errors if e["service"] == "awslambda"] == []


@pytest.mark.parametrize(
    "check, refused",
    [("awslambda_function_not_publicly_accessible", "policy"), ("awslambda_function_url_public", "url")],
)
def test_unreadable_policy_or_url_gives_no_verdict(world, check, refused):
    """Issue 11: lambda GetPolicy AccessDenied used to PASS as "has no policy"."""
    statuses = world.unread[refused].statuses(check)
    assert statuses["exposed-fn"] == "MANUAL"
    assert set(statuses.values()) == {"MANUAL"}
    # checks that read neither still judge
    assert world.unread[refused].status("awslambda_function_using_supported_runtimes", "exposed-fn") == "FAIL"
