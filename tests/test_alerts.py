"""Alerts delivered for real: SNS on moto read back through an SQS subscription, a Slack-compatible
and a generic webhook on a local HTTP server, e-mail to a local SMTP server (aiosmtpd), Apprise to
the same HTTP server. Every server binds 127.0.0.1 on a free port and is stopped by its fixture.

The lake is written with the real lake writer (postureflow.sql.sample); the rules come through the
accounts-file parser, so what is tested is what a user declares."""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass, field
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class HttpSink:
    server: ThreadingHTTPServer
    requests: list[tuple[str, dict]] = field(default_factory=list)
    status: int = 200  # what the next requests get (a failing Slack answers 500)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def bodies(self, path: str) -> list[dict]:
        return [body for p, body in self.requests if p == path]


def start_http_sink() -> HttpSink:
    sink: HttpSink

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's naming
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length).decode()
            if sink.status == 200:
                sink.requests.append((self.path, json.loads(raw)))
            self.send_response(sink.status)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok" if sink.status == 200 else b"error")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    sink = HttpSink(server)
    threading.Thread(target=server.serve_forever, name="alert-http-sink", daemon=True).start()
    return sink


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SmtpSink:
    """aiosmtpd's Controller with a handler that keeps every message."""

    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.messages: list = []
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's naming
                sink.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.original_content)))
                return "250 Message accepted for delivery"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    def html_of(self, index: int) -> str:
        message = self.messages[index][1]
        for part in message.walk():
            if part.get_content_type() == "text/html":
                return part.get_payload(decode=True).decode()
        raise AssertionError("no HTML part")


# -- fixtures ------------------------------------------------------------------------------------

import datetime as dt  # noqa: E402

import pytest  # noqa: E402
import yaml  # noqa: E402

from postureflow.accounts import load_accounts  # noqa: E402
from postureflow.alerts.deliver import DeliveryError  # noqa: E402
from postureflow.alerts.run import run_alerts, run_digest  # noqa: E402
from postureflow.lake import Lake  # noqa: E402
from postureflow.sql.sample import finding, write_findings  # noqa: E402

ACCOUNT = "123456789012"
OTHER = "210987654321"
DAY1, DAY2, DAY3, DAY4 = (dt.date(2026, 11, d) for d in (1, 2, 3, 4))
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:posture-alerts"


@pytest.fixture
def http_sink():
    sink = start_http_sink()
    yield sink
    sink.server.shutdown()
    sink.server.server_close()


@pytest.fixture
def smtp_sink():
    sink = SmtpSink()
    yield sink
    sink.stop()


@pytest.fixture
def sns_queue(aws, monkeypatch):
    """An SNS topic on moto with an SQS queue subscribed (raw delivery off: SNS's envelope)."""
    import boto3

    monkeypatch.setenv("AIRFLOW_CONN_AWS_ALERTS", json.dumps({"conn_type": "aws", "extra": {"region_name": "us-east-1"}}))
    sns, sqs = boto3.client("sns", region_name="us-east-1"), boto3.client("sqs", region_name="us-east-1")
    topic = sns.create_topic(Name="posture-alerts")["TopicArn"]
    queue = sqs.create_queue(QueueName="posture-alerts")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)

    def read() -> list[dict]:
        out = []
        while True:
            got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
            if not got:
                return out
            for m in got:
                out.append(json.loads(m["Body"]))
                sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])

    assert topic == TOPIC
    return read


