"""Forward one account's findings for one scan date to AWS Security Hub.

The entry point the DAG calls (as its last task, with the account's own AWS
access) is :func:`forward_findings`, three steps: :func:`plan_forward` (the
delta, from the lake only; see ``postureflow.securityhub.delta``),
:func:`send_plan` (BatchImportFindings, region by region) and
:func:`commit_forward` (the forwarding state and errors, in the lake):

- a region where Security Hub is off (DescribeHub answers
  InvalidAccessException) is skipped with one warning; its findings stay
  pending and go out on the first run after the hub is enabled;
- batches hold at most 100 findings and 6 MB; throttling is ridden out by
  botocore's adaptive retries (the AwsAccess clients);
- findings listed in ``FailedFindings`` are retried a few times, then reported
  in the log, in the returned result and in the lake's ``securityhub_errors``;
- the forwarding state advances only for findings Security Hub accepted, so
  the next run sends the rest again;
- the first forward into a region archives Prowler's active findings there for
  the checks postureflow forwards (``postureflow.securityhub.takeover``), so no
  duplicate stays active. Re-running a day is safe: what was
  accepted is not sent twice, and a day older than the state is not forwarded
  over newer data.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Iterator

from botocore.exceptions import BotoCoreError, ClientError

from postureflow.aws import AwsAccess
from postureflow.lake.store import Lake
from postureflow.securityhub import state as sh_state
from postureflow.securityhub.asff import load_check_info
from postureflow.securityhub.delta import ACTIVE, ACTIVE_KINDS, ARCHIVE_KINDS, ARCHIVED, Delta, Outgoing, compute_delta
from postureflow.securityhub.options import ForwardOptions
from postureflow.securityhub.takeover import take_over

log = logging.getLogger(__name__)

MAX_BATCH_FINDINGS = 100
MAX_BATCH_BYTES = 6 * 1000 * 1000 - 16 * 1000  # 6 MB, less room for the request's own JSON
MAX_ATTEMPTS = 3  # tries per finding when Security Hub lists it in FailedFindings
RETRY_DELAYS = (1.0, 4.0)  # seconds before the 2nd and 3rd attempt
MAX_REGION_THREADS = 8

NOT_ENABLED = "InvalidAccessException"
# A whole request failing with these will fail again: stop the region instead of retrying every batch.
REGION_FATAL = {
    "AccessDenied",
    "AccessDeniedException",
    "InvalidAccessException",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "ExpiredToken",
    "ExpiredTokenException",
    "AuthFailure",
}


@dataclass
class FailedFinding:
    finding_uid: str | None
    region: str
    check_id: str | None
    record_state: str | None
    error_code: str
    message: str
    attempts: int = 0


@dataclass
class ForwardResult:
    account_id: str
    scan_date: str
    enabled: bool = True
    sent_active: int = 0
    sent_archived: int = 0
    failed: int = 0
    unchanged: int = 0
    pending: int = 0  # findings left for a later run: regions skipped, gone findings awaiting a clean scan
    trimmed: int = 0
    prowler_archived: int = 0  # Prowler's findings archived on the first forward into a region
    import_calls: int = 0
    skipped_regions: list[str] = field(default_factory=list)
    sent_by_kind: dict[str, int] = field(default_factory=dict)
    failures: list[FailedFinding] = field(default_factory=list)
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.failed == 0

    def as_dict(self, max_failures: int = 20) -> dict:
        """Small enough for XCom: counts plus the first few failures."""
        data = asdict(self)
        data["failures"] = data["failures"][:max_failures]
        return data


@dataclass
class _RegionOutcome:
    region: str
    accepted: list[Outgoing] = field(default_factory=list)
    failures: list[FailedFinding] = field(default_factory=list)
    skipped: bool = False
    calls: int = 0
    prowler_archived: int = 0


def batches(items: list[Outgoing], max_findings: int = MAX_BATCH_FINDINGS, max_bytes: int = MAX_BATCH_BYTES) -> Iterator[list[Outgoing]]:
    """Consecutive batches of at most ``max_findings`` documents and ``max_bytes`` of JSON."""
    batch: list[Outgoing] = []
    size = 0
    for item in items:
        if batch and (len(batch) >= max_findings or size + item.built.size + 1 > max_bytes):
            yield batch
            batch, size = [], 0
        batch.append(item)
        size += item.built.size + 1
    if batch:
        yield batch


def _error(err: Exception) -> tuple[str, str]:
    if not isinstance(err, ClientError):
        return type(err).__name__, str(err)[:1000]
    error = err.response.get("Error", {})
    return str(error.get("Code") or "ClientError"), str(error.get("Message") or err)[:1000]


def _send_region(access: AwsAccess, region: str, items: list[Outgoing], check_hub: bool = True,
                 takeover_for: str | None = None, now: dt.datetime | None = None) -> _RegionOutcome:
    """Send ``items``; then, with ``takeover_for`` (the account id), archive Prowler's findings they replace."""
    outcome = _import_region(access, region, items, check_hub)
    if takeover_for and not outcome.skipped and outcome.accepted:
        try:
            taken = take_over(access, region, takeover_for, outcome.accepted,
                              now or dt.datetime.now(dt.timezone.utc))
        except (ClientError, BotoCoreError) as err:
            code, message = _error(err)
            log.error("Security Hub in %s: taking over Prowler's findings failed (%s: %s)", region, code, message)
            outcome.failures.append(FailedFinding(None, region, None, ARCHIVED, code, f"Prowler takeover: {message}", 1))
            return outcome
        outcome.prowler_archived = taken.archived
        outcome.failures += [FailedFinding(None, region, None, ARCHIVED, code, f"Prowler finding {fid}: {message}", 1)
                             for fid, code, message in taken.failed]
    return outcome


