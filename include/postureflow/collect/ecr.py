"""ECR: private repositories with their policy, lifecycle policy and effective scanning setting.

Calls per region: DescribeRepositories; per repository GetRepositoryPolicy and
GetLifecyclePolicy; BatchGetRepositoryScanningConfiguration in batches of 25.
"""

from __future__ import annotations

import json

from postureflow.collect.base import Outcome, RegionScope, collector

SCANNING_BATCH = 25


@collector("ecr")
def collect_ecr(scope: RegionScope) -> None:
    ecr = scope.client("ecr")
    repositories = scope.list(ecr, "describe_repositories", "repositories", kind="repositories").value or []
    scanning = _scanning(scope, ecr, [r["repositoryName"] for r in repositories])
    scope.each(repositories, lambda repo: _collect_repository(scope, ecr, repo, scanning))


def _scanning(scope: RegionScope, ecr, names: list[str]) -> dict[str, Outcome]:
    """Each repository's effective scanning configuration, as the outcome of its batch."""
    found: dict[str, Outcome] = {}
    for start in range(0, len(names), SCANNING_BATCH):
        batch = names[start : start + SCANNING_BATCH]
        answer = scope.fetch(ecr, "batch_get_repository_scanning_configuration", repositoryNames=batch)
        configs = {c["repositoryName"]: c for c in answer.or_else({}).get("scanningConfigurations", [])}
        for name in batch:
            found[name] = answer.map(lambda _: configs.get(name) or {})
    return found


def _collect_repository(scope: RegionScope, ecr, repo: dict, scanning: dict[str, Outcome]) -> None:
    name = repo["repositoryName"]
    policy = scope.fetch(
        ecr, "get_repository_policy", absent=("RepositoryPolicyNotFoundException",), repositoryName=name
    )
    lifecycle = scope.fetch(
        ecr, "get_lifecycle_policy", absent=("LifecyclePolicyNotFoundException",), repositoryName=name
    )
    effective = scanning[name]
    scope.add(
        "repositories",
        uid=repo["repositoryArn"],
        id=name,
        tag_mutability=repo.get("imageTagMutability"),
        scan_on_push=bool((repo.get("imageScanningConfiguration") or {}).get("scanOnPush")),
        scan_frequency=effective.get("scanFrequency"),
        effective_scan_on_push=effective.get("scanOnPush"),
        lifecycle_policy=lifecycle.map(lambda r: bool(r.get("lifecyclePolicyText"))).absent_as(False),
        policy=policy.map(lambda r: _json(r.get("policyText"))),
    )


def _json(text: str | None) -> dict | None:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None
