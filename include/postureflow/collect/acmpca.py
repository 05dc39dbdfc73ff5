"""AWS Private CA: certificate authorities with their key algorithm.

Calls per region: ListCertificateAuthorities (paginated; it describes every CA).
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector


@collector("acmpca")
def collect_acmpca(scope: RegionScope) -> None:
    authorities = scope.list(scope.client("acm-pca"), "list_certificate_authorities", "CertificateAuthorities",
                             kind="certificate_authorities")  # fmt: skip
    for ca in authorities.value or []:
        configuration = ca.get("CertificateAuthorityConfiguration") or {}
        scope.add(
            "certificate_authorities",
            uid=ca["Arn"],
            id=ca["Arn"].rsplit("/", 1)[-1],
            status=ca.get("Status"),
            key_algorithm=configuration.get("KeyAlgorithm"),
        )
