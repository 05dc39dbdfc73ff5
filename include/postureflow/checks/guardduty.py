"""GuardDuty checks: the detector in every region, its protection plans, findings and organization setup."""

from __future__ import annotations

from postureflow.checks.base import FAIL, MANUAL, PASS, check

ON = ("ENABLED",)
AUTO_ENABLE_ON = ("NEW", "ALL")


def _judged(detectors) -> list:
    """Detectors whose protection plans mean something (they exist and are not suspended), and those whose
    existence or status could not be read: a refused GetDetector or ListDetectors is no verdict, not silence."""
    return [d for d in detectors if _may_be_active(d)]


def _may_be_active(detector) -> bool:
    unread = not detector.readable("exists") or not detector.readable("status")
    # Reading the unread field here is what turns the detector's verdict into no verdict.
    return bool(detector.get("exists") and detector.get("status") == "ENABLED") or unread


def _feature_check(detectors, feature: str, plan: str):
    for detector in _judged(detectors):
        status = (detector.get("features") or {}).get(feature)
        name = f"GuardDuty detector {detector.id} in {detector.region}"
        if status is None:
            yield MANUAL(detector, f"{name} does not report {plan}; it may not be offered in this region.")
        elif status in ON:
            yield PASS(detector, f"{name} has {plan} enabled.")
        else:
            yield FAIL(detector, f"{name} does not have {plan} enabled.")


@check(
    id="guardduty_is_enabled",
    title="GuardDuty is enabled in the region",
    severity="high",
    resource_type="AwsGuardDutyDetector",
    reads=["guardduty.detectors"],
    risk="Without GuardDuty, compromised credentials, crypto-mining, reconnaissance and data exfiltration in the "
    "region go undetected.",
    remediation="Enable GuardDuty in every region (aws guardduty create-detector --enable), ideally for the whole "
    "organization from a delegated administrator account.",
)
def guardduty_is_enabled(detectors):
    for detector in detectors:
        if not detector.get("exists"):
            yield FAIL(detector, f"GuardDuty has no detector in region {detector.region}.")
        elif detector.get("status") == "ENABLED":
            yield PASS(detector, f"GuardDuty detector {detector.id} is enabled in {detector.region}.")
        else:
            state = (detector.get("status") or "unknown").lower()
            yield FAIL(detector, f"GuardDuty detector {detector.id} in {detector.region} exists but is {state}.")


@check(
    id="guardduty_s3_protection_enabled",
    title="GuardDuty detector has S3 Protection enabled",
    severity="high",
    resource_type="AwsGuardDutyDetector",
    reads=["guardduty.detectors"],
    risk="Without S3 Protection, suspicious data-plane access to S3 (unusual reads, deletions, exfiltration) "
    "raises no finding.",
    remediation="Enable the S3_DATA_EVENTS feature on the detector (aws guardduty update-detector --features "
    "Name=S3_DATA_EVENTS,Status=ENABLED).",
)
def guardduty_s3_protection_enabled(detectors):
    yield from _feature_check(detectors, "S3_DATA_EVENTS", "S3 Protection")


@check(
    id="guardduty_rds_protection_enabled",
    title="GuardDuty detector has RDS Protection enabled",
    severity="high",
    resource_type="AwsGuardDutyDetector",
    reads=["guardduty.detectors"],
    risk="Without RDS Protection, brute-force and anomalous logins to Aurora and RDS databases raise no finding.",
    remediation="Enable the RDS_LOGIN_EVENTS feature on the detector.",
)
def guardduty_rds_protection_enabled(detectors):
    yield from _feature_check(detectors, "RDS_LOGIN_EVENTS", "RDS Protection")


@check(
    id="guardduty_eks_audit_log_enabled",
    title="GuardDuty detector monitors EKS audit logs",
    severity="high",
    resource_type="AwsGuardDutyDetector",
    reads=["guardduty.detectors"],
    risk="Without EKS audit log monitoring, suspicious Kubernetes API activity (anonymous access, privilege "
    "escalation, exposed dashboards) raises no finding.",
    remediation="Enable the EKS_AUDIT_LOGS feature on the detector.",
)
def guardduty_eks_audit_log_enabled(detectors):
    yield from _feature_check(detectors, "EKS_AUDIT_LOGS", "EKS Audit Log Monitoring")


