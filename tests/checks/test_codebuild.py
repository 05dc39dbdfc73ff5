"""CodeBuild checks against projects created in moto, scanned once for the module."""

from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.collect.codebuild import url_credential
from postureflow.lake import Lake
from postureflow.testing import answer_in_moto, scan_in_moto

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/codebuild"
PUBLIC = {"leaky-build"}
SECONDARY = {
    "second-source-build": [
        {
            "type": "GITHUB_ENTERPRISE",
            "location": "https://ci-bot:hunter22@git.acme.example/acme/lib.git",
            "sourceIdentifier": "lib",
        }
    ],
    "tidy-build": [{"type": "S3", "location": "acme-artifacts/lib.zip", "sourceIdentifier": "lib"}],
}


def _access():
    """moto's BatchGetProjects has no projectVisibility and drops secondarySources; this hook amends its answer:
    PUBLIC_READ for the projects in PUBLIC (PRIVATE otherwise) and the secondary sources in SECONDARY."""
    access = AwsAccess.from_default_chain()

    def amend(parsed, **_):
        for project in parsed.get("projects", []):
            project["projectVisibility"] = "PUBLIC_READ" if project["name"] in PUBLIC else "PRIVATE"
            project["secondarySources"] = SECONDARY.get(project["name"], [])

    for region in (REGION, "eu-west-1"):
        access.client("codebuild", region).meta.events.register("after-call.codebuild.BatchGetProjects", amend)
    # moto lacks ListReportGroups: answered in its place (no report groups here; see test_codebuild_more.py)
    return answer_in_moto(access, [REGION, "eu-west-1"], {"codebuild:ListReportGroups": {"reportGroups": []}})


def _project(name, source, variables=(), secondary=()):
    params = dict(
        name=name,
        source=source,
        artifacts={"type": "NO_ARTIFACTS"},
        environment={
            "type": "LINUX_CONTAINER",
            "image": "aws/codebuild/standard:7.0",
            "computeType": "BUILD_GENERAL1_SMALL",
            "environmentVariables": [{"name": n, "value": v, "type": t} for n, v, t in variables],
        },
        serviceRole=ROLE,
    )
    if secondary:
        params["secondarySources"] = list(secondary)
    boto3.client("codebuild", region_name=REGION).create_project(**params)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        _project(
            "leaky-build",
            {"type": "BITBUCKET", "location": "https://x-token-auth:bbtok3n-value@bitbucket.org/acme/app.git"},
            variables=[("DB_PASSWORD", "plain-pa55word", "PLAINTEXT"), ("STAGE", "prod", "PLAINTEXT")],
        )
        _project(
            "tidy-build",
            {"type": "GITHUB", "location": "https://github.com/acme/app.git"},
            variables=[
                ("STAGE", "prod", "PLAINTEXT"),
                ("DB_PASSWORD", "/acme/db/password", "PARAMETER_STORE"),
                ("API_TOKEN", "acme/api:token", "SECRETS_MANAGER"),
            ],
        )
        _project(
            "second-source-build",
            {"type": "CODECOMMIT", "location": "https://git-codecommit.us-east-1.amazonaws.com/v1/repos/app"},
            secondary=SECONDARY["second-source-build"],
        )
        access = _access()
        lake = Lake(str(tmp_path_factory.mktemp("codebuild-lake")))
        run = scan_in_moto(lake, ["codebuild"], regions=[REGION, "eu-west-1"], access=access)
    return SimpleNamespace(run=run, calls=access.call_log)


def test_project_not_publicly_accessible(world):
    assert world.run.status("codebuild_project_not_publicly_accessible", "leaky-build") == "FAIL"
    assert world.run.status("codebuild_project_not_publicly_accessible", "tidy-build") == "PASS"


def test_project_no_secrets_in_variables(world):
    check = "codebuild_project_no_secrets_in_variables"
    assert world.run.status(check, "leaky-build") == "FAIL"
    assert world.run.status(check, "tidy-build") == "PASS"  # secrets come from Parameter Store / Secrets Manager
    (finding,) = [f for f in world.run.of(check) if f["resource_id"] == "leaky-build"]
    assert "DB_PASSWORD" in finding["status_extended"] and "plain-pa55word" not in finding["status_extended"]


def test_project_source_repo_url_no_sensitive_credentials(world):
    check = "codebuild_project_source_repo_url_no_sensitive_credentials"
    assert world.run.status(check, "leaky-build") == "FAIL"
    assert world.run.status(check, "second-source-build") == "FAIL"
    assert world.run.status(check, "tidy-build") == "PASS"
    text = " ".join(f["status_extended"] for f in world.run.of(check))
    assert "bbtok3n" not in text and "hunter22" not in text and "ci-bot" not in text


def test_url_credential_kinds():
    assert url_credential("https://x-token-auth:abc@bitbucket.org/a/b.git") == "Token"
    assert url_credential("https://user:pass@bitbucket.org/a/b.git") == "Basic auth credentials"
    assert url_credential("https://ghp_abcdef@github.com/a/b.git") == "Token"
    assert url_credential("https://github.com/a/b.git") is None
    assert url_credential("git@github.com:a/b.git") is None  # SSH: the key lives elsewhere
    assert url_credential("s3://bucket/source.zip") is None


def test_each_call_made_once_and_no_scan_errors(world):
    assert world.calls.repeated() == []
    assert world.run.errors == []
