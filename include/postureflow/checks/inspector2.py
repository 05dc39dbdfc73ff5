"""Amazon Inspector (inspector2) checks: enabled for the workloads a region runs, active findings (any, CISA
Known Exploited Vulnerabilities, overdue ones, old ones) and coverage of scanned resources."""

from __future__ import annotations

from postureflow.checks._in_use import SCAN_UNUSED, judged
from postureflow.checks.base import FAIL, MANUAL, NO_VERDICT, PASS, check, days_since, parse_time
from postureflow.policy import summary

ENABLED = "ENABLED"
# Scan types and what makes them matter in a region (Prowler's rule without scan_unused_services).
SCAN_TYPES = (("ec2", "EC2", "instances"), ("ecr", "ECR", "repositories"), ("lambda", "Lambda", "functions"),
              ("lambdaCode", "Lambda Code", "functions"))  # fmt: skip


def _enabled(regions):
    return [r for r in regions if r.get("status") == ENABLED]


def _no_verdict(resource, why: str):
    return MANUAL(resource, f"{NO_VERDICT} {resource.id}: {why}.")


@check(
    id="inspector2_is_enabled",
    title="Inspector is enabled for the EC2 instances, ECR images and Lambda functions of the region",
    severity="medium",
    resource_type="Other",
    reads=["inspector2.regions", "ec2.instances", "ecr.repositories", "awslambda.functions"],
    config=[SCAN_UNUSED],
    risk="Workloads Inspector does not scan run with known vulnerabilities nobody is told about.",
    remediation="Enable Inspector (inspector2 enable --resource-types EC2 ECR LAMBDA LAMBDA_CODE), through the "
    "delegated administrator for every account of an organization.",
)
def inspector2_is_enabled(regions, instances, repositories, functions, config):
    present = {"instances": {i.region for i in instances}, "repositories": {r.region for r in repositories},
               "functions": {f.region for f in functions}}  # fmt: skip
    for region in regions:
        status = region.get("status")
        if status != ENABLED:
            yield FAIL(region, f"Inspector is not enabled in {region.region} (status {status}).")
            continue
        scan_types = region.get("scan_types") or {}
        # Prowler compares EC2 instances to the region name and so never sees any (EC2 only counts with
        # scan_unused_services); here a region with instances needs EC2 scanning like the other types.
        # With scan_unused_services every scan type counts, whatever the region runs (as in Prowler).
        off = [label for key, label, kind in SCAN_TYPES
               if scan_types.get(key) != ENABLED and judged(config, region.region in present[kind])]  # fmt: skip
        if off:
            runs = "" if config["scan_unused_services"] else ", which the region runs"
            yield FAIL(region, f"Inspector in {region.region} does not scan {', '.join(off)}{runs}.")
        else:
            yield PASS(region, f"Inspector is enabled in {region.region} for every workload type the region runs.")


@check(
    id="inspector2_active_findings_exist",
    title="Inspector is enabled with no active findings",
    severity="high",
    resource_type="Other",
    reads=["inspector2.regions"],
    risk="Active Inspector findings are known vulnerabilities and exposures still present in running workloads.",
    remediation="Remediate the active findings (patch packages, rebuild images, update functions) or suppress "
    "accepted ones with a documented suppression rule.",
)
def inspector2_active_findings_exist(regions):
    for region in _enabled(regions):
        findings = region.get("findings") or []
        if findings:
            yield FAIL(region, f"Inspector has {len(findings)} active finding(s) in {region.region}.")
        else:
            yield PASS(region, f"Inspector is enabled in {region.region} with no active findings.")


def _cves(region) -> set[str]:
    return {f["vulnerability_id"] for f in region.get("findings") or [] if f.get("vulnerability_id")}


def _kev(region, select, subject: str):
    """FAIL when ``select(kev data)`` picks a CVE of an active finding; no verdict when some CVE's KEV status
    could not be read and none was picked; PASS otherwise."""
    cves = _cves(region)
    known = region.get("known_exploited") or {}
    picked = sorted(f"{cve}{select(known[cve])}" for cve in cves & set(known) if select(known[cve]) is not None)
    unknown = sorted(cves & set(region.get("known_exploited_unknown") or []))
    if picked:
        return FAIL(region, f"Inspector has active findings in {region.region} for {subject}: {summary(picked, 5)}.")
    if unknown:
        return _no_verdict(region, f"the CISA KEV status of {summary(unknown, 5)} could not be read")
    return PASS(region, f"Inspector has no active findings in {region.region} for {subject}.")


@check(
    id="inspector2_active_findings_no_known_exploited_vulnerabilities",
    title="Inspector has no active findings for CISA Known Exploited Vulnerabilities",
    severity="high",
    resource_type="Other",
    reads=["inspector2.regions"],
    risk="A vulnerability CISA lists as exploited in the wild is being used by attackers now; a workload that "
    "still has it is an easy target.",
    remediation="Remediate findings for CVEs in the CISA KEV catalog first (Inspector shows cisaData on the "
    "finding's details).",
)
def inspector2_active_findings_no_known_exploited_vulnerabilities(regions):
    for region in _enabled(regions):
        yield _kev(region, lambda data: "", "CISA Known Exploited Vulnerabilities")


