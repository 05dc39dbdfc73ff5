"""Elastic Beanstalk checks against environments created in moto, scanned once for the module."""

from types import SimpleNamespace

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import scan_in_moto

REGION = "us-east-1"
STACK = "64bit Amazon Linux 2023 v4.3.0 running Python 3.11"
# What each environment's configuration says (moto stores none of it).
SETTINGS = {
    "careless-env": {"StreamLogs": "false", "ManagedActionsEnabled": "false"},
    "careful-env": {"StreamLogs": "true", "ManagedActionsEnabled": "true"},
}
NAMESPACES = {
    "StreamLogs": "aws:elasticbeanstalk:cloudwatch:logs",
    "ManagedActionsEnabled": "aws:elasticbeanstalk:managedactions",
}


def _answering_access():
    """moto lacks DescribeConfigurationSettings (it raises NotImplementedError in-process), so this hook answers
    it before the request is sent, from SETTINGS, with the option layout AWS returns."""
    access = AwsAccess.from_default_chain()

    def remember(params, context, **_):
        context["environment"] = params.get("EnvironmentName")

    def answer(context, **_):
        options = SETTINGS[context["environment"]]
        settings = [{"Namespace": NAMESPACES[k], "OptionName": k, "Value": v} for k, v in options.items()]
        settings.append(
            {"Namespace": "aws:elasticbeanstalk:application:environment", "OptionName": "DB_HOST", "Value": "db"}
        )
        return AWSResponse(None, 200, {}, None), {"ConfigurationSettings": [{"OptionSettings": settings}]}

    for region in (REGION, "eu-west-1"):
        events = access.client("elasticbeanstalk", region).meta.events
        events.register("before-parameter-build.elastic-beanstalk.DescribeConfigurationSettings", remember)
        events.register("before-call.elastic-beanstalk.DescribeConfigurationSettings", answer)
    return access


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        eb = boto3.client("elasticbeanstalk", region_name=REGION)
        eb.create_application(ApplicationName="shop")
        for name in SETTINGS:
            eb.create_environment(ApplicationName="shop", EnvironmentName=name, SolutionStackName=STACK)
        access = _answering_access()
        run = scan_in_moto(
            Lake(str(tmp_path_factory.mktemp("eb-lake"))), ["elasticbeanstalk"], [REGION, "eu-west-1"], access
        )
        # The same account scanned with moto as it is: the missing operation must not break the scan.
        plain = scan_in_moto(Lake(str(tmp_path_factory.mktemp("eb-plain"))), ["elasticbeanstalk"], [REGION])
    return SimpleNamespace(run=run, plain=plain, calls=access.call_log)


def test_environment_cloudwatch_logging_enabled(world):
    check = "elasticbeanstalk_environment_cloudwatch_logging_enabled"
    assert world.run.status(check, "careless-env") == "FAIL"
    assert world.run.status(check, "careful-env") == "PASS"


def test_environment_managed_updates_enabled(world):
    check = "elasticbeanstalk_environment_managed_updates_enabled"
    assert world.run.status(check, "careless-env") == "FAIL"
    assert world.run.status(check, "careful-env") == "PASS"


def test_unreadable_settings_are_a_scan_error_and_no_verdict(world):
    assert world.plain.findings and {f["status"] for f in world.plain.findings} == {"MANUAL"}
    apis = {e["api"] for e in world.plain.errors}
    assert apis == {"elasticbeanstalk:describe_configuration_settings"}


def test_each_call_made_once_and_no_scan_errors(world):
    assert world.calls.repeated() == []
    assert world.run.errors == []
