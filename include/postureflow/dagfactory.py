"""Build one scan DAG per account from the accounts file.

Shape of ``posture_scan__<alias>``::

    preflight >> scan_<service> (one per service, in inventory-read order)
              >> compliance >> [reports, securityhub] >> summary

Building a DAG touches no AWS and no lake: only the accounts file is read.
"""

from __future__ import annotations

import logging
from typing import Any

import pendulum

from postureflow.accounts import Account, load_accounts
from postureflow.engine import execution_order, service_dependencies

log = logging.getLogger(__name__)

DEFAULT_ARGS = {
    "owner": "postureflow",
    "retries": 2,
    "retry_delay": pendulum.duration(minutes=1),
    "retry_exponential_backoff": True,
}


def findings_asset(account: Account):
    from airflow.sdk import Asset

    return Asset(
        name=f"postureflow_findings__{account.alias}",
        uri=f"postureflow://lake/findings/account_id={account.account_id}",
        group="postureflow",
    )


def compliance_asset(account: Account):
    from airflow.sdk import Asset

    return Asset(
        name=f"postureflow_compliance__{account.alias}",
        uri=f"postureflow://lake/compliance/account_id={account.account_id}",
        group="postureflow",
    )


def build_dag(account: Account):
    from airflow.sdk import Param, dag, get_current_context, task
    from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

    services = execution_order(account.services())
    deps = service_dependencies()

    @dag(
        dag_id=account.dag_id,
        description=f"Security posture scan of AWS account {account.alias} ({account.account_id})",
        schedule=account.schedule,
        start_date=pendulum.parse(account.start_date, tz="UTC"),
        catchup=account.catchup,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        tags=["postureflow", f"account:{account.account_id}"],
        params={
            "regions": Param(
                list(account.regions) if account.regions else "all",
                type=["array", "string"],
                description='Regions to scan: a list, or "all" for every enabled region.',
            ),
            "services": Param(
                list(services),
                type="array",
                items={"type": "string", "enum": list(services)},
                description="Services to scan (their inventory dependencies are added).",
            ),
        },
        doc_md=f"Scans account `{account.account_id}` through connection `{account.aws_conn_id}`.",
    )
    def posture_scan():
        from postureflow import runs
        from postureflow.aws import AwsAccess
        from postureflow.lake import Lake

        @task(retries=1)
        def preflight() -> dict:
            context = get_current_context()
            info = runs.run_info_from_context(context)
            access = None if info.backfill else AwsAccess.from_airflow_connection(account.aws_conn_id)
            try:
                plan = runs.plan_run(account, access, dict(context["params"]), info)
            except runs.AccountMismatch as err:
                raise AirflowFailException(str(err)) from err
            log.info("plan for %s on %s: %s", account.alias, info.scan_date, plan)
            return plan

        @task(trigger_rule="none_failed", outlets=[findings_asset(account)])
        def scan_service(service: str, plan: dict) -> dict:
            if service not in plan["services"]:
                raise AirflowSkipException(f"{service} is not selected for this run")
            info = runs.run_info_from_context(get_current_context())
            access = None if plan["backfill"] else AwsAccess.from_airflow_connection(account.aws_conn_id)
            result = runs.run_service(account, plan, service, info, Lake.default(), access)
            if result.skipped:
                raise AirflowSkipException(result.message)
            log.info("%s: %s", service, result.as_dict())
            return result.as_dict()

        def plan_or_skip(context, what: str) -> dict:
            # These tasks run whatever the service tasks did (one failed service must not
            # block the others' compliance and forwarding), but never without a preflight.
            plan = context["ti"].xcom_pull(task_ids="preflight")
            if not plan:
                raise AirflowSkipException(f"preflight did not succeed: no {what} for this run")
            return plan

        @task(trigger_rule="all_done", outlets=[compliance_asset(account)])
        def compliance() -> dict:
            context = get_current_context()
            plan_or_skip(context, "compliance")
            info = runs.run_info_from_context(context)
            result = runs.run_compliance(account, info, Lake.default())
            if result is None:
                raise AirflowSkipException(f"no findings in the lake for {account.account_id} on {info.scan_date}")
            return result

        @task(trigger_rule="all_done")
        def reports() -> dict:
            context = get_current_context()
            plan_or_skip(context, "reports")
            info = runs.run_info_from_context(context)
            return runs.run_reports(account, info, Lake.default())

        @task(trigger_rule="all_done", pool=runs.SECURITYHUB_POOL)
        def securityhub() -> dict:
            from postureflow.securityhub import ForwardOptions

            plan = plan_or_skip(get_current_context(), "forwarding")
            if plan["backfill"]:
                raise AirflowSkipException("a backfill re-evaluates the past; Security Hub only gets today's state")
            if not ForwardOptions.from_dict(account.securityhub).enabled:
                raise AirflowSkipException("Security Hub forwarding is off for this account")
            info = runs.run_info_from_context(get_current_context())
            access = AwsAccess.from_airflow_connection(account.aws_conn_id)
            result = runs.run_securityhub(account, plan, info, Lake.default(), access)
            log.info("securityhub: %s", result)
            if not result.get("ok", True):
                raise RuntimeError(f"Security Hub did not accept {result.get('failed')} finding(s); a retry resends them")
            return result

        @task(trigger_rule="all_done", retries=0)
        def summary() -> dict:
            from postureflow.summary import summary_data, render_summary

            context = get_current_context()
            info = runs.run_info_from_context(context)
            lake = Lake.default()
            data = summary_data(lake, account.account_id, info.scan_date)
            print(render_summary(data, lake.location()))
            states = context["ti"].get_task_states(
                dag_id=account.dag_id, run_ids=[info.run_id],
                task_ids=["preflight", *(f"scan_{s}" for s in services), "compliance", "reports", "securityhub"]
            ).get(info.run_id, {})
            failed = [task_id for task_id, state in states.items() if state in ("failed", "upstream_failed")]
            if failed:
                raise AirflowFailException(f"tasks failed: {', '.join(sorted(failed))}")
            return {k: data[k] for k in ("failed", "passed", "muted", "total")}

        plan = preflight()
        tasks: dict[str, Any] = {}
        for service in services:
            tasks[service] = scan_service.override(task_id=f"scan_{service}")(service, plan)
            for dependency in sorted(deps.get(service, ())):
                if dependency in tasks:
                    tasks[dependency] >> tasks[service]
        scored = compliance()
        for t in tasks.values():
            t >> scored
        forwarded = securityhub()
        scored >> forwarded
        reported = reports()
        scored >> reported
        done = summary()
        [reported, forwarded] >> done
        if account.alerts:  # postureflow.alerts: rules over this run, after compliance, even if a scan failed
            from postureflow.alerts.tasks import alerts_task

            scored >> alerts_task(account, services)

    return posture_scan()


