"""A real scheduler: three days of runs through the REST API, then a backfill with one more check.

Starts api-server, scheduler and dag-processor bound to 127.0.0.1 with SQLite and the
LocalExecutor, and moto_server as AWS; stops every process it started, even on failure.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import urllib.error
import urllib.request

import pytest

from postureflow.lake import Lake
from postureflow.lake.query import connect

pytestmark = [pytest.mark.airflow, pytest.mark.e2e]

ACCOUNT = "333333333333"
DAG_ID = "posture_scan__history"
DAYS = ["2026-10-01", "2026-10-02", "2026-10-03"]
NEVER = ["2026-09-28", "2026-09-29"]  # days this account was never scanned
NEW_CHECK = "s3_bucket_no_mfa_delete"
BLOCK_CHECK = "s3_bucket_level_public_access_block"
FULL_BLOCK = dict(BlockPublicAcls=True, IgnorePublicAcls=True, BlockPublicPolicy=True, RestrictPublicBuckets=True)


def api(services, method: str, path: str, body: dict | None = None, attempts: int = 6) -> dict:
    """One REST call; a 5xx or a timeout is retried, since SQLite is shared by three busy processes here
    (and, in the full suite, two cores by another test's Airflow: a PATCH once waited over 30 s)."""
    for attempt in range(attempts):
        request = urllib.request.Request(
            f"{services.url}{path}", method=method, data=json.dumps(body).encode() if body is not None else None,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as err:
            if err.code == 409 and attempt > 0:
                return {}  # the earlier attempt went through before its answer failed
            if err.code < 500 or attempt == attempts - 1:
                raise
            time.sleep(2)
        except (TimeoutError, urllib.error.URLError) as err:
            if attempt == attempts - 1 or not isinstance(getattr(err, "reason", err), TimeoutError):
                raise
            time.sleep(2)
    raise AssertionError("unreachable")


def wait_for(predicate, what: str, services, timeout: float = 300):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except (urllib.error.URLError, ConnectionError, OSError) as err:
            last = err
        time.sleep(2)
    raise AssertionError(f"timed out waiting for {what} (last: {last})\n{services.logs()}")


def create_backfill(services, *args: str) -> None:
    """`airflow backfill create` with ``args``, created again after a lock error.

    Airflow 3.3 commits the backfill before it creates its runs, and removes that orphan only after a
    PostgreSQL or MySQL lock error: after SQLite's "database is locked" (three busy processes share
    the file here) the orphan stays active and refuses the retry ("Another backfill is running").
    So the orphan is cancelled through the REST API (its queued runs fail; "completed" reprocessing
    makes them again) before the next attempt.
    """
    for attempt in range(4):
        proc = services.airflow("backfill", "create", "--dag-id", DAG_ID, *args, check=False)
        text = proc.stdout + proc.stderr
        if proc.returncode == 0:
            return
        if attempt == 3 or not ("database is locked" in text or (attempt and "AlreadyRunningBackfill" in text)):
            raise AssertionError(f"airflow backfill create {' '.join(args)} failed:\n{text[-3000:]}")
        for backfill in api(services, "GET", f"/api/v2/backfills?dag_id={DAG_ID}").get("backfills", []):
            if not backfill.get("completed_at"):
                api(services, "PUT", f"/api/v2/backfills/{backfill['id']}/cancel")
        time.sleep(5)


def run_state(services, day: str) -> dict | None:
    runs = api(services, "GET", f"/api/v2/dags/{DAG_ID}/dagRuns?limit=100")["dag_runs"]
    for run in runs:
        if (run.get("logical_date") or "").startswith(day):
            return run
    return None


def finished(services, day: str, run_type: str | None = None):
    def check():
        run = run_state(services, day)
        if run and run["state"] in ("success", "failed") and (run_type is None or run["run_type"] == run_type):
            return run
        return None

    return check


def view_rows(lake: Lake) -> dict[str, list]:
    from postureflow.sql.views import connect as sql_connect

    con = sql_connect(lake)
    return {view: sorted(map(str, con.execute(f"SELECT * EXCLUDE (services) FROM {view}" if view == "scans"
                                              else f"SELECT * FROM {view}").fetchall()))
            for view in ("scans", "finding_changes", "mttr")}


def configure(services, exclude_checks: list[str], include: list[str] = ("s3",)) -> None:
    account = {"alias": "history", "account_id": ACCOUNT, "aws_conn_id": "aws_history", "regions": ["us-east-1"],
               "services": {"include": list(include)}, "schedule": "@daily", "start_date": "2026-09-01",
               "securityhub": {"enabled": False}}
    if exclude_checks:
        account["checks"] = {"exclude": exclude_checks}
    services.project.accounts([account])


def failing(lake: Lake, check_id: str) -> dict[str, set[str]]:
    rows = connect(lake, ["findings"]).execute(
        "SELECT strftime(scan_date, '%Y-%m-%d'), resource_id FROM findings "
        "WHERE account_id = ? AND check_id = ? AND status = 'FAIL'", [ACCOUNT, check_id]
    ).fetchall()
    out: dict[str, set[str]] = {}
    for day, resource in rows:
        # the scheduler also makes today's scheduled run; and moto_server is shared with the other e2e tests
        # of this process (test_plugins makes buckets in the same account): neither is part of this story
        if day in DAYS and resource.startswith("pf-hist-"):
            out.setdefault(day, set()).add(resource)
    return out


def test_three_days_then_backfill_with_a_new_check(services):
    project = services.project
    s3 = project.client(ACCOUNT, "s3")
    project.connect("aws_history", ACCOUNT)
    configure(services, exclude_checks=[NEW_CHECK])
    services.start()

    wait_for(lambda: api(services, "GET", f"/api/v2/dags/{DAG_ID}").get("dag_id"), "the DAG to be parsed", services)
    api(services, "PATCH", f"/api/v2/dags/{DAG_ID}", {"is_paused": False})

    # Day 1: alpha is open. Day 2: alpha fixed, beta opened. Day 3: beta fixed, gamma opened.
    s3.create_bucket(Bucket="pf-hist-alpha")
    changes = {
        DAYS[1]: lambda: (s3.put_public_access_block(Bucket="pf-hist-alpha", PublicAccessBlockConfiguration=FULL_BLOCK),
                          s3.create_bucket(Bucket="pf-hist-beta")),
        DAYS[2]: lambda: (s3.put_public_access_block(Bucket="pf-hist-beta", PublicAccessBlockConfiguration=FULL_BLOCK),
                          s3.create_bucket(Bucket="pf-hist-gamma")),
    }
    for day in DAYS:
        if day in changes:
            changes[day]()
        api(services, "POST", f"/api/v2/dags/{DAG_ID}/dagRuns", {"logical_date": f"{day}T00:00:00Z"})
        run = wait_for(finished(services, day), f"the run of {day}", services)
        assert run["state"] == "success", run

    lake = Lake(str(project.lake))
    assert failing(lake, BLOCK_CHECK) == {
        DAYS[0]: {"pf-hist-alpha"},
        DAYS[1]: {"pf-hist-beta"},
        DAYS[2]: {"pf-hist-gamma"},
    }
    assert failing(lake, NEW_CHECK) == {}

    # Enable the check, then backfill: stored inventory is re-evaluated, AWS is not called.
    configure(services, exclude_checks=[])
    s3.delete_bucket(Bucket="pf-hist-alpha")  # AWS today no longer matches the past: the backfill must not look
    create_backfill(services, "--from-date", DAYS[0], "--to-date", DAYS[-1], "--reprocess-behavior", "completed")
    for day in DAYS:
        run = wait_for(finished(services, day, run_type="backfill"), f"the backfill of {day}", services, timeout=420)
        assert run["state"] == "success", run

    assert failing(lake, NEW_CHECK) == {
        DAYS[0]: {"pf-hist-alpha"},
        DAYS[1]: {"pf-hist-alpha", "pf-hist-beta"},
        DAYS[2]: {"pf-hist-alpha", "pf-hist-beta", "pf-hist-gamma"},
    }
    assert failing(lake, BLOCK_CHECK)[DAYS[0]] == {"pf-hist-alpha"}
    con = connect(lake, ["findings"])
    dupes = con.execute("SELECT count(*) - count(DISTINCT (scan_date, finding_uid)) FROM findings").fetchone()[0]
    assert dupes == 0
    versions = con.execute(f"SELECT count(DISTINCT check_version) FROM findings WHERE check_id = '{NEW_CHECK}'").fetchone()[0]
    assert versions == 1

    # Finding changes between consecutive scans are what was done to the account.
    from postureflow.sql.views import connect as sql_connect

    changes_view = sql_connect(lake).execute(
        "SELECT strftime(scan_date, '%Y-%m-%d'), change, resource_id FROM finding_changes "
        f"WHERE check_id = '{BLOCK_CHECK}' ORDER BY 1, 2, 3"
    ).fetchall()
    assert (DAYS[1], "resolved", "pf-hist-alpha") in changes_view
    assert (DAYS[1], "new", "pf-hist-beta") in changes_view
    assert (DAYS[2], "resolved", "pf-hist-beta") in changes_view
    assert (DAYS[2], "new", "pf-hist-gamma") in changes_view

    # A backfill of days that were never scanned invents nothing: no findings, compliance or reports
    # for any service (s3 has a collector; documentdb and neptune read rds's inventory and have none),
    # the days are recorded not_scanned, and no view changes.
    configure(services, exclude_checks=[], include=["s3", "documentdb", "neptune"])
    wait_for(lambda: "neptune" in json.dumps(api(services, "GET", f"/api/v2/dags/{DAG_ID}/details").get("params")),
             "the DAG with the new services to be parsed", services)
    # One backfill per DAG at a time: wait until the scheduler has marked the first one complete.
    wait_for(lambda: all(b.get("completed_at") for b in
                         api(services, "GET", f"/api/v2/backfills?dag_id={DAG_ID}").get("backfills", [])),
             "the first backfill to complete", services)
    views_before = view_rows(lake)
    create_backfill(services, "--from-date", NEVER[0], "--to-date", NEVER[-1], "--reprocess-behavior", "completed",
                    "--max-active-runs", "1")
    for day in NEVER:
        run = wait_for(finished(services, day, run_type="backfill"), f"the backfill of {day}", services, timeout=420)
        assert run["state"] == "success", run
    assert view_rows(lake) == views_before
    from postureflow import scope

    for day in NEVER:
        when = dt.date.fromisoformat(day)
        assert {r["status"] for r in scope.read_day(lake, ACCOUNT, when)} == {scope.NOT_SCANNED}
        assert not (project.lake / "compliance" / f"scan_date={day}").exists()
        assert not (project.lake / "reports" / f"scan_date={day}").exists()
        for service in ("s3", "documentdb", "neptune", "rds"):
            assert not lake.partition_exists("findings", {"scan_date": when, "service": service, "account_id": ACCOUNT})

    # The org rollup DAG ran on the compliance assets.
    import postureflow.compliance.org  # noqa: F401 - registers org_compliance

    wait_for(lambda: lake.partition_exists("org_compliance", {"scan_date": dt.date.fromisoformat(DAYS[0])}),
             "the org rollup", services, timeout=240)