@pytest.fixture
def connections(monkeypatch, http_sink, smtp_sink):
    """Airflow connections (environment variables) for every destination; the accounts file names only their ids."""
    monkeypatch.setenv("AIRFLOW_CONN_SLACK_SECOPS", json.dumps(
        {"conn_type": "slackwebhook", "host": http_sink.url, "password": "services/T000/B000/XXXX"}))
    monkeypatch.setenv("AIRFLOW_CONN_HTTP_TICKETS", json.dumps({"conn_type": "http", "host": http_sink.url}))
    monkeypatch.setenv("AIRFLOW_CONN_APPRISE_PAGER", json.dumps(
        {"conn_type": "apprise", "extra": {"config": {"path": f"json://127.0.0.1:{http_sink.url.rsplit(':', 1)[1]}/apprise"}}}))
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_ALERTS", json.dumps(
        {"conn_type": "smtp", "host": "127.0.0.1", "port": smtp_sink.port, "login": "", "password": "",
         "extra": {"disable_ssl": True, "disable_tls": True, "from_email": "postureflow@example.com"}}))
    return http_sink, smtp_sink


DESTINATIONS = {
    "secops-slack": {"type": "slack", "conn_id": "slack_secops"},
    "tickets": {"type": "webhook", "conn_id": "http_tickets", "endpoint": "/hooks/postureflow"},
    "pager": {"type": "apprise", "conn_id": "apprise_pager"},
    "oncall-mail": {"type": "email", "conn_id": "smtp_alerts", "to": ["secops@example.com"]},
    "security-sns": {"type": "sns", "conn_id": "aws_alerts", "topic_arn": TOPIC},
}


def accounts(tmp_path, rules, account_alerts=None, digest=None, extra=None, destinations=None):
    defaults = {"destinations": destinations or DESTINATIONS, "rules": rules,
                "dashboard_url": "https://airflow.example.com/postureflow/", **(extra or {})}
    if digest:
        defaults["digest"] = digest
    data = {"defaults": {"alerts": defaults}, "accounts": [
        {"alias": "prod", "account_id": ACCOUNT, "aws_conn_id": "aws_prod", "regions": ["us-east-1"],
         **({"alerts": account_alerts} if account_alerts else {})},
        {"alias": "dev", "account_id": OTHER, "aws_conn_id": "aws_dev", "regions": ["us-east-1"]},
    ]}
    path = tmp_path / "accounts.yaml"
    path.write_text(yaml.safe_dump(data))
    parsed = load_accounts(path)
    assert parsed.errors == []
    return parsed.accounts


def day_rows(day, failing=(), passing=(), account=ACCOUNT, severity="critical", service="s3",
             check="s3_bucket_public_access", region="us-east-1", **kw):
    return ([finding(account, day, service, check, r, status="FAIL", severity=severity, region=region, **kw) for r in failing]
            + [finding(account, day, service, check, r, status="PASS", severity=severity, region=region, **kw) for r in passing])


def scan(lake, account, day, rows, **kw):
    if rows:
        write_findings(lake, rows)
    return run_alerts(account, lake, day, f"scheduled__{day}", regions=["us-east-1"], today=day, **kw)


@pytest.fixture
def lake(tmp_path):
    return Lake(str(tmp_path / "lake"))


# -- the tests -----------------------------------------------------------------------------------


