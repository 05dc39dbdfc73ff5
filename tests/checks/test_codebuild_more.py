"""CodeBuild checks added for issue 12 (GitHub organizations, webhook anchors, logs, buildspec origin, age,
report exports), on moto.

moto's BatchGetProjects has no webhook: an after-call hook adds WEBHOOKS. moto lacks ListReportGroups and
BatchGetReportGroups: they are answered in moto's place (answer_in_moto) from REPORT_GROUPS.
"""

import datetime as dt
import json
from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.checks import all_checks
from postureflow.config import audit_config
from postureflow.inventory import Resource
from postureflow.lake import Lake
from postureflow.testing import DeniedAccess, answer_in_moto, scan_in_moto

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/codebuild"
GROUP_ARN = f"arn:aws:codebuild:{REGION}:123456789012:report-group/"
WEBHOOKS = {
    "outside-build": [[{"type": "EVENT", "pattern": "PUSH"}, {"type": "ACTOR_ACCOUNT_ID", "pattern": "12345|^678$"}]],
    "inside-build": [[{"type": "EVENT", "pattern": "PUSH"}, {"type": "HEAD_REF", "pattern": "^refs/heads/main$"}]],
}
REPORT_GROUPS = {
    "open-reports": {"exportConfigType": "S3", "s3Destination": {"bucket": "reports", "encryptionDisabled": True}},
    "sealed-reports": {"exportConfigType": "S3", "s3Destination": {"bucket": "reports", "encryptionKey": "alias/r"}},
    "kept-reports": {"exportConfigType": "NO_EXPORT"},
}


def _hooks(access):
    def amend(parsed, **_):
        for project in parsed.get("projects", []):
            project["webhook"] = {"filterGroups": WEBHOOKS.get(project["name"], [])}

    access.client("codebuild", REGION).meta.events.register("after-call.codebuild.BatchGetProjects", amend)
    groups = {
        "codebuild:ListReportGroups": {"reportGroups": [GROUP_ARN + name for name in REPORT_GROUPS]},
        "codebuild:BatchGetReportGroups": lambda region, request: {
            "reportGroups": [{"arn": arn, "name": arn.rsplit("/", 1)[-1], "exportConfig": REPORT_GROUPS[arn.rsplit("/", 1)[-1]]}
                             for arn in json.loads(request["body"])["reportGroupArns"]]  # fmt: skip
        },
    }
    return answer_in_moto(access, REGION, groups)


def _project(name, source, logs):
    boto3.client("codebuild", region_name=REGION).create_project(
        name=name,
        source=source,
        artifacts={"type": "NO_ARTIFACTS"},
        environment={"type": "LINUX_CONTAINER", "image": "aws/codebuild/standard:7.0", "computeType": "BUILD_GENERAL1_SMALL"},
        serviceRole=ROLE,
        logsConfig=logs,
    )


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        off = {"status": "DISABLED"}
        _project("outside-build", {"type": "GITHUB", "location": "https://github.com/evil-org/app.git"},
                 {"cloudWatchLogs": off, "s3Logs": off})  # fmt: skip
        _project("inside-build", {"type": "GITHUB", "location": "https://github.com/acme/app.git",
                                  "buildspec": "version: 0.2\nphases:\n  build:\n    commands: [make]\n"},
                 {"cloudWatchLogs": off, "s3Logs": {"status": "ENABLED", "location": "logs/build"}})  # fmt: skip
        _project("s3-spec-build", {"type": "CODECOMMIT", "location": "https://git-codecommit.us-east-1.amazonaws.com/v1/repos/app",
                                   "buildspec": "arn:aws:s3:::specs/buildspec.yml"},
                 {"s3Logs": {"status": "ENABLED", "location": "logs/build", "encryptionDisabled": True}})  # fmt: skip
        boto3.client("codebuild", region_name=REGION).start_build(projectName="inside-build")
        access = _hooks(AwsAccess.from_default_chain())
        run = scan_in_moto(Lake(str(tmp_path_factory.mktemp("lake"))), ["codebuild"], [REGION], access=access,
                           scan_date=dt.datetime.now(dt.timezone.utc).date())  # fmt: skip

        def denied(*ops):
            refusing = _hooks(DeniedAccess(*ops))
            result = scan_in_moto(Lake(str(tmp_path_factory.mktemp("denied"))), ["codebuild"], [REGION], refusing)
            assert refusing.hits
            return result

        unread = {
            "projects": denied("codebuild:BatchGetProjects"),
            "builds": denied("codebuild:ListBuildsForProject"),
            "build": denied("codebuild:BatchGetBuilds"),
            "groups": denied("codebuild:BatchGetReportGroups"),
        }
    return SimpleNamespace(run=run, calls=access.call_log, unread=unread)


