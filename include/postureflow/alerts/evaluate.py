"""The rules over one run: what becomes true (to send), what stopped being true (resolved), nothing else.

Pure functions of the run's observation, the alert state before the run, and the run's task
states: no lake, no network. Per rule and subject (a finding, a scan error, the run):

- open state and still true, or not observed: nothing (no repeat, no noise);
- no state, or resolved, and now true: an event to send (``regression`` when it passed before);
- open and seen not true (passing, muted or gone where the scan was complete): ``resolved``, not sent;
- a rule's first run for an account (``first_run: baseline``): what is already true is recorded, not sent.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from postureflow.alerts.observe import Observation, is_failing
from postureflow.alerts.rules import FINDING_CONDITIONS, SEVERITIES, AlertsConfig, Rule
from postureflow.alerts.state import BASELINE_KEY, OPEN, RESOLVED, AlertRow

SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}


@dataclass
class Decision:
    rows: list[AlertRow] = field(default_factory=list)  # everything to record
    baselined: list[str] = field(default_factory=list)  # rules whose first run this was

    def to_send(self, rule: str) -> list[AlertRow]:
        return [r for r in self.rows if r.rule == rule and r.state == OPEN and r.event not in ("baseline",)]


@functools.lru_cache(maxsize=None)
def framework_checks(key: str) -> frozenset[str]:
    from postureflow.compliance.frameworks import load_frameworks

    return frozenset(load_frameworks()[key].all_checks())


def _tags(finding: dict) -> dict:
    tags = finding.get("resource_tags") or {}
    return dict(tags) if isinstance(tags, list) else tags


def matches(rule: Rule, finding: dict) -> bool:
    if rule.min_severity and SEVERITY_RANK.get(finding.get("severity"), 9) > SEVERITY_RANK[rule.min_severity]:
        return False
    if rule.services and finding.get("service") not in rule.services:
        return False
    if rule.regions and finding.get("region") not in rule.regions:
        return False
    if rule.checks and finding.get("check_id") not in rule.checks:
        return False
    if rule.frameworks and not any(finding.get("check_id") in framework_checks(k) for k in rule.frameworks):
        return False
    if rule.tags:
        tags = _tags(finding)
        if any(k not in tags or (v != "*" and tags[k] != v) for k, v in rule.tags.items()):
            return False
    return True


def _finding_row(rule: Rule, finding: dict, event: str, state: str = OPEN) -> AlertRow:
    return AlertRow(
        rule=rule.name, key=finding["finding_uid"], event=event, state=state, severity=finding.get("severity"),
        check_id=finding.get("check_id"), service=finding.get("service"), region=finding.get("region"),
        resource_uid=finding.get("resource_uid"), summary=finding.get("status_extended"), extra=finding,
    )


def _resolved(rule: Rule, previous: dict) -> AlertRow:
    return AlertRow(rule=rule.name, key=previous["key"], event="resolved", state=RESOLVED,
                    severity=previous.get("severity"), check_id=previous.get("check_id"),
                    service=previous.get("service"), region=previous.get("region"),
                    resource_uid=previous.get("resource_uid"), summary=previous.get("summary"))


def error_key(error: dict) -> str:
    return "|".join(str(error.get(k) or "") for k in ("service", "region", "api", "error_code"))


def _open_keys(state: dict, rule: str) -> dict[str, dict]:
    return {key: row for (name, key), row in state.items()
            if name == rule and key != BASELINE_KEY and row["state"] == OPEN}


def evaluate(
    config: AlertsConfig,
    obs: Observation,
    state: dict[tuple[str, str], dict],
    previous: dict[str, str],
    streaks: dict[int, set[str]] | None = None,
    failed_tasks: list[str] | None = None,
) -> Decision:
    """``previous``: finding_uid -> status at the previous scan; ``streaks``: days -> uids failing that long;
    ``failed_tasks``: the run's failed or skipped tasks (None: unknown, the scan_failed rules stay as they are)."""
    decision = Decision()
    for rule in config.rules:
        first = (rule.name, BASELINE_KEY) not in state and config.first_run == "baseline"
        if rule.when in FINDING_CONDITIONS:
            rows = _finding_rule(rule, obs, state, previous, (streaks or {}).get(rule.days or 0, set()))
        elif rule.when == "scan_error":
            rows = _error_rule(rule, obs, state)
        else:
            rows = _run_rule(rule, obs, state, failed_tasks)
        if first:
            for row in rows:
                if row.state == OPEN:
                    row.event = "baseline"
            rows.append(AlertRow(rule=rule.name, key=BASELINE_KEY, event="baseline", state=OPEN,
                                 summary=f"first run of rule {rule.name}: {len(rows)} subject(s) recorded, none sent"))
            decision.baselined.append(rule.name)
        elif (rule.name, BASELINE_KEY) not in state:
            rows.append(AlertRow(rule=rule.name, key=BASELINE_KEY, event="baseline", state=OPEN,
                                 summary=f"first run of rule {rule.name} (first_run: alert)"))
        decision.rows.extend(rows)
    return decision


