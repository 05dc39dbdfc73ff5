"""codepipeline_project_repo_private on moto, the code hosts played by a local server on 127.0.0.1.

The GitHub and GitLab API base URLs are the audit-config keys code_host_github_api_url and
code_host_gitlab_api_url; every scan here points them at the local server (or at a closed loopback
port), so nothing leaves the machine. moto lacks codestar-connections: GetConnection is answered in
moto's place (answer_in_moto) with the provider of each connection below.
"""

import json
from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.moto_server import free_port
from postureflow.testing import DeniedAccess, LocalHttp, answer_in_moto, scan_in_moto

REGION = "us-east-1"
CHECK = "codepipeline_project_repo_private"
TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "codepipeline.amazonaws.com"},
                                                 "Action": "sts:AssumeRole"}]}  # fmt: skip
ROUTES = {
    "/github/repos/acme/public-app": (200, json.dumps({"private": False, "html_url": "https://github.com/acme/public-app"}).encode()),
    "/gitlab/projects/group%2Fopen-proj": (200, json.dumps({"visibility": "public", "web_url": "https://gitlab.com/group/open-proj"}).encode()),
    "/github/repos/acme/limited-app": (403, b'{"message": "API rate limit exceeded"}'),
}  # fmt: skip


def _pipeline(cp, role, name, source):
    build = {"name": "Build", "actions": [{"name": "b", "actionTypeId": {"category": "Build", "owner": "AWS", "provider": "CodeBuild", "version": "1"},
                                           "configuration": {"ProjectName": "p"}, "inputArtifacts": [{"name": "src"}]}]}  # fmt: skip
    cp.create_pipeline(pipeline={
        "name": name, "roleArn": role, "artifactStore": {"type": "S3", "location": "artifacts"},
        "stages": [{"name": "Source", "actions": [{"name": "s", "actionTypeId": source["type"], "configuration": source["configuration"],
                                                   "outputArtifacts": [{"name": "src"}]}]}, build],
    })  # fmt: skip


PROVIDERS = {"github": "GitHub", "gitlab": "GitLab", "bitbucket": "Bitbucket"}  # connection id -> provider


def _connection(repo, provider="github"):
    return {"type": {"category": "Source", "owner": "AWS", "provider": "CodeStarSourceConnection", "version": "1"},
            "configuration": {"ConnectionArn": f"arn:aws:codestar-connections:{REGION}:123456789012:connection/{provider}",
                              "FullRepositoryId": repo, "BranchName": "main"}}  # fmt: skip


def _get_connection(region, params):  # moto lacks codestar-connections
    arn = json.loads(params["body"])["ConnectionArn"]
    return {"Connection": {"ConnectionArn": arn, "ProviderType": PROVIDERS[arn.rsplit("/", 1)[1]], "ConnectionStatus": "AVAILABLE"}}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws(), LocalHttp(dict(ROUTES)) as server:
        role = boto3.client("iam", region_name=REGION).create_role(RoleName="cp", AssumeRolePolicyDocument=json.dumps(TRUST))
        cp = boto3.client("codepipeline", region_name=REGION)
        role = role["Role"]["Arn"]
        _pipeline(cp, role, "public-pipe", _connection("acme/public-app"))
        _pipeline(cp, role, "gitlab-pipe", _connection("group/open-proj", "gitlab"))
        _pipeline(cp, role, "bitbucket-pipe", _connection("team/app", "bitbucket"))  # a provider not asked
        _pipeline(cp, role, "private-pipe", _connection("acme/private-app"))
        _pipeline(cp, role, "s3-pipe", {"type": {"category": "Source", "owner": "AWS", "provider": "S3", "version": "1"},
                                        "configuration": {"S3Bucket": "b", "S3ObjectKey": "k.zip"}})  # fmt: skip
        hosts = {"code_host_github_api_url": f"{server.url}/github", "code_host_gitlab_api_url": f"{server.url}/gitlab"}

        def scan(name, config, access=None):
            access = answer_in_moto(access or AwsAccess.from_default_chain(), REGION,
                                    {"codestar-connections:GetConnection": _get_connection})  # fmt: skip
            return scan_in_moto(Lake(str(tmp_path_factory.mktemp(name))), ["codepipeline"], [REGION], access=access,
                                config=config)  # fmt: skip

        run = scan("lake", hosts)
        unreachable = scan("unreachable", {"code_host_github_api_url": f"http://127.0.0.1:{free_port()}",
                                           "code_host_gitlab_api_url": f"{server.url}/gitlab"})  # fmt: skip
        off = scan("off", {"code_host_github_api_url": "", "code_host_gitlab_api_url": ""})
        _pipeline(cp, role, "limited-pipe", _connection("acme/limited-app"))
        limited = scan("limited", hosts)
        denied = {op: scan("denied", hosts, DeniedAccess(op))
                  for op in ("codepipeline:GetPipeline", "codestar-connections:GetConnection")}
        requests = list(server.requests)
    return SimpleNamespace(run=run, unreachable=unreachable, off=off, limited=limited, denied=denied, requests=requests)


def test_public_repositories_fail_private_pass(world):
    # s3-pipe has no connection-sourced repository: nothing to judge; Bitbucket is not asked: no verdict
    assert world.run.statuses(CHECK) == {"public-pipe": "FAIL", "gitlab-pipe": "FAIL", "private-pipe": "PASS",
                                         "bitbucket-pipe": "MANUAL"}  # fmt: skip
    (finding,) = [f for f in world.run.of(CHECK) if f["resource_id"] == "gitlab-pipe"]
    assert "https://gitlab.com/group/open-proj" in finding["status_extended"]
    assert world.run.errors == []


def test_a_host_that_cannot_be_asked_gives_no_verdict_never_pass(world):
    # GitHub unreachable: GitLab's public answer still FAILs; the others are unknown, never PASS
    assert world.unreachable.statuses(CHECK) == {"public-pipe": "MANUAL", "gitlab-pipe": "FAIL", "private-pipe": "MANUAL",
                                                 "bitbucket-pipe": "MANUAL"}  # fmt: skip
    assert {e["api"] for e in world.unreachable.errors} == {"github:GetRepository"}
    # lookups turned off ("" URLs): no verdict, and no error rows (a choice, not a failure)
    assert set(world.off.statuses(CHECK).values()) == {"MANUAL"} and world.off.errors == []
    # rate limited (403): unknown
    assert world.limited.statuses(CHECK)["limited-pipe"] == "MANUAL"


@pytest.mark.parametrize("operation", ["codepipeline:GetPipeline", "codestar-connections:GetConnection"])
def test_unreadable_pipeline_or_connection_gives_no_verdict(world, operation):
    statuses = world.denied[operation].statuses(CHECK)
    assert statuses and set(statuses.values()) == {"MANUAL"}


def test_only_the_connections_provider_is_asked_once_per_repository(world):
    # a GitHub repository's name never goes to GitLab (Prowler asks both), nor Bitbucket's to either
    assert not any("acme" in p for p in world.requests if p.startswith("/gitlab/"))
    assert not any("team" in p for p in world.requests)
    assert world.requests.count("/github/repos/acme/private-app") == 2  # the main scan and the limited one