def _import_region(access: AwsAccess, region: str, items: list[Outgoing], check_hub: bool = True) -> _RegionOutcome:
    outcome = _RegionOutcome(region)
    client = access.client("securityhub", region)
    if check_hub:
        try:
            client.describe_hub()
        except (ClientError, BotoCoreError) as err:
            code, message = _error(err)
            if code == NOT_ENABLED:
                outcome.skipped = True
                return outcome
            log.error("Security Hub in %s: DescribeHub failed (%s: %s)", region, code, message)
            outcome.failures = [_failed(o, code, message, 0) for o in items]
            return outcome

    pending = items
    last_error: dict[str, tuple[str, str]] = {}
    for attempt in range(1, MAX_ATTEMPTS + 1):
        retry: list[Outgoing] = []
        for batch in batches(pending):
            outcome.calls += 1
            try:
                response = client.batch_import_findings(Findings=[o.built.doc for o in batch])
            except (ClientError, BotoCoreError) as err:
                code, message = _error(err)
                for o in batch:
                    last_error[o.finding_uid] = (code, message)
                if code in REGION_FATAL:
                    log.error("Security Hub in %s refused the import (%s: %s); stopping this region", region, code, message)
                    done = {o.finding_uid for o in outcome.accepted}
                    rest = [o for o in pending if o.finding_uid not in done]
                    outcome.failures = [_failed(o, *last_error.get(o.finding_uid, (code, message)), attempt) for o in rest]
                    return outcome
                retry.extend(batch)
                continue
            failed = {f.get("Id"): f for f in response.get("FailedFindings") or []}
            for o in batch:
                if o.finding_uid in failed:
                    entry = failed[o.finding_uid]
                    last_error[o.finding_uid] = (
                        str(entry.get("ErrorCode") or "FailedFinding"),
                        str(entry.get("ErrorMessage") or "")[:1000],
                    )
                    retry.append(o)
                else:
                    outcome.accepted.append(o)
        if not retry:
            return outcome
        pending = retry
        if attempt < MAX_ATTEMPTS:
            log.warning(
                "Security Hub in %s did not accept %d finding(s) (%s); retrying (attempt %d of %d)",
                region, len(retry), sorted({last_error[o.finding_uid][0] for o in retry}), attempt + 1, MAX_ATTEMPTS,
            )
            delay = RETRY_DELAYS[min(attempt - 1, len(RETRY_DELAYS) - 1)] if RETRY_DELAYS else 0
            if delay:
                time.sleep(delay)
    outcome.failures = [_failed(o, *last_error[o.finding_uid], MAX_ATTEMPTS) for o in pending]
    return outcome


