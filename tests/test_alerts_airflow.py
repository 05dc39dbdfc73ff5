"""The ``alerts`` task inside a real account DAG: ``airflow dags test posture_scan__prod`` on three
consecutive days against moto_server (127.0.0.1, free port), the account reached through its Airflow
AWS connection; the rules come from the accounts file and deliver to a webhook on 127.0.0.1.
One new public bucket on day 2 sends exactly one message; days 1 (baseline) and 3 (no change) send none."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml

from postureflow.airflow_env import airflow_env, aws_connection_uri_env, ensure_pools, migrate_db
from postureflow.demo import assumed_session
from postureflow.lake import Lake
from postureflow.lake.query import connect
from postureflow.moto_server import MotoServer

pytestmark = [pytest.mark.airflow, pytest.mark.e2e]
ACCOUNT = "123456789012"


def test_three_daily_runs_in_airflow_send_one_alert(tmp_path):
    got: list = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            got.append(json.loads(self.rfile.read(int(self.headers["content-length"]))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    sink = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    accounts = tmp_path / "accounts.yaml"
    accounts.write_text(yaml.safe_dump({
        "defaults": {"alerts": {
            "destinations": {"tickets": {"type": "webhook", "conn_id": "http_tickets", "endpoint": "/alerts"}},
            "rules": [{"name": "public-s3", "when": "new_fail", "services": ["s3"], "min_severity": "high",
                       "notify": ["tickets"]}]}},
        "accounts": [{"alias": "prod", "account_id": ACCOUNT, "aws_conn_id": "aws_prod", "regions": ["us-east-1"],
                      "services": {"include": ["s3"]}, "schedule": None}],
    }))
    lake = Lake(str(tmp_path / "lake"))
    env = airflow_env(tmp_path / "airflow", lake.uri, accounts)
    migrate_db(env)
    ensure_pools(env)
    try:
        with MotoServer() as url:
            env.update(aws_connection_uri_env("aws_prod", url, f"arn:aws:iam::{ACCOUNT}:role/PostureflowAudit"))
            env["AIRFLOW_CONN_HTTP_TICKETS"] = json.dumps(
                {"conn_type": "http", "host": f"http://127.0.0.1:{sink.server_address[1]}"})
            env.pop("AWS_ENDPOINT_URL", None)
            s3 = assumed_session(url, ACCOUNT).client("s3", region_name="us-east-1", endpoint_url=url)
            s3.create_bucket(Bucket="pf-alerts-private")
            today = dt.datetime.now(dt.timezone.utc).date()
            days = [today - dt.timedelta(days=2), today - dt.timedelta(days=1), today]
            sent_after = []
            for i, day in enumerate(days):
                if i == 1:  # day 2: someone opens a bucket to the world
                    s3.create_bucket(Bucket="pf-alerts-public")
                    s3.put_public_access_block(Bucket="pf-alerts-public", PublicAccessBlockConfiguration={
                        "BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": False,
                        "RestrictPublicBuckets": False})
                    s3.put_bucket_policy(Bucket="pf-alerts-public", Policy=json.dumps({
                        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",
                                                                "Action": "s3:*", "Resource": "arn:aws:s3:::pf-alerts-public/*"}]}))
                proc = subprocess.run(["airflow", "dags", "test", "posture_scan__prod", day.isoformat()], env=env,
                                      capture_output=True, text=True, timeout=600)
                assert "alerts" in proc.stdout + proc.stderr, proc.stdout[-3000:]
                sent_after.append(len(got))
    finally:
        sink.shutdown()
        sink.server_close()
    assert sent_after == [0, 1, 1]
    (message,) = got
    assert {e["resource_uid"] for e in message["events"]} == {"arn:aws:s3:::pf-alerts-public"}
    assert all(e["event"] == "new" for e in message["events"])
    state = connect(lake, ["alerts"]).execute(
        "SELECT scan_date, event, count(*) FROM alerts GROUP BY ALL ORDER BY ALL").fetchall()
    assert [(str(d), e) for d, e, _ in state] == [(days[0].isoformat(), "baseline"), (days[1].isoformat(), "new")]
