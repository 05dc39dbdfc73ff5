"""Amazon Inspector (inspector2): the account's status, active findings and coverage, per region.

Calls per region: BatchGetAccountStatus (this account); where Inspector is ENABLED, ListFindings (active
findings of this account, paginated), ListCoverage (this account, paginated) and BatchGetFindingDetails
for one active finding per CVE, ten findings a call (its CISA Known Exploited Vulnerabilities data).

One ``regions`` record per region holds the status, the active findings (first-observed time and
vulnerability id only) and the CISA KEV dates of their CVEs; one ``coverage`` record per covered resource.
"""

from __future__ import annotations

from postureflow.collect.base import OK, Outcome, RegionScope, collector

DETAILS_BATCH = 10  # BatchGetFindingDetails takes at most ten finding ARNs
# BatchGetFindingDetails error meaning "Inspector holds no intelligence on this CVE": not a KEV, not a gap.
NO_DETAILS = "FINDING_DETAILS_NOT_FOUND"


@collector("inspector2")
def collect_inspector2(scope: RegionScope) -> None:
    client = scope.client("inspector2")
    state = _account_state(scope, client)
    enabled = state.ok and state.value["status"] == "ENABLED"
    findings = coverage = kev = Outcome(OK, None)
    unknown: list[str] = []
    if enabled:
        own = {"comparison": "EQUALS", "value": scope.account_id}
        active = {"comparison": "EQUALS", "value": "ACTIVE"}
        findings = scope.list(client, "list_findings", "findings", filterCriteria={"awsAccountId": [own],
                              "findingStatus": [active]}, PaginationConfig={"PageSize": 100})  # fmt: skip
        coverage = scope.list(client, "list_coverage", "coveredResources", kind="coverage",
                              filterCriteria={"accountId": [own]}, PaginationConfig={"PageSize": 200})  # fmt: skip
        kev, unknown = _known_exploited(scope, client, findings.value or [])
        for covered in coverage.value or []:
            _add_covered(scope, covered)
    scope.add(
        "regions",
        uid=scope.arn("inspector2", "inspector2"),
        id=f"inspector2-{scope.region}",
        status=state.map(lambda s: s["status"]),
        scan_types=state.map(lambda s: s["scan_types"]),
        findings=findings.map(lambda items: None if items is None else [_finding(f) for f in items]),
        coverage_listed=coverage.map(lambda items: None if items is None else len(items)),
        known_exploited=kev,
        known_exploited_unknown=sorted(unknown),
    )


def _account_state(scope: RegionScope, client) -> Outcome:
    """{"status": ..., "scan_types": {"ec2": ..., "ecr": ..., "lambda": ..., "lambdaCode": ...}}."""
    answer = scope.fetch(client, "batch_get_account_status", accountIds=[scope.account_id])
    if not answer.ok:
        return answer
    mine = next((a for a in answer.value.get("accounts") or [] if a.get("accountId") == scope.account_id), None)
    if mine is None:
        failed = next((a for a in answer.value.get("failedAccounts") or [] if a.get("accountId") == scope.account_id), {})
        # an answer without this account's state is a read that failed, recorded like one
        return scope.failed(answer.api, failed.get("errorCode") or "NoAccountState",
                             failed.get("errorMessage") or "BatchGetAccountStatus returned no state for this account")  # fmt: skip
    return Outcome(OK, {
        "status": (mine.get("state") or {}).get("status"),
        "scan_types": {name: (value or {}).get("status") for name, value in (mine.get("resourceState") or {}).items()},
    }, answer.api)  # fmt: skip


def _finding(finding: dict) -> dict:
    return {
        "first_observed": finding.get("firstObservedAt"),
        "vulnerability_id": (finding.get("packageVulnerabilityDetails") or {}).get("vulnerabilityId"),
    }


def _known_exploited(scope: RegionScope, client, findings: list[dict]) -> tuple[Outcome, list[str]]:
    """({CVE: {"added", "due"}} for the CVEs CISA lists as exploited, [CVEs whose lookup failed])."""
    representative: dict[str, str] = {}
    for finding in findings:
        cve = (finding.get("packageVulnerabilityDetails") or {}).get("vulnerabilityId") or ""
        if cve.startswith("CVE-") and finding.get("findingArn"):
            representative.setdefault(cve, finding["findingArn"])
    cve_of = {arn: cve for cve, arn in representative.items()}
    arns = sorted(cve_of)
    batches = [arns[i : i + DETAILS_BATCH] for i in range(0, len(arns), DETAILS_BATCH)]
    known: dict[str, dict] = {}
    unknown: list[str] = []
    for batch, answer in zip(batches, scope.each(batches, lambda b: scope.fetch(client, "batch_get_finding_details", findingArns=b))):
        if not answer.ok:
            unknown.extend(cve_of[arn] for arn in batch)
            continue
        for detail in answer.value.get("findingDetails") or []:
            cisa = detail.get("cisaData")
            if cisa and detail.get("findingArn") in cve_of:
                known[cve_of[detail["findingArn"]]] = {"added": cisa.get("dateAdded"), "due": cisa.get("dateDue")}
        for error in answer.value.get("errors") or []:
            if error.get("errorCode") != NO_DETAILS and error.get("findingArn") in cve_of:
                unknown.append(cve_of[error["findingArn"]])
    return Outcome(OK, known), unknown


def _add_covered(scope: RegionScope, covered: dict) -> None:
    resource_id, resource_type = covered.get("resourceId", ""), covered.get("resourceType", "")
    uid = resource_id
    if resource_type == "AWS_EC2_INSTANCE" and not resource_id.startswith("arn:"):
        uid = scope.arn("ec2", f"instance/{resource_id}")
    status = covered.get("scanStatus") or {}
    scope.add(
        "coverage",
        uid=uid,
        id=resource_id,
        resource_type=resource_type,
        scan_type=covered.get("scanType"),
        status_code=status.get("statusCode"),
        reason=status.get("reason"),
        last_scanned=covered.get("lastScannedAt"),
    )