def test_three_runs_with_one_new_critical_send_exactly_one_alert_to_every_destination(
        tmp_path, lake, connections, sns_queue):
    http, smtp = connections
    prod, _ = accounts(tmp_path, [{"name": "new-criticals", "when": "new_fail", "min_severity": "critical",
                                   "notify": list(DESTINATIONS)}])
    # day 1: the account's first run; what already fails is the baseline (docs/alerts.md: first_run)
    first = scan(lake, prod, DAY1, day_rows(DAY1, failing=["old-bucket"], passing=["b1"])
                 + day_rows(DAY1, failing=["medium-bucket"], severity="medium"))
    assert first["baselined"] == ["new-criticals"] and first["messages"] == {}
    # day 2: a new bucket b2 is public (critical); medium findings do not match the rule
    second = scan(lake, prod, DAY2, day_rows(DAY2, failing=["old-bucket", "b2"])
                  + day_rows(DAY2, failing=["medium-bucket", "medium-2"], severity="medium"))
    assert second["alerts"] == {"new-criticals": 1}
    # day 3: nothing changed
    third = scan(lake, prod, DAY3, day_rows(DAY3, failing=["old-bucket", "b2"])
                 + day_rows(DAY3, failing=["medium-bucket", "medium-2"], severity="medium"))
    assert third["messages"] == {} and third["alerts"] == {"new-criticals": 0}

    slack = http.bodies("/services/T000/B000/XXXX")
    assert len(slack) == 1 and "b2: FAIL" in slack[0]["text"] and "old-bucket" not in slack[0]["text"]
    hooks = http.bodies("/hooks/postureflow")
    assert len(hooks) == 1
    assert [e["resource_uid"] for e in hooks[0]["events"]] == [f"arn:aws:s3:us-east-1:{ACCOUNT}:b2"]
    assert hooks[0]["events"][0]["event"] == "new" and hooks[0]["events"][0]["severity"] == "critical"
    assert hooks[0]["events"][0]["link"].startswith("https://airflow.example.com/postureflow/findings/123456789012/s3/")
    apprise = http.bodies("/apprise")
    assert len(apprise) == 1 and "b2: FAIL" in apprise[0]["message"]
    assert len(smtp.messages) == 1
    rcpt, mail = smtp.messages[0]
    assert rcpt == ["secops@example.com"] and "1 new failing finding" in mail["Subject"]
    assert "<li><b>critical</b> s3_bucket_public_access" in smtp.html_of(0)
    published = sns_queue()
    assert len(published) == 1
    assert published[0]["Subject"].startswith("[postureflow] prod: 1 new failing finding")
    assert f"arn:aws:s3:us-east-1:{ACCOUNT}:b2" in published[0]["Message"]


def test_a_backfill_or_a_rerun_of_a_past_date_never_alerts(tmp_path, lake, connections):
    http, _ = connections
    rules = [{"name": "all-new", "when": "new_fail", "notify": ["secops-slack"]}]
    prod, _ = accounts(tmp_path, rules, extra={"first_run": "alert"})
    write_findings(lake, day_rows(DAY1, failing=["b1"]) + day_rows(DAY2, failing=["b1", "b2"]))
    # a backfill of day 2, run today
    assert "backfill" in run_alerts(prod, lake, DAY2, "backfill__x", backfill=True, today=DAY2)["skipped"]
    # a re-run of day 1 while the lake has day 2
    assert "later scan" in run_alerts(prod, lake, DAY1, "manual__x", today=DAY2)["skipped"]
    # a scheduled run whose date is long past (catchup)
    assert "old" in run_alerts(prod, lake, DAY2, "scheduled__x", today=DAY2 + dt.timedelta(days=10))["skipped"]
    assert http.requests == [] and lake.dataset("alerts") is None
    # the option lifts it
    allowed, _ = accounts(tmp_path, rules, extra={"first_run": "alert", "allow_past_runs": True})
    result = run_alerts(allowed, lake, DAY2, "backfill__x", backfill=True, today=DAY4)
    assert result["messages"] == {"secops-slack": 1} and len(http.requests) == 1


def test_a_finding_not_observed_neither_resolves_nor_alerts_again(tmp_path, lake, connections):
    from postureflow.lake.schema import SCAN_ERRORS
    import pyarrow as pa

    http, _ = connections
    prod, _ = accounts(tmp_path, [{"name": "crit", "when": "new_fail", "notify": ["secops-slack"]}])
    scan(lake, prod, DAY1, day_rows(DAY1, passing=["b1"]))
    assert scan(lake, prod, DAY2, day_rows(DAY2, failing=["b1"]))["alerts"] == {"crit": 1}
    # day 3: s3 in us-east-1 could not be read completely: b1 is gone from the findings, another is MANUAL
    error = {"account_id": ACCOUNT, "region": "us-east-1", "service": "s3", "api": "s3:ListBuckets",
             "error_code": "AccessDenied", "message": "denied", "scan_date": DAY3, "run_id": "r3",
             "occurred_at": dt.datetime(2026, 11, 3, tzinfo=dt.timezone.utc)}
    lake.write_partition("scan_errors", {"scan_date": DAY3, "service": "s3", "account_id": ACCOUNT},
                         pa.Table.from_pylist([error], schema=SCAN_ERRORS))
    manual = finding(ACCOUNT, DAY3, "s3", "s3_bucket_kms_encryption", "b9", status="MANUAL")
    third = scan(lake, prod, DAY3, [manual])
    assert third["resolved"] == 0
    # day 4: failing again, complete scan: still the same open alert, nothing sent
    assert scan(lake, prod, DAY4, day_rows(DAY4, failing=["b1"]))["messages"] == {}
    assert len(http.requests) == 1


