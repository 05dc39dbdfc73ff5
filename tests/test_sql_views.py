"""SQL views over a small lake, the documented example queries, and the `postureflow sql` command."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from postureflow.cli import main
from postureflow.cli.sql import interactive
from postureflow.compliance.evaluate import write_compliance
from postureflow.compliance.frameworks import load_frameworks
from postureflow.lake import Lake
from postureflow.lake.schema import INVENTORY, SCAN_ERRORS
from postureflow.sql.sample import finding, write_findings
from postureflow.sql.views import connect

DOCS = Path(__file__).resolve().parents[1] / "docs" / "queries.md"
A, B = "111111111111", "222222222222"
D1, D2, D3 = dt.date(2026, 11, 20), dt.date(2026, 11, 21), dt.date(2026, 11, 22)


def _cis_checks() -> list[str]:
    fw = next(fw for fw in load_frameworks().values() if fw.label == "CIS 6.0")
    ids = []
    for r in fw.requirements:
        for c in r.checks:
            if c not in ids:
                ids.append(c)
    return ids


def _build(lake: Lake) -> dict[str, str]:
    x, y, z, m, p, w = _cis_checks()[:6]
    plan = {  # (check, resource, severity): status per day for account A (None: no finding)
        (x, "res-x", "high"): ("FAIL", "FAIL", "PASS"),
        (y, "res-y", "low"): (None, "FAIL", None),
        (z, "res-z", "medium"): ("FAIL", "PASS", "FAIL"),
        (m, "res-m", "high"): ("MUTED", "MUTED", "MUTED"),
        (p, "res-p", "low"): ("PASS", "PASS", "PASS"),
    }
    rows = []
    for (check_id, resource, severity), statuses in plan.items():
        for day, status in zip((D1, D2, D3), statuses):
            if status is None:
                continue
            muted = status == "MUTED"
            service = "s3" if check_id.startswith("s3") else "iam"
            rows.append(finding(A, day, service, check_id, resource, "FAIL" if muted else status, severity, muted))
    rows.append(finding(B, D2, "iam", w, "res-w", "FAIL", "critical"))
    rows.append(finding(B, D2, "iam", p, "res-p", "PASS", "low"))
    write_findings(lake, rows)
    for day in (D1, D2, D3):
        inv = [{"account_id": A, "region": "us-east-1", "service": "s3", "kind": "buckets",
                "resource_uid": f"arn:aws:s3:::b{i}", "resource_id": f"b{i}", "resource_tags": [],
                "data": "{}", "scan_date": day, "run_id": "r", "collected_at": dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)}
               for i in range(3)]
        lake.write_partition("inventory", {"scan_date": day, "service": "s3", "account_id": A},
                             pa.Table.from_pylist(inv, schema=INVENTORY))
        err = [{"account_id": A, "region": "eu-west-1", "service": "s3", "api": "GetBucketPolicy",
                "error_code": "AccessDenied", "message": "denied", "scan_date": day, "run_id": "r",
                "occurred_at": dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)}]
        lake.write_partition("scan_errors", {"scan_date": day, "service": "s3", "account_id": A},
                             pa.Table.from_pylist(err, schema=SCAN_ERRORS))
        write_compliance(lake, A, day, f"run-{day}")
    write_compliance(lake, B, D2, "run-b")
    return {"x": x, "y": y, "z": z, "m": m, "p": p, "w": w}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    lake = Lake(str(tmp_path_factory.mktemp("sqllake") / "lake"))
    ids = _build(lake)
    return lake, ids


def _rows(con, sql, **params):
    return con.sql(sql, params=params or None).to_arrow_table().to_pylist()


def test_latest_findings_is_each_accounts_last_scan(built):
    lake, _ = built
    con = connect(lake)
    got = _rows(con, "SELECT account_id, scan_date, count(*) AS n FROM latest_findings GROUP BY ALL ORDER BY 1")
    assert got == [{"account_id": A, "scan_date": D3, "n": 4}, {"account_id": B, "scan_date": D2, "n": 2}]


def test_finding_changes(built):
    lake, ids = built
    con = connect(lake)
    got = {
        (r["check_id"], r["scan_date"]): (r["change"], r["previous_scan_date"], r["first_seen"], r["last_seen"])
        for r in _rows(con, "SELECT * FROM finding_changes WHERE account_id = $a", a=A)
    }
    x, y, z, m = ids["x"], ids["y"], ids["z"], ids["m"]
    assert got == {
        (x, D1): ("new", None, D1, D1),
        (x, D2): ("still_failing", D1, D1, D2),
        (x, D3): ("resolved", D2, D1, D2),
        (y, D2): ("new", D1, D2, D2),
        (y, D3): ("resolved", D2, D2, D2),
        (z, D1): ("new", None, D1, D1),
        (z, D2): ("resolved", D1, D1, D1),
        (z, D3): ("new", D2, D3, D3),  # a new streak: first_seen starts again
    }
    assert not any(k[0] == m for k in got)  # muted failures never count as failing
    b = _rows(con, "SELECT check_id, change FROM finding_changes WHERE account_id = $b", b=B)
    assert b == [{"check_id": ids["w"], "change": "new"}]


def test_mttr_by_severity(built):
    lake, _ = built
    con = connect(lake)
    got = {r["severity"]: r for r in _rows(con, "SELECT * FROM mttr")}
    # high: x failed D1, resolved D3 (2 days); low: y D2 -> D3 (1); medium: z D1 -> D2 (1)
    assert {s: (r["resolved"], r["mean_days"], r["max_days"]) for s, r in got.items()} == {
        "high": (1, 2.0, 2), "low": (1, 1.0, 1), "medium": (1, 1.0, 1),
    }


def test_compliance_trend_matches_compliance(built):
    lake, _ = built
    con = connect(lake)
    n_frameworks = len(load_frameworks())
    trend = _rows(con, "SELECT * FROM compliance_trend ORDER BY account_id, scan_date, label")
    assert len(trend) == 4 * n_frameworks  # A on three days, B on one
    direct = {
        (r["account_id"], r["scan_date"], r["label"]): r["score"]
        for r in _rows(con, "SELECT account_id, scan_date, label, any_value(framework_score) AS score, "
                            "count(*) FILTER (WHERE status='PASS') AS p FROM compliance GROUP BY ALL")
    }
    for row in trend:
        assert row["score"] == direct[(row["account_id"], row["scan_date"], row["label"])]
        assert row["passed"] + row["failed"] + row["manual"] + row["not_evaluated"] == row["requirements"]
    cis = {(r["account_id"], r["scan_date"]): r for r in trend if r["label"] == "CIS 6.0"}
    assert cis[(B, D2)]["failed"] >= 1  # w failed in B


def test_every_documented_query_runs(built):
    lake, _ = built
    con = connect(lake)
    queries = re.findall(r"```sql\n(.*?)```", DOCS.read_text(), flags=re.S)
    assert len(queries) >= 10
    non_empty = 0
    for query in queries:
        try:
            result = con.sql(query).to_arrow_table()
        except Exception as err:  # pragma: no cover - the message names the query
            pytest.fail(f"documented query failed: {err}\n{query}")
        non_empty += result.num_rows > 0
    assert non_empty >= len(queries) - 1  # all but the mutelist-free ones return rows on this lake


def test_views_on_an_empty_lake(tmp_path):
    con = connect(Lake(str(tmp_path / "empty")))
    for view in ("findings", "inventory", "scan_errors", "compliance", "latest_findings", "compliance_trend",
                 "finding_changes", "mttr", "scans"):
        assert con.sql(f"SELECT count(*) FROM {view}").fetchall() == [(0,)]


def test_sql_cli_formats(built, tmp_path, capsys):
    lake, _ = built
    query = "SELECT account_id, count(*) AS n FROM findings GROUP BY 1 ORDER BY 1"
    assert main(["sql", query, "--lake", lake.uri, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"account_id": A, "n": 13}, {"account_id": B, "n": 2}]
    assert main(["sql", query, "--lake", lake.uri, "--format", "csv"]) == 0
    assert list(csv.reader(io.StringIO(capsys.readouterr().out))) == [["account_id", "n"], [A, "13"], [B, "2"]]
    assert main(["sql", query, "--lake", lake.uri]) == 0
    assert A in capsys.readouterr().out
    out = tmp_path / "r.parquet"
    assert main(["sql", query, "--lake", lake.uri, "--format", "parquet", "--output", str(out)]) == 0
    assert pq.read_table(out).to_pylist() == [{"account_id": A, "n": 13}, {"account_id": B, "n": 2}]
    out_csv = tmp_path / "r.csv"
    assert main(["sql", query, "--lake", lake.uri, "--format", "csv", "--output", str(out_csv)]) == 0
    assert out_csv.read_text().splitlines()[0] == "account_id,n"
    capsys.readouterr()
    assert main(["sql", query, "--lake", lake.uri, "--format", "parquet"]) == 1
    assert "--output" in capsys.readouterr().err
    assert main(["sql", "SELECT * FROM no_such_view", "--lake", lake.uri]) == 1
    assert "no_such_view" in capsys.readouterr().err


def test_interactive_session(built):
    lake, _ = built
    con = connect(lake)
    stdin = io.StringIO(
        ".tables\n"
        "SELECT count(*) AS n\n  FROM findings\n WHERE account_id = '222222222222';\n"
        "SELECT * FROM nope;\n"
        "SELECT 41 + 1 AS answer;\n"
        ".quit\n"
        "SELECT 'after quit' AS never;\n"
    )
    stdout = io.StringIO()
    assert interactive(con, stdin, stdout, "csv") == 0
    text = stdout.getvalue()
    assert "latest_findings" in text and "finding_changes" in text and "_failing" not in text
    assert "n\n2\n" in text.replace("\r", "")
    assert "error:" in text and "nope" in text
    assert "answer\n42\n" in text.replace("\r", "")
    assert "after quit" not in text
    # end of input also ends the session, running a last statement left without ';'
    stdout = io.StringIO()
    assert interactive(con, io.StringIO("SELECT 7 AS seven"), stdout, "csv") == 0
    assert "seven\n7" in stdout.getvalue().replace("\r", "")


# -- partial scans never resolve anything (engine on moto) ------------------------------------------

DAY1, DAY2 = dt.date(2026, 11, 1), dt.date(2026, 11, 2)


def _resolved(lake, day):
    return connect(lake).execute(
        "SELECT service, region, count(*) FROM finding_changes WHERE change = 'resolved' AND scan_date = ? "
        "GROUP BY ALL ORDER BY ALL", [day]).fetchall()


def _latest(lake):
    return dict(connect(lake).execute(
        "SELECT service || '/' || region, count(*) FROM latest_findings WHERE status = 'FAIL' GROUP BY 1").fetchall())


@pytest.fixture
def two_services(scan):
    import boto3

    boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="pf-views-east")
    boto3.client("s3", region_name="eu-west-1").create_bucket(
        Bucket="pf-views-west", CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    boto3.client("iam").create_user(UserName="pf-views-user")
    first = scan("s3", "iam", regions=["us-east-1", "eu-west-1"], scan_date=DAY1)
    assert {"s3", "iam"} <= {f["service"] for f in first.findings if f["status"] == "FAIL"}  # iam reads organizations too
    return first


def test_a_run_killed_early_resolves_nothing(two_services, scan, lake, monkeypatch):
    before = _latest(lake)
    import postureflow.engine as engine

    real = engine.run_collector

    def killed(coll, *args, **kwargs):
        if coll.service == "s3":
            raise SystemExit("killed")  # the task process dies before s3 writes anything
        return real(coll, *args, **kwargs)

    monkeypatch.setattr(engine, "run_collector", killed)
    with pytest.raises(SystemExit):
        scan("s3", "iam", regions=["us-east-1", "eu-west-1"], scan_date=DAY2)
    assert _resolved(lake, DAY2) == []
    assert _latest(lake) == before  # s3's state is still day 1's


def test_a_later_scan_of_one_service_resolves_nothing_elsewhere(two_services, scan, lake):
    before = _latest(lake)
    scan("iam", regions=["us-east-1", "eu-west-1"], scan_date=DAY2)
    assert _resolved(lake, DAY2) == []
    assert _latest(lake) == before and any(k.startswith("s3/") for k in before)
    scans = connect(lake).execute("SELECT scan_date, services, complete FROM scans ORDER BY 1").fetchall()
    assert [d for d, _, _ in scans] == [DAY1, DAY2] and scans[1][1] < scans[0][1]


def test_a_narrower_region_scan_resolves_nothing_in_other_regions(two_services, scan, lake):
    import boto3

    before = _latest(lake)
    assert before.get("s3/eu-west-1")
    scan("s3", "iam", regions=["us-east-1"], scan_date=DAY2)
    assert [r for r in _resolved(lake, DAY2) if r[1] == "eu-west-1"] == []
    assert _latest(lake)["s3/eu-west-1"] == before["s3/eu-west-1"]
    # the same day again, all regions, after the west bucket is deleted: now it is resolved
    boto3.client("s3", region_name="eu-west-1").delete_bucket(Bucket="pf-views-west")
    scan("s3", "iam", regions=["us-east-1", "eu-west-1"], scan_date=DAY2)
    assert ("s3", "eu-west-1") in {(s, r) for s, r, _ in _resolved(lake, DAY2)}
    assert "s3/eu-west-1" not in _latest(lake)


def test_a_run_of_one_other_region_files_global_findings_where_they_were(two_services, scan, lake):
    """A manual run narrowed to eu-west-1 (the DAG and CLI pass the account's home region) re-files
    nothing: IAM's findings keep region us-east-1 and their finding_uid, so latest_findings holds
    each once and nothing is called new or resolved; S3's account-wide settings, read only in the
    home region, are not observed and keep day 1's state."""
    before = _latest(lake)
    assert before.get("iam/us-east-1") and not before.get("iam/eu-west-1")
    run = scan("s3", "iam", regions=["eu-west-1"], scan_date=DAY2, home="us-east-1")
    assert {f["region"] for f in run.findings if f["service"] == "iam"} == {"us-east-1"}
    after = _latest(lake)
    assert after["iam/us-east-1"] == before["iam/us-east-1"] and "iam/eu-west-1" not in after
    assert after["s3/us-east-1"] == before["s3/us-east-1"]
    con = connect(lake)
    assert con.execute("SELECT count(*) FROM finding_changes WHERE scan_date = ? AND change <> 'still_failing'",
                       [DAY2]).fetchone() == (0,)
    duplicates = con.execute("SELECT count(*) FROM (SELECT check_id, resource_uid FROM latest_findings "
                             "WHERE service = 'iam' GROUP BY ALL HAVING count(*) > 1)").fetchone()
    assert duplicates == (0,)
    # without the home region (a caller deriving it from the narrowed run) IAM moves to eu-west-1
    scan("iam", regions=["eu-west-1"], scan_date=DAY2)
    assert "iam/eu-west-1" in _latest(lake)


def test_a_denied_read_resolves_nothing_in_the_views(two_services, scan, lake):
    from postureflow.testing import DeniedAccess

    before = _latest(lake)
    scan("s3", "iam", regions=["us-east-1", "eu-west-1"], scan_date=DAY2,
         access=DeniedAccess("s3:GetBucketPolicy", regions=("us-east-1",)))
    assert [r for r in _resolved(lake, DAY2) if r[:2] == ("s3", "us-east-1")] == []
    assert _latest(lake)["s3/us-east-1"] == before["s3/us-east-1"]
    status = dict(connect(lake).execute(
        "SELECT region, status FROM scope WHERE service = 's3' AND scan_date = ?", [DAY2]).fetchall())
    assert status == {"us-east-1": "incomplete", "eu-west-1": "complete"}
