"""ACM: every certificate's key algorithm, expiry, status and use, with its tags.

ListCertificates returns only RSA_1024 and RSA_2048 certificates unless asked for the
other key types, so every key type is asked for.

API calls per region: acm:ListCertificates (paginated, Includes every key type) and
acm:ListTagsForCertificate per certificate; acm:DescribeCertificate only for a
certificate whose summary lacks its key algorithm or expiry.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from postureflow.collect.base import RegionScope, collector

CERT_THREADS = 8


@collector("acm")
def collect_acm(scope: RegionScope) -> None:
    acm = scope.client("acm")
    key_types = list(acm.meta.service_model.shape_for("KeyAlgorithm").enum)
    summaries = list(
        scope.paginate(acm, "list_certificates", "CertificateSummaryList", Includes={"keyTypes": key_types})
    )

    def details(summary: dict) -> tuple[dict, list[dict]]:
        arn = summary["CertificateArn"]
        if "KeyAlgorithm" not in summary or ("NotAfter" not in summary and summary.get("Status") == "ISSUED"):
            described = scope.call(
                acm, "describe_certificate", absent=("ResourceNotFoundException",), CertificateArn=arn
            )
            summary = {**summary, **((described or {}).get("Certificate") or {})}
        tags = scope.call(acm, "list_tags_for_certificate", absent=("ResourceNotFoundException",), CertificateArn=arn)
        return summary, (tags or {}).get("Tags", [])

    with ThreadPoolExecutor(max_workers=CERT_THREADS) as pool:
        certificates = list(pool.map(details, {s["CertificateArn"]: s for s in summaries}.values()))
    for cert, tags in certificates:
        in_use = cert.get("InUse")
        if in_use is None and "InUseBy" in cert:
            in_use = bool(cert["InUseBy"])
        scope.add(
            "certificates",
            uid=cert["CertificateArn"],
            id=cert["CertificateArn"].rsplit("/", 1)[-1],
            tags=tags,
            domain=cert.get("DomainName"),
            key_algorithm=cert.get("KeyAlgorithm"),
            not_after=cert.get("NotAfter"),
            status=cert.get("Status"),
            type=cert.get("Type"),
            in_use=in_use,
            renewal_eligibility=cert.get("RenewalEligibility"),
        )