@check(
    id="inspector2_active_findings_kev_within_due_date",
    title="Inspector has no active CISA Known Exploited Vulnerability findings past their due date",
    severity="critical",
    resource_type="Other",
    reads=["inspector2.regions"],
    risk="CISA's due date is the deadline it sets for fixing an exploited vulnerability; past it, the workload "
    "is exposed to an attack known to work well beyond the accepted window.",
    remediation="Remediate the overdue KEV findings now; track KEV due dates in the vulnerability process.",
)
def inspector2_active_findings_kev_within_due_date(regions, now):
    def overdue(data):
        due = parse_time(data.get("due"))
        return f" (due {due.date().isoformat()})" if due is not None and due < now else None

    for region in _enabled(regions):
        yield _kev(region, overdue, "CISA Known Exploited Vulnerabilities past their due date")


@check(
    id="inspector2_active_findings_within_max_age",
    title="Inspector has no active findings older than the configured maximum age",
    severity="medium",
    resource_type="Other",
    reads=["inspector2.regions"],
    config=["inspector2_active_finding_max_age_days"],
    risk="A finding left open for months is a vulnerability the remediation process is not handling.",
    remediation="Remediate or suppress (with a documented reason) findings older than the allowed age "
    "(Prowler's default: 192 days).",
)
def inspector2_active_findings_within_max_age(regions, now, config):
    limit = config["inspector2_active_finding_max_age_days"]
    for region in _enabled(regions):
        ages = [int(age) for f in region.get("findings") or []
                if (age := days_since(f.get("first_observed"), now)) is not None]  # fmt: skip
        stale = [age for age in ages if age > limit]
        if stale:
            yield FAIL(region, f"Inspector has {len(stale)} active finding(s) in {region.region} first seen more than "
                       f"{limit} days ago (the oldest {max(stale)} days ago).")  # fmt: skip
        else:
            yield PASS(region, f"Inspector has no active finding in {region.region} older than {limit} days.")


def _coverage_unread(regions):
    """Enabled regions whose coverage could not be listed: one no verdict each (there is no resource to file on)."""
    for region in _enabled(regions):
        if not region.readable("coverage_listed"):
            yield _no_verdict(region, f"Inspector coverage of {region.region} could not be listed "
                              f"({region.unread.get('coverage_listed')})")  # fmt: skip


# Coverage states that say the resource needs no scan (stopped, excluded, gone, ...).
NOT_APPLICABLE = {"EC2_INSTANCE_STOPPED", "EXCLUDED_BY_TAG", "NO_RESOURCES_FOUND", "PENDING_DISABLE",
                  "RESOURCE_TERMINATED", "SCAN_ELIGIBILITY_EXPIRED"}  # fmt: skip
PENDING = {"PENDING_INITIAL_SCAN", "PENDING_REVIVAL_SCAN", "SCAN_IN_PROGRESS"}


@check(
    id="inspector2_coverage_scan_status_active",
    title="Inspector actively scans the resource it covers",
    severity="medium",
    resource_type="Other",
    reads=["inspector2.regions", "inspector2.coverage"],
    risk="A covered resource Inspector cannot scan (no SSM agent, unsupported OS, access denied, ...) looks "
    "protected but gets no vulnerability findings.",
    remediation="Fix what the coverage status reason names (install or register the SSM agent, use a supported "
    "OS or runtime, restore permissions) until the status is ACTIVE.",
)
def inspector2_coverage_scan_status_active(regions, coverage):
    yield from _coverage_unread(regions)
    for covered in coverage:
        if covered.get("reason") in NOT_APPLICABLE:
            continue
        kind = covered.get("resource_type")
        if covered.get("status_code") == "ACTIVE":
            yield PASS(covered, f"Inspector actively scans {kind} {covered.id}.")
        else:
            yield FAIL(covered, f"Inspector does not scan {kind} {covered.id}: {covered.get('reason') or 'no reason given'}.")


@check(
    id="inspector2_coverage_recently_scanned",
    title="Inspector scanned the covered resource within the configured number of days",
    severity="medium",
    resource_type="Other",
    reads=["inspector2.regions", "inspector2.coverage"],
    config=["inspector2_max_days_since_last_scan"],
    risk="A resource not scanned for days may carry vulnerabilities published since its last scan.",
    remediation="Find why scans stopped (agent offline, scan mode, image pull date rescan window) and restore "
    "continuous scanning.",
)
def inspector2_coverage_recently_scanned(regions, coverage, now, config):
    limit = config["inspector2_max_days_since_last_scan"]
    yield from _coverage_unread(regions)
    for covered in coverage:
        if covered.get("status_code") != "ACTIVE":
            continue  # inspector2_coverage_scan_status_active judges those
        kind, age = covered.get("resource_type"), days_since(covered.get("last_scanned"), now)
        if age is None:
            if covered.get("reason") in PENDING:
                continue  # first scan still to come
            yield FAIL(covered, f"Inspector has no recorded scan of {kind} {covered.id}.")
        elif int(age) > limit:
            yield FAIL(covered, f"Inspector last scanned {kind} {covered.id} {int(age)} days ago (limit {limit}).")
        else:
            yield PASS(covered, f"Inspector scanned {kind} {covered.id} {int(age)} days ago (limit {limit}).")
