"""CloudFormation checks against stacks created in moto, scanned once for the module."""

import json
from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import scan_in_moto

REGION = "us-east-1"


def _template(outputs):
    return json.dumps(
        {
            "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
            "Outputs": {key: {"Value": value} for key, value in outputs.items()},
        }
    )


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        cfn = boto3.client("cloudformation", region_name=REGION)
        cfn.create_stack(
            StackName="leaky-stack",
            TemplateBody=_template(
                {"DbPassword": "Pa55word-for-prod", "Deployer": "AKIAIOSFODNN7EXAMPLE", "Env": "prod"}
            ),
        )
        cfn.create_stack(
            StackName="clean-stack",
            TemplateBody=_template(
                {
                    "TopicName": "orders",
                    "DbPasswordSecret": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf",
                    "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/x/35ba68c9-a2ba-45ff-92e0",
                }
            ),
        )
        cfn.create_stack(
            StackName="quiet-stack", TemplateBody=json.dumps({"Resources": {"T": {"Type": "AWS::SNS::Topic"}}})
        )
        access = AwsAccess.from_default_chain()
        lake = Lake(str(tmp_path_factory.mktemp("cfn-lake")))
        run = scan_in_moto(lake, ["cloudformation"], regions=[REGION, "eu-west-1"], access=access)
    return SimpleNamespace(run=run, calls=access.call_log)


def test_stack_outputs_find_secrets(world):
    check = "cloudformation_stack_outputs_find_secrets"
    assert world.run.status(check, "leaky-stack") == "FAIL"
    assert world.run.status(check, "clean-stack") == "PASS"  # a Secrets Manager ARN is a reference, not a secret
    assert world.run.status(check, "quiet-stack") == "PASS"
    (finding,) = [f for f in world.run.of(check) if f["resource_id"] == "leaky-stack"]
    assert "DbPassword" in finding["status_extended"] and "Deployer" in finding["status_extended"]
    assert "Env" not in finding["status_extended"]
    assert "Pa55word" not in finding["status_extended"] and "AKIA" not in finding["status_extended"]


def test_each_call_made_once_and_no_scan_errors(world):
    assert world.calls.repeated() == []
    assert world.run.errors == []
