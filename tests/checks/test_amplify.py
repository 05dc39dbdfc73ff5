"""Amplify check: FAIL, PASS and no verdict. moto has no Amplify: before-call hooks answer ListApps and
ListBranches in its place."""

from types import SimpleNamespace

import pytest
from botocore.awsrequest import AWSResponse

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import DeniedAccess, scan_in_moto

REGION = "us-east-1"
CHECK = "amplify_app_no_secrets_in_environment"
APPS = [
    {"appId": "d1leaky", "appArn": "arn:aws:amplify:us-east-1:123456789012:apps/d1leaky", "name": "leaky-app",
     "environmentVariables": {"STRIPE_KEY": "sk_live_4eC39HqLyjWDarjtT1zdp7dc"}, "buildSpec": "version: 1"},
    {"appId": "d2clean", "appArn": "arn:aws:amplify:us-east-1:123456789012:apps/d2clean", "name": "clean-app",
     "environmentVariables": {"NODE_ENV": "production"}, "buildSpec": "version: 1"},
    {"appId": "d3branch", "appArn": "arn:aws:amplify:us-east-1:123456789012:apps/d3branch", "name": "branch-app",
     "environmentVariables": {}, "buildSpec": "version: 1"},
]  # fmt: skip
BRANCHES = {"d1leaky": [], "d2clean": [{"branchName": "main", "environmentVariables": {}}],
            "d3branch": [{"branchName": "dev", "environmentVariables": {"AWS_ACCESS_KEY_ID": "AKIAIOSFODNN7EXAMPLX"}}]}


def _answer(access):
    def ok(body):
        return AWSResponse("https://amplify.amazonaws.com", 200, {}, None), body

    events = access.client("amplify", REGION).meta.events
    events.register("before-call.amplify.ListApps", lambda **_: ok({"apps": APPS}))
    events.register("before-call.amplify.ListBranches",
                    lambda params, **_: ok({"branches": BRANCHES[params["url_path"].split("/")[2]]}))  # fmt: skip
    return access


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        access = _answer(AwsAccess.from_default_chain())
        run = scan_in_moto(Lake(str(tmp_path_factory.mktemp("lake"))), ["amplify"], [REGION], access=access)
        refused = _answer(DeniedAccess("amplify:ListBranches"))
        unread = scan_in_moto(Lake(str(tmp_path_factory.mktemp("denied"))), ["amplify"], [REGION], access=refused)
        assert refused.hits
    return SimpleNamespace(run=run, unread=unread)


def test_no_secrets_in_environment(world):
    assert world.run.statuses(CHECK) == {"leaky-app": "FAIL", "clean-app": "PASS", "branch-app": "FAIL"}


def test_unreadable_branches_give_no_verdict(world):
    assert world.unread.statuses(CHECK) == {"leaky-app": "MANUAL", "clean-app": "MANUAL", "branch-app": "MANUAL"}


def test_no_errors(world):
    assert world.run.errors == []
