"""CodeArtifact check: FAIL, PASS and no verdict. moto has no CodeArtifact: answered in its place by
postureflow.testing.answer_in_moto."""

import json

import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import DeniedAccess, answer_in_moto, scan_in_moto

REGION = "us-east-1"
CHECK = "codeartifact_packages_external_public_publishing_disabled"
REPO = {"name": "internal", "domainName": "acme", "domainOwner": "123456789012",
        "arn": "arn:aws:codeartifact:us-east-1:123456789012:repository/acme/internal"}


def _package(name, upstream):
    return {"format": "npm", "package": name, "originConfiguration": {"restrictions": {"publish": "ALLOW", "upstream": upstream}}}


ORIGINS = {"open-lib": "INTERNAL", "closed-lib": "INTERNAL", "left-pad": "EXTERNAL"}
ANSWERS = {
    "codeartifact:ListRepositories": {"repositories": [REPO]},
    "codeartifact:ListPackages": {"packages": [_package("open-lib", "ALLOW"), _package("closed-lib", "BLOCK"),
                                               _package("left-pad", "ALLOW")]},
    "codeartifact:ListPackageVersions": lambda region, params: {"versions": [
        {"version": "1.0.0", "status": "Published", "origin": {"originType": ORIGINS[params["query_string"]["package"]]}}]},
}  # fmt: skip


def _scan(tmp_path, denied=None):
    from moto import mock_aws

    with mock_aws():
        access = DeniedAccess(denied) if denied else AwsAccess.from_default_chain()
        answer_in_moto(access, REGION, ANSWERS)
        return scan_in_moto(Lake(str(tmp_path / "lake")), ["codeartifact"], [REGION], access=access)


def test_internal_packages_block_upstream(tmp_path):
    run = _scan(tmp_path)
    # the external package (left-pad) is not judged
    assert run.statuses(CHECK) == {"acme/internal/open-lib": "FAIL", "acme/internal/closed-lib": "PASS"}
    assert run.errors == []


def test_unreadable_latest_version_gives_no_verdict(tmp_path):
    run = _scan(tmp_path, denied="codeartifact:ListPackageVersions")
    statuses = run.statuses(CHECK)
    assert set(statuses) == {"acme/internal/open-lib", "acme/internal/closed-lib", "acme/internal/left-pad"}
    assert set(statuses.values()) == {"MANUAL"}
