"""ECR: private repositories with their policy, lifecycle policy and effective scanning setting.

Calls per region: DescribeRepositories; per repository GetRepositoryPolicy, GetLifecyclePolicy and
DescribeImages (paginated, for the newest image's scan summary); BatchGetRepositoryScanningConfiguration
in batches of 25; GetRegistryScanningConfiguration once (the registry record).

With the audit config's ``read_customer_data: true``, the newest image of each repository is scanned
for secrets (ecr_repository_image_no_secrets, as Prowler: one image, one platform of a multi-arch one):
BatchGetImage for its manifest (twice for a manifest list), GetDownloadUrlForLayer for its config and
each layer, which are then downloaded from the presigned URL. Both are data actions, only in the opt-in
policy document. Environment variables, build history and layer files are scanned; only where a
secret-looking value is and its kind are kept. Bounds are Prowler's (image_inspection.py): a layer over
100 MB (declared or streamed) is not downloaded, files over 1 MB, past 5,000 files or past 500 MB
unpacked are not scanned, 30 s per download; what was not scanned is named, so the image gets no clean
verdict. zstd-compressed layers are not read (named as not scanned).
"""

from __future__ import annotations

import io
import json

from postureflow.collect.base import OK, Outcome, RegionScope, collector
from postureflow.collect.downloads import customer_data_allowed, read_presigned
from postureflow.collect.package_scan import PackageScan
from postureflow.secrets import scan_key_values, scan_text

SCANNING_BATCH = 25
MAX_LAYER_BYTES = 100 * 1024 * 1024
MAX_CONFIG_BYTES = 10 * 1024 * 1024
MAX_FILE_BYTES = 1024 * 1024
MAX_FILES = 5000
MAX_UNPACKED_BYTES = 500 * 1024 * 1024
DOWNLOAD_TIMEOUT = 30
# Images are scanned on fewer threads than other reads: each holds up to a layer in memory.
IMAGE_SCAN_THREADS = 4
MANIFEST_LISTS = {"application/vnd.docker.distribution.manifest.list.v2+json", "application/vnd.oci.image.index.v1+json"}
MANIFESTS = {"application/vnd.docker.distribution.manifest.v2+json", "application/vnd.oci.image.manifest.v1+json"}
TAR_LAYERS = {
    "application/vnd.docker.image.rootfs.diff.tar.gzip",
    "application/vnd.docker.image.rootfs.diff.tar",
    "application/vnd.oci.image.layer.v1.tar",
    "application/vnd.oci.image.layer.v1.tar+gzip",
}


@collector("ecr")
def collect_ecr(scope: RegionScope) -> None:
    ecr = scope.client("ecr")
    repositories = scope.list(ecr, "describe_repositories", "repositories", kind="repositories").value or []
    scanning = _scanning(scope, ecr, [r["repositoryName"] for r in repositories])
    records = scope.each(repositories, lambda repo: _read_repository(scope, ecr, repo, scanning))
    scans = scope.each(records, lambda record: _image_scan(scope, ecr, record), threads=IMAGE_SCAN_THREADS)
    for record, image_scan in zip(records, scans):
        scope.add("repositories", **record, image_scan=image_scan)
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


