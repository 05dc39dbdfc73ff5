"""ECR: private repositories with their policy, lifecycle policy and effective scanning setting.

Calls per region: DescribeRepositories; per repository GetRepositoryPolicy, GetLifecyclePolicy and
DescribeImages (paginated, for the newest image's scan summary); BatchGetRepositoryScanningConfiguration
in batches of 25; GetRegistryScanningConfiguration once (the registry record).
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
    registry = scope.fetch(ecr, "get_registry_scanning_configuration")
    configuration = registry.get("scanningConfiguration", {})
    scope.add(
        "registries",
        uid=scope.arn("ecr", f"registry/{scope.account_id}"),
        id=f"ecr-registry-{scope.region}",
        repository_count=len(repositories),
        scan_type=configuration.map(lambda c: c.get("scanType") or "BASIC"),
        scan_rules=configuration.map(lambda c: [
            {"frequency": r.get("scanFrequency"), "filters": [f.get("filter") for f in r.get("repositoryFilters") or []]}
            for r in c.get("rules") or []
        ]),
    )


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
    images = scope.list(ecr, "describe_images", "imageDetails", repositoryName=name)
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
        latest_image=images.map(_latest_image),
    )


# Tags of the signatures, attestations and SBOMs that tools (cosign, notation) store beside images: not images.
NOT_IMAGES = (".sig", ".att", ".sbom")


def _latest_image(details: list[dict]) -> dict | None:
    """The newest pushed container image and its scan summary (None: the repository holds no image)."""
    images = [d for d in details if not any(t.endswith(NOT_IMAGES) for t in d.get("imageTags") or [])]
    if not images:
        return None
    newest = max(images, key=lambda d: str(d.get("imagePushedAt") or ""))
    summary = newest.get("imageScanFindingsSummary") or {}
    return {
        "digest": newest.get("imageDigest"),
        "tag": (newest.get("imageTags") or [None])[0],
        "scan_status": (newest.get("imageScanStatus") or {}).get("status"),
        "severity_counts": summary.get("findingSeverityCounts") or {},
    }


def _json(text: str | None) -> dict | None:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None
