"""Retention: per-dataset days from the accounts file's defaults, logged and idempotent (issue 15 item 9)."""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

import pytest

from postureflow.lake import Lake
from postureflow.lake.retention import DEFAULT_RETENTION, apply_retention, make_policy, policy_from_accounts
from postureflow.sql.sample import finding, write_findings

A = "111111111111"
TODAY = dt.date(2026, 11, 30)


def _lake(tmp_path) -> Lake:
    lake = Lake(str(tmp_path / "lake"))
    days = [TODAY - dt.timedelta(days=n) for n in (0, 1, 5, 40)]
    write_findings(lake, [finding(A, d, "s3", "s3_check", "r1") for d in days])
    for day in days:  # reports are plain files under reports/scan_date=<day>/
        folder = Path(lake.path(f"reports/scan_date={day}/account_id={A}"))
        folder.mkdir(parents=True)
        (folder / "report.html").write_text("<html></html>")
    return lake


def test_defaults_keep_findings_forever_and_age_out_reports(tmp_path, caplog):
    lake = _lake(tmp_path)
    assert DEFAULT_RETENTION["findings"] is None and DEFAULT_RETENTION["compliance"] is None
    with caplog.at_level(logging.INFO, logger="postureflow.lake.retention"):
        result = apply_retention(lake, make_policy({"reports": 5}), TODAY)
    assert result["deleted"]["reports"] == [str(TODAY - dt.timedelta(days=40)), str(TODAY - dt.timedelta(days=5))]
    assert result["deleted"]["findings"] == []
    assert lake.days("reports") == [TODAY - dt.timedelta(days=1), TODAY]
    assert len(lake.days("findings")) == 4
    assert "retention: deleted reports scan_date=" in caplog.text
    # idempotent: the same policy again deletes nothing
    again = apply_retention(lake, make_policy({"reports": 5}), TODAY)
    assert all(days == [] for days in again["deleted"].values()) and again["files"] == 0


def test_a_table_day_is_deleted_whole_and_reads_as_absent(tmp_path):
    lake = _lake(tmp_path)
    dry = apply_retention(lake, make_policy({"findings": 30}), TODAY, dry_run=True)
    assert dry["deleted"]["findings"] == [str(TODAY - dt.timedelta(days=40))] and len(lake.days("findings")) == 4
    apply_retention(lake, make_policy({"findings": 30}), TODAY)
    assert lake.days("findings") == [TODAY - dt.timedelta(days=n) for n in (5, 1, 0)]
    old = TODAY - dt.timedelta(days=40)
    assert lake.read_partition("findings", {"scan_date": old, "service": "s3", "account_id": A}) is None


def test_policy_comes_from_the_accounts_file_defaults(tmp_path):
    accounts = tmp_path / "accounts.yaml"
    accounts.write_text(
        "defaults:\n  retention: {reports: 7, inventory: 30, findings: 400}\n"
        "accounts:\n  - {alias: prod, account_id: '123456789012', aws_conn_id: aws_prod}\n"
    )
    policy = policy_from_accounts(accounts)
    assert policy["reports"] == 7 and policy["inventory"] == 30 and policy["findings"] == 400
    assert policy["compliance"] is None
    with pytest.raises(ValueError, match="unknown dataset"):
        make_policy({"findngs": 3})
    with pytest.raises(ValueError, match="days >= 1"):
        make_policy({"reports": 0})
    assert make_policy({"compliance": 400, "securityhub_errors": 90})["compliance"] == 400  # registered on import
    with pytest.raises(ValueError, match="unknown dataset 'securityhub_state'"):  # not kept by day
        make_policy({"securityhub_state": 30})
    with pytest.raises(ValueError, match="scan_scope"):  # scope rows must outlive the findings they judge
        make_policy({"scan_scope": 30})
    assert make_policy({"scan_scope": 400, "findings": 400})["scan_scope"] == 400


def test_cli_and_maintenance_dag(tmp_path, capsys):
    from postureflow.cli import main

    lake = _lake(tmp_path)
    assert main(["lake", "retention", "--lake", lake.uri, "--today", TODAY.isoformat(), "--accounts",
                 str(tmp_path / "none.yaml")]) == 0
    assert "reports: deleted 1 day(s)" in capsys.readouterr().out  # default: 30 days of reports

    dag = _maintenance_dag()
    assert dag.dag_id == "posture_maintenance" and sorted(dag.task_ids) == ["apply_retention", "repair_lake"]
    assert dag.get_task("repair_lake").upstream_task_ids == {"apply_retention"}


def _maintenance_dag():
    import importlib.util

    path = Path(__file__).resolve().parents[1] / "dags" / "posture_maintenance.py"
    spec = importlib.util.spec_from_file_location("posture_maintenance", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.maintenance


def test_the_maintenance_dags_tasks_apply_the_accounts_policy_once(tmp_path, monkeypatch):
    """The DAG's own task callables, run twice for one interval (a cleared run): the second deletes nothing."""
    import pendulum

    lake = _lake(tmp_path)
    accounts = tmp_path / "accounts.yaml"
    accounts.write_text("defaults:\n  retention: {reports: 3}\n"
                        "accounts:\n  - {alias: prod, account_id: '123456789012', aws_conn_id: aws_prod}\n")
    monkeypatch.setenv("POSTUREFLOW_LAKE", lake.uri)
    monkeypatch.setenv("POSTUREFLOW_ACCOUNTS", str(accounts))
    dag = _maintenance_dag()
    retention, repair = dag.get_task("apply_retention").python_callable, dag.get_task("repair_lake").python_callable
    end = pendulum.datetime(TODAY.year, TODAY.month, TODAY.day, tz="UTC")
    first = retention(data_interval_end=end)
    assert first["days"]["reports"] == 2 and first["days"]["findings"] == 0 and first["files"] > 0
    assert lake.days("reports") == [TODAY - dt.timedelta(days=1), TODAY] and len(lake.days("findings")) == 4
    again = retention(data_interval_end=end)
    assert again == {"files": 0, "days": {k: 0 for k in first["days"]}}
    assert repair() == {"removed": 0}
