"""The demo account shows every service moto can back: one FAIL and one PASS each.

The seeded services are the union of the seed modules' ``SERVICES``
(``postureflow.demo.seeded_services``); the demo is seeded in moto and scanned once, and each
seeded service must have at least one FAIL and one PASS finding.

Services with checks that the demo does not seed, and why (moto 5.2.5; a test keeps this list complete):

- accessanalyzer: moto has no IAM Access Analyzer (ListAnalyzers answers 404).
- account: one account, so no twin; moto has no GetContactInformation.
- amplify: moto has no Amplify (ListApps answers 404).
- appstream: moto has no AppStream (DescribeFleets answers 404).
- bedrock: moto has neither guardrails nor invocation logging (NotImplementedError); its findings come from IAM.
- codeartifact: moto has no CodeArtifact (404).
- codecommit: its one check scans repository contents, read only with the read_customer_data opt-in, through
  GetFolder/GetBlob, which moto lacks.
- codepipeline: its one check asks the code host (GitHub/GitLab) whether a source repository is public: the demo
  sends nothing outside the machine.
- directconnect: moto has no DescribeConnections (NotImplementedError).
- dlm: moto has no Data Lifecycle Manager (404).
- documentdb: moto's CreateDBCluster refuses the docdb engine.
- drs: moto has no Elastic Disaster Recovery (404).
- elasticbeanstalk: moto has no DescribeConfigurationSettings, so every environment check is no verdict.
- fms: moto has no Firewall Manager (404).
- glacier: moto has no Get/SetVaultAccessPolicy, the only thing its check reads.
- lightsail: moto has no Lightsail (404).
- organizations: one standalone account, so no twin (organization-wide settings need a second account).
- resourceexplorer2: moto has no Resource Explorer (404).
- rolesanywhere: moto has no IAM Roles Anywhere (404).
- securityhub: seeded (on in the first region) but moto has no GetEnabledStandards, so it never PASSes.
- servicecatalog: its check judges accounts inside an organization only; the demo account is standalone.
- shield: moto has no GetSubscriptionState nor Global Accelerator; nothing can PASS.
- ssmincidents: moto has no Incident Manager (404).
- storagegateway: moto has no Storage Gateway (404).
- trustedadvisor: moto has no Support API (NotImplementedError).
- waf: moto has no WAF Classic (404).
- wellarchitected: moto has no Well-Architected Tool (404).
"""

from __future__ import annotations

import re

import boto3
import pytest

from postureflow.checks import all_checks
from postureflow.demo import DEMO_REGIONS, NotMoto, require_moto, seed_account, seeded_services
from postureflow.lake import Lake
from postureflow.moto_server import MotoServer, free_port
from postureflow.testing import scan_in_moto

ACCOUNT = "123456789012"
NOT_SEEDED = dict(re.findall(r"^- (\w+): (.+)$", __doc__, flags=re.M))


@pytest.fixture(scope="module")
def demo_findings(tmp_path_factory) -> dict[str, dict[str, int]]:
    """{service: {status: count}} of one scan of the seeded demo account."""
    from moto import mock_aws

    with mock_aws():
        seed_account(boto3.session.Session(region_name="us-east-1"), ACCOUNT, DEMO_REGIONS)
        lake = Lake(str(tmp_path_factory.mktemp("lake")))
        run = scan_in_moto(lake, seeded_services(), regions=DEMO_REGIONS, account_id=ACCOUNT)
    counts: dict[str, dict[str, int]] = {}
    for finding in run.findings:
        by_status = counts.setdefault(finding["service"], {})
        by_status[finding["status"]] = by_status.get(finding["status"], 0) + 1
    return counts


@pytest.mark.parametrize("service", seeded_services())
def test_every_seeded_service_has_a_fail_and_a_pass(demo_findings, service):
    statuses = demo_findings.get(service, {})
    assert statuses.get("FAIL") and statuses.get("PASS"), f"{service}: {statuses}"


def test_every_service_is_seeded_or_says_why_not():
    seeded = set(seeded_services())
    checked = {check.service for check in all_checks().values()}  # documentdb and neptune: from the rds collector
    assert seeded <= checked, sorted(seeded - checked)
    assert not seeded & set(NOT_SEEDED), sorted(seeded & set(NOT_SEEDED))
    assert checked - seeded == set(NOT_SEEDED), {
        "neither seeded nor explained": sorted(checked - seeded - set(NOT_SEEDED)),
        "explained but has no check": sorted(set(NOT_SEEDED) - checked),
    }


@pytest.mark.parametrize("endpoint", ["https://ec2.us-east-1.amazonaws.com", "http://10.0.0.1:5000"])
def test_the_seed_refuses_an_endpoint_that_is_not_loopback(monkeypatch, endpoint):
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    with pytest.raises(NotMoto, match="loopback"):
        seed_account(boto3.session.Session(region_name="us-east-1"), ACCOUNT, DEMO_REGIONS)


def test_the_seed_refuses_a_loopback_endpoint_that_is_not_moto(monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{free_port()}")  # nobody listens there
    with pytest.raises(NotMoto, match="does not answer as a moto_server"):
        require_moto()


def test_the_seed_accepts_a_loopback_moto_server(monkeypatch):
    with MotoServer() as url:
        monkeypatch.setenv("AWS_ENDPOINT_URL", url)
        require_moto()


def test_the_seed_refuses_real_aws_without_an_endpoint(monkeypatch):
    from moto.core.models import MockAWS

    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setattr(MockAWS, "_mocks_active", False)  # as outside mock_aws
    with pytest.raises(NotMoto, match="moto only"):
        require_moto()
