"""Lambda verdicts the other Lambda tests leave out: a VPC function whose subnets could not be listed."""

from __future__ import annotations

import io
import json
import zipfile

import boto3
import pytest

from postureflow.lake import Lake
from postureflow.testing import scan_denied, scan_in_moto

TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}  # fmt: skip


@pytest.fixture
def one_zone_function(aws):
    ec2 = boto3.client("ec2", region_name="us-east-1")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.0.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="fn", Description="fn", VpcId=vpc)["GroupId"]  # moto's VpcId source
    role = boto3.client("iam").create_role(RoleName="fn", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("h.py", "def h(event, context):\n    return None\n")
    boto3.client("lambda", region_name="us-east-1").create_function(
        FunctionName="one-zone", Runtime="python3.12", Role=role, Handler="h.h", Code={"ZipFile": code.getvalue()},
        VpcConfig={"SubnetIds": [subnet], "SecurityGroupIds": [group]},
    )  # fmt: skip
    return "one-zone"


def test_function_in_one_zone_fails(one_zone_function, tmp_path):
    run = scan_in_moto(Lake(str(tmp_path)), ["awslambda"], regions=["us-east-1"])
    assert run.statuses("awslambda_function_vpc_multi_az") == {one_zone_function: "FAIL"}


# Subnets not listed: the zones are unknown, not absent (the function is not skipped).
def test_function_whose_subnets_were_not_listed_gets_no_verdict(one_zone_function, tmp_path):
    run = scan_denied(str(tmp_path), ["awslambda"], ["us-east-1"], "ec2:DescribeSubnets")
    assert run.statuses("awslambda_function_vpc_multi_az") == {one_zone_function: "MANUAL"}
