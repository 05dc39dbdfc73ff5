"""Backfill semantics: re-evaluate stored inventory with today's checks, never call AWS."""

from __future__ import annotations

import datetime as dt
import os
from types import SimpleNamespace

import boto3
import pytest

from postureflow.accounts import Account
from postureflow.aws import AwsAccess
from postureflow.engine import ScanContext, scan_service
from postureflow.lake.query import connect
from postureflow.runs import RunInfo, plan_run, run_info_from_context, run_service

DAY = dt.date(2026, 10, 1)
ACCOUNT = Account(alias="t", account_id="123456789012", aws_conn_id="unused", regions=("us-east-1",),
                  include_services=("s3",))


def test_backfill_run_type_is_detected_from_the_airflow_context():
    from airflow.utils.types import DagRunType

    def context(run_type):
        run = SimpleNamespace(run_type=run_type, logical_date=dt.datetime(2026, 10, 1, tzinfo=dt.timezone.utc),
                              run_after=None)
        return {"dag_run": run, "run_id": "r", "logical_date": run.logical_date}

    assert run_info_from_context(context(DagRunType.BACKFILL_JOB)).backfill is True
    assert run_info_from_context(context(DagRunType.SCHEDULED)).backfill is False
    assert run_info_from_context(context(DagRunType.MANUAL)).scan_date == DAY


def test_backfill_reevaluates_stored_inventory_without_aws(aws, lake, monkeypatch):
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="pf-backfill-bucket")
    ctx = ScanContext("123456789012", ["us-east-1"], DAY, "scheduled-run", lake,
                      checks=lambda check_id: check_id != "s3_bucket_no_mfa_delete")
    scan_service(ctx, "s3", AwsAccess.from_default_chain())
    ids = lambda: {r[0] for r in connect(lake, ["findings"]).execute("SELECT check_id FROM findings").fetchall()}  # noqa: E731
    assert "s3_bucket_no_mfa_delete" not in ids()

    def no_aws(*args, **kwargs):
        raise AssertionError("a backfill called AWS")

    monkeypatch.setattr("botocore.client.BaseClient._make_api_call", no_aws)
    info = RunInfo(run_id="backfill-run", scan_date=DAY, backfill=True)
    plan = plan_run(ACCOUNT, None, {}, info)
    assert plan["backfill"] is True
    result = run_service(ACCOUNT, plan, "s3", info, lake, access=None)
    assert not result.skipped and result.findings > 0
    rows = connect(lake, ["findings"]).execute(
        "SELECT DISTINCT run_id, check_id FROM findings WHERE check_id = 's3_bucket_no_mfa_delete'").fetchall()
    assert rows == [("backfill-run", "s3_bucket_no_mfa_delete")]


def test_backfill_of_a_day_without_inventory_is_skipped_and_writes_nothing(lake):
    info = RunInfo(run_id="backfill-run", scan_date=dt.date(2020, 1, 1), backfill=True)
    plan = plan_run(ACCOUNT, None, {}, info)
    result = run_service(ACCOUNT, plan, "s3", info, lake, access=None)
    assert result.skipped and "no stored inventory for s3" in result.message
    assert not os.path.exists(lake.path("findings"))


def _resolving_session():
    """A session whose credentials resolve (the connection's role could be assumed)."""
    return SimpleNamespace(get_credentials=lambda: SimpleNamespace(get_frozen_credentials=lambda: None))


def test_plan_refuses_a_connection_that_reaches_another_account():
    from postureflow.runs import AccountMismatch

    access = SimpleNamespace(caller_account_id=lambda: "999999999999", enabled_regions=lambda: ["us-east-1"],
                             session=_resolving_session)
    with pytest.raises(AccountMismatch, match="reached account 999999999999"):
        plan_run(ACCOUNT, access, {}, RunInfo("r", DAY, False))


def test_plan_skips_regions_that_are_not_enabled():
    access = SimpleNamespace(caller_account_id=lambda: "123456789012", enabled_regions=lambda: ["us-east-1"],
                             session=_resolving_session)
    plan = plan_run(ACCOUNT, access, {"regions": ["us-east-1", "ap-east-1"]}, RunInfo("r", DAY, False))
    assert plan["regions"] == ["us-east-1"] and plan["skipped_regions"] == ["ap-east-1"]