def _read_repository(scope: RegionScope, ecr, repo: dict, scanning: dict[str, Outcome]) -> dict:
    name = repo["repositoryName"]
    policy = scope.fetch(
        ecr, "get_repository_policy", absent=("RepositoryPolicyNotFoundException",), repositoryName=name
    )
    lifecycle = scope.fetch(
        ecr, "get_lifecycle_policy", absent=("LifecyclePolicyNotFoundException",), repositoryName=name
    )
    effective = scanning[name]
    images = scope.list(ecr, "describe_images", "imageDetails", repositoryName=name)
    return dict(
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


def _image_scan(scope: RegionScope, ecr, record: dict) -> Outcome | None:
    """The secret scan of the repository's newest image (None: no image), or why there is none."""
    latest = record["latest_image"]
    if not latest.ok:
        return latest
    if not latest.value:
        return None
    allowed = customer_data_allowed(scope, "ecr:BatchGetImage")
    if allowed is not None:
        return allowed
    name = record["id"]
    manifest = _manifest(scope, ecr, name, latest.value["digest"])
    if not manifest.ok:
        return manifest
    if manifest.value is None:
        return Outcome(OK, {"hits": [], "unscanned": ["manifest"], "unscanned_count": 1})  # no scannable platform
    scan = PackageScan(max_file_bytes=MAX_FILE_BYTES, max_total_bytes=MAX_UNPACKED_BYTES, max_files=MAX_FILES)
    config = (manifest.value.get("config") or {}).get("digest")
    if config:
        answer = _blob(scope, ecr, name, config, MAX_CONFIG_BYTES, lambda body: _scan_config(scan, body))
        if not answer.ok:
            return answer
    for layer in manifest.value.get("layers") or []:
        label = f"layer {str(layer.get('digest'))[:19]}"
        if layer.get("mediaType") not in TAR_LAYERS or int(layer.get("size") or 0) > MAX_LAYER_BYTES:
            scan.skip(label)
            continue
        answer = _blob(scope, ecr, name, layer["digest"], MAX_LAYER_BYTES,
                       lambda body, label=label: scan.add_tar(io.BytesIO(body), f"{label} "))  # fmt: skip
        if not answer.ok:
            return answer
    return Outcome(OK, {**scan.result(), "digest": latest.value["digest"], "tag": latest.value.get("tag")})


def _manifest(scope: RegionScope, ecr, name: str, digest: str, depth: int = 0) -> Outcome:
    """The image manifest of ``digest``; a manifest list resolves to its linux/amd64 image (else the
    first real platform; attestations are "unknown/unknown"). None: nothing scannable."""
    answer = scope.fetch(ecr, "batch_get_image", repositoryName=name, imageIds=[{"imageDigest": digest}],
                         acceptedMediaTypes=sorted(MANIFESTS | MANIFEST_LISTS))  # fmt: skip
    if not answer.ok:
        return answer
    images = answer.value.get("images") or []
    if not images:
        return Outcome(OK, None, answer.api)
    manifest = _json(images[0].get("imageManifest")) or {}
    media = manifest.get("mediaType") or images[0].get("imageManifestMediaType")
    if media in MANIFEST_LISTS or "manifests" in manifest:
        if depth:
            return Outcome(OK, None, answer.api)
        platforms = [m for m in manifest.get("manifests") or [] if (m.get("platform") or {}).get("os") != "unknown"]
        platforms.sort(key=lambda m: (m.get("platform") or {}).get("architecture") != "amd64")
        return _manifest(scope, ecr, name, platforms[0]["digest"], depth + 1) if platforms else Outcome(OK, None)
    return Outcome(OK, manifest, answer.api)


def _blob(scope: RegionScope, ecr, name: str, digest: str, max_bytes: int, read) -> Outcome:
    """``read(body)`` of one blob (config or layer) of the image, fetched from its presigned URL."""
    url = scope.fetch(ecr, "get_download_url_for_layer", repositoryName=name, layerDigest=digest)
    if not url.ok:
        return url
    return read_presigned(scope, "ecr:GetDownloadUrlForLayer download", url.value.get("downloadUrl") or "", read,
                          max_bytes=max_bytes, timeout=DOWNLOAD_TIMEOUT)  # fmt: skip


def _scan_config(scan: PackageScan, body: bytes) -> None:
    """Environment variables and build-history commands of the image config."""
    config = json.loads(body)
    env = [entry.partition("=") for entry in (config.get("config") or {}).get("Env") or []]
    for hit in scan_key_values([(key, value) for key, _, value in env]):
        scan.hits.append({**hit, "location": f"environment {hit['location']}"})
    commands = [str(h.get("created_by") or "") for h in config.get("history") or []]
    for hit in scan_text("\n".join(commands)):
        scan.hits.append({**hit, "location": f"history step {hit['location'].removeprefix('line ')}"})


def _json(text: str | None) -> dict | None:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None
