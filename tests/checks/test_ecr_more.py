"""ECR checks added for issue 12 (registry enhanced scanning and scan rules, newest image's vulnerabilities), on moto.

moto's DescribeImages carries no scan status or findings summary: an after-call hook adds SCANS, as AWS
reports them after a scan.
"""

import json
from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import DeniedAccess, scan_denied, scan_in_moto

REGIONS = ["us-east-1", "eu-west-1"]
SCANS = {
    "vulnerable-repo": {"imageScanStatus": {"status": "COMPLETE"},
                        "imageScanFindingsSummary": {"findingSeverityCounts": {"HIGH": 2, "LOW": 5}}},
    "clean-repo": {"imageScanStatus": {"status": "COMPLETE"},
                   "imageScanFindingsSummary": {"findingSeverityCounts": {"LOW": 3}}},
}  # fmt: skip
MANIFEST = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                       "config": {"digest": "sha256:" + "a" * 64, "size": 1, "mediaType": "application/vnd.docker.container.image.v1+json"},
                       "layers": []})  # fmt: skip


def _hooked(access):
    def amend(parsed, **_):
        for image in parsed.get("imageDetails") or []:
            image.update(SCANS.get(image["repositoryName"], {}))

    for region in REGIONS:
        access.client("ecr", region).meta.events.register("after-call.ecr.DescribeImages", amend)
    return access


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        us, eu = (boto3.client("ecr", region_name=region) for region in REGIONS)
        for name in ("vulnerable-repo", "clean-repo", "unscanned-repo", "empty-repo"):
            us.create_repository(repositoryName=name)
        for name in ("vulnerable-repo", "clean-repo", "unscanned-repo"):
            us.put_image(repositoryName=name, imageManifest=MANIFEST, imageTag="v1")
        us.put_registry_scanning_configuration(
            scanType="ENHANCED", rules=[{"scanFrequency": "CONTINUOUS_SCAN", "repositoryFilters": [{"filter": "*", "filterType": "WILDCARD"}]}]
        )
        eu.create_repository(repositoryName="eu-repo")
        # a * rule that scans only when asked (Prowler passes it)
        eu.put_registry_scanning_configuration(
            scanType="BASIC", rules=[{"scanFrequency": "MANUAL", "repositoryFilters": [{"filter": "*", "filterType": "WILDCARD"}]}]
        )
        access = _hooked(AwsAccess.from_default_chain())
        run = scan_in_moto(Lake(str(tmp_path_factory.mktemp("lake"))), ["ecr"], REGIONS, access=access)
        registry = scan_denied(str(tmp_path_factory.mktemp("denied")), ["ecr"], REGIONS, "ecr:GetRegistryScanningConfiguration")
        refusing = _hooked(DeniedAccess("ecr:DescribeImages"))
        images = scan_in_moto(Lake(str(tmp_path_factory.mktemp("images"))), ["ecr"], REGIONS, access=refusing)
    return SimpleNamespace(run=run, calls=access.call_log, registry=registry, images=images)


def test_registry_enhanced_scanning_enabled(world):
    assert world.run.statuses("ecr_registry_enhanced_scanning_enabled") == {
        "ecr-registry-us-east-1": "PASS",
        "ecr-registry-eu-west-1": "FAIL",
    }


def test_registry_scan_images_on_push_enabled(world):
    assert world.run.statuses("ecr_registry_scan_images_on_push_enabled") == {
        "ecr-registry-us-east-1": "PASS",
        "ecr-registry-eu-west-1": "FAIL",
    }


def test_scan_vulnerabilities_in_latest_image(world):
    # default minimum MEDIUM: HIGH fails, LOW alone passes; empty-repo and eu-repo hold no image
    assert world.run.statuses("ecr_repositories_scan_vulnerabilities_in_latest_image") == {
        "vulnerable-repo": "FAIL",
        "clean-repo": "PASS",
        "unscanned-repo": "FAIL",
    }


@pytest.mark.parametrize("check", ["ecr_registry_enhanced_scanning_enabled", "ecr_registry_scan_images_on_push_enabled"])
def test_unreadable_registry_gives_no_verdict(world, check):
    assert set(world.registry.statuses(check).values()) == {"MANUAL"}


def test_unreadable_images_give_no_verdict(world):
    statuses = world.images.statuses("ecr_repositories_scan_vulnerabilities_in_latest_image")
    assert statuses and set(statuses.values()) == {"MANUAL"}


def test_calls(world):
    assert world.run.errors == [] and world.calls.repeated() == []
