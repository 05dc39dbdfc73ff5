"""GuardDuty: the region's detector, its protection plans, open high-severity findings and organization setup.

Calls per region: ListDetectors; ListOrganizationAdminAccounts once;
per detector GetDetector, ListFindings (one page, only high and critical
unarchived findings) and DescribeOrganizationConfiguration.

A region without a detector still gets one ``detectors`` record (``exists``
false) so that "GuardDuty is off here" can be reported for it.
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector

# GuardDuty severities: 7.0-8.9 high, 9.0-10.0 critical.
HIGH_SEVERITY = 7
FINDINGS_PAGE = 50
# Answers for accounts that are neither the organization's management account nor its GuardDuty admin.
NOT_ORG_ADMIN = ("BadRequestException",)


@collector("guardduty")
def collect_guardduty(scope: RegionScope) -> None:
    client = scope.client("guardduty")
    # An account has at most one detector per region, so one page is the whole answer.
    listing = scope.call(client, "list_detectors")
    if listing is None:
        return  # could not look (a scan error says why): no verdict on this region
    detector_ids = listing.get("DetectorIds") or []
    admins = scope.call(client, "list_organization_admin_accounts", absent=NOT_ORG_ADMIN, MaxResults=50)
    # None: could not be read (not the management account, or access denied).
    delegated_admins = None
    if admins is not None:
        enabled = [a for a in admins.get("AdminAccounts", []) if a.get("AdminStatus") == "ENABLED"]
        delegated_admins = [a.get("AdminAccountId") for a in enabled]
    if not detector_ids:
        scope.add(
            "detectors",
            uid=scope.arn("guardduty", "detector"),
            id=scope.account_id,
            exists=False,
            status=None,
            delegated_admins=delegated_admins,
        )
        return
    for detector_id in detector_ids:
        _add_detector(scope, client, detector_id, delegated_admins)


def _add_detector(scope: RegionScope, client, detector_id: str, delegated_admins: list | None) -> None:
    detector = scope.call(client, "get_detector", DetectorId=detector_id) or {}
    findings = scope.call(
        client,
        "list_findings",
        DetectorId=detector_id,
        FindingCriteria={"Criterion": {"severity": {"Gte": HIGH_SEVERITY}, "service.archived": {"Eq": ["false"]}}},
        MaxResults=FINDINGS_PAGE,
    )
    org = scope.call(client, "describe_organization_configuration", absent=NOT_ORG_ADMIN, DetectorId=detector_id)
    features = _features(detector)
    runtime = next((f for f in detector.get("Features") or [] if f.get("Name") == "RUNTIME_MONITORING"), {})
    scope.add(
        "detectors",
        uid=scope.arn("guardduty", f"detector/{detector_id}"),
        id=detector_id,
        tags=detector.get("Tags"),
        exists=True,
        status=detector.get("Status"),
        # {"S3_DATA_EVENTS": "ENABLED", "RDS_LOGIN_EVENTS": "DISABLED", ...}; a feature GuardDuty
        # did not report (not offered in the region) is absent.
        features=features,
        runtime_agents={
            c.get("Name"): c.get("Status") for c in runtime.get("AdditionalConfiguration") or [] if c.get("Name")
        },
        # None when ListFindings could not be read; capped at one page, with more_high_findings set beyond it.
        high_findings=None if findings is None else len(findings.get("FindingIds") or []),
        more_high_findings=bool((findings or {}).get("NextToken")),
        delegated_admins=delegated_admins,
        # NEW / ALL / NONE, or None when the organization configuration is not readable from this account.
        org_auto_enable=_auto_enable(org),
    )


def _features(detector: dict) -> dict[str, str]:
    """Feature name -> status, from Features, filled in from the legacy DataSources where Features is silent."""
    sources = detector.get("DataSources") or {}
    legacy = {
        "S3_DATA_EVENTS": _dig(sources, "S3Logs", "Status"),
        "EKS_AUDIT_LOGS": _dig(sources, "Kubernetes", "AuditLogs", "Status"),
        "EBS_MALWARE_PROTECTION": _dig(
            sources, "MalwareProtection", "ScanEc2InstanceWithFindings", "EbsVolumes", "Status"
        ),
    }
    features = {name: status for name, status in legacy.items() if status}
    features.update({f["Name"]: f.get("Status") for f in detector.get("Features") or [] if f.get("Name")})
    return features


def _dig(value, *keys):
    for key in keys:
        value = (value or {}).get(key)
    return value


def _auto_enable(org: dict | None) -> str | None:
    if org is None:
        return None
    if org.get("AutoEnableOrganizationMembers"):
        return org["AutoEnableOrganizationMembers"]
    return "NEW" if org.get("AutoEnable") else "NONE"
