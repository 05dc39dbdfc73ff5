"""Shared fixtures: moto in-process AWS, a temporary lake, and a scan helper."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.pop("AWS_PROFILE", None)
os.environ.pop("AWS_ENDPOINT_URL", None)
# moto does not throttle: the request budget (tested on its own in test_aws_budget.py) would only slow the
# suite down, since every test's AwsAccess shares the "testing" key's bucket.
os.environ["POSTUREFLOW_API_RATE"] = "100000"
os.environ["POSTUREFLOW_API_BURST"] = "100000"

# Airflow reads its configuration at import: give the test session its own home.
_AIRFLOW_HOME = tempfile.mkdtemp(prefix="postureflow-test-airflow-")
os.environ["AIRFLOW_HOME"] = _AIRFLOW_HOME
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{_AIRFLOW_HOME}/airflow.db"
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(Path(__file__).resolve().parents[1] / "dags")
os.environ.pop("POSTUREFLOW_LAKE", None)
os.environ.pop("POSTUREFLOW_ACCOUNTS", None)

from postureflow.testing import ScanRun, scan_in_moto  # noqa: E402

ACCOUNT_ID = "123456789012"
REGIONS = ["us-east-1", "eu-west-1"]


@pytest.fixture
def aws():
    """moto's in-process AWS for the test's duration."""
    from moto import mock_aws

    with mock_aws():
        yield


@pytest.fixture
def lake(tmp_path):
    from postureflow.lake import Lake

    return Lake(str(tmp_path / "lake"))


@pytest.fixture
def scan(aws, lake):
    """scan(*services, regions=..., access=...) -> ScanRun of the findings the engine wrote."""

    def run(*services: str, regions=REGIONS, access=None, scan_date=dt.date(2026, 11, 22), home=None) -> ScanRun:
        return scan_in_moto(lake, list(services), regions=regions, access=access, scan_date=scan_date, home=home)

    return run


if os.environ.get("POSTUREFLOW_VERDICT_COVERAGE"):
    # record which verdicts each check gave (tests/verdict_coverage.py; scripts/verdict_coverage.py reads them)
    def pytest_configure(config):
        import importlib.util

        spec = importlib.util.spec_from_file_location("verdict_coverage", Path(__file__).with_name("verdict_coverage.py"))
        plugin = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(plugin)
        config.pluginmanager.register(plugin, "verdict_coverage")