def test_scan_scope_decides_what_was_observed(tmp_path, lake, connections):
    """On a lake with scan_scope rows (every run writes them): a failing finding missing from a run whose
    service and region were scanned incompletely, or present as a MANUAL "No verdict" row in a complete
    scan, neither resolves nor alerts again; the next complete scan without it resolves it."""
    from postureflow import scope
    from postureflow.checks.base import NO_VERDICT

    http, _ = connections
    prod, _ = accounts(tmp_path, [{"name": "crit", "when": "new_fail", "notify": ["tickets"]}])
    day5, day6 = dt.date(2026, 11, 5), dt.date(2026, 11, 6)

    def scoped(day, rows, status=scope.COMPLETE):
        table = scope.scope_table(ACCOUNT, day, f"r-{day}", "s3", [scope.RegionStatus("us-east-1", status)],
                                  dt.datetime.combine(day, dt.time(3), dt.timezone.utc))
        lake.write_partition(scope.DATASET, {"scan_date": day, "service": "s3", "account_id": ACCOUNT}, table)
        return scan(lake, prod, day, rows)

    scoped(DAY1, day_rows(DAY1, passing=["b1", "b2"]))
    assert scoped(DAY2, day_rows(DAY2, failing=["b1"], passing=["b2"]))["alerts"] == {"crit": 1}
    # day 3: s3 in us-east-1 incomplete, b1 not listed
    assert scoped(DAY3, day_rows(DAY3, passing=["b2"]), status=scope.INCOMPLETE)["resolved"] == 0
    # day 4: complete, but b1's check could not read what it needed
    (unread,) = day_rows(DAY4, passing=["b1"])
    unread.update(status="MANUAL", status_extended=f"{NO_VERDICT} could not read s3:GetBucketPolicy (AccessDenied)")
    assert scoped(DAY4, [unread] + day_rows(DAY4, passing=["b2"]))["resolved"] == 0
    # day 5: failing again, seen completely: the alert is still open, nothing is sent
    assert scoped(day5, day_rows(day5, failing=["b1"], passing=["b2"]))["messages"] == {}
    assert len(http.requests) == 1
    # day 6: a complete scan without b1 resolves it (the scope rows are what decides)
    assert scoped(day6, day_rows(day6, passing=["b2"]))["resolved"] == 1


def test_resolved_then_failing_again_alerts_once_as_a_regression(tmp_path, lake, connections):
    http, _ = connections
    prod, _ = accounts(tmp_path, [{"name": "crit", "when": "new_fail", "notify": ["tickets"]},
                                  {"name": "back", "when": "regression", "notify": ["tickets"]}])
    scan(lake, prod, DAY1, day_rows(DAY1, passing=["other"]))
    scan(lake, prod, DAY2, day_rows(DAY2, failing=["b1"]))  # a new resource: new, not a regression
    assert scan(lake, prod, DAY3, day_rows(DAY3, passing=["b1"]))["resolved"] == 1  # only rule crit was open
    fourth = scan(lake, prod, DAY4, day_rows(DAY4, failing=["b1"]))
    assert fourth["alerts"] == {"crit": 1, "back": 1}
    events = [(b["rule"], e["event"]) for b in http.bodies("/hooks/postureflow") for e in b["events"]]
    assert events == [("crit", "new"), ("crit", "regression"), ("back", "regression")]
    # the alert state is a lake dataset anyone can query
    from postureflow.lake.query import connect

    con = connect(lake, ["alerts"])
    rows = con.sql("SELECT scan_date, rule, event, state FROM alerts WHERE key <> '__baseline__' "
                   "ORDER BY scan_date, rule").fetchall()
    assert [(str(d), r, e, s) for d, r, e, s in rows] == [
        ("2026-11-02", "crit", "new", "open"), ("2026-11-03", "crit", "resolved", "resolved"),
        ("2026-11-04", "back", "regression", "open"), ("2026-11-04", "crit", "regression", "open")]


