"""A local Airflow home for the embedded default: SQLite, no examples, the project's dags."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import postureflow


def project_root() -> Path:
    """The repository that holds dags/ (the package is installed from it in editable mode)."""
    candidate = Path(postureflow.__file__).resolve().parents[2]
    if (candidate / "dags").is_dir():
        return candidate
    return Path.cwd()


# sqlite3 waits this long for a lock before "database is locked" (its default is 5 s): the scheduler, the
# DAG processor, the API server and the CLI share one file, and a CLI write that gives up halfway (a
# backfill row committed, its runs not) leaves state a retry cannot undo.
SQLITE_CONNECT_ARGS = {"timeout": 60}


def airflow_env(home: Path, lake: str, accounts: Path | None = None, base: dict | None = None) -> dict[str, str]:
    root = project_root()
    home = home.resolve()
    env = dict(base if base is not None else os.environ)
    # The airflow command lives beside this interpreter (.venv/bin), activated or not.
    bin_dir = str(Path(sys.executable).parent)
    if bin_dir not in env.get("PATH", "").split(os.pathsep):
        env["PATH"] = os.pathsep.join([bin_dir, env.get("PATH", "")])
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(root / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(root / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONNECT_ARGS": "postureflow.airflow_env.SQLITE_CONNECT_ARGS",
            "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "120",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": env.get("AIRFLOW__LOGGING__LOGGING_LEVEL", "INFO"),
            "POSTUREFLOW_LAKE": lake,
        }
    )
    if accounts is not None:
        env["POSTUREFLOW_ACCOUNTS"] = str(accounts)
    return env


def aws_connection_uri_env(conn_id: str, endpoint_url: str | None, role_arn: str | None,
                           region: str = "us-east-1", key: str = "testing", secret: str = "testing") -> dict[str, str]:
    """An Airflow AWS connection as an AIRFLOW_CONN_* variable (JSON form)."""
    extra: dict = {"region_name": region}
    if role_arn:
        extra["role_arn"] = role_arn
    if endpoint_url:
        extra["endpoint_url"] = endpoint_url
        # The provider ignores endpoint_url for the assume-role call itself.
        extra["service_config"] = {"sts": {"endpoint_url": endpoint_url}}
    conn = {"conn_type": "aws", "login": key, "password": secret, "extra": extra}
    return {f"AIRFLOW_CONN_{conn_id.upper()}": json.dumps(conn)}


def migrate_db(env: dict[str, str]) -> None:
    home = Path(env["AIRFLOW_HOME"])
    home.mkdir(parents=True, exist_ok=True)
    subprocess.run(["airflow", "db", "migrate"], env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def ensure_pools(env: dict[str, str]) -> None:
    """Create the pools the DAGs use (idempotent)."""
    from postureflow.runs import SECURITYHUB_POOL

    subprocess.run(
        ["airflow", "pools", "set", SECURITYHUB_POOL, "4", "Caps concurrent Security Hub forwarders (API rate limits)"],
        env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
