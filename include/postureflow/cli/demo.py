"""`postureflow demo`: the whole pipeline on the embedded default, against moto_server.

Prepares a local Airflow home (SQLite, no example DAGs), starts moto_server on
127.0.0.1, creates a demo account with deliberate misconfigurations in two
regions (each beside a well-configured twin), runs that account's scan DAG with
`airflow dags test`, prints the terminal summary and says where the lake is.
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
    parser = subparsers.add_parser("demo", help="run the scan DAG of a demo account in moto_server")
    parser.add_argument("--home", help="Airflow home (default: <project>/.airflow)")
    parser.add_argument("--lake", help="lake root (default: <project>/lake)")
    parser.add_argument("--date", type=dt.date.fromisoformat, help="logical date of the run (default: today)")
    parser.set_defaults(func=run_demo)


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
    from postureflow.airflow_env import airflow_env, aws_connection_uri_env, ensure_pools, migrate_db, project_root
    from postureflow.demo import DEMO_ACCOUNT_ID, DEMO_REGIONS, DEMO_ROLE, assumed_session, seed_account
    from postureflow.lake import Lake
    from postureflow.moto_server import MotoServer
    from postureflow.summary import summary_text

    root = project_root()
    home = Path(args.home or root / ".airflow").resolve()
    lake_uri = args.lake or str(root / "lake")
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

        env.update(aws_connection_uri_env("aws_demo", url, f"arn:aws:iam::{DEMO_ACCOUNT_ID}:role/{DEMO_ROLE}"))
        log_file = home / "demo-dags-test.log"
        print(f"Running: airflow dags test posture_scan__demo {day.isoformat()}  (log: {log_file})", flush=True)
        with open(log_file, "w") as log:
            proc = subprocess.run(
                ["airflow", "dags", "test", "posture_scan__demo", day.isoformat()],
                env=env, stdout=log, stderr=subprocess.STDOUT,
            )
        _print_task_states(log_file)
        if proc.returncode != 0:
            print(f"airflow dags test failed (exit {proc.returncode}); see {log_file}", file=sys.stderr)
            return proc.returncode

    lake = Lake(lake_uri)
    print(summary_text(lake, DEMO_ACCOUNT_ID, day, color=sys.stdout.isatty()))
    reports = lake.location(f"reports/scan_date={day.isoformat()}/account_id={DEMO_ACCOUNT_ID}")
    print(f"Reports (OCSF JSON, CSV, HTML): {reports}")
    exe = os.path.relpath(sys.argv[0]) if os.path.isfile(sys.argv[0]) else "postureflow"
    print(f"Query it: {exe} sql --lake {lake.location()} \"SELECT check_id, status, resource_id FROM latest_findings WHERE status = 'FAIL'\"")
    return 0


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


def _print_task_states(log_file: Path) -> None:
    """One line per finished task, taken from the dags test log."""
    for line in log_file.read_text(errors="replace").splitlines():
        if "Marking task as" in line or "task_id=" in line and "state=" in line and "Task finished" in line:
            print("  " + line.strip()[-160:])