@check(
    id="guardduty_ec2_malware_protection_enabled",
    title="GuardDuty detector has Malware Protection for EC2 enabled",
    severity="high",
    resource_type="AwsGuardDutyDetector",
    reads=["guardduty.detectors"],
    risk="Without Malware Protection for EC2, an instance GuardDuty flags is never scanned for the malware behind "
    "the finding.",
    remediation="Enable the EBS_MALWARE_PROTECTION feature on the detector.",
)
def guardduty_ec2_malware_protection_enabled(detectors):
    yield from _feature_check(detectors, "EBS_MALWARE_PROTECTION", "Malware Protection for EC2")


@check(
    id="guardduty_lambda_protection_enabled",
    title="GuardDuty detector has Lambda Protection enabled",
    severity="high",
    resource_type="AwsGuardDutyDetector",
    reads=["guardduty.detectors"],
    risk="Without Lambda Protection, functions that talk to crypto-mining pools or command-and-control hosts raise "
    "no finding.",
    remediation="Enable the LAMBDA_NETWORK_LOGS feature on the detector.",
)
def guardduty_lambda_protection_enabled(detectors):
    yield from _feature_check(detectors, "LAMBDA_NETWORK_LOGS", "Lambda Protection")


@check(
    id="guardduty_ai_protection_enabled",
    title="GuardDuty detector has AI Protection enabled",
    severity="high",
    resource_type="AwsGuardDutyDetector",
    reads=["guardduty.detectors"],
    risk="Without AI Protection, abuse of Bedrock and SageMaker AI workloads (prompt-driven data theft, model "
    "misuse with stolen credentials) raises no finding.",
    remediation="Enable the AI_PROTECTION feature on the detector.",
)
def guardduty_ai_protection_enabled(detectors):
    yield from _feature_check(detectors, "AI_PROTECTION", "AI Protection")


@check(
    id="guardduty_runtime_monitoring_enabled",
    title="GuardDuty detector has Runtime Monitoring enabled",
    severity="high",
    resource_type="AwsGuardDutyDetector",
    reads=["guardduty.detectors"],
    risk="Without Runtime Monitoring, malicious processes, file changes and network activity inside EC2 instances, "
    "ECS Fargate tasks and EKS nodes raise no finding.",
    remediation="Enable the RUNTIME_MONITORING feature (with automated agent management for EC2, ECS Fargate and "
    "EKS) on the detector; migrate from the EKS-only EKS_RUNTIME_MONITORING feature.",
)
def guardduty_runtime_monitoring_enabled(detectors):
    for detector in _judged(detectors):
        features = detector.get("features") or {}
        name = f"GuardDuty detector {detector.id} in {detector.region}"
        status = features.get("RUNTIME_MONITORING")
        if status in ON:
            yield PASS(detector, f"{name} has Runtime Monitoring enabled.")
        elif features.get("EKS_RUNTIME_MONITORING") in ON:
            yield FAIL(
                detector,
                f"{name} only has the legacy EKS Runtime Monitoring, leaving EC2 and ECS Fargate workloads without "
                "runtime coverage.",
            )
        elif status is None:
            yield MANUAL(detector, f"{name} does not report Runtime Monitoring; it may not be offered in this region.")
        else:
            yield FAIL(detector, f"{name} does not have Runtime Monitoring enabled.")


@check(
    id="guardduty_no_high_severity_findings",
    title="GuardDuty detector has no open high-severity findings",
    severity="high",
    resource_type="AwsGuardDutyDetector",
    reads=["guardduty.detectors"],
    risk="An unarchived high or critical finding is a likely active compromise (stolen credentials, malware, "
    "exfiltration) that nobody has dealt with.",
    remediation="Investigate each high and critical finding, contain and remediate it, then archive it; route "
    "findings to an alerting pipeline (EventBridge, Security Hub) so they are handled promptly.",
)
def guardduty_no_high_severity_findings(detectors):
    for detector in detectors:
        # a region without a detector has no findings to judge; one whose listing was refused is no verdict
        if detector.lacks("exists"):
            continue
        count = detector.get("high_findings")
        name = f"GuardDuty detector {detector.id} in {detector.region}"
        if count:
            more = " or more" if detector.get("more_high_findings") else ""
            yield FAIL(detector, f"{name} has {count}{more} open high- or critical-severity finding(s).")
        else:
            yield PASS(detector, f"{name} has no open high- or critical-severity findings.")


