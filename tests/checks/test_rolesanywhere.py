"""Roles Anywhere checks: FAIL, PASS and no verdict. moto has no Roles Anywhere: ListTrustAnchors and
ListProfiles are answered in its place by postureflow.testing.answer_in_moto; IAM roles and the Private CA
are moto's own."""

import json

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import DeniedAccess, answer_in_moto, scan_in_moto

REGION = "us-east-1"
ACCOUNT = "123456789012"
ARN = f"arn:aws:rolesanywhere:{REGION}:{ACCOUNT}:"
ADMIN = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]})
READ = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]})
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "rolesanywhere.amazonaws.com"},
                                                            "Action": ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"]}]})


def _profile(name, role, session_policy=None):
    return {"profileId": name, "profileArn": f"{ARN}profile/{name}", "name": name, "enabled": True,
            "roleArns": [f"arn:aws:iam::{ACCOUNT}:role/{role}"], **({"sessionPolicy": session_policy} if session_policy else {})}


def _scan(tmp_path, ca_arn, denied=None):
    access = DeniedAccess(denied) if denied else AwsAccess.from_default_chain()
    answer_in_moto(access, REGION, {
        "rolesanywhere:ListProfiles": {"profiles": [_profile("open-profile", "admin-role"), _profile("scoped-profile", "admin-role", READ),
                                                    _profile("reader-profile", "reader-role")]},
        "rolesanywhere:ListTrustAnchors": {"trustAnchors": [
            {"trustAnchorId": "ta-pca", "trustAnchorArn": f"{ARN}trust-anchor/ta-pca", "name": "pca-anchor", "enabled": True,
             "source": {"sourceType": "AWS_ACM_PCA", "sourceData": {"acmPcaArn": ca_arn}}},
            {"trustAnchorId": "ta-bundle", "trustAnchorArn": f"{ARN}trust-anchor/ta-bundle", "name": "bundle-anchor", "enabled": True,
             "source": {"sourceType": "CERTIFICATE_BUNDLE", "sourceData": {"x509CertificateData": "-----BEGIN CERTIFICATE-----"}}}]},
    })  # fmt: skip
    return scan_in_moto(Lake(str(tmp_path / "lake")), ["rolesanywhere", "iam", "acmpca"], [REGION], access=access)


@pytest.fixture
def world(aws):
    iam = boto3.client("iam", region_name=REGION)
    iam.create_role(RoleName="admin-role", AssumeRolePolicyDocument=TRUST)
    iam.put_role_policy(RoleName="admin-role", PolicyName="everything", PolicyDocument=ADMIN)
    iam.create_role(RoleName="reader-role", AssumeRolePolicyDocument=TRUST)
    iam.put_role_policy(RoleName="reader-role", PolicyName="read", PolicyDocument=READ)
    ca = boto3.client("acm-pca", region_name=REGION).create_certificate_authority(
        CertificateAuthorityConfiguration={"KeyAlgorithm": "RSA_2048", "SigningAlgorithm": "SHA256WITHRSA",
                                           "Subject": {"CommonName": "workloads"}}, CertificateAuthorityType="ROOT")  # fmt: skip
    return ca["CertificateAuthorityArn"]


def test_profile_session_permissions(world, tmp_path):
    run = _scan(tmp_path, world)
    assert run.statuses("rolesanywhere_profile_restricts_session_permissions") == {
        "open-profile": "FAIL", "scoped-profile": "PASS", "reader-profile": "PASS"}  # fmt: skip


def test_unreadable_role_policies_give_no_verdict(world, tmp_path):
    run = _scan(tmp_path, world, denied="iam:GetAccountAuthorizationDetails")
    statuses = run.statuses("rolesanywhere_profile_restricts_session_permissions")
    assert statuses["open-profile"] == "MANUAL" and statuses["reader-profile"] == "MANUAL"


def test_trust_anchor_pki(world, tmp_path):
    # moto's CA has an RSA key: FAIL; a certificate bundle cannot be verified: FAIL (as Prowler)
    run = _scan(tmp_path, world)
    statuses = run.statuses("rolesanywhere_trust_anchor_pqc_pki")
    assert statuses == {"pca-anchor": "FAIL", "bundle-anchor": "FAIL"}


def test_trust_anchor_on_an_ml_dsa_ca_passes():
    import datetime as dt

    from postureflow.checks import all_checks
    from postureflow.inventory import Resource

    ca_arn = f"arn:aws:acm-pca:{REGION}:{ACCOUNT}:certificate-authority/pq"
    anchor = Resource("trust_anchors", f"{ARN}trust-anchor/a", "a", REGION, {}, {"source_type": "AWS_ACM_PCA", "acm_pca_arn": ca_arn})
    ca = Resource("certificate_authorities", ca_arn, "pq", REGION, {}, {"status": "ACTIVE", "key_algorithm": "ML_DSA_65"})
    results = list(all_checks()["rolesanywhere_trust_anchor_pqc_pki"].evaluate(
        {"rolesanywhere.trust_anchors": [anchor], "acmpca.certificate_authorities": [ca]}, dt.datetime.now(dt.timezone.utc)))
    assert [r.status for r in results] == ["PASS"]


def test_unknown_ca_gives_no_verdict(world, tmp_path):
    run = _scan(tmp_path, world, denied="acm-pca:ListCertificateAuthorities")
    assert run.statuses("rolesanywhere_trust_anchor_pqc_pki")["pca-anchor"] == "MANUAL"
