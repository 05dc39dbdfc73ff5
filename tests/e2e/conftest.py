"""End-to-end fixtures: a migrated Airflow home and moto_server, both on loopback and stopped after."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import yaml

from postureflow.airflow_env import airflow_env, aws_connection_uri_env, ensure_pools, migrate_db
from postureflow.demo import assumed_session
from postureflow.moto_server import MotoServer


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