@check(
    id="guardduty_delegated_admin_enabled_all_regions",
    title="GuardDuty has a delegated administrator, an enabled detector and organization auto-enable in the region",
    severity="high",
    resource_type="AwsGuardDutyDetector",
    reads=["guardduty.detectors"],
    risk="Without a delegated administrator and auto-enable, new accounts and regions join the organization "
    "unmonitored and findings stay scattered across accounts.",
    remediation="From the management account designate a GuardDuty delegated administrator in every region "
    "(aws guardduty enable-organization-admin-account), enable its detector and set organization auto-enable "
    "to ALL or NEW.",
)
def guardduty_delegated_admin_enabled_all_regions(detectors):
    for detector in detectors:
        where = f"GuardDuty in {detector.region}"
        # A certain gap decides alone; what could not be read is only consulted when nothing else failed.
        if detector.get("status") != "ENABLED":
            yield FAIL(detector, f"{where}: " + ("the detector is not enabled." if detector.get("exists") else "there is no detector."))
            continue
        admins, auto_enable = detector.get("delegated_admins"), detector.get("org_auto_enable")
        issues = []
        if admins == []:
            issues.append("no delegated administrator is configured")
        if auto_enable is not None and auto_enable not in AUTO_ENABLE_ON:
            issues.append(f"organization auto-enable is {auto_enable}")
        if issues:
            yield FAIL(detector, f"{where}: {', '.join(issues)}.")
        elif admins is None:
            yield MANUAL(
                detector,
                f"{where} has an enabled detector, but its delegated administrator can only be read from the "
                "organization's management account.",
            )
        else:
            yield PASS(
                detector,
                f"{where} is administered by delegated account(s) {', '.join(admins)} with the detector enabled"
                + (f" and organization auto-enable {auto_enable}." if auto_enable else "."),
            )


@check(
    id="guardduty_centrally_managed",
    title="GuardDuty detector is managed by an administrator account or administers members",
    severity="medium",
    resource_type="AwsGuardDutyDetector",
    reads=["guardduty.detectors"],
    risk="A stand-alone detector's findings stay in this account: nobody watching the organization sees them, "
    "and its settings can be changed or the detector suspended locally.",
    remediation="Designate a GuardDuty delegated administrator for the organization and add this account as its "
    "member (or, in the administrator account, add the organization's accounts as members).",
)
def guardduty_centrally_managed(detectors):
    for detector in _judged(detectors):
        name = f"GuardDuty detector {detector.id} in {detector.region}"
        administrator = detector.get("administrator_account")
        if administrator:
            yield PASS(detector, f"{name} is managed by administrator account {administrator}.")
            continue
        members = detector.get("member_accounts") or []
        if members:
            yield PASS(detector, f"{name} is the administrator of {len(members)} member accounts.")
        else:
            yield FAIL(detector, f"{name} is not centrally managed: no administrator account and no members.")


@check(
    id="guardduty_eks_runtime_monitoring_enabled",
    title="GuardDuty detector monitors EKS workloads at run time",
    severity="medium",
    resource_type="AwsGuardDutyDetector",
    reads=["guardduty.detectors"],
    risk="Without EKS runtime monitoring, malicious processes, container escapes and crypto-mining inside EKS "
    "nodes and pods raise no finding.",
    remediation="Enable RUNTIME_MONITORING with EKS_ADDON_MANAGEMENT (GuardDuty deploys the security agent to "
    "clusters), or the legacy EKS_RUNTIME_MONITORING feature.",
)
def guardduty_eks_runtime_monitoring_enabled(detectors):
    # Prowler only looks at the legacy EKS_RUNTIME_MONITORING feature. Per the GuardDuty API reference that
    # feature is superseded by RUNTIME_MONITORING, which covers EKS too (its agent deployed by GuardDuty with
    # EKS_ADDON_MANAGEMENT, or by hand): a detector with only the new feature is not left unmonitored.
    for detector in _judged(detectors):
        features = detector.get("features") or {}
        name = f"GuardDuty detector {detector.id} in {detector.region}"
        if features.get("RUNTIME_MONITORING") in ON:
            if (detector.get("runtime_agents") or {}).get("EKS_ADDON_MANAGEMENT") in ON:
                yield PASS(detector, f"{name} has Runtime Monitoring with the EKS agent managed by GuardDuty.")
            else:
                yield MANUAL(detector, f"{name} has Runtime Monitoring on but does not manage the EKS agent; "
                             "check that the GuardDuty agent add-on runs on every EKS cluster.")  # fmt: skip
        elif features.get("EKS_RUNTIME_MONITORING") in ON:
            yield PASS(detector, f"{name} has (legacy) EKS Runtime Monitoring enabled.")
        else:
            yield FAIL(detector, f"{name} does not monitor EKS workloads at run time.")
