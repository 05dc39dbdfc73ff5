"""`postureflow demo`: the whole pipeline on the embedded default, against moto_server.

Prepares a local Airflow home (SQLite, no example DAGs), starts moto_server on
127.0.0.1, creates a demo account with deliberate misconfigurations in two
regions (each beside a well-configured twin), runs that account's scan DAG with
`airflow dags test`, lists the task states from Airflow's metadata database,
prints the terminal summary and says where the lake is. ``--keep-running``
leaves moto_server up afterwards; ``postureflow demo seed --endpoint URL``
seeds a moto_server you started yourself, for an Airflow of your own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import yaml


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "demo", help="run the scan DAG of a demo account in moto_server (or seed a moto_server: demo seed)"
    )
    parser.add_argument("--home", help="Airflow home (default: <project>/.airflow)")
    parser.add_argument("--lake", help="lake root (default: $POSTUREFLOW_LAKE, else <home>/lake)")
    parser.add_argument("--date", type=dt.date.fromisoformat, help="logical date of the run (default: today)")
    parser.add_argument("--keep-running", action="store_true",
                        help="leave moto_server up after the run (until Ctrl-C) for an Airflow of your own")
    parser.set_defaults(func=run_demo)
    sub = parser.add_subparsers(dest="demo_command", metavar="ACTION")
    seed = sub.add_parser(
        "seed", help="seed the demo account into a running moto_server and print the Airflow connection for it"
    )
    seed.add_argument("--endpoint", required=True, help="moto_server URL, e.g. http://127.0.0.1:5000 (loopback)")
    seed.add_argument("--conn-id", default="aws_demo", help="Airflow connection id to print (default: aws_demo)")
    seed.set_defaults(func=run_seed)


def demo_connection(conn_id: str, endpoint: str) -> dict[str, str]:
    """The AIRFLOW_CONN_* variable of the demo account's connection through ``endpoint``."""
    from postureflow.airflow_env import aws_connection_uri_env
    from postureflow.demo import DEMO_ACCOUNT_ID, DEMO_ROLE

    return aws_connection_uri_env(conn_id, endpoint, f"arn:aws:iam::{DEMO_ACCOUNT_ID}:role/{DEMO_ROLE}")


def run_seed(args: argparse.Namespace) -> int:
    import shlex

    from postureflow.demo import DEMO_ACCOUNT_ID, DEMO_REGIONS, assumed_session

    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    endpoint = args.endpoint.rstrip("/")
    session = assumed_session(endpoint, DEMO_ACCOUNT_ID)
    seeded = _seed_through(endpoint, session, DEMO_ACCOUNT_ID, DEMO_REGIONS)
    print(f"Demo account {DEMO_ACCOUNT_ID} seeded in {', '.join(DEMO_REGIONS)} ({', '.join(seeded)}) at {endpoint}")
    [(name, value)] = demo_connection(args.conn_id, endpoint).items()
    print("Its Airflow connection, for every Airflow component's environment:")
    print(f"export {name}={shlex.quote(value)}")
    return 0


def write_demo_accounts(path: Path, account_id: str, regions: list[str]) -> None:
    path.write_text(
        yaml.safe_dump(
            {
                "accounts": [
                    {
                        "alias": "demo",
                        "account_id": account_id,
                        "aws_conn_id": "aws_demo",
                        "regions": regions,
                        # moto has no IAM Access Analyzer: its tests use botocore's Stubber instead.
                        "services": {"exclude": ["accessanalyzer"]},
                        "schedule": None,
                    }
                ]
            },
            sort_keys=False,
        )
    )