def test_uses_allowed_github_organizations(world):
    check = "codebuild_project_uses_allowed_github_organizations"
    # Prowler's default allows no organization: every GitHub source fails; a CodeCommit one is not judged
    assert world.run.statuses(check) == {"outside-build": "FAIL", "inside-build": "FAIL"}
    project = Resource(kind="projects", uid=f"arn:aws:codebuild:{REGION}:123456789012:project/p", id="p",
                       region=REGION, tags={}, data={"github_organization": "acme"})  # fmt: skip
    now = dt.datetime.now(dt.timezone.utc)
    results = all_checks()[check].evaluate({"codebuild.projects": [project]}, now,
                                           audit_config({"codebuild_github_allowed_organizations": ["acme"]}))  # fmt: skip
    assert [r.status for r in results] == ["PASS"]


def test_webhook_filters_use_anchored_patterns(world):
    check = "codebuild_project_webhook_filters_use_anchored_patterns"
    assert world.run.statuses(check) == {"outside-build": "FAIL", "inside-build": "PASS", "s3-spec-build": "PASS"}
    (finding,) = [f for f in world.run.of(check) if f["resource_id"] == "outside-build"]
    assert "12345|^678$" in finding["status_extended"]


def test_logging_enabled(world):
    check = "codebuild_project_logging_enabled"
    assert world.run.statuses(check) == {"outside-build": "FAIL", "inside-build": "PASS", "s3-spec-build": "PASS"}


def test_s3_logs_encrypted(world):
    # outside-build writes no S3 logs: nothing to judge
    assert world.run.statuses("codebuild_project_s3_logs_encrypted") == {"inside-build": "PASS", "s3-spec-build": "FAIL"}


def test_user_controlled_buildspec(world):
    check = "codebuild_project_user_controlled_buildspec"
    # outside-build has no buildspec: CodeBuild runs buildspec.yml from the repository (Prowler says PASS);
    # s3-spec-build names an S3 object ending in .yml (Prowler says FAIL)
    assert world.run.statuses(check) == {"outside-build": "FAIL", "inside-build": "PASS", "s3-spec-build": "PASS"}


def test_older_90_days(world):
    check = "codebuild_project_older_90_days"
    assert world.run.statuses(check) == {"outside-build": "FAIL", "inside-build": "PASS", "s3-spec-build": "FAIL"}


def test_report_group_export_encrypted(world):
    statuses = world.run.statuses("codebuild_report_group_export_encrypted")
    assert statuses == {"open-reports": "FAIL", "sealed-reports": "PASS"}


@pytest.mark.parametrize(
    "check, refused",
    [
        ("codebuild_project_uses_allowed_github_organizations", "projects"),
        ("codebuild_project_webhook_filters_use_anchored_patterns", "projects"),
        ("codebuild_project_logging_enabled", "projects"),
        ("codebuild_project_s3_logs_encrypted", "projects"),
        ("codebuild_project_user_controlled_buildspec", "projects"),
        ("codebuild_project_older_90_days", "builds"),
        ("codebuild_project_older_90_days", "build"),
        ("codebuild_report_group_export_encrypted", "groups"),
    ],
)
def test_unreadable_data_gives_no_verdict(world, check, refused):
    statuses = world.unread[refused].statuses(check)
    if refused == "build":  # only the built project needed BatchGetBuilds; "never built" is known without it
        assert statuses["inside-build"] == "MANUAL" and "PASS" not in statuses.values()
    else:
        assert statuses and set(statuses.values()) == {"MANUAL"}


def test_calls(world):
    assert world.run.errors == [] and world.calls.repeated() == []