def build_org_rollup(accounts: list[Account]):
    """One DAG scheduled on every account's compliance asset: org-wide compliance per day."""
    from airflow.sdk import AssetAny, dag, get_current_context, task

    @dag(
        dag_id="posture_org_rollup",
        description="Org-wide compliance per framework per day, over every account",
        schedule=AssetAny(*(compliance_asset(a) for a in accounts)),
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        tags=["postureflow", "org"],
    )
    def posture_org_rollup():
        @task
        def rollup() -> list[dict]:
            from postureflow.compliance.org import write_org_compliance
            from postureflow.lake import Lake

            context = get_current_context()
            days = set()
            for events in (context.get("triggering_asset_events") or {}).values():
                for event in events:
                    for source in [getattr(event, "source_dag_run", None)]:
                        when = getattr(source, "logical_date", None) or getattr(source, "run_after", None)
                        if when is not None:
                            days.add(when.date())
            if not days:
                when = context.get("logical_date") or context["dag_run"].run_after
                days.add(when.date())
            lake = Lake.default()
            return [write_org_compliance(lake, day) for day in sorted(days)]

        rollup()

    return posture_org_rollup()


def build_all(namespace: dict[str, Any], path: str | None = None) -> list[str]:
    """Define a DAG in ``namespace`` for every valid account; log the invalid ones.

    Errors surface as the import error of dags/posture_accounts.py, so one bad
    account never stops the others' DAGs from loading.
    """
    accounts_file = load_accounts(path)
    for error in accounts_file.errors:
        log.error("%s", error)
    built = []
    for account in accounts_file.accounts:
        namespace[account.dag_id] = build_dag(account)
        built.append(account.dag_id)
    if accounts_file.accounts:
        namespace["posture_org_rollup"] = build_org_rollup(accounts_file.accounts)
        built.append("posture_org_rollup")
    return built