def test_a_failed_destination_is_retried_without_resending_the_others(tmp_path, lake, connections):
    http, _ = connections
    prod, _ = accounts(tmp_path, [{"name": "crit", "when": "new_fail", "notify": ["oncall-mail", "tickets"]}],
                       extra={"first_run": "alert"})
    write_findings(lake, day_rows(DAY1, failing=["b1"]))
    http.status = 500
    with pytest.raises(DeliveryError, match="tickets"):
        run_alerts(prod, lake, DAY1, "r1", today=DAY1)
    _, smtp = connections
    assert len(smtp.messages) == 1 and http.requests == []
    http.status = 200
    result = run_alerts(prod, lake, DAY1, "r1", today=DAY1)  # Airflow's retry of the task
    assert result["messages"] == {"tickets": 1}
    assert len(smtp.messages) == 1 and len(http.requests) == 1
    assert run_alerts(prod, lake, DAY1, "r1", today=DAY1)["messages"] == {}  # a third attempt: nothing left


def test_filters_severity_services_checks_frameworks_tags(tmp_path, lake, connections):
    http, _ = connections
    rules = [
        {"name": "tagged-prod", "when": "new_fail", "tags": {"env": "test"}, "services": ["iam"], "notify": ["tickets"]},
        {"name": "cis", "when": "new_fail", "frameworks": ["cis_6.0"], "notify": ["tickets"]},
        {"name": "one-check", "when": "new_fail", "checks": ["s3_bucket_kms_encryption"], "min_severity": "high",
         "notify": ["tickets"]},
        {"name": "other-tag", "when": "new_fail", "tags": {"owner": "*"}, "notify": ["tickets"]},
    ]
    prod, _ = accounts(tmp_path, rules, extra={"first_run": "alert"})
    from postureflow.compliance.frameworks import load_frameworks

    cis_check = sorted(load_frameworks()["cis_6.0"].all_checks())[0]
    rows = (day_rows(DAY1, failing=["u1"], service="iam", check="iam_user_hardware_mfa_enabled", severity="high")
            + day_rows(DAY1, failing=["x1"], service="s3", check=cis_check, severity="low")
            + day_rows(DAY1, failing=["e1"], check="s3_bucket_kms_encryption", severity="medium"))
    result = scan(lake, prod, DAY1, rows)
    assert result["alerts"] == {"tagged-prod": 1, "cis": 1 + (cis_check == "iam_user_hardware_mfa_enabled"),
                                "one-check": 0, "other-tag": 0}
    by_rule = {b["rule"]: [e["check_id"] for e in b["events"]] for b in http.bodies("/hooks/postureflow")}
    assert by_rule["tagged-prod"] == ["iam_user_hardware_mfa_enabled"] and cis_check in by_rule["cis"]


