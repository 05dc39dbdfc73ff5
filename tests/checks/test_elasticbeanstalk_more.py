"""Elastic Beanstalk checks added for issue 12 (health reporting, secrets in settings, PHP platform), on moto.

moto lacks DescribeConfigurationSettings: a before-call hook answers it from SETTINGS, in AWS's layout.
moto drops SolutionStackName (it answers "None"): an after-call hook puts back the one each environment
was created with.
"""

from types import SimpleNamespace

import boto3
import pytest
from botocore.awsrequest import AWSResponse

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.lake.query import connect
from postureflow.testing import DeniedAccess, scan_denied, scan_in_moto

REGION = "us-east-1"
SECRET = "AKIAIOSFODNN7EXAMPLX"
STACKS = {
    "old-php-env": "64bit Amazon Linux 2023 v4.3.0 running PHP 8.1",
    "stale-php-env": "64bit Amazon Linux 2023 v4.5.0 running PHP 8.3",
    "al2-php-env": "64bit Amazon Linux 2 v3.9.0 running PHP 8.2",
    "fresh-php-env": "64bit Amazon Linux 2023 v4.13.13 running PHP 8.4",
    "python-env": "64bit Amazon Linux 2023 v4.3.0 running Python 3.11",
}
HEALTH = ("aws:elasticbeanstalk:healthreporting:system", "SystemType")
PROPERTIES = "aws:elasticbeanstalk:application:environment"
SETTINGS = {
    "old-php-env": [(*HEALTH, "basic"), (PROPERTIES, "AWS_KEY_ID", SECRET), (PROPERTIES, "DB_HOST", "db")],
    "fresh-php-env": [(*HEALTH, "enhanced"), (PROPERTIES, "DB_HOST", "db"), (PROPERTIES, "DB_PASSWORD", "{{resolve:ssm:/db}}")],
}


def _answering(access):

    def remember(params, context, **_):
        context["environment"] = params.get("EnvironmentName")

    def answer(context, **_):
        rows = SETTINGS.get(context["environment"], [(*HEALTH, "basic")])
        settings = [{"Namespace": ns, "OptionName": name, "Value": value} for ns, name, value in rows]
        return AWSResponse(None, 200, {}, None), {"ConfigurationSettings": [{"OptionSettings": settings}]}

    def put_back_stacks(parsed, **_):
        for env in parsed.get("Environments") or []:
            env["SolutionStackName"] = STACKS[env["EnvironmentName"]]

    events = access.client("elasticbeanstalk", REGION).meta.events
    events.register("after-call.elastic-beanstalk.DescribeEnvironments", put_back_stacks)
    events.register("before-parameter-build.elastic-beanstalk.DescribeConfigurationSettings", remember)
    events.register("before-call.elastic-beanstalk.DescribeConfigurationSettings", answer)
    return access


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        eb = boto3.client("elasticbeanstalk", region_name=REGION)
        eb.create_application(ApplicationName="shop")
        for name, stack in STACKS.items():
            eb.create_environment(ApplicationName="shop", EnvironmentName=name, SolutionStackName=stack)
        access = _answering(AwsAccess.from_default_chain())
        lake = Lake(str(tmp_path_factory.mktemp("lake")))
        run = scan_in_moto(lake, ["elasticbeanstalk"], [REGION], access)
        refusing = _answering(DeniedAccess("elasticbeanstalk:DescribeConfigurationSettings"))
        unread = scan_in_moto(Lake(str(tmp_path_factory.mktemp("denied"))), ["elasticbeanstalk"], [REGION], refusing)
        assert refusing.hits
        unlisted = scan_denied(str(tmp_path_factory.mktemp("unlisted")), ["elasticbeanstalk"], [REGION],
                               "elasticbeanstalk:DescribeEnvironments")  # fmt: skip
    return SimpleNamespace(run=run, calls=access.call_log, lake=lake, unread=unread, unlisted=unlisted)


def test_enhanced_health_reporting(world):
    statuses = world.run.statuses("elasticbeanstalk_environment_enhanced_health_reporting")
    assert statuses["old-php-env"] == "FAIL" and statuses["fresh-php-env"] == "PASS"


def test_no_secrets_in_configuration(world):
    check = "elasticbeanstalk_environment_no_secrets_in_configuration"
    statuses = world.run.statuses(check)
    # an SSM dynamic reference under a secret-sounding name is the fix, not a secret
    assert statuses["old-php-env"] == "FAIL" and statuses["fresh-php-env"] == "PASS"
    (finding,) = [f for f in world.run.of(check) if f["resource_id"] == "old-php-env"]
    assert "AWS_KEY_ID" in finding["status_extended"]
    rows = connect(world.lake, ["inventory", "findings"]).sql(
        "SELECT data FROM inventory UNION ALL SELECT status_extended FROM findings"
    ).fetchall()
    assert rows and not any(SECRET in row[0] for row in rows)


def test_php_platform_updated(world):
    # defaults: branch 8.2 at least, Amazon Linux 2023 platform 4.13.13 at least; Python is not judged
    assert world.run.statuses("elasticbeanstalk_environment_php_platform_updated") == {
        "old-php-env": "FAIL",
        "stale-php-env": "FAIL",
        "al2-php-env": "FAIL",
        "fresh-php-env": "PASS",
    }


@pytest.mark.parametrize(
    "check",
    ["elasticbeanstalk_environment_enhanced_health_reporting", "elasticbeanstalk_environment_no_secrets_in_configuration"],
)
def test_unreadable_settings_give_no_verdict(world, check):
    assert set(world.unread.statuses(check).values()) == {"MANUAL"}


def test_unlisted_environments_give_no_verdict(world):
    # the platform comes with the listing: refused, there is nothing to judge (and no PASS)
    assert world.unlisted.of("elasticbeanstalk_environment_php_platform_updated") == []
    # the settings being unreadable does not hide the platform verdict
    assert world.unread.status("elasticbeanstalk_environment_php_platform_updated", "fresh-php-env") == "PASS"


def test_calls(world):
    assert world.run.errors == [] and world.calls.repeated() == []
