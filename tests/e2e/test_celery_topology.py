"""The production topology, for real on this machine: PostgreSQL, Redis, the CeleryExecutor with two
workers, DAG processor, scheduler and API server as separate processes, the lake on S3 (moto_server),
every credential through an Airflow connection. 50 accounts are scanned by the real scheduler; one
worker is killed with SIGKILL while it runs scans: every run still succeeds (its tasks retried on the
other worker) and the lake holds every row exactly once.

PostgreSQL and Redis come from Debian's packages (installed here when missing and we are root;
.ci/run installs them too), started on free loopback ports in temporary folders and stopped after.
docker-compose.yaml describes the same topology (TOPOLOGY below; tests/test_compose.py compares).
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from postureflow.airflow_env import airflow_env, aws_connection_uri_env, ensure_pools, migrate_db
from postureflow.demo import assumed_session
from postureflow.moto_server import free_port

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.airflow]

ACCOUNTS = 50
LAKE_BUCKET = "pf-topology-lake"
LAKE_CONN_ID = "aws_lake"

# What docker-compose.yaml must describe too (tests/test_compose.py): the executor, the Airflow
# processes (compose service -> airflow command) and the settings every Airflow process shares.
TOPOLOGY = {
    "executor": "CeleryExecutor",
    "processes": {
        "airflow-apiserver": "api-server",
        "airflow-scheduler": "scheduler",
        "airflow-dag-processor": "dag-processor",
        "airflow-worker": "celery worker",
    },
    "workers": 2,
    "env": [
        "AIRFLOW__CORE__EXECUTOR",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN",
        "AIRFLOW__CELERY__BROKER_URL",
        "AIRFLOW__CELERY__RESULT_BACKEND",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL",
        "AIRFLOW__API_AUTH__JWT_SECRET",
        "AIRFLOW__API__SECRET_KEY",
        "AIRFLOW__CORE__DAGS_FOLDER",
        "POSTUREFLOW_LAKE",
        "POSTUREFLOW_LAKE_CONN_ID",
        "POSTUREFLOW_ACCOUNTS",
    ],
}


# -- PostgreSQL and Redis from the OS packages -------------------------------------------------------


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def ensure_packages() -> None:
    """postgresql and redis-server from Debian when missing (as root, like .ci/run)."""
    if _postgres_bin() and shutil.which("redis-server"):
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.skip("PostgreSQL/Redis are not installed and cannot be installed (not root or no apt-get)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], env=env, check=False, capture_output=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "postgresql", "redis-server"], env=env, check=True,
                   capture_output=True)


class Postgres:
    """A throw-away cluster on 127.0.0.1:<free port>, trust auth, in a temporary folder."""

    def __init__(self):
        self.bin = _postgres_bin()
        self.dir = Path(tempfile.mkdtemp(prefix="pf-pg-", dir="/tmp"))
        self.port = free_port()
        self.as_owner: list[str] = []
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            import pwd

            owner = pwd.getpwnam("postgres")
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
            self.as_owner = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> None:
        subprocess.run([*self.as_owner, *args], check=True, capture_output=True, timeout=180)

    def start(self) -> str:
        data = self.dir / "data"
        self._run(str(self.bin / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        options = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir} -c fsync=off -c max_connections=200"
        self._run(str(self.bin / "pg_ctl"), "-D", str(data), "-l", str(self.dir / "log"), "-o", options, "-w", "start")
        self._run(str(self.bin / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-c",
                  "CREATE DATABASE airflow")
        return f"postgres@127.0.0.1:{self.port}/airflow"

    def stop(self) -> None:
        subprocess.run([*self.as_owner, str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"), "-m", "immediate",
                        "stop"], capture_output=True, timeout=60)
        shutil.rmtree(self.dir, ignore_errors=True)

    def query(self, sql: str) -> list[list[str]]:
        out = subprocess.run(
            [str(self.bin / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", "airflow",
             "-At", "-F", "\t", "-c", sql], check=True, capture_output=True, text=True, timeout=60,
        )
        return [line.split("\t") for line in out.stdout.splitlines() if line]


class Redis:
    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="pf-redis-", dir="/tmp"))
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    def start(self) -> str:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.dir)], stdout=open(self.dir / "log", "wb"), stderr=subprocess.STDOUT,
        )
        import redis

        deadline = time.monotonic() + 30
        while True:
            try:
                redis.Redis(host="127.0.0.1", port=self.port).ping()
                return f"127.0.0.1:{self.port}"
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


# -- Airflow ---------------------------------------------------------------------------------------------


class Topology:
    def __init__(self, home: Path, moto_url: str, db: str, broker: str):
        self.home = home
        self.moto_url = moto_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.accounts_path = home / "accounts.yaml"
        self.db, self.broker = db, broker
        self.connections: dict[str, str] = aws_connection_uri_env(LAKE_CONN_ID, moto_url, None)
        self.processes: dict[str, subprocess.Popen] = {}

    def env(self) -> dict[str, str]:
        env = airflow_env(self.home, f"s3://{LAKE_BUCKET}/lake", self.accounts_path)
        # credentials only through Airflow connections: nothing from the environment's AWS chain
        for name in [k for k in env if k.startswith("AWS_")]:
            del env[name]
        env.pop("AIRFLOW__DATABASE__SQL_ALCHEMY_CONNECT_ARGS")  # SQLite's lock wait; psycopg2 knows no "timeout"
        env.update(self.connections)
        env.update({
            "AIRFLOW__CORE__EXECUTOR": TOPOLOGY["executor"],
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"postgresql+psycopg2://{self.db}",
            "AIRFLOW__CELERY__BROKER_URL": f"redis://{self.broker}/0",
            "AIRFLOW__CELERY__RESULT_BACKEND": f"db+postgresql://{self.db}",
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
            "AIRFLOW__CELERY__WORKER_PREFETCH_MULTIPLIER": "1",
            "POSTUREFLOW_LAKE_CONN_ID": LAKE_CONN_ID,
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(self.port),
            "AIRFLOW__API__BASE_URL": self.url,
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.url}/execution/",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__CORE__PARALLELISM": "8",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
            # a killed worker's tasks are noticed within seconds, not the default 5 minutes
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "30",
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "5",
            "AIRFLOW__SCHEDULER__TASK_QUEUED_TIMEOUT": "90",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__API_AUTH__JWT_SECRET": "postureflow-topology-test-secret",
            "AIRFLOW__API__SECRET_KEY": "postureflow-topology-test-secret",
        })
        return env

    def start(self, name: str, *command: str) -> subprocess.Popen:
        logs = self.home / "services"
        logs.mkdir(exist_ok=True)
        proc = subprocess.Popen(["airflow", *command], env=self.env(), stdout=open(logs / f"{name}.log", "wb"),
                                stderr=subprocess.STDOUT, start_new_session=True)
        self.processes[name] = proc
        return proc

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        proc = self.processes[name]
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass

    def stop(self) -> None:
        for name, proc in self.processes.items():
            if proc.poll() is None:
                self.kill(name, signal.SIGTERM)
        for name, proc in self.processes.items():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill(name)
                proc.wait()

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n" + p.read_text(errors="replace")[-2500:]
                         for p in sorted((self.home / "services").glob("*.log")))

    def api(self, method: str, path: str, body: dict | None = None) -> dict:
        request = urllib.request.Request(f"{self.url}{path}", method=method,
                                         data=json.dumps(body).encode() if body is not None else None,
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read() or b"{}")

    def wait_for(self, predicate, what: str, timeout: float):
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
        raise AssertionError(f"timed out waiting for {what} (last: {last})\n{self.logs()}")


def descendants(pid: int) -> set[int]:
    import psutil

    try:
        root = psutil.Process(pid)
        return {pid, *(child.pid for child in root.children(recursive=True))}
    except psutil.NoSuchProcess:
        return set()


@pytest.fixture
def topology(moto_url, tmp_path):
    ensure_packages()
    postgres, redis_server = Postgres(), Redis()
    started: Topology | None = None
    try:
        db = postgres.start()
        broker = redis_server.start()
        started = Topology(tmp_path / "home", moto_url, db, broker)
        started.home.mkdir()
        started.postgres = postgres
        yield started
    finally:
        if started is not None:
            started.stop()
        redis_server.stop()
        postgres.stop()


def test_celery_topology(topology, moto_url):
    top = topology
    accounts = [(f"t{i:02d}", f"{300000000000 + i}") for i in range(ACCOUNTS)]
    lines = ["accounts:"]
    for alias, account_id in accounts:
        lines.append(f'  - {{alias: {alias}, account_id: "{account_id}", aws_conn_id: aws_{alias}, '
                     f"regions: [us-east-1], services: {{include: [sqs]}}, schedule: null}}")
        top.connections.update(
            aws_connection_uri_env(f"aws_{alias}", moto_url, f"arn:aws:iam::{account_id}:role/PostureflowAudit"))
        # one unencrypted and one encrypted queue per account: FAIL and PASS rows to count
        sqs = assumed_session(moto_url, account_id).client("sqs", region_name="us-east-1", endpoint_url=moto_url)
        sqs.create_queue(QueueName=f"{alias}-plain")
        sqs.create_queue(QueueName=f"{alias}-sealed", Attributes={"SqsManagedSseEnabled": "true"})
    top.accounts_path.write_text("\n".join(lines) + "\n")
    lake_s3 = assumed_session(moto_url, "123456789012").client("s3", region_name="us-east-1", endpoint_url=moto_url)
    lake_s3.create_bucket(Bucket=LAKE_BUCKET)

    env = top.env()
    migrate_db(env)
    ensure_pools(env)
    top.start("api-server", "api-server")
    top.start("dag-processor", "dag-processor")
    top.start("scheduler", "scheduler")
    workers = {f"worker{n}": top.start(f"worker{n}", "celery", "worker", "--skip-serve-logs",
                                       "--celery-hostname", f"worker{n}@%h")
               for n in range(1, TOPOLOGY["workers"] + 1)}

    dag_ids = [f"posture_scan__{alias}" for alias, _ in accounts]
    top.wait_for(lambda: top.api("GET", "/api/v2/dags?limit=200&dag_id_pattern=posture_scan__")["total_entries"]
                 >= ACCOUNTS, "the 50 DAGs to be parsed", timeout=600)
    for dag_id in dag_ids:
        top.api("PATCH", f"/api/v2/dags/{dag_id}", {"is_paused": False})
        top.api("POST", f"/api/v2/dags/{dag_id}/dagRuns", {"logical_date": "2026-11-22T00:00:00Z"})

    # Kill worker1 with SIGKILL while it runs a scan (and no task that must not be retried).
    def worker1_is_scanning():
        rows = top.postgres.query("SELECT task_id, pid FROM task_instance WHERE state = 'running' AND pid IS NOT NULL")
        mine = descendants(workers["worker1"].pid)
        running = [task for task, pid in rows if int(pid) in mine]
        return running if running and all(t.startswith(("scan_wave_", "compliance", "reports")) for t in running) else None

    killed_during = top.wait_for(worker1_is_scanning, "worker1 to run a scan", timeout=900)
    top.kill("worker1")
    workers["worker1"].wait(timeout=30)

    def all_finished():
        runs = top.postgres.query(
            "SELECT dag_id, state FROM dag_run WHERE dag_id LIKE 'posture_scan__%' AND state IN ('success', 'failed')")
        return runs if len(runs) == ACCOUNTS else None

    runs = top.wait_for(all_finished, "every account's run to finish", timeout=2400)
    assert sorted(state for _, state in runs) == ["success"] * ACCOUNTS, top.logs()
    retried = top.postgres.query("SELECT dag_id, task_id, try_number FROM task_instance WHERE try_number > 1")
    assert retried, f"worker1 was killed during {killed_during} but no task was tried again"

    # The lake (read through the lake's Airflow connection, like the workers): every row once.
    for key, value in {**top.connections, "POSTUREFLOW_LAKE_CONN_ID": LAKE_CONN_ID}.items():
        os.environ[key] = value
    try:
        from postureflow.lake import Lake
        from postureflow.lake.query import connect

        con = connect(Lake(f"s3://{LAKE_BUCKET}/lake"), ["findings", "inventory"])
        per_account = con.execute(
            "SELECT account_id, count(*), count(DISTINCT finding_uid) FROM findings GROUP BY 1 ORDER BY 1").fetchall()
        inventory = con.execute(
            "SELECT account_id, count(*) FILTER (WHERE kind ILIKE '%queue%'), count(*), count(DISTINCT resource_uid) "
            "FROM inventory GROUP BY 1").fetchall()
    finally:
        for key in [*top.connections, "POSTUREFLOW_LAKE_CONN_ID"]:
            os.environ.pop(key, None)
    assert [a for a, _, _ in per_account] == [account_id for _, account_id in accounts]
    assert all(total == distinct for _, total, distinct in per_account), per_account  # no duplicate
    assert len({total for _, total, _ in per_account}) == 1, per_account  # same resources, same rows
    assert sorted(queues for _, queues, _, _ in inventory) == [2] * ACCOUNTS, inventory  # two queues each, once
    assert all(total == distinct for _, _, total, distinct in inventory), inventory
