"""GuardDuty: the region's detector, its protection plans, open high-severity findings and organization setup.

Calls per region: ListDetectors; ListOrganizationAdminAccounts once;
per detector GetDetector, ListFindings (one page, only high and critical
unarchived findings), DescribeOrganizationConfiguration, GetAdministratorAccount and
ListMembers (paginated, associated members only).

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
    listing = scope.fetch(client, "list_detectors")
    admins = scope.fetch(client, "list_organization_admin_accounts", absent=NOT_ORG_ADMIN, MaxResults=50)
    # None (absent): not the management account; unread: could not look.
    delegated_admins = admins.map(
        lambda r: [a.get("AdminAccountId") for a in r.get("AdminAccounts", []) if a.get("AdminStatus") == "ENABLED"]
    )
    if not listing.ok:
        scope.add_unreadable("detectors", listing, uid=scope.arn("guardduty", "detector"), id=scope.account_id)
        return
    detector_ids = listing.value.get("DetectorIds") or []
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


def _add_detector(scope: RegionScope, client, detector_id: str, delegated_admins) -> None:
    uid = scope.arn("guardduty", f"detector/{detector_id}")
    detector = scope.fetch(client, "get_detector", DetectorId=detector_id)
    if not detector.ok:
        scope.add_unreadable("detectors", detector, uid=uid, id=detector_id, exists=True)
        return
    findings = scope.fetch(
        client,
        "list_findings",
        DetectorId=detector_id,
        FindingCriteria={"Criterion": {"severity": {"Gte": HIGH_SEVERITY}, "service.archived": {"Eq": ["false"]}}},
        MaxResults=FINDINGS_PAGE,
    )
    org = scope.fetch(client, "describe_organization_configuration", absent=NOT_ORG_ADMIN, DetectorId=detector_id)
    administrator = scope.fetch(client, "get_administrator_account", DetectorId=detector_id)
    members = scope.list(client, "list_members", "Members", DetectorId=detector_id, OnlyAssociated="true")
    found = detector.value
    runtime = next((f for f in found.get("Features") or [] if f.get("Name") == "RUNTIME_MONITORING"), {})
    scope.add(
        "detectors",
        uid=uid,
        id=detector_id,
        tags=found.get("Tags"),
        exists=True,
        status=found.get("Status"),
        # {"S3_DATA_EVENTS": "ENABLED", "RDS_LOGIN_EVENTS": "DISABLED", ...}; a feature GuardDuty
        # did not report (not offered in the region) is absent.
        features=_features(found),
        runtime_agents={
            c.get("Name"): c.get("Status") for c in runtime.get("AdditionalConfiguration") or [] if c.get("Name")
        },
        # capped at one page, with more_high_findings set beyond it
        high_findings=findings.map(lambda r: len(r.get("FindingIds") or [])),
        more_high_findings=findings.map(lambda r: bool(r.get("NextToken"))),
        delegated_admins=delegated_admins,
        # NEW / ALL / NONE, or None when this account is not the organization's GuardDuty admin.
        org_auto_enable=org.map(_auto_enable),
        # the account that manages this detector (None: not a member), and the accounts this one manages
        administrator_account=administrator.map(lambda r: (r.get("Administrator") or {}).get("AccountId")),
        member_accounts=members.map(lambda items: sorted(m["AccountId"] for m in items if m.get("AccountId"))),
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


def _auto_enable(org: dict) -> str:
    if org.get("AutoEnableOrganizationMembers"):
        return org["AutoEnableOrganizationMembers"]
    return "NEW" if org.get("AutoEnable") else "NONE"
