"""A check from another package: tests/fixtures/sample_plugin is pip-installed into a temporary folder,
found through its "postureflow.checks" entry point, and runs in an account's DAG like postureflow's own."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from postureflow.lake import Lake
from postureflow.lake.query import connect

pytestmark = pytest.mark.airflow

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "sample_plugin"
ACCOUNT = "555555555555"  # its own account: moto_server is shared by the e2e tests of a process
DAY = "2026-11-20"


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    target = tmp_path_factory.mktemp("site")
    source = tmp_path_factory.mktemp("src") / "sample_plugin"
    shutil.copytree(SAMPLE, source)  # the build writes beside the sources: keep the repository clean
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--no-build-isolation",
         "--target", str(target), str(source)],
        check=True, cwd=source,
    )  # fmt: skip
    return target


def test_the_installed_package_registers_its_check(installed):
    code = "from postureflow.checks import all_checks; c = all_checks()['acme_s3_bucket_has_owner_tag']; print(c.service)"
    out = subprocess.run([sys.executable, "-c", code], env={"PYTHONPATH": str(installed), "PATH": ""}, capture_output=True,
                         text=True, check=True)  # fmt: skip
    assert out.stdout.strip() == "s3"


def test_the_plugin_check_runs_in_the_accounts_dag(installed, project):
    s3 = project.client(ACCOUNT, "s3")
    s3.create_bucket(Bucket="pf-plugin-owned")
    s3.put_bucket_tagging(Bucket="pf-plugin-owned", Tagging={"TagSet": [{"Key": "owner", "Value": "data"}]})
    s3.create_bucket(Bucket="pf-plugin-orphan")
    project.accounts([{"alias": "plugin", "account_id": ACCOUNT, "aws_conn_id": "aws_plugin", "regions": ["us-east-1"],
                       "services": {"include": ["s3"]}, "schedule": None}])  # fmt: skip
    project.connect("aws_plugin", ACCOUNT)
    project.extra_env["PYTHONPATH"] = str(installed)
    project.airflow("dags", "test", "posture_scan__plugin", DAY)
    rows = connect(Lake(str(project.lake)), ["findings"]).sql(
        "SELECT resource_id, status FROM findings WHERE check_id = 'acme_s3_bucket_has_owner_tag'").fetchall()
    assert dict(rows) == {"pf-plugin-owned": "PASS", "pf-plugin-orphan": "FAIL"}
