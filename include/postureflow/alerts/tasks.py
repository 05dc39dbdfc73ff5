"""The Airflow side of the alerts: the ``alerts`` task of an account's scan DAG, and the digest DAG.

- ``alerts`` (in ``posture_scan__<alias>``, after compliance, trigger rule all_done so that a failed
  scan can alert): evaluates the account's rules over the run, delivers, emits the account's
  ``postureflow_alerts__<alias>`` asset. Added only to accounts that have an ``alerts:`` block.
- ``posture_alerts_digest`` (dags/posture_alerts.py): scheduled on every account's alerts asset
  (AssetAll: once each account's run of the day is done), sends the org-wide digest once per day.
"""

from __future__ import annotations

import datetime as dt
import logging

import pendulum

log = logging.getLogger(__name__)

DIGEST_DAG_ID = "posture_alerts_digest"
FAILED_STATES = ("failed", "upstream_failed")


def alerts_asset(account):
    from airflow.sdk import Asset

    return Asset(name=f"postureflow_alerts__{account.alias}",
                 uri=f"postureflow://lake/alerts/account_id={account.account_id}", group="postureflow")


def failed_tasks(states: dict[str, str], plan: dict | None) -> list[str]:
    """The run's failed tasks, and a preflight that did not run, as the scan_failed rules name them."""
    failed = sorted(t for t, s in states.items() if s in FAILED_STATES)
    if not plan and "preflight" not in failed:
        failed.insert(0, "preflight (skipped)")
    return failed


def alerts_task(account, services: list[str]):
    """Define and call the ``alerts`` task inside the account's DAG (call it in the DAG body)."""
    from airflow.sdk import get_current_context, task

    @task(task_id="alerts", trigger_rule="all_done", retries=2, outlets=[alerts_asset(account)])
    def alerts() -> dict:
        from postureflow import runs
        from postureflow.alerts.run import run_alerts
        from postureflow.lake import Lake

        context = get_current_context()
        info = runs.run_info_from_context(context)
        plan = context["ti"].xcom_pull(task_ids="preflight") or None
        states = context["ti"].get_task_states(
            dag_id=account.dag_id, run_ids=[info.run_id],
            task_ids=["preflight", *(f"scan_{s}" for s in services), "compliance"],
        ).get(info.run_id, {})
        # the digest reads the day from the event (as the org rollup does), not from the source run
        context["outlet_events"][alerts_asset(account)].extra = {"scan_date": info.scan_date.isoformat(),
                                                                 "backfill": info.backfill}
        return run_alerts(account, Lake.default(), info.scan_date, info.run_id, backfill=info.backfill,
                          regions=(plan or {}).get("regions") or [], failed_tasks=failed_tasks(states, plan))

    return alerts()


def _digest_day(context) -> tuple[dt.date, bool]:
    """The newest scan date the triggering alerts events name (their extra), and whether those runs were
    all backfills; a manual run: the day it is run for."""
    from postureflow.dagfactory import days_from_events

    events = context.get("triggering_asset_events") or {}
    days = days_from_events(events)
    if not days:
        when = context.get("logical_date") or context["dag_run"].run_after
        return when.date(), False
    extras = [getattr(e, "extra", None) or {} for evs in events.values() for e in evs]
    return max(days), all(x.get("backfill") for x in extras)


def build_digest_dag(accounts: list):
    from airflow.sdk import AssetAll, dag, get_current_context, task

    @dag(
        dag_id=DIGEST_DAG_ID,
        description="Daily org-wide digest of the posture scans: counts by severity, new criticals and highs",
        schedule=AssetAll(*(alerts_asset(a) for a in accounts)),
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        catchup=False,
        max_active_runs=1,
        is_paused_upon_creation=False,
        tags=["postureflow", "alerts"],
    )
    def posture_alerts_digest():
        @task(retries=2)
        def digest() -> dict:
            from postureflow.alerts.run import run_digest
            from postureflow.lake import Lake

            context = get_current_context()
            day, backfill = _digest_day(context)
            return run_digest(accounts, Lake.default(), day, context["run_id"], backfill=backfill)

        digest()

    return posture_alerts_digest()


def build_digest(namespace: dict, path: str | None = None) -> list[str]:
    """Define the digest DAG in ``namespace`` when the accounts file configures one."""
    from postureflow.alerts.run import digest_config
    from postureflow.dagfactory import load_accounts_cached

    # the validated accounts from the parse cache: validating the whole file again cost every parse
    accounts = [a for a in load_accounts_cached(path).accounts if getattr(a, "alerts", None)]
    if not accounts or digest_config(accounts) is None:
        return []
    namespace[DIGEST_DAG_ID] = build_digest_dag(accounts)
    return [DIGEST_DAG_ID]