def test_scan_errors_and_a_failed_scan_alert_once(tmp_path, lake, connections):
    import pyarrow as pa
    from postureflow.lake.schema import SCAN_ERRORS

    http, _ = connections
    prod, _ = accounts(tmp_path, [{"name": "errors", "when": "scan_error", "notify": ["tickets"]},
                                  {"name": "failed", "when": "scan_failed", "notify": ["tickets"]}],
                       extra={"first_run": "alert"})

    def error(day):
        row = {"account_id": ACCOUNT, "region": "us-east-1", "service": "s3", "api": "s3:GetBucketPolicy",
               "error_code": "AccessDenied", "message": "denied", "scan_date": day, "run_id": "r",
               "occurred_at": dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)}
        lake.write_partition("scan_errors", {"scan_date": day, "service": "s3", "account_id": ACCOUNT},
                             pa.Table.from_pylist([row], schema=SCAN_ERRORS))

    error(DAY1)
    assert scan(lake, prod, DAY1, day_rows(DAY1, passing=["b1"]), failed_tasks=["scan_ec2"])["alerts"] == {
        "errors": 1, "failed": 1}
    error(DAY2)
    assert scan(lake, prod, DAY2, day_rows(DAY2, passing=["b1"]), failed_tasks=["scan_ec2"])["messages"] == {}
    third = scan(lake, prod, DAY3, day_rows(DAY3, passing=["b1"]), failed_tasks=[])
    assert third["resolved"] == 2 and third["messages"] == {}
    fourth = scan(lake, prod, DAY4, day_rows(DAY4, passing=["b1"]), failed_tasks=["preflight (skipped)"])
    assert fourth["alerts"] == {"errors": 0, "failed": 1}
    summaries = [e["summary"] for b in http.bodies("/hooks/postureflow") for e in b["events"]]
    assert summaries[0].startswith("s3:GetBucketPolicy: AccessDenied")
    assert "scan_ec2" in summaries[1] and "preflight (skipped)" in summaries[2] and len(summaries) == 3


def test_still_failing_past_n_days(tmp_path, lake, connections):
    http, _ = connections
    prod, _ = accounts(tmp_path, [{"name": "stale", "when": "still_failing", "days": 2, "notify": ["tickets"]}],
                       extra={"first_run": "alert"})
    assert scan(lake, prod, DAY1, day_rows(DAY1, failing=["b1"], passing=["b2"]))["alerts"] == {"stale": 0}
    assert scan(lake, prod, DAY2, day_rows(DAY2, failing=["b1", "b2"]))["alerts"] == {"stale": 0}
    assert scan(lake, prod, DAY3, day_rows(DAY3, failing=["b1", "b2"]))["alerts"] == {"stale": 1}
    assert scan(lake, prod, DAY4, day_rows(DAY4, failing=["b1", "b2"]))["alerts"] == {"stale": 1}
    events = [(e["event"], e["resource_uid"].rsplit(":", 1)[1]) for b in http.bodies("/hooks/postureflow") for e in b["events"]]
    assert events == [("still_failing", "b1"), ("still_failing", "b2")]


def test_names_are_text_in_every_message(tmp_path, lake, connections):
    http, smtp = connections
    prod, _ = accounts(tmp_path, [{"name": "all", "when": "new_fail", "notify": ["secops-slack", "oncall-mail"]}],
                       extra={"first_run": "alert"})
    scan(lake, prod, DAY1, day_rows(DAY1, failing=["{{ 7*7 }}<script>x</script>&"]))
    text = http.bodies("/services/T000/B000/XXXX")[0]["text"]
    assert "{{ 7*7 }}" in text and "49" not in text and "&lt;script&gt;" in text
    assert "{{ 7*7 }}&lt;script&gt;" in smtp.html_of(0) and "<script>" not in smtp.html_of(0)


