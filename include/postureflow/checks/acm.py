"""ACM checks: certificates in use expire far enough ahead and use strong keys.

Like Prowler, only certificates in use (attached to a load balancer, CloudFront
distribution, API and so on) are judged: an unused certificate serves nobody.
"""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check, days_since

EXPIRY_THRESHOLD_DAYS = 7
MIN_RSA_BITS = 2048


def _label(cert) -> str:
    return f"ACM certificate {cert.id} ({cert.get('domain')})" if cert.get("domain") else f"ACM certificate {cert.id}"


@check(
    id="acm_certificates_expiration_check",
    title="ACM certificate in use does not expire within 7 days",
    severity="high",
    resource_type="AwsCertificateManagerCertificate",
    reads=["acm.certificates"],
    risk="When a certificate in use expires, clients refuse the connection and the service it fronts goes down.",
    remediation="Renew the certificate (for imported certificates, import the renewed one) or make sure ACM can "
    "renew it automatically by keeping its DNS validation records in place.",
)
def acm_certificates_expiration_check(certificates, now):
    for cert in certificates:
        if not cert.get("in_use"):
            continue
        age = days_since(cert.get("not_after"), now)
        if age is None:
            continue
        left = -age
        if left < 0:
            yield FAIL(cert, f"{_label(cert)} expired {int(-left)} days ago.")
        elif left <= EXPIRY_THRESHOLD_DAYS:
            yield FAIL(cert, f"{_label(cert)} expires in {int(left)} days.")
        else:
            yield PASS(cert, f"{_label(cert)} expires in {int(left)} days.")


def _weak(algorithm: str) -> bool:
    family, _, size = algorithm.partition("_")
    return family == "RSA" and size.isdigit() and int(size) < MIN_RSA_BITS


@check(
    id="acm_certificates_with_secure_key_algorithms",
    title="ACM certificate in use has a strong key (RSA 2048 bits or more, or ECDSA)",
    severity="high",
    resource_type="AwsCertificateManagerCertificate",
    reads=["acm.certificates"],
    risk="A 1024-bit RSA key can be factored with enough computing power, which would let an attacker "
    "impersonate the service or decrypt recorded traffic.",
    remediation="Replace the certificate with one using RSA 2048 or larger, or an ECDSA key (EC_prime256v1 or "
    "stronger).",
)
def acm_certificates_with_secure_key_algorithms(certificates):
    for cert in certificates:
        algorithm = cert.get("key_algorithm")
        if not cert.get("in_use") or not algorithm:
            continue
        if _weak(algorithm):
            yield FAIL(cert, f"{_label(cert)} uses the weak key algorithm {algorithm}.")
        else:
            yield PASS(cert, f"{_label(cert)} uses the key algorithm {algorithm}.")
