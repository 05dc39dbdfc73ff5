"""ACM checks against moto: certificates imported with chosen key sizes and validity, scanned once.

moto has no API to put a certificate in use (AWS does it when a load balancer or distribution
uses the certificate), so the fixture marks certificates in use on moto's backend.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import boto3
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from postureflow.aws import AwsAccess

ACCOUNT = "123456789012"


def _certificate(domain: str, key, valid_days: float) -> tuple[bytes, bytes]:
    now = dt.datetime.now(dt.timezone.utc)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domain)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=30))
        .not_valid_after(now + dt.timedelta(days=valid_days))
        .sign(key, hashes.SHA256())
    )
    pem_key = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return cert.public_bytes(serialization.Encoding.PEM), pem_key


CERTIFICATES = {
    # domain: (key, days of validity left, in use)
    "weak.example.com": (lambda: rsa.generate_private_key(public_exponent=65537, key_size=1024), 200, True),
    "strong.example.com": (lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048), 200, True),
    "ec.example.com": (lambda: ec.generate_private_key(ec.SECP384R1()), 200, True),
    "expiring.example.com": (lambda: ec.generate_private_key(ec.SECP256R1()), 3, True),
    "unused-weak.example.com": (lambda: rsa.generate_private_key(public_exponent=65537, key_size=1024), 2, False),
}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws
    from moto.acm.models import acm_backends

    from postureflow.lake import Lake
    from postureflow.testing import scan_denied, scan_in_moto

    with mock_aws():
        acm = boto3.client("acm", region_name="us-east-1")
        ids = {}
        for domain, (make_key, days, in_use) in CERTIFICATES.items():
            body, key = _certificate(domain, make_key(), days)
            arn = acm.import_certificate(Certificate=body, PrivateKey=key, Tags=[{"Key": "site", "Value": domain}])[
                "CertificateArn"
            ]
            ids[domain] = arn.rsplit("/", 1)[-1]
            if in_use:
                acm_backends[ACCOUNT]["us-east-1"].set_certificate_in_use_by(arn, f"lb-{domain}")
        for domain, preference in (("ct-off.example.com", "DISABLED"), ("ct-on.example.com", "ENABLED")):
            arn = acm.request_certificate(
                DomainName=domain, Options={"CertificateTransparencyLoggingPreference": preference}
            )["CertificateArn"]
            ids[domain] = arn.rsplit("/", 1)[-1]
            acm_backends[ACCOUNT]["us-east-1"].set_certificate_in_use_by(arn, f"lb-{domain}")
        access = AwsAccess.from_default_chain()
        lake = Lake(str(tmp_path_factory.mktemp("acm-lake")))
        run = scan_in_moto(lake, ["acm"], regions=["us-east-1", "eu-west-1"], access=access)
        unread = scan_denied(str(tmp_path_factory.mktemp("acm-denied")), ["acm"], ["us-east-1"], "acm:DescribeCertificate")
    return SimpleNamespace(ids=ids, run=run, calls=access.call_log, unread=unread)


def _expect(world, check_id, expected):
    statuses = world.run.statuses(check_id)
    assert {d: statuses.get(world.ids[d]) for d in expected} == expected, statuses


def test_collection(world):
    assert world.run.errors == []
    assert world.calls.repeated() == []
    weak = [f for f in world.run.of("acm_certificates_with_secure_key_algorithms") if f["status"] == "FAIL"][0]
    assert dict(weak["resource_tags"]) == {"site": "weak.example.com"}
    assert "RSA_1024" in weak["status_extended"] and "weak.example.com" in weak["status_extended"]


def test_certificates_expiration_check(world):
    _expect(
        world,
        "acm_certificates_expiration_check",
        {"expiring.example.com": "FAIL", "strong.example.com": "PASS", "unused-weak.example.com": None},
    )


def test_certificates_with_secure_key_algorithms(world):
    _expect(
        world,
        "acm_certificates_with_secure_key_algorithms",
        {
            "weak.example.com": "FAIL",
            "strong.example.com": "PASS",
            "ec.example.com": "PASS",
            "unused-weak.example.com": None,
        },
    )


def test_certificates_transparency_logs_enabled(world):
    _expect(
        world,
        "acm_certificates_transparency_logs_enabled",
        {
            "ct-off.example.com": "FAIL",
            "ct-on.example.com": "PASS",
            "weak.example.com": "PASS",  # imported: its issuer decides about CT logging
            "unused-weak.example.com": None,
        },
    )


def test_unreadable_description_gives_no_verdict(world):
    statuses = world.unread.statuses("acm_certificates_transparency_logs_enabled")
    assert statuses[world.ids["ct-off.example.com"]] == "MANUAL"
    assert statuses[world.ids["ct-on.example.com"]] == "MANUAL"
    # imported certificates are judged on their type alone, which the listing gives
    assert statuses[world.ids["weak.example.com"]] == "PASS" and "FAIL" not in statuses.values()


def _cert(name, algorithm, in_use=True):
    from postureflow.inventory import Resource

    arn = f"arn:aws:acm:us-east-1:{ACCOUNT}:certificate/{name}"
    return Resource("certificates", arn, name, "us-east-1", {}, {"key_algorithm": algorithm, "in_use": in_use})


def test_describe_certificate_spelling_of_weak_keys_fails():
    # Issue 11: DescribeCertificate says "RSA-1024" (ListCertificates "RSA_1024"); both are insecure.
    from postureflow.checks import all_checks

    check = all_checks()["acm_certificates_with_secure_key_algorithms"]
    certificates = [_cert("dash", "RSA-1024"), _cert("underscore", "RSA_1024"), _cert("rsa2048", "RSA-2048"),
                    _cert("p256", "EC_prime256v1"), _cert("p192", "EC_prime192v1")]  # fmt: skip
    statuses = {r.resource.id: r.status for r in check.evaluate({"acm.certificates": certificates}, None)}
    assert statuses == {"dash": "FAIL", "underscore": "FAIL", "rsa2048": "PASS", "p256": "PASS", "p192": "FAIL"}
    stricter = {"insecure_key_algorithms": ["RSA-1024", "RSA-2048"]}
    statuses = {r.resource.id: r.status for r in check.evaluate({"acm.certificates": certificates}, None, stricter)}
    assert statuses["rsa2048"] == "FAIL"
