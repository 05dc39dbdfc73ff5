"""Security Hub forwarding through the account DAG against moto_server."""

from __future__ import annotations

import ast
import re

import pytest

pytestmark = pytest.mark.airflow

ACCOUNT = "444444444444"
DAY = "2026-11-21"


def forwarded(proc) -> dict:
    """The securityhub task's result, as logged by the DAG."""
    match = re.findall(r"securityhub: (\{'account_id'.*?\}) \[", proc.stdout + proc.stderr)
    assert match, (proc.stdout + proc.stderr)[-3000:]
    return ast.literal_eval(match[-1])


def test_first_run_imports_fail_findings_and_a_rerun_imports_nothing(project):
    s3 = project.client(ACCOUNT, "s3")
    s3.create_bucket(Bucket="pf-sh-open-bucket")
    hub = project.client(ACCOUNT, "securityhub")
    hub.enable_security_hub(EnableDefaultStandards=False)
    project.accounts([{"alias": "hub", "account_id": ACCOUNT, "aws_conn_id": "aws_hub", "regions": ["us-east-1"],
                       "services": {"include": ["s3"]}, "schedule": None,
                       "securityhub": {"enabled": True}}])
    project.connect("aws_hub", ACCOUNT)

    first = forwarded(project.airflow("dags", "test", "posture_scan__hub", DAY))
    assert first["sent_active"] > 0 and first["import_calls"] >= 1 and first["failed"] == 0
    in_hub = hub.get_findings(MaxResults=100)["Findings"]
    assert len(in_hub) == first["sent_active"]
    assert all(f["AwsAccountId"] == ACCOUNT and f["Compliance"]["Status"] == "FAILED" for f in in_hub)

    second = forwarded(project.airflow("dags", "test", "posture_scan__hub", DAY))
    assert second["import_calls"] == 0 and second["sent_active"] == 0
