"""ACM checks: certificates in use expire far enough ahead, use strong keys and are CT-logged.

Like Prowler, only certificates in use (attached to a load balancer, CloudFront
distribution, API and so on) are judged, unless unused resources are scanned
(``scan_unused_services``).
"""

from __future__ import annotations

from postureflow.checks._in_use import SCAN_UNUSED, judged
from postureflow.checks.base import FAIL, PASS, check, days_since

# ACM names an elliptic curve after its OpenSSL name; Prowler's insecure_key_algorithms use NIST names.
NIST_CURVES = {"EC-PRIME192V1": "P-192", "EC-PRIME256V1": "P-256", "EC-SECP384R1": "P-384", "EC-SECP521R1": "P-521"}


def _judged(cert, config) -> bool:
    """In use, unused ones are scanned, or its use could not be read (the result then becomes "no verdict")."""
    return judged(config, cert.get("in_use"), cert.readable("in_use"))


def _label(cert) -> str:
    return f"ACM certificate {cert.id} ({cert.get('domain')})" if cert.get("domain") else f"ACM certificate {cert.id}"


@check(
    id="acm_certificates_expiration_check",
    title="ACM certificate in use does not expire within days_to_expire_threshold (7) days",
    severity="high",
    resource_type="AwsCertificateManagerCertificate",
    reads=["acm.certificates"],
    config=["days_to_expire_threshold", SCAN_UNUSED],
    risk="When a certificate in use expires, clients refuse the connection and the service it fronts goes down.",
    remediation="Renew the certificate (for imported certificates, import the renewed one) or make sure ACM can "
    "renew it automatically by keeping its DNS validation records in place.",
)
def acm_certificates_expiration_check(certificates, now, config):
    threshold = config["days_to_expire_threshold"]
    for cert in certificates:
        if not _judged(cert, config) or cert.lacks("not_after"):
            continue
        age = days_since(cert.get("not_after"), now)
        if age is None and cert.readable("not_after"):
            continue  # an expiry ACM did not state (a certificate still pending validation)
        left = -(age or 0)
        if left < 0:
            yield FAIL(cert, f"{_label(cert)} expired {int(-left)} days ago.")
        elif left <= threshold:
            yield FAIL(cert, f"{_label(cert)} expires in {int(left)} days.")
        else:
            yield PASS(cert, f"{_label(cert)} expires in {int(left)} days.")


def _normalized(algorithm) -> str:
    """'RSA_1024' (ListCertificates), 'RSA-1024' (DescribeCertificate) -> 'RSA-1024'; curves by NIST name."""
    name = str(algorithm).upper().replace("_", "-")
    return NIST_CURVES.get(name, name)


@check(
    id="acm_certificates_with_secure_key_algorithms",
    title="ACM certificate in use has no insecure key algorithm (insecure_key_algorithms: RSA-1024, P-192)",
    severity="high",
    resource_type="AwsCertificateManagerCertificate",
    reads=["acm.certificates"],
    config=["insecure_key_algorithms", SCAN_UNUSED],
    risk="A 1024-bit RSA key (or a 192-bit curve) can be broken with enough computing power, which would let an "
    "attacker impersonate the service or decrypt recorded traffic.",
    remediation="Replace the certificate with one using RSA 2048 or larger, or an ECDSA key (EC_prime256v1 or "
    "stronger).",
)
def acm_certificates_with_secure_key_algorithms(certificates, config):
    insecure = {_normalized(a) for a in config["insecure_key_algorithms"] or ()}
    for cert in certificates:
        if not _judged(cert, config) or cert.lacks("key_algorithm"):
            continue
        algorithm = cert.get("key_algorithm")
        if _normalized(algorithm) in insecure:
            yield FAIL(cert, f"{_label(cert)} uses the insecure key algorithm {algorithm}.")
        else:
            yield PASS(cert, f"{_label(cert)} uses the key algorithm {algorithm}.")


@check(
    id="acm_certificates_transparency_logs_enabled",
    title="ACM certificate in use is logged to public Certificate Transparency logs",
    severity="medium",
    resource_type="AwsCertificateManagerCertificate",
    reads=["acm.certificates"],
    config=[SCAN_UNUSED],
    risk="A certificate kept out of Certificate Transparency logs is rejected by browsers that require CT, and "
    "opting out hides mis-issued certificates for your domains from monitoring.",
    remediation="Request the certificate again with CertificateTransparencyLoggingPreference ENABLED (or update "
    "the option with aws acm update-certificate-options).",
)
def acm_certificates_transparency_logs_enabled(certificates, config):
    for cert in certificates:
        if not _judged(cert, config):
            continue
        if cert.get("type") == "IMPORTED":
            # ACM does not submit imported certificates to CT logs; their issuer did, or did not.
            yield PASS(cert, f"{_label(cert)} is imported: its issuer, not ACM, logs it to Certificate Transparency.")
        elif cert.get("transparency_logging") == "DISABLED":
            yield FAIL(cert, f"{_label(cert)} has Certificate Transparency logging disabled.")
        else:
            yield PASS(cert, f"{_label(cert)} is logged to Certificate Transparency.")