def test_daily_digest_text_and_html_from_one_template_sent_once(tmp_path, lake, connections):
    http, smtp = connections
    prod, dev = accounts(tmp_path, [], digest={"notify": ["oncall-mail", "secops-slack"]})
    write_findings(lake, day_rows(DAY1, failing=["b1"]) + day_rows(DAY2, failing=["b1", "b2"])
                   + day_rows(DAY2, failing=["h1"], severity="high", check="s3_bucket_kms_encryption")
                   + day_rows(DAY2, failing=["low1"], severity="low", check="s3_bucket_kms_encryption"))
    result = run_digest([prod, dev], lake, DAY2, "digest__1", today=DAY2)
    assert result["sent_to"] == ["oncall-mail", "secops-slack"]
    text = http.bodies("/services/T000/B000/XXXX")[0]["text"]
    html = smtp.html_of(0)
    assert "2 new critical and high finding(s)" in text
    for needle in (f"arn:aws:s3:us-east-1:{ACCOUNT}:b2", f"arn:aws:s3:us-east-1:{ACCOUNT}:h1",
                   "https://airflow.example.com/postureflow/findings/123456789012/s3/"):
        assert needle in text and needle in html
    assert ":b1" not in text.split("New critical")[1] and "low1" not in text
    from postureflow.alerts.render import check_remediation

    fix = check_remediation("s3_bucket_public_access")
    assert fix and f"  fix: {fix}" in text and "<br>fix: " in html  # each new finding's remediation
    assert "Not scanned on 2026-11-02: dev (210987654321)" in text and "<b>Not scanned on 2026-11-02:</b>" in html
    assert "critical=2 high=1 medium=0 low=1" in text
    # the asset-scheduled DAG may fire again the same day: nothing is sent twice; a past day is never sent
    assert run_digest([prod, dev], lake, DAY2, "digest__2", today=DAY2)["sent_to"] == ["oncall-mail", "secops-slack"]
    assert "past date" in run_digest([prod, dev], lake, DAY1, "digest__3", backfill=True, today=DAY2)["skipped"]
    assert len(smtp.messages) == 1 and len(http.requests) == 1


def test_accounts_file_keeps_secrets_out_and_names_the_field(tmp_path):
    data = {"defaults": {"alerts": {
        "destinations": {"s": {"type": "slack", "conn_id": "https://hooks.slack.com/services/T/B/secret"}},
        "rules": [{"name": "r", "when": "new_fail", "notify": ["s"]}]}},
        "accounts": [{"alias": "prod", "account_id": ACCOUNT, "aws_conn_id": "aws_prod"},
                     {"alias": "dev", "account_id": OTHER, "aws_conn_id": "aws_dev",
                      "alerts": {"rules": [{"name": "x", "when": "still_failing", "notify": ["nope"]}]}}]}
    path = tmp_path / "accounts.yaml"
    path.write_text(yaml.safe_dump(data))
    errors = load_accounts(path).errors
    assert any("account 'prod': field 'alerts'" in e and "Airflow connection" in e for e in errors)
    data["defaults"]["alerts"]["destinations"]["s"]["conn_id"] = "slack_secops"
    path.write_text(yaml.safe_dump(data))
    parsed = load_accounts(path)
    assert [a.alias for a in parsed.accounts] == ["prod"]
    (error,) = parsed.errors
    assert "account 'dev': field 'alerts'" in error and "still_failing needs days" in error
    data["accounts"][1]["alerts"] = {"rules": [{"name": "x", "when": "new_fail", "services": ["nosuch"],
                                                "notify": ["nope"]}]}
    path.write_text(yaml.safe_dump(data))
    (error,) = load_accounts(path).errors
    assert "unknown destination(s) nope" in error


def test_docs_rule_set_is_valid(tmp_path):
    """docs/alerts.md's complete example parses as it is."""
    import re
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[1] / "docs" / "alerts.md").read_text()
    block = re.search(r"```yaml\n(# accounts\.yaml.*?)```", doc, re.S).group(1)
    path = tmp_path / "accounts.yaml"
    path.write_text(block)
    parsed = load_accounts(path)
    assert parsed.errors == [] and len(parsed.accounts) >= 2
    assert {r["when"] for r in parsed.accounts[0].alerts["rules"]} == {
        "new_fail", "regression", "still_failing", "scan_error", "scan_failed"}
    assert {d["type"] for d in parsed.accounts[0].alerts["destinations"].values()} == {
        "sns", "slack", "email", "webhook", "apprise"}
    # and the published schema (editor support) accepts it too
    import jsonschema

    schema = json.loads((Path(__file__).resolve().parents[1] / "docs" / "accounts.schema.json").read_text())
    jsonschema.validate(yaml.safe_load(block), schema)
