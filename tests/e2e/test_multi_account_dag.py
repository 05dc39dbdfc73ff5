"""Two accounts in moto_server, each reached by assume-role through its own Airflow connection."""

from __future__ import annotations

import pytest

from postureflow.lake import Lake
import postureflow.compliance.schema  # noqa: F401  (registers the compliance dataset)
from postureflow.lake.query import connect

pytestmark = pytest.mark.airflow

A, B = "111111111111", "222222222222"
DAY = "2026-11-20"


def rows(lake: Lake, sql: str):
    return connect(lake, ["findings", "inventory", "compliance"]).execute(sql).fetchall()


def test_each_dag_sees_only_its_own_account_and_reruns_add_nothing(project):
    for account, name in ((A, "pf-e2e-alpha-bucket"), (B, "pf-e2e-beta-bucket")):
        project.client(account, "s3").create_bucket(Bucket=name)
    project.accounts(
        [
            {"alias": alias, "account_id": account, "aws_conn_id": f"aws_{alias}", "regions": ["us-east-1"],
             "services": {"include": ["s3"]}, "schedule": None}
            for alias, account in (("alpha", A), ("beta", B))
        ]
    )
    project.connect("aws_alpha", A)
    project.connect("aws_beta", B)

    listed = project.airflow("dags", "list", "--local", "-o", "plain").stdout
    assert "posture_scan__alpha" in listed and "posture_scan__beta" in listed

    project.airflow("dags", "test", "posture_scan__alpha", DAY)
    project.airflow("dags", "test", "posture_scan__beta", DAY)
    lake = Lake(str(project.lake))

    buckets = dict(rows(lake, "SELECT account_id, list(DISTINCT resource_id ORDER BY resource_id) FROM inventory "
                              "WHERE kind = 'buckets' GROUP BY account_id"))
    assert buckets == {A: ["pf-e2e-alpha-bucket"], B: ["pf-e2e-beta-bucket"]}
    # each account's findings hold only its own resources (service and account are columns in the lake's files)
    by_account = dict(rows(lake, f"SELECT account_id, list(DISTINCT resource_id ORDER BY resource_id) FROM findings "
                                 f"WHERE service = 's3' AND scan_date = DATE '{DAY}' GROUP BY account_id"))
    assert set(by_account) == {A, B}
    for account, ids in by_account.items():
        assert ids and all(i in (account, f"pf-e2e-{'alpha' if account == A else 'beta'}-bucket") for i in ids)

    before = rows(lake, "SELECT count(*), count(DISTINCT finding_uid) FROM findings")[0]
    project.airflow("dags", "test", "posture_scan__alpha", DAY)
    after = rows(lake, "SELECT count(*), count(DISTINCT finding_uid) FROM findings")[0]
    assert after == before and after[0] == after[1]
    assert (project.lake / "reports" / f"scan_date={DAY}" / f"account_id={A}").is_dir()
    assert rows(lake, f"SELECT count(*) FROM compliance WHERE account_id = '{A}' AND scan_date = DATE '{DAY}'")[0][0] > 0


def test_a_connection_reaching_the_wrong_account_fails_preflight(project):
    project.accounts([{"alias": "gamma", "account_id": A, "aws_conn_id": "aws_gamma", "regions": ["us-east-1"],
                       "services": {"include": ["s3"]}, "schedule": None}])
    project.connect("aws_gamma", B)
    proc = project.airflow("dags", "test", "posture_scan__gamma", DAY, check=False)
    output = proc.stdout + proc.stderr
    assert "reached account 222222222222" in output
    assert not (project.lake / "findings").exists()