def test_backfill_unscanned_day(aws, lake, monkeypatch):
    """A backfill of days never scanned writes no findings, compliance or reports for any service, whether the
    service has its own collector (s3, rds) or reads another's inventory (documentdb, neptune read rds), and
    records the day as not scanned, so no view compares against it."""
    from postureflow import scope
    from postureflow.runs import run_compliance, run_reports
    from postureflow.sql.views import connect as views

    account = Account(alias="t", account_id="123456789012", aws_conn_id="unused", regions=("us-east-1",),
                      include_services=("s3", "rds", "documentdb", "neptune"))
    services = ["rds", "documentdb", "neptune", "s3"]
    scanned, never, half = dt.date(2026, 10, 2), dt.date(2026, 10, 1), dt.date(2026, 10, 3)
    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="pf-unscanned-bucket")
    boto3.client("rds", region_name="us-east-1").create_db_cluster(  # moto refuses Engine="docdb"
        DBClusterIdentifier="pf-graph", Engine="neptune", MasterUsername="admin", MasterUserPassword="password123")
    ctx = ScanContext(account.account_id, ["us-east-1"], scanned, "scheduled__2026-10-02", lake)
    for service in services:
        scan_service(ctx, service, AwsAccess.from_default_chain())
    # Day 3: only s3 was scanned (rds never ran): documentdb and neptune have no source inventory.
    scan_service(ScanContext(account.account_id, ["us-east-1"], half, "manual__2026-10-03", lake), "s3",
                 AwsAccess.from_default_chain())
    before = {r["service"]: r["status"] for r in scope.read_day(lake, account.account_id, scanned)}
    assert before["documentdb"] != scope.NOT_SCANNED and before["s3"] != scope.NOT_SCANNED

    def no_aws(*args, **kwargs):
        raise AssertionError("a backfill called AWS")

    monkeypatch.setattr("botocore.client.BaseClient._make_api_call", no_aws)
    for day in (never, half):
        info = RunInfo(run_id=f"backfill__{day}", scan_date=day, backfill=True)
        plan = plan_run(account, None, {}, info)
        results = {s: run_service(account, plan, s, info, lake, access=None) for s in services}
        if day == never:
            assert all(r.skipped for r in results.values()), {s: r.message for s, r in results.items()}
            assert run_compliance(account, info, lake) is None
            assert run_reports(account, info, lake) == {}
        else:
            assert not results["s3"].skipped
            assert results["documentdb"].skipped and "no stored inventory of rds" in results["documentdb"].message
            assert results["neptune"].skipped and results["rds"].skipped

    for service in services:
        partition = {"scan_date": never, "service": service, "account_id": account.account_id}
        for dataset in ("findings", "scan_errors", "inventory"):
            assert not lake.partition_exists(dataset, partition), (dataset, service)
        if service != "s3":
            assert not lake.partition_exists("findings", dict(partition, scan_date=half)), service
    assert not os.path.exists(lake.path(f"compliance/scan_date={never}"))
    assert not os.path.exists(lake.path(f"reports/scan_date={never}"))
    recorded = {(r["service"], r["status"]) for r in scope.read_day(lake, account.account_id, never)}
    assert recorded == {(s, scope.NOT_SCANNED) for s in services}
    half_scope = {r["service"]: r["status"] for r in scope.read_day(lake, account.account_id, half)}
    assert half_scope["documentdb"] == half_scope["neptune"] == half_scope["rds"] == scope.NOT_SCANNED
    assert half_scope["s3"] != scope.NOT_SCANNED
    # The real scan of day 2 is untouched, and no view counts day 1 as a scan.
    assert {r["service"]: r["status"] for r in scope.read_day(lake, account.account_id, scanned)} == before
    con = views(lake)
    assert [r[0] for r in con.execute("SELECT scan_date FROM scans ORDER BY 1").fetchall()] == [scanned, half]
    assert con.execute("SELECT count(*) FROM finding_changes WHERE scan_date = DATE '2026-10-01'").fetchone() == (0,)
    # neptune was not scanned on day 3: its day-2 failures are not "resolved" there
    assert con.execute("SELECT count(*) FROM findings WHERE service = 'neptune' AND status = 'FAIL'").fetchone()[0] > 0
    assert con.execute("SELECT count(*) FROM finding_changes WHERE change = 'resolved'").fetchone() == (0,)
