"""The tasks of an account's scan DAG (postureflow.dagfactory builds the DAG).

Two plain operator classes, not TaskFlow ``@task`` functions: a ``@task`` object is
built per task and per DAG (its signature inspected, its arguments merged for each of
four classes), which was two thirds of a DAG's parse time. ``AccountStep`` defines no
constructor, so Airflow merges its arguments once, as for an EmptyOperator; what it
runs is the function of its task_id below. ``ServiceScan`` is the mapped scan, one
instance per service. Both find their account by their DAG's id in the accounts the
DAG file built (``dagfactory.account_of``), so no closure is made per DAG.

The task bodies import what they run (runs, aws, lake, the engine): never at parse time.
"""

from __future__ import annotations

import inspect
import logging
from typing import Any

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from postureflow.dagfactory import account_of, compliance_asset, compliance_feed, run_task_states, scan_plan

log = logging.getLogger(__name__)


def preflight(account, context) -> dict:
    from postureflow import runs
    from postureflow.aws import AwsAccess

    info = runs.run_info_from_context(context)
    access = None if info.backfill else AwsAccess.from_airflow_connection(account.aws_conn_id)
    try:
        plan = runs.plan_run(account, access, dict(context["params"]), info)
    except runs.AccountMismatch as err:
        raise AirflowFailException(str(err)) from err
    log.info("plan for %s on %s: %s", account.alias, info.scan_date, plan)
    return plan


def plan_or_skip(context, what: str) -> dict:
    # The tasks after the preflight run whatever the tasks before them did (one failed service
    # must not block the others' compliance and forwarding), but never without a preflight.
    plan = context["ti"].xcom_pull(task_ids="preflight")
    if not plan:
        raise AirflowSkipException(f"preflight did not succeed: no {what} for this run")
    return plan


def scan(account, context, service: str) -> dict:
    from postureflow import runs
    from postureflow.aws import AwsAccess
    from postureflow.lake import Lake

    context["service"] = service  # names this mapped instance in the UI (map_index_template)
    plan = plan_or_skip(context, f"{service} scan")
    if service not in plan["services"]:
        raise AirflowSkipException(f"{service} is not selected for this run")
    info = runs.run_info_from_context(context)
    access = None if plan["backfill"] else AwsAccess.from_airflow_connection(account.aws_conn_id)
    result = runs.run_service(account, plan, service, info, Lake.default(), access)
    if result.skipped:
        raise AirflowSkipException(result.message)
    log.info("%s: %s", service, result.as_dict())
    return result.as_dict()


def compliance(account, context) -> dict:
    from postureflow import runs
    from postureflow.lake import Lake

    plan_or_skip(context, "compliance")
    info = runs.run_info_from_context(context)
    result = runs.run_compliance(account, info, Lake.default())
    if result is None:
        raise AirflowSkipException(f"no findings in the lake for {account.account_id} on {info.scan_date}")
    extra = {"account_id": account.account_id, "scan_date": info.scan_date.isoformat()}
    context["outlet_events"][compliance_asset(account)].extra = extra
    context["outlet_events"][compliance_feed()].extra = extra
    return result


def reports(account, context) -> dict:
    from postureflow import runs
    from postureflow.lake import Lake

    plan_or_skip(context, "reports")
    info = runs.run_info_from_context(context)
    return runs.run_reports(account, info, Lake.default())


def securityhub(account, context) -> dict:
    from postureflow import runs
    from postureflow.aws import AwsAccess
    from postureflow.lake import Lake
    from postureflow.securityhub import ForwardOptions

    plan = plan_or_skip(context, "forwarding")
    if plan["backfill"]:
        raise AirflowSkipException("a backfill re-evaluates the past; Security Hub only gets today's state")
    if not ForwardOptions.from_dict(account.securityhub).enabled:
        raise AirflowSkipException("Security Hub forwarding is off for this account")
    info = runs.run_info_from_context(context)
    access = AwsAccess.from_airflow_connection(account.aws_conn_id)
    result = runs.run_securityhub(account, plan, info, Lake.default(), access)
    log.info("securityhub: %s", result)
    if not result.get("ok", True):
        raise RuntimeError(f"Security Hub did not accept {result.get('failed')} finding(s); a retry resends them")
    return result


def summary(account, context) -> dict:
    from postureflow import runs
    from postureflow.lake import Lake
    from postureflow.summary import render_summary, summary_data

    info = runs.run_info_from_context(context)
    lake = Lake.default()
    data = summary_data(lake, account.account_id, info.scan_date)
    print(render_summary(data, lake.location()))
    _, waves = scan_plan(account)
    states = run_task_states(context, account, waves, "preflight", "compliance", "reports", "securityhub")
    failed = [task_id for task_id, state in states.items() if state in ("failed", "upstream_failed")]
    if failed:
        raise AirflowFailException(f"tasks failed: {', '.join(sorted(failed))}")
    return {k: data[k] for k in ("failed", "passed", "muted", "total")}


STEPS = {f.__name__: f for f in (preflight, compliance, reports, securityhub, summary)}


class AccountStep(BaseOperator):
    """A task of an account's scan DAG: the function of STEPS its task_id names, for the DAG's account.

    No ``__init__`` of its own: Airflow wraps only BaseOperator's, so building one costs what an
    EmptyOperator costs. Every step returns a dict, pushed key by key (``multiple_outputs``)."""

    def execute(self, context: Any) -> Any:
        return STEPS[self.task_id](account_of(self.dag_id), context)


class ServiceScan(BaseOperator):
    """One service's scan of an account, mapped over the services of a wave (``service``)."""

    def __init__(self, *, service: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.service = service

    def execute(self, context: Any) -> Any:
        return scan(account_of(self.dag_id), context, self.service)


# Airflow reads the signature of ServiceScan's constructor for every ``partial()`` (the defaults
# of the BaseOperator arguments it declares: none). ``inspect.signature`` follows the wrapper
# Airflow puts around ``__init__`` and rebuilds the signature each time, about a twelfth of a
# DAG's build; ``__signature__`` is where inspect looks first, so it is computed once here.
ServiceScan.__init__.__signature__ = inspect.signature(ServiceScan.__init__)