def _finding_rule(rule: Rule, obs: Observation, state: dict, previous: dict[str, str],
                  streak: set[str]) -> list[AlertRow]:
    rows: list[AlertRow] = []
    true_now: set[str] = set()
    for finding in obs.findings:
        if not is_failing(finding) or not matches(rule, finding):
            continue
        uid = finding["finding_uid"]
        if rule.when == "still_failing" and uid not in streak:
            continue
        true_now.add(uid)
        before = state.get((rule.name, uid))
        if before and before["state"] == OPEN:
            continue  # already told
        passed_before = (before is not None and before["state"] == RESOLVED) or previous.get(uid) == "PASS"
        if rule.when == "regression" and not passed_before:
            continue
        event = "still_failing" if rule.when == "still_failing" else ("regression" if passed_before else "new")
        rows.append(_finding_row(rule, finding, event))
    for uid, before in _open_keys(state, rule.name).items():
        if uid not in true_now and obs.state_of(uid, before.get("service"), before.get("region")) == "not_failing":
            rows.append(_resolved(rule, before))
    return rows


def _error_rule(rule: Rule, obs: Observation, state: dict) -> list[AlertRow]:
    rows: list[AlertRow] = []
    now: set[str] = set()
    for error in obs.errors:
        if (rule.services and error.get("service") not in rule.services) or (
            rule.regions and error.get("region") not in rule.regions
        ):
            continue
        key = error_key(error)
        if key in now:
            continue
        now.add(key)
        before = state.get((rule.name, key))
        if before and before["state"] == OPEN:
            continue
        rows.append(AlertRow(
            rule=rule.name, key=key, event="scan_error", state=OPEN, service=error.get("service"),
            region=error.get("region"), summary=f"{error.get('api')}: {error.get('error_code')} {error.get('message') or ''}".strip(),
            extra=error,
        ))
    for key, before in _open_keys(state, rule.name).items():
        if key not in now and before.get("service") in obs.scanned_services:
            rows.append(_resolved(rule, before))
    return rows


def _run_rule(rule: Rule, obs: Observation, state: dict, failed_tasks: list[str] | None) -> list[AlertRow]:
    if failed_tasks is None:
        return []
    relevant = [t for t in failed_tasks
                if not (rule.services and t.startswith("scan_") and t.split(" ")[0][len("scan_"):] not in rule.services)]
    before = state.get((rule.name, "run"))
    is_open = before is not None and before["state"] == OPEN
    if relevant and not is_open:
        return [AlertRow(rule=rule.name, key="run", event="scan_failed", state=OPEN,
                         summary=f"scan of {obs.account_id} on {obs.scan_date}: {', '.join(relevant)}")]
    if not relevant and is_open:
        return [_resolved(rule, before)]
    return []
