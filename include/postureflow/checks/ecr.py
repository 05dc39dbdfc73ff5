"""ECR checks: repository policies, tag immutability, image scanning and lifecycle policies."""

from __future__ import annotations

from postureflow.checks._policy import public_actions
from postureflow.checks.base import FAIL, PASS, check

SCANS_ON_PUSH = {"SCAN_ON_PUSH", "CONTINUOUS_SCAN"}
IMMUTABLE = {"IMMUTABLE", "IMMUTABLE_WITH_EXCLUSION"}


@check(
    id="ecr_repositories_not_publicly_accessible",
    title="ECR repository policy does not grant access to everyone",
    severity="critical",
    resource_type="AwsEcrRepository",
    reads=["ecr.repositories"],
    risk="A repository policy that allows every principal lets any AWS account pull (or push) images, "
    "exposing code, embedded configuration and the supply chain.",
    remediation='Remove the statement with Principal "*" (aws ecr set-repository-policy) or name the accounts '
    "and roles that may pull.",
)
def ecr_repositories_not_publicly_accessible(repositories):
    for repo in repositories:
        actions = public_actions(repo.get("policy"))
        if actions:
            yield FAIL(
                repo, f"ECR repository {repo.id} has a repository policy that lets everyone call {', '.join(actions)}."
            )
        elif repo.get("policy"):
            yield PASS(repo, f"ECR repository {repo.id} has a policy that names its principals.")
        else:
            yield PASS(repo, f"ECR repository {repo.id} has no repository policy.")


@check(
    id="ecr_repositories_tag_immutability",
    title="ECR repository has image tag immutability turned on",
    severity="medium",
    resource_type="AwsEcrRepository",
    reads=["ecr.repositories"],
    risk="With mutable tags, a pushed image can silently replace what a tag such as 'prod' points to, so "
    "deployments may run an image nobody reviewed.",
    remediation="Set the repository's tag mutability to IMMUTABLE "
    "(aws ecr put-image-tag-mutability --image-tag-mutability IMMUTABLE).",
)
def ecr_repositories_tag_immutability(repositories):
    for repo in repositories:
        setting = repo.get("tag_mutability") or "MUTABLE"
        if setting in IMMUTABLE:
            yield PASS(repo, f"ECR repository {repo.id} has immutable image tags ({setting}).")
        else:
            yield FAIL(repo, f"ECR repository {repo.id} lets image tags be overwritten ({setting}).")


@check(
    id="ecr_repositories_scan_images_on_push_enabled",
    title="ECR repository scans images when they are pushed",
    severity="medium",
    resource_type="AwsEcrRepository",
    reads=["ecr.repositories"],
    risk="Images that are never scanned can carry known-vulnerable packages into production unnoticed.",
    remediation="Turn on scan on push for the repository, or add a registry scanning rule "
    "(aws ecr put-registry-scanning-configuration) with SCAN_ON_PUSH or CONTINUOUS_SCAN that matches it.",
)
def ecr_repositories_scan_images_on_push_enabled(repositories):
    for repo in repositories:
        frequency = repo.get("scan_frequency")
        if repo.get("scan_on_push") or repo.get("effective_scan_on_push") or frequency in SCANS_ON_PUSH:
            how = f"registry rule {frequency}" if frequency in SCANS_ON_PUSH else "scan on push"
            yield PASS(repo, f"ECR repository {repo.id} scans pushed images ({how}).")
        else:
            yield FAIL(repo, f"ECR repository {repo.id} does not scan images on push.")


@check(
    id="ecr_repositories_lifecycle_policy_enabled",
    title="ECR repository has a lifecycle policy",
    severity="low",
    resource_type="AwsEcrRepository",
    reads=["ecr.repositories"],
    risk="Without a lifecycle policy old, unpatched images pile up and stay pullable, and storage costs grow.",
    remediation="Add a lifecycle policy that expires untagged and old images (aws ecr put-lifecycle-policy).",
)
def ecr_repositories_lifecycle_policy_enabled(repositories):
    for repo in repositories:
        if repo.get("lifecycle_policy"):
            yield PASS(repo, f"ECR repository {repo.id} has a lifecycle policy.")
        else:
            yield FAIL(repo, f"ECR repository {repo.id} has no lifecycle policy.")
