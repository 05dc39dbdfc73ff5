"""ECR checks against repositories created in moto, scanned once for the module."""

import json
from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import scan_denied, scan_in_moto

REGION = "us-east-1"
PULL = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
LIFECYCLE = {
    "rules": [
        {
            "rulePriority": 1,
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": 14,
            },
            "action": {"type": "expire"},
        }
    ]
}


def _policy(principal, condition=None):
    statement = {"Sid": "pull", "Effect": "Allow", "Principal": principal, "Action": PULL}
    if condition:
        statement["Condition"] = condition
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        ecr = boto3.client("ecr", region_name=REGION)
        ecr.create_repository(repositoryName="open-repo")
        ecr.set_repository_policy(repositoryName="open-repo", policyText=_policy("*"))

        ecr.create_repository(
            repositoryName="locked-repo",
            imageTagMutability="IMMUTABLE",
            imageScanningConfiguration={"scanOnPush": True},
        )
        ecr.set_repository_policy(
            repositoryName="locked-repo", policyText=_policy({"AWS": "arn:aws:iam::111122223333:root"})
        )
        ecr.put_lifecycle_policy(repositoryName="locked-repo", lifecyclePolicyText=json.dumps(LIFECYCLE))

        ecr.create_repository(repositoryName="org-repo")
        ecr.set_repository_policy(
            repositoryName="org-repo",
            policyText=_policy({"AWS": "*"}, {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}),
        )

        # Scanned on push through a registry-level rule rather than the repository's own flag.
        ecr.create_repository(repositoryName="ruled-repo")
        ecr.put_registry_scanning_configuration(
            scanType="BASIC",
            rules=[
                {
                    "scanFrequency": "SCAN_ON_PUSH",
                    "repositoryFilters": [{"filter": "ruled-*", "filterType": "WILDCARD"}],
                }
            ],
        )

        access = AwsAccess.from_default_chain()
        lake = Lake(str(tmp_path_factory.mktemp("ecr-lake")))
        run = scan_in_moto(lake, ["ecr"], regions=[REGION, "eu-west-1"], access=access)
        denied = lambda *ops: scan_denied(str(tmp_path_factory.mktemp("denied")), ["ecr"], [REGION], *ops)
        unread = {
            "ecr_repositories_not_publicly_accessible": denied("ecr:GetRepositoryPolicy"),
            "ecr_repositories_lifecycle_policy_enabled": denied("ecr:GetLifecyclePolicy"),
            "ecr_repositories_scan_images_on_push_enabled": denied("ecr:BatchGetRepositoryScanningConfiguration"),
            "ecr_repositories_tag_immutability": denied("ecr:DescribeRepositories"),
        }
    return SimpleNamespace(run=run, calls=access.call_log, unread=unread)


def test_repositories_not_publicly_accessible(world):
    check = "ecr_repositories_not_publicly_accessible"
    assert world.run.status(check, "open-repo") == "FAIL"
    assert world.run.status(check, "locked-repo") == "PASS"
    assert world.run.status(check, "org-repo") == "PASS"  # everyone, but only inside the organization
    assert world.run.status(check, "ruled-repo") == "PASS"  # no policy


def test_repositories_tag_immutability(world):
    assert world.run.status("ecr_repositories_tag_immutability", "open-repo") == "FAIL"
    assert world.run.status("ecr_repositories_tag_immutability", "locked-repo") == "PASS"


def test_repositories_scan_images_on_push_enabled(world):
    check = "ecr_repositories_scan_images_on_push_enabled"
    assert world.run.status(check, "open-repo") == "FAIL"
    assert world.run.status(check, "locked-repo") == "PASS"
    assert world.run.status(check, "ruled-repo") == "PASS"


def test_repositories_lifecycle_policy_enabled(world):
    assert world.run.status("ecr_repositories_lifecycle_policy_enabled", "open-repo") == "FAIL"
    assert world.run.status("ecr_repositories_lifecycle_policy_enabled", "locked-repo") == "PASS"


def test_each_call_made_once_and_no_scan_errors(world):
    assert world.calls.repeated() == []
    assert world.run.errors == []


@pytest.mark.parametrize(
    "check",
    [
        "ecr_repositories_not_publicly_accessible",
        "ecr_repositories_lifecycle_policy_enabled",
        "ecr_repositories_scan_images_on_push_enabled",
    ],
)
def test_unreadable_repository_details_give_no_verdict(world, check):
    """Issue 11: GetRepositoryPolicy AccessDenied used to PASS as "has no repository policy"."""
    statuses = world.unread[check].statuses(check)
    assert statuses.get("open-repo") == "MANUAL" and set(statuses.values()) == {"MANUAL"}


def test_unlisted_repositories_give_no_findings(world):
    run = world.unread["ecr_repositories_tag_immutability"]
    assert run.of("ecr_repositories_tag_immutability") == []
    assert "ecr:describe_repositories" in {e["api"] for e in run.errors}
