"""ECR: private repositories with their policy, lifecycle policy and effective scanning setting.

Calls per region: DescribeRepositories; per repository GetRepositoryPolicy and
GetLifecyclePolicy; BatchGetRepositoryScanningConfiguration in batches of 25.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor

from postureflow.collect.base import RegionScope, collector

SCANNING_BATCH = 25
REPOSITORY_THREADS = 8


@collector("ecr")
def collect_ecr(scope: RegionScope) -> None:
    ecr = scope.client("ecr")
    repositories = list(scope.paginate(ecr, "describe_repositories", "repositories"))
    scanning = _scanning(scope, ecr, [r["repositoryName"] for r in repositories])
    with ThreadPoolExecutor(max_workers=REPOSITORY_THREADS) as pool:
        list(pool.map(lambda repo: _collect_repository(scope, ecr, repo, scanning), repositories))


def _scanning(scope: RegionScope, ecr, names: list[str]) -> dict[str, dict]:
    found: dict[str, dict] = {}
    for start in range(0, len(names), SCANNING_BATCH):
        answer = scope.call(
            ecr, "batch_get_repository_scanning_configuration", repositoryNames=names[start : start + SCANNING_BATCH]
        )
        for config in (answer or {}).get("scanningConfigurations", []):
            found[config["repositoryName"]] = config
    return found


def _collect_repository(scope: RegionScope, ecr, repo: dict, scanning: dict[str, dict]) -> None:
    name = repo["repositoryName"]
    policy = scope.call(
        ecr, "get_repository_policy", absent=("RepositoryPolicyNotFoundException",), repositoryName=name
    )
    lifecycle = scope.call(
        ecr, "get_lifecycle_policy", absent=("LifecyclePolicyNotFoundException",), repositoryName=name
    )
    effective = scanning.get(name) or {}
    scope.add(
        "repositories",
        uid=repo["repositoryArn"],
        id=name,
        tag_mutability=repo.get("imageTagMutability"),
        scan_on_push=bool((repo.get("imageScanningConfiguration") or {}).get("scanOnPush")),
        scan_frequency=effective.get("scanFrequency"),
        effective_scan_on_push=effective.get("scanOnPush"),
        lifecycle_policy=bool(lifecycle and lifecycle.get("lifecyclePolicyText")),
        policy=_json(policy.get("policyText")) if policy else None,
    )


def _json(text: str | None) -> dict | None:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None
