"""ECR checks: repository policies, tag immutability, image scanning and lifecycle policies."""

from __future__ import annotations

from postureflow.policy import public_actions
from postureflow.checks._code_secrets import scan_verdict
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


SEVERITIES = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL", "UNDEFINED"]


@check(
    id="ecr_registry_enhanced_scanning_enabled",
    title="ECR registry uses enhanced scanning",
    severity="medium",
    resource_type="Other",
    reads=["ecr.registries"],
    risk="Basic scanning only looks at operating-system packages when an image is pushed; enhanced scanning "
    "(Amazon Inspector) also covers language packages and rescans images as new vulnerabilities are published.",
    remediation="Set the registry's scan type to ENHANCED (aws ecr put-registry-scanning-configuration "
    "--scan-type ENHANCED --rules ...).",
)
def ecr_registry_enhanced_scanning_enabled(registries):
    for registry in registries:
        if not registry.get("repository_count"):
            continue  # as Prowler: a registry without repositories is not in use
        scan_type = registry.get("scan_type")
        if scan_type == "ENHANCED":
            yield PASS(registry, f"ECR registry in region {registry.region} uses enhanced scanning.")
        else:
            yield FAIL(registry, f"ECR registry in region {registry.region} uses {scan_type} scanning, not enhanced.")


@check(
    id="ecr_registry_scan_images_on_push_enabled",
    title="ECR registry scans images of every repository automatically",
    severity="medium",
    resource_type="Other",
    reads=["ecr.registries"],
    risk="Images pushed to repositories no scanning rule covers are never checked for known vulnerabilities.",
    remediation="Add a registry scanning rule with frequency SCAN_ON_PUSH (or CONTINUOUS_SCAN) and the "
    "repository filter * (aws ecr put-registry-scanning-configuration).",
)
def ecr_registry_scan_images_on_push_enabled(registries):
    # Prowler passes any rule with a * filter (or none), whatever its frequency; a MANUAL rule scans nothing
    # by itself (ECR PutRegistryScanningConfiguration reference), so only automatic frequencies count here.
    for registry in registries:
        if not registry.get("repository_count"):
            continue  # a registry without repositories is not in use
        rules = registry.get("scan_rules") or []
        automatic = [r for r in rules if r.get("frequency") in SCANS_ON_PUSH]
        if any(not r.get("filters") or "*" in r["filters"] for r in automatic):
            yield PASS(registry, f"ECR registry in region {registry.region} scans images of all repositories automatically.")
        elif automatic:
            yield FAIL(registry, f"ECR registry in region {registry.region} scans automatically only repositories "
                       "matching its filters.")  # fmt: skip
        else:
            yield FAIL(registry, f"ECR registry in region {registry.region} has no automatic image scanning rule.")


@check(
    id="ecr_repositories_scan_vulnerabilities_in_latest_image",
    title="ECR repository's newest image was scanned and has no vulnerability at or above the minimum severity",
    severity="medium",
    resource_type="AwsEcrRepository",
    reads=["ecr.repositories"],
    config=["ecr_repository_vulnerability_minimum_severity"],
    risk="The newest image is what gets deployed; unscanned, or with known vulnerabilities at or above the "
    "threshold, it ships exploitable code.",
    remediation="Scan the image (aws ecr start-image-scan or registry scanning rules), rebuild it on patched "
    "bases and dependencies, and push it again.",
)
def ecr_repositories_scan_vulnerabilities_in_latest_image(repositories, config):
    minimum = str(config["ecr_repository_vulnerability_minimum_severity"]).upper()
    counted = SEVERITIES[: SEVERITIES.index(minimum) + 1] if minimum in SEVERITIES else SEVERITIES[:3]
    for repo in repositories:
        if repo.lacks("latest_image"):
            continue  # no image pushed
        image = repo.get("latest_image") or {}
        label = f"ECR repository {repo.id} image {image.get('tag') or image.get('digest')}"
        counts = image.get("severity_counts") or {}
        found = {s: counts[s] for s in counted if counts.get(s)}
        if not image.get("scan_status"):
            yield FAIL(repo, f"{label} has not been scanned.")
        elif image.get("scan_status") == "FAILED":
            yield FAIL(repo, f"{label} scan failed.")
        elif found:
            yield FAIL(repo, f"{label} has findings: {', '.join(f'{s}->{n}' for s, n in found.items())}.")
        else:
            yield PASS(repo, f"{label} was scanned with no finding at {minimum} or above.")


@check(
    id="ecr_repository_image_no_secrets",
    title="ECR repository's newest image holds no secrets",
    severity="high",
    resource_type="AwsEcrRepository",
    reads=["ecr.repositories"],
    config=["read_customer_data"],
    risk="Everyone who may pull the image gets a key or password baked into its environment, build history or "
    "files, and every copy and cache of the image keeps it.",
    remediation="Rebuild the image without the secret (pass it at run time from Secrets Manager or Parameter "
    "Store, use build secrets instead of ARG/ENV), push it, delete the old image and rotate the secret.",
)
def ecr_repository_image_no_secrets(repositories, config):
    # The image is read only with read_customer_data on (and the opt-in policy); otherwise image_scan is
    # unread and the evaluation gives no verdict. As Prowler: the newest image, one platform of a multi-arch one.
    for repo in repositories:
        if repo.lacks("latest_image"):
            continue  # no image to scan
        scan = repo.get("image_scan") or {}
        image = scan.get("tag") or scan.get("digest") or "newest"
        yield scan_verdict(repo, scan, f"image {image} of ECR repository {repo.id}")