def _failed(o: Outgoing, code: str, message: str, attempts: int) -> FailedFinding:
    return FailedFinding(o.finding_uid, o.region, o.check_id, o.record_state, code, message, attempts)


@dataclass
class ForwardPlan:
    """What one forwarding run will send (step 1 of plan, send, commit)."""

    account_id: str
    scan_date: dt.date
    now: dt.datetime
    result: ForwardResult
    delta: Delta | None = None
    by_region: dict[str, list[Outgoing]] = field(default_factory=dict)
    failures: list[FailedFinding] = field(default_factory=list)  # documents that could not be built
    final: bool = False  # nothing to send or commit (disabled, older day): ``result`` is the answer


def plan_forward(
    lake: Lake,
    account_id: str,
    scan_date: dt.date,
    options: ForwardOptions,
    regions: list[str] | None = None,
    now: dt.datetime | None = None,
) -> ForwardPlan:
    """Compute the delta for (account, scan date); reads the lake, calls nothing."""
    if isinstance(scan_date, dt.datetime):
        scan_date = scan_date.date()
    now = now or dt.datetime.now(dt.timezone.utc)
    result = ForwardResult(account_id=account_id, scan_date=scan_date.isoformat())
    plan = ForwardPlan(account_id, scan_date, now, result)
    if not options.enabled:
        result.enabled = False
        result.message = "Security Hub forwarding is not enabled for this account (securityhub: {enabled: true})"
        log.info("%s", result.message)
        plan.final = True
        return plan

    delta = compute_delta(lake, account_id, scan_date, options, regions, now, load_check_info())
    if delta.watermark is not None and scan_date < delta.watermark:
        result.message = (
            f"Security Hub already holds findings of {delta.watermark} for account {account_id}; "
            f"{scan_date} is older and is not forwarded over them"
        )
        log.warning("%s", result.message)
        plan.final = True
        return plan

    plan.delta = delta
    result.unchanged = delta.unchanged
    result.pending = delta.waiting
    plan.failures = [
        FailedFinding(f.finding_uid, f.region, f.check_id, f.record_state, f.error_code, f.message, 0)
        for f in delta.failures
    ]
    for o in delta.outgoing:
        plan.by_region.setdefault(o.region, []).append(o)
    log.info(
        "Security Hub delta for %s on %s: %d to activate, %d to archive, %d unchanged, %d not observed, "
        "across %d region(s)",
        account_id, scan_date, delta.count(*ACTIVE_KINDS), delta.count(*ARCHIVE_KINDS), delta.unchanged,
        delta.waiting, len(plan.by_region),
    )
    return plan


