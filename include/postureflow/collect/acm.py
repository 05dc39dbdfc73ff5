"""ACM: every certificate's key algorithm, expiry, status, use and transparency logging, with its tags.

ListCertificates returns only RSA_1024 and RSA_2048 certificates unless asked for the
other key types, so every key type is asked for.

API calls per region: acm:ListCertificates (paginated, Includes every key type; a failed
listing marks ``certificates`` incomplete), and per certificate through ``scope.each``
acm:DescribeCertificate (the summary lacks the transparency-logging preference) and
acm:ListTagsForCertificate. Facts the summary carries are taken from it; the others are
stored as Outcomes, so an unread one is named in ``_unread``.
"""

from __future__ import annotations

from postureflow.collect.base import Outcome, RegionScope, collector

MISSING = ("ResourceNotFoundException",)


@collector("acm")
def collect_acm(scope: RegionScope) -> None:
    acm = scope.client("acm")
    key_types = list(acm.meta.service_model.shape_for("KeyAlgorithm").enum)
    listed = scope.list(
        acm, "list_certificates", "CertificateSummaryList", kind="certificates", Includes={"keyTypes": key_types}
    )
    summaries = list({s["CertificateArn"]: s for s in listed.or_else([])}.values())

    def details(summary: dict) -> tuple[Outcome, Outcome]:
        arn = summary["CertificateArn"]
        described = scope.fetch(acm, "describe_certificate", absent=MISSING, CertificateArn=arn)
        tags = scope.fetch(acm, "list_tags_for_certificate", absent=MISSING, CertificateArn=arn)
        return described.map(lambda d: d.get("Certificate") or {}), tags.map(lambda t: t.get("Tags", []))

    for summary, (described, tags) in zip(summaries, scope.each(summaries, details), strict=True):
        if described.state == "absent":
            continue  # deleted since it was listed
        arn = summary["CertificateArn"]
        scope.add(
            "certificates",
            uid=arn,
            id=arn.rsplit("/", 1)[-1],
            tags=tags,
            domain=summary.get("DomainName"),
            key_algorithm=_from(summary, described, "KeyAlgorithm"),
            not_after=_from(summary, described, "NotAfter"),
            status=_from(summary, described, "Status"),
            type=_from(summary, described, "Type"),
            in_use=summary["InUse"] if "InUse" in summary else described.map(lambda c: bool(c.get("InUseBy"))),
            renewal_eligibility=_from(summary, described, "RenewalEligibility"),
            transparency_logging=described.map(
                lambda c: (c.get("Options") or {}).get("CertificateTransparencyLoggingPreference")
            ),
        )


def _from(summary: dict, described: Outcome, key: str):
    """The summary's value when it has one, else the description's (unread if that failed)."""
    return summary[key] if key in summary else described.map(lambda c: c.get(key))
