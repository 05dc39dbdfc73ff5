"""AWS Private CA checks."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check


@check(
    id="acmpca_certificate_authority_pqc_key_algorithm",
    title="Private CA uses a post-quantum (ML-DSA) key algorithm",
    severity="low",
    resource_type="AwsAcmPcaCertificateAuthority",
    reads=["acmpca.certificate_authorities"],
    config=["acmpca_pqc_key_algorithms"],
    risk="Signatures made with RSA or ECDSA keys can be forged once large quantum computers exist; long-lived CAs "
    "outlive the move to post-quantum algorithms.",
    remediation="Create a new CA with an ML-DSA key algorithm (audit config acmpca_pqc_key_algorithms) and move issuance to it.",
)
def acmpca_certificate_authority_pqc_key_algorithm(authorities, config):
    allowed = set(config["acmpca_pqc_key_algorithms"] or [])
    for ca in authorities:
        if ca.get("status") == "DELETED":
            continue
        algorithm = ca.get("key_algorithm") or "<none>"
        if algorithm in allowed:
            yield PASS(ca, f"Private CA {ca.id} uses post-quantum key algorithm {algorithm}.")
        else:
            yield FAIL(ca, f"Private CA {ca.id} uses key algorithm {algorithm}, which is not post-quantum.")