def send_plan(plan: ForwardPlan, access: AwsAccess) -> list[_RegionOutcome]:
    """BatchImportFindings for every region of the plan, regions in parallel; writes nothing."""
    if not plan.by_region:
        return []
    caller = access.caller_account_id()
    if caller != plan.account_id:
        raise ValueError(
            f"the AWS credentials are for account {caller}, not {plan.account_id}: Security Hub only "
            "accepts findings from the account they belong to"
        )
    # the first forward into a region (no state there yet) takes over what Prowler sent to that hub
    known = {row["region"] for row in (plan.delta.state_rows if plan.delta else {}).values()}
    workers = max(1, min(MAX_REGION_THREADS, len(plan.by_region)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="securityhub") as pool:
        return list(pool.map(
            lambda kv: _send_region(access, kv[0], kv[1], takeover_for=None if kv[0] in known else plan.account_id,
                                    now=plan.now),
            sorted(plan.by_region.items()),
        ))


def commit_forward(
    lake: Lake, plan: ForwardPlan, outcomes: list[_RegionOutcome], run_id: str | None = None
) -> ForwardResult:
    """Advance the forwarding state for what Security Hub accepted; record what it did not."""
    result, failures = plan.result, list(plan.failures)
    accepted: list[Outgoing] = []
    for outcome in outcomes:
        result.import_calls += outcome.calls
        result.prowler_archived += outcome.prowler_archived
        if outcome.skipped:
            waiting = len(plan.by_region[outcome.region])
            result.skipped_regions.append(outcome.region)
            result.pending += waiting
            log.warning(
                "Security Hub is not enabled in %s for account %s: skipped, %d finding(s) kept pending",
                outcome.region, plan.account_id, waiting,
            )
            failures.append(
                FailedFinding(None, outcome.region, None, None, NOT_ENABLED, f"Security Hub is not enabled; {waiting} finding(s) pending", 0)
            )
            continue
        accepted.extend(outcome.accepted)
        failures.extend(outcome.failures)

    _save_state(lake, plan.account_id, plan.delta, accepted)
    for o in accepted:
        if o.record_state == ACTIVE:
            result.sent_active += 1
        else:
            result.sent_archived += 1
        result.trimmed += bool(o.built.trimmed)
    result.sent_by_kind = _kinds(accepted)
    result.failures = [f for f in failures if f.finding_uid is not None]
    result.failed = len(result.failures)
    for f in result.failures:
        log.error(
            "Security Hub did not accept finding %s (%s, %s, %s) after %d attempt(s): %s: %s",
            f.finding_uid, f.check_id, f.region, f.record_state, f.attempts, f.error_code, f.message,
        )
    sh_state.write_errors(
        lake, plan.account_id, plan.scan_date, _error_rows(failures, plan.account_id, plan.scan_date, run_id, plan.now)
    )
    log.info(
        "Security Hub for %s on %s: %d active, %d archived, %d failed, %d unchanged, %d pending, "
        "%d BatchImportFindings call(s), skipped regions: %s",
        plan.account_id, plan.scan_date, result.sent_active, result.sent_archived, result.failed, result.unchanged,
        result.pending, result.import_calls, ", ".join(result.skipped_regions) or "none",
    )
    return result


def forward_findings(
    lake: Lake,
    access: AwsAccess,
    account_id: str,
    scan_date: dt.date,
    options: ForwardOptions,
    regions: list[str] | None = None,
    *,
    run_id: str | None = None,
    now: dt.datetime | None = None,
    dry_run: bool = False,
) -> ForwardResult:
    """Send the (account, scan date) delta to Security Hub; return what happened.

    ``access`` must be the account's own (BatchImportFindings only takes a
    finding from the account it belongs to). ``regions`` limits forwarding to
    those regions (the run's enabled regions); findings elsewhere are left
    alone. ``dry_run`` computes the delta and calls nothing.
    """
    plan = plan_forward(lake, account_id, scan_date, options, regions, now)
    if plan.final:
        return plan.result
    if dry_run:
        plan.result.sent_by_kind = _kinds(plan.delta.outgoing)
        plan.result.message = "dry run: nothing was sent"
        return plan.result
    return commit_forward(lake, plan, send_plan(plan, access), run_id)


def _kinds(items: list[Outgoing]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for o in items:
        counts[o.kind] = counts.get(o.kind, 0) + 1
    return dict(sorted(counts.items()))


def _save_state(lake: Lake, account_id: str, delta: Delta, accepted: list[Outgoing]) -> None:
    if not accepted:
        return
    rows = dict(delta.state_rows)
    for o in accepted:
        rows[o.finding_uid] = o.state_row
    sh_state.write_state(lake, account_id, sorted(rows.values(), key=lambda r: r["finding_uid"]))


def _error_rows(failures, account_id, scan_date, run_id, now) -> list[dict]:
    return [
        {
            "region": f.region,
            "finding_uid": f.finding_uid,
            "check_id": f.check_id,
            "record_state": f.record_state,
            "error_code": f.error_code,
            "message": f.message,
            "attempts": f.attempts,
            "run_id": run_id,
            "occurred_at": now,
            "scan_date": scan_date,
            "account_id": account_id,
        }
        for f in failures
    ]


__all__ = [
    "ForwardPlan", "ForwardResult", "FailedFinding", "forward_findings", "plan_forward", "send_plan", "commit_forward",
    "batches", "ARCHIVED", "ACTIVE",
]
