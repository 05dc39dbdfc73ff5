"""The DAG files: one DAG per valid account, import errors for bad ones, no AWS at parse time."""

from __future__ import annotations

from pathlib import Path

import pytest

DAGS = Path(__file__).resolve().parents[1] / "dags"

ACCOUNTS = """
accounts:
  - {alias: prod, account_id: "123456789012", aws_conn_id: aws_prod, regions: [us-east-1, eu-west-1], schedule: "0 3 * * *"}
  - {alias: dev, account_id: "210987654321", aws_conn_id: aws_dev, services: {include: [cloudwatch]}}
"""


@pytest.fixture
def dagbag(tmp_path, monkeypatch):
    def load(text: str):
        from airflow.dag_processing.dagbag import DagBag

        path = tmp_path / "accounts.yaml"
        path.write_text(text)
        monkeypatch.setenv("POSTUREFLOW_ACCOUNTS", str(path))

        def no_aws(*args, **kwargs):
            raise AssertionError("a DAG file called AWS while being parsed")

        monkeypatch.setattr("botocore.client.BaseClient._make_api_call", no_aws)
        return DagBag(dag_folder=str(DAGS))

    return load


def test_one_dag_per_account_with_service_tasks(dagbag):
    bag = dagbag(ACCOUNTS)
    assert bag.import_errors == {}
    assert sorted(bag.dag_ids) == ["posture_org_rollup", "posture_scan__dev", "posture_scan__prod"]
    prod = bag.dags["posture_scan__prod"]
    assert prod.max_active_runs == 1 and prod.catchup is False
    assert prod.params["regions"] == ["us-east-1", "eu-west-1"]
    task_ids = set(prod.task_ids)
    assert {"preflight", "summary", "scan_s3", "scan_iam", "scan_ec2", "scan_cloudwatch"} <= task_ids
    # cloudwatch's checks read CloudTrail and SNS inventory, so those tasks run first.
    cloudwatch = prod.get_task("scan_cloudwatch")
    assert {"scan_cloudtrail", "scan_sns", "preflight"} <= cloudwatch.upstream_task_ids
    assert prod.get_task("preflight").downstream_task_ids >= {"scan_s3", "scan_iam"}


def test_included_service_brings_its_dependencies(dagbag):
    dev = dagbag(ACCOUNTS).dags["posture_scan__dev"]
    scans = {t for t in dev.task_ids if t.startswith("scan_")}
    assert scans == {"scan_cloudwatch", "scan_cloudtrail", "scan_sns", "scan_s3"}


def test_bad_account_is_an_import_error_and_others_still_load(dagbag):
    bag = dagbag(ACCOUNTS + '  - {alias: broken, account_id: "42", aws_conn_id: x}\n')
    assert sorted(bag.dag_ids) == ["posture_org_rollup", "posture_scan__dev", "posture_scan__prod"]
    errors = {Path(k).name: v for k, v in bag.import_errors.items()}
    assert list(errors) == ["posture_accounts.py"]
    assert "account 'broken'" in errors["posture_accounts.py"] and "account_id" in errors["posture_accounts.py"]


def test_malformed_file_is_one_clear_import_error(dagbag):
    bag = dagbag("accounts: [\n")
    assert bag.dag_ids == []
    (message,) = bag.import_errors.values()
    assert "accounts.yaml" in message and "not valid YAML" in message


def test_lake_writes_are_assets_and_the_org_rollup_is_scheduled_on_them(dagbag):
    bag = dagbag(ACCOUNTS)
    prod = bag.dags["posture_scan__prod"]
    outlets = {o.uri for o in prod.get_task("compliance").outlets}
    assert outlets == {"postureflow://lake/compliance/account_id=123456789012"}
    assert {o.uri for o in prod.get_task("scan_s3").outlets} == {"postureflow://lake/findings/account_id=123456789012"}
    rollup = bag.dags["posture_org_rollup"]
    scheduled_on = {a.uri for a in rollup.timetable.asset_condition.objects}
    assert scheduled_on == {
        "postureflow://lake/compliance/account_id=123456789012",
        "postureflow://lake/compliance/account_id=210987654321",
    }
