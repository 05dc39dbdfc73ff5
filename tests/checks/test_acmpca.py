"""Private CA check on certificate authorities created in moto: FAIL, PASS and no verdict."""

import datetime as dt
from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.checks import all_checks
from postureflow.inventory import Resource
from postureflow.lake import Lake
from postureflow.testing import scan_denied, scan_in_moto

REGION = "us-east-1"
CHECK = "acmpca_certificate_authority_pqc_key_algorithm"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        pca = boto3.client("acm-pca", region_name=REGION)
        arn = pca.create_certificate_authority(
            CertificateAuthorityConfiguration={"KeyAlgorithm": "RSA_2048", "SigningAlgorithm": "SHA256WITHRSA",
                                               "Subject": {"CommonName": "classic-ca"}},
            CertificateAuthorityType="ROOT")["CertificateAuthorityArn"]  # fmt: skip
        access = AwsAccess.from_default_chain()
        run = scan_in_moto(Lake(str(tmp_path_factory.mktemp("lake"))), ["acmpca"], [REGION], access=access)
        unlisted = scan_denied(str(tmp_path_factory.mktemp("denied")), ["acmpca"], [REGION], "acm-pca:ListCertificateAuthorities")
    return SimpleNamespace(run=run, unlisted=unlisted, ca_id=arn.rsplit("/", 1)[-1], calls=access.call_log)


def test_rsa_ca_fails(world):
    assert world.run.statuses(CHECK) == {world.ca_id: "FAIL"}


def test_ml_dsa_ca_passes():
    # moto cannot create an ML-DSA CA yet: the record is written as the collector writes AWS's answer
    ca = Resource("certificate_authorities", "arn:aws:acm-pca:us-east-1:1:certificate-authority/pq", "pq", REGION, {},
                  {"status": "ACTIVE", "key_algorithm": "ML_DSA_65"})  # fmt: skip
    deleted = Resource("certificate_authorities", "arn:aws:acm-pca:us-east-1:1:certificate-authority/old", "old", REGION,
                       {}, {"status": "DELETED", "key_algorithm": "RSA_2048"})  # fmt: skip
    results = list(all_checks()[CHECK].evaluate({"acmpca.certificate_authorities": [ca, deleted]}, dt.datetime.now(dt.timezone.utc)))
    assert [(r.resource.id, r.status) for r in results] == [("pq", "PASS")]


def test_unlisted_authorities_give_no_verdict(world):
    assert world.unlisted.of(CHECK) == []
    assert world.unlisted.errors


def test_calls(world):
    assert world.run.errors == [] and world.calls.repeated() == []