def run_demo(args: argparse.Namespace) -> int:
    from postureflow.airflow_env import airflow_env, ensure_pools, migrate_db, project_root
    from postureflow.demo import DEMO_ACCOUNT_ID, DEMO_REGIONS, assumed_session
    from postureflow.lake import Lake
    from postureflow.moto_server import MotoServer

    root = project_root()
    home = Path(args.home or root / ".airflow").resolve()
    # The same rule as every command's default lake, with the demo's Airflow home.
    lake_uri = args.lake or os.environ.get("POSTUREFLOW_LAKE") or str(home / "lake")
    day = args.date or dt.datetime.now(dt.timezone.utc).date()
    home.mkdir(parents=True, exist_ok=True)
    accounts = home / "demo-accounts.yaml"
    write_demo_accounts(accounts, DEMO_ACCOUNT_ID, DEMO_REGIONS)

    env = airflow_env(home, lake_uri, accounts)
    print(f"Airflow home: {home} (SQLite, no example DAGs)")
    print("Migrating the Airflow metadata database ...", flush=True)
    migrate_db(env)
    ensure_pools(env)

    with MotoServer(log_path=home / "moto_server.log") as url:
        print(f"moto_server on {url}")
        os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
        os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
        session = assumed_session(url, DEMO_ACCOUNT_ID)
        seeded = _seed_through(url, session, DEMO_ACCOUNT_ID, DEMO_REGIONS)
        print(f"Demo account {DEMO_ACCOUNT_ID} seeded in {', '.join(DEMO_REGIONS)} ({', '.join(seeded)})")

        env.update(demo_connection("aws_demo", url))
        log_file = home / "demo-dags-test.log"
        print(f"Running: airflow dags test posture_scan__demo {day.isoformat()}  (log: {log_file})", flush=True)
        with open(log_file, "w") as log:
            proc = subprocess.run(
                ["airflow", "dags", "test", "posture_scan__demo", day.isoformat()],
                env=env, stdout=log, stderr=subprocess.STDOUT,
            )
        for line in task_state_lines(env, "posture_scan__demo", day):
            print("  " + line)
        if proc.returncode != 0:
            print(f"airflow dags test failed (exit {proc.returncode}); see {log_file}", file=sys.stderr)
            return proc.returncode
        if args.keep_running:
            _report(Lake(lake_uri), day)
            _wait_for_ctrl_c(url)
            return 0

    _report(Lake(lake_uri), day)
    return 0


def _report(lake, day: dt.date) -> None:
    from postureflow.demo import DEMO_ACCOUNT_ID
    from postureflow.summary import summary_text

    print(summary_text(lake, DEMO_ACCOUNT_ID, day, color=sys.stdout.isatty()))
    reports = lake.location(f"reports/scan_date={day.isoformat()}/account_id={DEMO_ACCOUNT_ID}")
    print(f"Reports (OCSF JSON, CSV, HTML): {reports}")
    exe = os.path.relpath(sys.argv[0]) if os.path.isfile(sys.argv[0]) else "postureflow"
    print(f"Query it: {exe} sql --lake {lake.location()} \"SELECT check_id, status, resource_id FROM latest_findings WHERE status = 'FAIL'\"")


def _wait_for_ctrl_c(url: str) -> None:
    import time

    [(name, value)] = demo_connection("aws_demo", url).items()
    print(f"moto_server stays up on {url} (Ctrl-C stops it). Point your own Airflow at it with:")
    print(f"export {name}='{value}'")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print("stopping moto_server")


def task_state_lines(env: dict[str, str], dag_id: str, day: dt.date) -> list[str]:
    """One line per task of the DAG's run for ``day``, read from Airflow's metadata database."""
    import json

    def airflow_json(*argv: str):
        proc = subprocess.run(["airflow", *argv, "-o", "json"], env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            return None
        for line in proc.stdout.splitlines():  # Airflow may log warnings to stdout before the JSON
            if line.startswith("["):
                try:
                    return json.loads(line)
                except ValueError:
                    continue
        return None

    runs = airflow_json("dags", "list-runs", dag_id) or []
    run = next((r for r in runs if str(r.get("logical_date") or "").startswith(day.isoformat())), None)
    if run is None:
        return [f"(no run of {dag_id} for {day} in the metadata database)"]
    states = airflow_json("tasks", "states-for-dag-run", dag_id, run["run_id"]) or []
    by_task: dict[str, list[str]] = {}  # mapped tasks (one per service) are summed up per task
    for s in sorted(states, key=lambda s: s.get("start_date") or ""):
        by_task.setdefault(s.get("task_id"), []).append(s.get("state") or "none")
    lines = []
    for task, found in by_task.items():
        if len(found) == 1:
            lines.append(f"{task:<24} {found[0]}")
        else:
            counts = ", ".join(f"{found.count(state)} {state}" for state in sorted(set(found)))
            lines.append(f"{task:<24} {len(found)} mapped: {counts}")
    return lines


def _seed_through(url: str, session, account_id: str, regions: list[str]) -> list[str]:
    from postureflow.demo import seed_account

    previous = os.environ.get("AWS_ENDPOINT_URL")
    os.environ["AWS_ENDPOINT_URL"] = url
    try:
        return seed_account(session, account_id, regions)
    finally:
        if previous is None:
            os.environ.pop("AWS_ENDPOINT_URL", None)
        else:
            os.environ["AWS_ENDPOINT_URL"] = previous
