"""The alerts in Airflow: the ``alerts`` task in an account's DAG, the digest DAG on the accounts' alerts
assets, and a real Airflow run (``dag.test()``) of the digest delivering to a local webhook server."""

from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from postureflow.alerts.tasks import failed_tasks

DAGS = Path(__file__).resolve().parents[1] / "dags"
ACCOUNTS = """
defaults:
  alerts:
    destinations:
      tickets: {type: webhook, conn_id: http_tickets, endpoint: /digest}
    rules:
      - {name: new-criticals, when: new_fail, min_severity: critical, notify: [tickets]}
    digest: {notify: [tickets]}
accounts:
  - {alias: prod, account_id: "123456789012", aws_conn_id: aws_prod, regions: [us-east-1]}
  - {alias: dev, account_id: "210987654321", aws_conn_id: aws_dev, regions: [us-east-1], services: {include: [s3]}}
"""

pytestmark = pytest.mark.airflow


@pytest.fixture
def dagbag(tmp_path, monkeypatch):
    from airflow.dag_processing.dagbag import DagBag

    path = tmp_path / "accounts.yaml"
    path.write_text(ACCOUNTS)
    monkeypatch.setenv("POSTUREFLOW_ACCOUNTS", str(path))
    return DagBag(dag_folder=str(DAGS))


def test_alerts_task_follows_compliance_and_the_digest_waits_for_every_account(dagbag):
    assert dagbag.import_errors == {}
    assert {"posture_scan__prod", "posture_scan__dev", "posture_alerts_digest"} <= set(dagbag.dag_ids)
    prod = dagbag.dags["posture_scan__prod"]
    alerts = prod.get_task("alerts")
    assert alerts.upstream_task_ids == {"compliance"} and alerts.trigger_rule == "all_done"
    assert [o.name for o in alerts.outlets] == ["postureflow_alerts__prod"]
    digest = dagbag.dags["posture_alerts_digest"]
    names = sorted(a.name for a in digest.timetable.asset_condition.objects)
    assert names == ["postureflow_alerts__dev", "postureflow_alerts__prod"]


def test_failed_and_skipped_runs_are_named():
    assert failed_tasks({"preflight": "success", "scan_s3": "failed", "scan_iam": "success",
                         "compliance": "upstream_failed"}, {"regions": []}) == ["compliance", "scan_s3"]
    assert failed_tasks({"preflight": "skipped"}, None) == ["preflight (skipped)"]
    assert failed_tasks({"preflight": "failed"}, None) == ["preflight"]


def test_digest_dag_runs_in_airflow_and_delivers_once(tmp_path):
    """``airflow dags test`` of the digest DAG (a migrated Airflow home of its own), twice the same day."""
    import subprocess

    from postureflow.airflow_env import airflow_env, migrate_db
    from postureflow.lake import Lake
    from postureflow.sql.sample import finding, write_findings

    got: list = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            got.append((self.path, json.loads(self.rfile.read(int(self.headers["content-length"])))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    accounts = tmp_path / "accounts.yaml"
    accounts.write_text(ACCOUNTS)
    lake = Lake(str(tmp_path / "lake"))
    env = airflow_env(tmp_path / "airflow", lake.uri, accounts)
    migrate_db(env)
    day = dt.datetime.now(dt.timezone.utc).date()
    write_findings(lake, [finding("123456789012", day, "s3", "s3_bucket_public_access", "b1",
                                  status="FAIL", severity="critical")])
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        env["AIRFLOW_CONN_HTTP_TICKETS"] = json.dumps(
            {"conn_type": "http", "host": f"http://127.0.0.1:{server.server_address[1]}"})
        for _ in range(2):  # the same day again: nothing is sent twice
            proc = subprocess.run(["airflow", "dags", "test", "posture_alerts_digest"], env=env,
                                  capture_output=True, text=True, timeout=300)
            assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    finally:
        server.shutdown()
        server.server_close()
    assert [p for p, _ in got] == ["/digest"]
    digest = got[0][1]["digest"]
    assert [f["resource_uid"] for f in digest["new"]] == ["arn:aws:s3:us-east-1:123456789012:b1"]
    assert digest["missing"] == ["dev (210987654321)"]


def test_digest_day_comes_from_the_events_extra():
    from types import SimpleNamespace

    from postureflow.alerts.tasks import _digest_day

    def event(day, backfill):
        return SimpleNamespace(extra={"scan_date": day, "backfill": backfill})

    live = {"a": [event("2026-11-02", False)], "b": [event("2026-11-03", False)]}
    assert _digest_day({"triggering_asset_events": live}) == (dt.date(2026, 11, 3), False)
    past = {"a": [event("2026-10-01", True)], "b": [event("2026-10-02", True)]}
    assert _digest_day({"triggering_asset_events": past}) == (dt.date(2026, 10, 2), True)
    manual = {"triggering_asset_events": {}, "logical_date": dt.datetime(2026, 11, 5, tzinfo=dt.timezone.utc)}
    assert _digest_day(manual) == (dt.date(2026, 11, 5), False)
