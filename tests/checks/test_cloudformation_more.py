"""CloudFormation checks added for issue 12 (CDK bootstrap version, termination protection), on moto."""

import json
from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import scan_denied, scan_in_moto

REGIONS = ["us-east-1", "eu-west-1"]


def _template(outputs):
    body = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}}
    body["Outputs"] = {key: {"Value": value} for key, value in outputs.items()}
    return json.dumps(body)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        old, new = (boto3.client("cloudformation", region_name=region) for region in REGIONS)
        old.create_stack(StackName="CDKToolkit", TemplateBody=_template({"BootstrapVersion": "14"}))
        new.create_stack(StackName="CDKToolkit", TemplateBody=_template({"BootstrapVersion": "25"}),
                         EnableTerminationProtection=True)  # fmt: skip
        old.create_stack(StackName="app-stack", TemplateBody=_template({"Env": "prod"}), EnableTerminationProtection=True)
        access = AwsAccess.from_default_chain()
        run = scan_in_moto(Lake(str(tmp_path_factory.mktemp("lake"))), ["cloudformation"], REGIONS, access=access)
        unlisted = scan_denied(str(tmp_path_factory.mktemp("unlisted")), ["cloudformation"], REGIONS,
                               "cloudformation:DescribeStacks")  # fmt: skip
    return SimpleNamespace(run=run, calls=access.call_log, unlisted=unlisted)


def _by_region(run, check):
    return {(f["region"], f["resource_id"]): f["status"] for f in run.of(check)}


def test_cdktoolkit_bootstrap_version(world):
    # Prowler's recommended_cdk_bootstrap_version: 21; app-stack is not the bootstrap stack
    assert _by_region(world.run, "cloudformation_stack_cdktoolkit_bootstrap_version") == {
        ("us-east-1", "CDKToolkit"): "FAIL",
        ("eu-west-1", "CDKToolkit"): "PASS",
    }


def test_termination_protection_enabled(world):
    assert _by_region(world.run, "cloudformation_stacks_termination_protection_enabled") == {
        ("us-east-1", "CDKToolkit"): "FAIL",
        ("eu-west-1", "CDKToolkit"): "PASS",
        ("us-east-1", "app-stack"): "PASS",
    }


@pytest.mark.parametrize(
    "check", ["cloudformation_stack_cdktoolkit_bootstrap_version", "cloudformation_stacks_termination_protection_enabled"]
)
def test_unlisted_stacks_give_no_verdict(world, check):
    # both read only DescribeStacks: refused, there is no stack to judge (and no PASS)
    assert world.unlisted.of(check) == []


def test_calls(world):
    assert world.run.errors == [] and world.calls.repeated() == []
