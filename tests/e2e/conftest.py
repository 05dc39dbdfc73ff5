"""End-to-end fixtures: a migrated Airflow home and moto_server, both on loopback and stopped after."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from postureflow.airflow_env import airflow_env, aws_connection_uri_env, ensure_pools, migrate_db
from postureflow.demo import assumed_session
from postureflow.moto_server import MotoServer, free_port


@pytest.fixture(scope="session")
def moto_url():
    with MotoServer() as url:
        yield url


@pytest.fixture(scope="session")
def airflow_home(tmp_path_factory):
    home = tmp_path_factory.mktemp("airflow-home")
    env = airflow_env(home, str(home / "lake"))
    migrate_db(env)
    ensure_pools(env)
    return home


class AirflowProject:
    """An Airflow home + accounts file + AWS connections pointing at moto_server."""

    def __init__(self, home: Path, moto_url: str, lake: Path):
        self.home = home
        self.moto_url = moto_url
        self.lake = lake
        self.accounts_path = lake.parent / "accounts.yaml"
        self.connections: dict[str, str] = {}
        self.extra_env: dict[str, str] = {}  # e.g. PYTHONPATH of a plug-in package

    def accounts(self, accounts: list[dict]) -> None:
        self.accounts_path.write_text(yaml.safe_dump({"accounts": accounts}, sort_keys=False))

    def connect(self, conn_id: str, account_id: str, role: str = "PostureflowAudit") -> None:
        self.connections.update(
            aws_connection_uri_env(conn_id, self.moto_url, f"arn:aws:iam::{account_id}:role/{role}")
        )

    def client(self, account_id: str, service: str, region: str = "us-east-1"):
        """A client inside ``account_id`` (assumed role), always pointed at moto_server."""
        return assumed_session(self.moto_url, account_id).client(
            service, region_name=region, endpoint_url=self.moto_url
        )

    def env(self) -> dict[str, str]:
        env = airflow_env(self.home, str(self.lake), self.accounts_path)
        env.update(self.connections)
        env.update(self.extra_env)
        env.pop("AWS_ENDPOINT_URL", None)
        return env

    def airflow(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        proc = subprocess.run(["airflow", *args], env=self.env(), capture_output=True, text=True, timeout=600)
        if check and proc.returncode != 0:
            raise AssertionError(f"airflow {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
        return proc


@pytest.fixture
def project(airflow_home, moto_url, tmp_path):
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    return AirflowProject(airflow_home, moto_url, tmp_path / "lake")


class AirflowServices:
    """scheduler, dag-processor and api-server of one Airflow home, on 127.0.0.1; stopped by stop()."""

    def __init__(self, project: AirflowProject, port: int):
        self.project = project
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.processes: list[subprocess.Popen] = []

    def env(self) -> dict[str, str]:
        env = self.project.env()
        env.update(
            {
                "AIRFLOW__API__HOST": "127.0.0.1",
                "AIRFLOW__API__PORT": str(self.port),
                "AIRFLOW__API__BASE_URL": self.url,
                "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.url}/execution/",
                "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
                "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
                "AIRFLOW__CORE__PARALLELISM": "4",
                "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
                "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
                "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "5",
                "AIRFLOW__API_AUTH__JWT_SECRET": "postureflow-e2e-test-secret",
                "AIRFLOW__API__SECRET_KEY": "postureflow-e2e-test-secret",
            }
        )
        return env

    def start(self) -> None:
        logs = self.project.home / "services"
        logs.mkdir(exist_ok=True)
        for component in ("api-server", "scheduler", "dag-processor"):
            out = open(logs / f"{component}.log", "wb")
            self.processes.append(
                subprocess.Popen(["airflow", component], env=self.env(), stdout=out, stderr=subprocess.STDOUT,
                                 start_new_session=True)
            )

    def stop(self) -> None:
        import signal

        for proc in self.processes:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for proc in self.processes:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait()
        self.processes.clear()

    def logs(self) -> str:
        out = []
        for path in sorted((self.project.home / "services").glob("*.log")):
            out.append(f"--- {path.name}\n" + path.read_text(errors="replace")[-3000:])
        return "\n".join(out)

    def airflow(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        # three Airflow processes share one SQLite file here: a CLI write can meet "database is locked"
        for attempt in range(3):
            proc = subprocess.run(["airflow", *args], env=self.env(), capture_output=True, text=True, timeout=300)
            if proc.returncode == 0 or "database is locked" not in proc.stdout + proc.stderr:
                break
            if args[:2] == ("backfill", "create"):
                break  # its retry needs the orphan cancelled first: the caller's (see create_backfill)
            time.sleep(5)
        if proc.returncode != 0 and check:
            raise AssertionError(f"airflow {' '.join(args)} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
        return proc


@pytest.fixture
def services(tmp_path, moto_url):
    project = AirflowProject(tmp_path / "home", moto_url, tmp_path / "lake")
    project.home.mkdir()
    project.lake.parent.mkdir(exist_ok=True)
    started = AirflowServices(project, free_port())
    env = started.env()
    migrate_db(env)
    ensure_pools(env)
    try:
        yield started
    finally:
        started.stop()


