"""codecommit_repository_no_secrets on moto.

moto has CodeCommit repositories but no ListRepositories, branches, folders or blobs: ListRepositories,
GetBranch, GetFolder and GetBlob are answered in moto's place from the trees below (answer_in_moto), and
GetRepository is moto's answer with the default branch of repositories that have commits put back.
"""

import json
from types import SimpleNamespace

import boto3
import pytest
from botocore.exceptions import ClientError

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import DeniedAccess, answer_in_moto, scan_in_moto, stored_text

REGION = "us-east-1"
CHECK = "codecommit_repository_no_secrets"
SECRET = "AKIAIOSFODNN7EXAMPLX"
OPTED_IN = {"read_customer_data": True}
TOO_LARGE = "blob-too-large"
# repository -> {absolute path: content, or TOO_LARGE (over CodeCommit's 6 MB)}
TREES = {
    "leaky-repo": {"/README.md": b"# app\n", "/src/settings.py": f"DEBUG = False\naws_access_key_id = '{SECRET}'\n".encode()},
    "clean-repo": {"/README.md": b"# app\n", "/src/app.py": b"def main():\n    return 1\n"},
    "big-repo": {"/README.md": b"# data\n", "/data/dump.sql": TOO_LARGE},
}
EMPTY = "empty-repo"  # created, nothing committed: no default branch


def _body(params):
    return json.loads(params["body"] or b"{}")


def _folder(region, params):
    request = _body(params)
    tree, path = TREES[request["repositoryName"]], request["folderPath"].rstrip("/") + "/"
    files, folders = [], set()
    for file_path in tree:
        if file_path.startswith(path):
            rest = file_path[len(path):]
            if "/" in rest:
                folders.add(path + rest.split("/")[0])
            else:
                files.append({"absolutePath": file_path, "blobId": f"{request['repositoryName']}:{file_path}"})
    return {"commitId": "c0ffee", "folderPath": path, "files": files, "subFolders": [{"absolutePath": f} for f in sorted(folders)]}


def _blob(region, params):
    repo, _, path = _body(params)["blobId"].partition(":")
    content = TREES[repo][path]
    if content == TOO_LARGE:
        raise ClientError({"Error": {"Code": "FileTooLargeException", "Message": "over 6 MB"}}, "GetBlob")
    return {"content": content}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        cc = boto3.client("codecommit", region_name=REGION)
        for name in [*TREES, EMPTY]:
            cc.create_repository(repositoryName=name)
        plain = boto3.client("codecommit", region_name=REGION)

        def get_repository(region, params):
            name = _body(params)["repositoryName"]
            answer = plain.get_repository(repositoryName=name)
            if name in TREES:
                answer["repositoryMetadata"]["defaultBranch"] = "main"
            return answer

        answers = {
            "codecommit:ListRepositories": {"repositories": [{"repositoryName": n, "repositoryId": n} for n in [*TREES, EMPTY]]},
            "codecommit:GetRepository": get_repository,
            "codecommit:GetBranch": {"branch": {"branchName": "main", "commitId": "c0ffee"}},
            "codecommit:GetFolder": _folder,
            "codecommit:GetBlob": _blob,
        }

        def access():
            return answer_in_moto(AwsAccess.from_default_chain(), REGION, answers)

        main_access = access()
        lake = Lake(str(tmp_path_factory.mktemp("lake")))
        run = scan_in_moto(lake, ["codecommit"], [REGION], access=main_access, config=OPTED_IN)
        default_access = access()
        default = scan_in_moto(Lake(str(tmp_path_factory.mktemp("default"))), ["codecommit"], [REGION], access=default_access)

        def denied(operation):  # refused ahead of the answers in moto's place
            refusing = DeniedAccess(operation)
            run = scan_in_moto(Lake(str(tmp_path_factory.mktemp("denied"))), ["codecommit"], [REGION],
                               access=answer_in_moto(refusing, REGION, answers), config=OPTED_IN)  # fmt: skip
            assert refusing.hits, f"{operation} was never called"
            return run

        unread = {op: denied(op) for op in ("codecommit:GetBlob", "codecommit:GetFolder", "codecommit:GetRepository")}
    return SimpleNamespace(run=run, lake=lake, calls=main_access.call_log, default=default,
                           default_calls=default_access.call_log.calls, unread=unread)  # fmt: skip


def test_no_secrets_in_default_branch(world):
    # empty-repo has nothing committed: nothing to leak (as Prowler); big-repo has a file CodeCommit will not
    # hand out (over 6 MB): not fully scanned, no verdict
    assert world.run.statuses(CHECK) == {"leaky-repo": "FAIL", "clean-repo": "PASS", "empty-repo": "PASS",
                                         "big-repo": "MANUAL"}  # fmt: skip
    (finding,) = [f for f in world.run.of(CHECK) if f["resource_id"] == "leaky-repo"]
    assert "src/settings.py line 2" in finding["status_extended"]
    (big,) = [f for f in world.run.of(CHECK) if f["resource_id"] == "big-repo"]
    assert "data/dump.sql" in big["status_extended"]


def test_files_are_not_read_unless_opted_in(world):
    statuses = world.default.statuses(CHECK)
    assert statuses == {"leaky-repo": "MANUAL", "clean-repo": "MANUAL", "big-repo": "MANUAL", "empty-repo": "PASS"}
    called = {op for _service, _region, op in world.default_calls}
    assert not called & {"GetBlob", "GetFolder", "GetBranch"}
    assert world.default.errors == []


@pytest.mark.parametrize("operation", ["codecommit:GetBlob", "codecommit:GetFolder", "codecommit:GetRepository"])
def test_unreadable_files_give_no_verdict(world, operation):
    statuses = world.unread[operation].statuses(CHECK)
    assert {statuses[r] for r in TREES} == {"MANUAL"}


def test_the_secret_never_reaches_the_lake(world):
    stored = stored_text(world.lake)
    assert stored and not any(SECRET in text for text in stored)


def test_calls(world):
    assert world.run.errors == [] and world.calls.repeated() == []
