"""The ``alerts`` task of an account's run, and the daily org-wide digest, as plain functions.

Past dates never alert: a backfill, a run whose date is older than ``max_age_days``, or a re-run of
a day the lake already has a later scan for sends nothing and records nothing (``allow_past_runs:
true`` lifts this). A retried task re-derives the same decision (the state it reads stops at the
day before) and sends each destination only what the day's partition does not already show as
delivered to it.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from typing import Any, Iterable

from postureflow.alerts import observe as obs_mod
from postureflow.alerts.deliver import DeliveryError, deliver
from postureflow.alerts.evaluate import SEVERITY_RANK, evaluate
from postureflow.alerts.render import MAX_ITEMS, Message, check_remediation, finding_link, render
from postureflow.alerts.rules import FINDING_CONDITIONS, SEVERITIES, AlertsConfig, Rule, alerts_config
from postureflow.alerts.state import AlertRow, last_state, read_rows, write_rows
from postureflow.lake import Lake

log = logging.getLogger(__name__)

ORG = "org"  # the account_id partition of the digest's rows
LABELS = {
    "new_fail": "new failing finding(s)",
    "regression": "regressed finding(s) (passed before, failing again)",
    "still_failing": "finding(s) failing for {days}+ days",
    "scan_error": "new scan error(s)",
    "scan_failed": "failed or skipped scan",
}


def past_run_reason(config: AlertsConfig, lake: Lake, account_id: str, scan_date: dt.date, backfill: bool,
                    today: dt.date) -> str | None:
    """Why this run must not alert (a past date), or None."""
    if config.allow_past_runs:
        return None
    if backfill:
        return "a backfill never alerts (alerts.allow_past_runs: true to allow)"
    if scan_date < today - dt.timedelta(days=config.max_age_days):
        return (f"scan date {scan_date} is more than {config.max_age_days} day(s) old: a past date never alerts "
                "(alerts.allow_past_runs: true to allow)")
    later = obs_mod.scanned_days(lake, account_id, after=scan_date)
    if later:
        return (f"the lake has a later scan of {account_id} ({later[-1]}): a re-run of a past date never alerts "
                "(alerts.allow_past_runs: true to allow)")
    return None


def _event_view(row: AlertRow, account_id: str, dashboard_url: str | None) -> dict:
    link = None
    if row.event not in ("scan_error", "scan_failed") and row.service:
        link = finding_link(dashboard_url, account_id, row.service, row.key)
    return {"event": row.event, "severity": row.severity, "check_id": row.check_id, "service": row.service,
            "region": row.region, "resource_uid": row.resource_uid, "finding_uid": row.key if link else None,
            "summary": row.summary, "remediation": check_remediation(row.check_id), "link": link,
            "title": (row.extra or {}).get("check_title")}


def alert_message(account, config: AlertsConfig, rule: Rule, rows: list[AlertRow], day: dt.date) -> Message:
    rows = sorted(rows, key=lambda r: (SEVERITY_RANK.get(r.severity, 9), r.check_id or "", r.key))
    events = [_event_view(r, account.account_id, config.dashboard_url) for r in rows]
    label = LABELS[rule.when].format(days=rule.days)
    worst = next((r.severity for r in rows if r.severity), None)
    subject = f"[postureflow] {account.alias}: {len(rows)} {label}" + (f", worst {worst}" if worst else "")
    values = dict(title=subject, account={"alias": account.alias, "account_id": account.account_id},
                  scan_date=day.isoformat(), rule={"name": rule.name, "when": rule.when},
                  events=events[:MAX_ITEMS], more=max(0, len(events) - MAX_ITEMS))
    text, html = render("alert.html", **values)
    data = {"account_id": account.account_id, "alias": account.alias, "scan_date": day.isoformat(),
            "rule": rule.name, "condition": rule.when, "events": events}
    return Message(subject, text, html, data)


def run_alerts(account, lake: Lake, scan_date: dt.date, run_id: str, *, backfill: bool = False,
               regions: Iterable[str] = (), failed_tasks: list[str] | None = None,
               today: dt.date | None = None) -> dict[str, Any]:
    """Evaluate ``account``'s rules over its run of ``scan_date``, deliver, record. Raises DeliveryError
    (after recording what did go out) when a destination refused, so that a retry sends the rest."""
    config = alerts_config(getattr(account, "alerts", None))
    if not config.rules:
        return {"skipped": "no alert rules for this account"}
    today = today or dt.datetime.now(dt.timezone.utc).date()
    reason = past_run_reason(config, lake, account.account_id, scan_date, backfill, today)
    if reason:
        log.info("alerts for %s on %s: %s", account.alias, scan_date, reason)
        return {"skipped": reason}
    observation = obs_mod.observe(lake, account.account_id, scan_date, regions)
    state = last_state(lake, account.account_id, scan_date)
    previous = obs_mod.previous_status(lake, account.account_id, scan_date) if any(
        r.when in FINDING_CONDITIONS for r in config.rules) else {}
    streaks = {d: obs_mod.failing_for(lake, account.account_id, scan_date, d)
               for d in {r.days for r in config.rules if r.when == "still_failing"}}
    decision = evaluate(config, observation, state, previous, streaks, failed_tasks)
    # A retry: what earlier attempts of this day already delivered, per (rule, subject).
    delivered = {(r["rule"], r["key"]): list(r["destinations"] or []) for r in read_rows(lake, account.account_id, scan_date)}
    for row in decision.rows:
        row.destinations = delivered.get((row.rule, row.key), [])
    write_rows(lake, account.account_id, scan_date, run_id, decision.rows)

    sent: Counter = Counter()
    failures = []
    for rule in config.rules:
        events = decision.to_send(rule.name)
        for name in rule.notify:
            pending = [e for e in events if name not in e.destinations]
            if not pending:
                continue
            message = alert_message(account, config, rule, pending, scan_date)
            try:
                deliver(config.destinations[name], message)
            except Exception as err:  # noqa: BLE001 - the others still go out; the task fails at the end
                log.error("alert %s to %s failed: %s", rule.name, name, err)
                failures.append(f"{rule.name} -> {name}: {err}")
                continue
            for e in pending:
                e.destinations.append(name)
            sent[name] += 1
            write_rows(lake, account.account_id, scan_date, run_id, decision.rows)
    result = {
        "messages": dict(sent),
        "alerts": {r.name: len(decision.to_send(r.name)) for r in config.rules},
        "resolved": sum(1 for r in decision.rows if r.event == "resolved"),
        "baselined": decision.baselined,
    }
    log.info("alerts for %s on %s: %s", account.alias, scan_date, result)
    if failures:
        raise DeliveryError("; ".join(failures))
    return result


# -- the daily digest -----------------------------------------------------------------------------


def digest_config(accounts: list) -> AlertsConfig | None:
    """The org-wide digest settings (they come from defaults.alerts, so every account carries the same)."""
    for account in accounts:
        config = alerts_config(getattr(account, "alerts", None))
        if config.digest:
            return config
    return None


def digest_data(accounts: list, lake: Lake, day: dt.date, config: AlertsConfig) -> dict:
    levels = [s for s in SEVERITIES if SEVERITY_RANK[s] <= SEVERITY_RANK[config.digest.min_severity]]
    rows, new, missing = [], [], []
    for account in accounts:
        observation = obs_mod.observe(lake, account.account_id, day)
        if not observation.scanned_services:
            missing.append(f"{account.alias} ({account.account_id})")
            rows.append({"account_id": account.account_id, "scan_date": None,
                         "failing": {s: 0 for s in SEVERITIES}, "new_total": 0})
            continue
        previous = obs_mod.previous_status(lake, account.account_id, day)
        failing = Counter(f["severity"] for f in observation.findings if obs_mod.is_failing(f))
        fresh = [f for f in observation.findings if obs_mod.is_failing(f) and previous.get(f["finding_uid"]) != "FAIL"]
        rows.append({"account_id": account.account_id, "scan_date": day.isoformat(),
                     "failing": {s: failing.get(s, 0) for s in SEVERITIES}, "new_total": len(fresh)})
        for f in fresh:
            if f["severity"] in levels:
                new.append({**{k: f[k] for k in ("account_id", "check_id", "severity", "status_extended",
                                                   "resource_uid", "region", "service", "finding_uid")},
                            "remediation": check_remediation(f["check_id"]),
                            "link": finding_link(config.dashboard_url, f["account_id"], f["service"], f["finding_uid"])})
    new.sort(key=lambda f: (SEVERITY_RANK[f["severity"]], f["account_id"], f["check_id"], f["resource_uid"] or ""))
    return {"day": day.isoformat(), "accounts": rows, "new": new, "missing": missing, "levels": " and ".join(levels)}


def digest_message(data: dict, config: AlertsConfig) -> Message:
    total_new = len(data["new"])
    subject = f"[postureflow] daily digest {data['day']}: {total_new} new {data['levels']} finding(s)"
    text, html = render("digest.html", title=subject, severities=SEVERITIES, accounts=data["accounts"],
                        new=data["new"][:MAX_ITEMS], more=max(0, total_new - MAX_ITEMS), missing=data["missing"],
                        day=data["day"], levels=data["levels"], dashboard_url=config.dashboard_url)
    return Message(subject, text, html, {"digest": data})


def run_digest(accounts: list, lake: Lake, day: dt.date, run_id: str, *, backfill: bool = False,
               today: dt.date | None = None) -> dict[str, Any]:
    """Send the digest of ``day`` once per destination (recorded in the alerts dataset under account ``org``)."""
    config = digest_config(accounts)
    if config is None:
        return {"skipped": "no digest configured (defaults.alerts.digest)"}
    today = today or dt.datetime.now(dt.timezone.utc).date()
    if not config.allow_past_runs and (backfill or day < today - dt.timedelta(days=config.max_age_days)):
        return {"skipped": f"the digest of a past date ({day}) is not sent (alerts.allow_past_runs: true to allow)"}
    message = digest_message(digest_data(accounts, lake, day, config), config)
    before = {r["key"]: list(r["destinations"] or []) for r in read_rows(lake, ORG, day) if r["rule"] == "digest"}
    row = AlertRow(rule="digest", key=day.isoformat(), event="digest", state="open", summary=message.subject,
                   destinations=before.get(day.isoformat(), []))
    failures = []
    for name in config.digest.notify:
        if name in row.destinations:
            continue
        try:
            deliver(config.destinations[name], message)
        except Exception as err:  # noqa: BLE001
            failures.append(f"digest -> {name}: {err}")
            continue
        row.destinations.append(name)
        write_rows(lake, ORG, day, run_id, [row])
    if failures:
        raise DeliveryError("; ".join(failures))
    return {"sent_to": row.destinations, "subject": message.subject}
