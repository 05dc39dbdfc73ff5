"""What each task of an account's scan DAG does, as plain functions.

The scan DAGs' operators (postureflow.scan_tasks) call these; keeping them free
of Airflow makes them testable and lets the CLI reuse them. Only small metadata travels
between tasks (XCom); the data goes through the lake.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from postureflow.accounts import Account
from postureflow.aws import AwsAccess
from postureflow.collect.base import home_region
from postureflow.engine import ScanContext, ServiceResult, scan_service, with_dependencies
from postureflow.lake import Lake
from postureflow.preflight import verify_connection
from postureflow import secrets
from postureflow.params import selection as run_selection

log = logging.getLogger(__name__)


class AccountMismatch(Exception):
    """The connection reached a different AWS account than the accounts file declares."""


@dataclass
class RunInfo:
    """Who and when: from the Airflow context, never from now()."""

    run_id: str
    scan_date: dt.date
    backfill: bool


def run_info_from_context(context: dict) -> RunInfo:
    dag_run = context["dag_run"]
    when = context.get("logical_date") or getattr(dag_run, "logical_date", None) or dag_run.run_after
    run_type = getattr(dag_run, "run_type", "") or ""
    run_type = str(getattr(run_type, "value", run_type))
    return RunInfo(
        run_id=context["run_id"],
        scan_date=when.date() if isinstance(when, dt.datetime) else dt.date.fromisoformat(str(when)[:10]),
        backfill=run_type == "backfill",
    )


def plan_run(account: Account, access: AwsAccess | None, params: dict, info: RunInfo) -> dict:
    """Preflight: verify the account behind the connection and settle regions and services."""
    selected = run_selection(params, account)  # Params validated: strings split, unknown names refused
    services = with_dependencies(selected.services)
    regions_param = selected.regions
    if info.backfill:
        # A backfill re-evaluates stored inventory: no AWS call at all.
        regions = [] if regions_param == "all" else list(regions_param)
        return {"account_id": account.account_id, "regions": regions, "services": services,
                "scan_date": info.scan_date.isoformat(), "backfill": True, "skipped_regions": []}
    assert access is not None
    verify_connection(access, account.aws_conn_id)  # one line naming the connection if the role is refused
    caller = access.caller_account_id()
    if caller != account.account_id:
        raise AccountMismatch(
            f"connection {account.aws_conn_id!r} reached account {caller}, "
            f"but the accounts file declares {account.alias} as {account.account_id}"
        )
    enabled = access.enabled_regions()
    if regions_param == "all":
        regions, skipped = enabled, []
    else:
        regions = [r for r in regions_param if r in enabled]
        skipped = [r for r in regions_param if r not in enabled]
        for region in skipped:
            log.warning("region %s is not enabled for account %s: skipped", region, account.account_id)
    if not regions:
        raise ValueError(f"no enabled region to scan for account {account.account_id} (asked: {regions_param})")
    # the home region follows the account's own regions, not a manual run's narrower Param
    configured = enabled if account.regions is None else [r for r in account.regions if r in enabled]
    return {"account_id": account.account_id, "regions": regions, "services": services,
            "scan_date": info.scan_date.isoformat(), "backfill": False, "skipped_regions": skipped,
            "home_region": home_region(configured or regions)}


def mute_rule_for(account: Account):
    if not account.mutelist:
        return None
    from postureflow.mutelist import Mutelist

    return Mutelist.load(account.mutelist).rule_for(account.account_id)


def run_service(account: Account, plan: dict, service: str, info: RunInfo, lake: Lake,
                access: AwsAccess | None) -> ServiceResult:
    ctx = ScanContext(
        account_id=account.account_id,
        regions=list(plan["regions"]),
        scan_date=info.scan_date,
        run_id=info.run_id,
        lake=lake,
        mute=mute_rule_for(account),
        checks=account.check_filter(),
        config=account.resolved_config(),
        scan_unused_services=account.scan_unused_services,
        home_region=plan.get("home_region"),
    )
    with secrets.use_config(ctx.config):  # secrets_ignore_patterns act while collecting
        return scan_service(ctx, service, access, collect=not plan["backfill"])


def has_findings(account: Account, info: RunInfo, lake: Lake) -> bool:
    """Whether some service was scanned that day (scan_scope; a day recorded not_scanned has nothing to score)."""
    from postureflow.engine import all_services
    from postureflow.scope import day_scanned

    return day_scanned(lake, account.account_id, info.scan_date, all_services())


def run_compliance(account: Account, info: RunInfo, lake: Lake) -> dict | None:
    """Score the run's findings; None (nothing written) when the lake has none for that day."""
    from postureflow.compliance.evaluate import write_compliance

    if not has_findings(account, info, lake):
        return None

    summary = write_compliance(lake, account.account_id, info.scan_date, info.run_id, config=account.resolved_config())
    return {"scores": summary.get("scores", {}), "rows": summary.get("rows", 0)}


def run_reports(account: Account, info: RunInfo, lake: Lake) -> dict[str, str]:
    from postureflow.reports import NoScanData, write_reports

    if not has_findings(account, info, lake):
        log.warning("no report: nothing was scanned for %s on %s", account.account_id, info.scan_date)
        return {}
    try:
        return write_reports(lake, account.account_id, info.scan_date, run_id=info.run_id)
    except NoScanData as err:
        log.warning("no report: %s", err)
        return {}


SECURITYHUB_POOL = "postureflow_securityhub"


def run_securityhub(account: Account, plan: dict, info: RunInfo, lake: Lake, access: AwsAccess) -> dict:
    from postureflow.securityhub import ForwardOptions, forward_findings

    options = ForwardOptions.from_dict(account.securityhub)
    result = forward_findings(
        lake, access, account.account_id, info.scan_date, options, regions=list(plan["regions"]), run_id=info.run_id
    )
    return result.as_dict()
