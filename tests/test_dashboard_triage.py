"""The finding page's triage (inventory record, other findings, mute entry), the inventory search,
error pages and the CSV stream's first rows, the all-accounts compliance chart."""

from __future__ import annotations

import datetime as dt
import json

import pyarrow as pa
import pytest
import yaml
from fastapi.testclient import TestClient

from postureflow.dashboard import create_app
from postureflow.dashboard.demo_lake import build_demo_lake
from postureflow.dashboard.routes import aggregate_trend
from postureflow.dashboard.triage import REDACTED, parse_record
from postureflow.lake import Lake
from postureflow.mutelist import Mutelist
from postureflow.sql.views import connect

BASE = "http://127.0.0.1"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return build_demo_lake(tmp_path_factory.getbasetemp() / "dashboard-demo-lake")


@pytest.fixture
def client(demo, tmp_path, monkeypatch):
    monkeypatch.setenv("POSTUREFLOW_MUTELIST_PENDING", str(tmp_path / "mutelist.pending.yaml"))
    with TestClient(create_app(demo.path), base_url=BASE) as c:
        yield c


@pytest.fixture(scope="module")
def sql(demo):
    con = connect(Lake(demo.path))
    yield lambda query, params=None: con.sql(query, params=params).fetchall()
    con.close()


def failing_bucket(sql):
    """A failing S3 finding of the latest scan whose bucket has other findings too."""
    return sql("""
        SELECT account_id, service, finding_uid, resource_uid, check_id, region, resource_id FROM latest_findings f
        WHERE service = 's3' AND status = 'FAIL' AND resource_type = 'AwsS3Bucket'
          AND (SELECT count(*) FROM latest_findings o WHERE o.resource_uid = f.resource_uid) > 1
        ORDER BY finding_uid LIMIT 1""")[0]


def test_finding_page_shows_inventory_record_and_other_findings(client, sql):
    account, service, uid, resource_uid, check_id, region, resource_id = failing_bucket(sql)
    data = client.get(f"/api/findings/{account}/{service}/{uid}").json()
    inventory = data["inventory"]
    assert inventory["resource_uid"] == resource_uid and inventory["kind"] == "buckets"
    stored = json.loads(sql("SELECT data FROM latest_inventory WHERE resource_uid = $u AND kind = 'buckets'",
                            {"u": resource_uid})[0][0])
    assert set(inventory["fields"]) == set(stored) - {"_unread"}
    others = sql("SELECT finding_uid FROM latest_findings WHERE resource_uid = $u AND finding_uid <> $f",
                 {"u": resource_uid, "f": uid})
    assert {o["finding_uid"] for o in data["other_findings"]} == {r[0] for r in others}
    page = client.get(f"/findings/{account}/{service}/{uid}").text
    assert 'id="inventory-record"' in page and 'id="other-findings"' in page and 'id="mute-entry"' in page


def test_inventory_record_redacts_secrets():
    row = {"kind": "functions", "scan_date": dt.date(2026, 11, 22), "region": "us-east-1", "resource_uid": "arn:x",
           "resource_id": "f", "resource_tags": [("api_token", "hunter2hunter2"), ("team", "data")],
           "data": json.dumps({"environment_keys": ["DB_PASSWORD"], "note": "AKIAIOSFODNN7EXAMPLE",
                               "nested": {"password": "s3cr3t-value!"}, "runtime": "python3.12"})}
    record = parse_record(row)
    assert record["fields"]["note"] == REDACTED and record["fields"]["nested"]["password"] == REDACTED
    assert record["fields"]["runtime"] == "python3.12" and record["fields"]["environment_keys"] == ["DB_PASSWORD"]
    assert record["tags"] == {"api_token": REDACTED, "team": "data"}


def test_mute_entry_is_prowler_format_and_mutes_exactly_that_finding(client, sql, demo):
    account, service, uid, resource_uid, check_id, region, resource_id = failing_bucket(sql)
    text = client.get(f"/mute/{account}/{service}/{uid}", params={"reason": "public website"}).text
    entry = yaml.safe_load(text)
    assert entry["Mutelist"]["Accounts"][account]["Checks"][check_id]["Description"] == "public website"
    rule = Mutelist.loads(text).rule_for(account)
    finding = {"check_id": check_id, "region": region, "resource_uid": resource_uid, "resource_id": resource_id,
               "resource_tags": {}}
    muted, reason = rule(finding) if callable(rule) else Mutelist.loads(text).is_muted({**finding, "account_id": account})
    assert muted and reason
    # exactly that finding: of every finding of the lake, the entry mutes one
    rows = sql("SELECT account_id, check_id, region, resource_uid, resource_id, finding_uid FROM findings")
    hits = {r[5] for r in rows if Mutelist.loads(text).is_muted(dict(zip(
        ("account_id", "check_id", "region", "resource_uid", "resource_id"), r[:5]), resource_tags={}))[0]}
    assert hits == {uid}


def test_mute_entry_does_not_mute_a_resource_whose_name_starts_the_same():
    from postureflow.dashboard.triage import mute_yaml

    base = {"account_id": "123456789012", "check_id": "s3_bucket_public_access", "region": "us-east-1",
            "resource_id": "logs", "resource_uid": "arn:aws:s3:::logs", "resource_tags": {}}
    entry = Mutelist.loads(mute_yaml(base))
    sibling = {**base, "resource_id": "logs-archive", "resource_uid": "arn:aws:s3:::logs-archive"}
    assert entry.is_muted(base)[0] and not entry.is_muted(sibling)[0]


def test_proposing_a_mute_writes_the_pending_file_and_mutes_nothing(client, sql, demo, tmp_path):
    account, service, uid, resource_uid, check_id, *_ = failing_bucket(sql)
    before = sql("SELECT count(*) FROM findings WHERE muted")[0][0]
    response = client.post(f"/mute/{account}/{service}/{uid}", data={"reason": "accepted by CISO"})
    assert response.status_code == 200 and "Nothing is muted yet" in response.text
    pending = yaml.safe_load((tmp_path / "mutelist.pending.yaml").read_text())
    entry = pending["Mutelist"]["Accounts"][account]["Checks"][check_id]
    assert "accepted by CISO" in entry["Description"]
    Mutelist.load(tmp_path / "mutelist.pending.yaml")  # a valid mutelist
    # the lake and the finding are unchanged: only a reviewed mutelist mutes, at the next scan
    assert sql("SELECT count(*) FROM findings WHERE muted")[0][0] == before
    assert client.get(f"/api/findings/{account}/{service}/{uid}").json()["muted"] is False
    # a cross-site form cannot write it
    forged = client.post(f"/mute/{account}/{service}/{uid}", data={"reason": "x"},
                         headers={"Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"})
    assert forged.status_code == 403


def test_without_a_pending_file_the_entry_is_only_shown(demo, sql, monkeypatch):
    monkeypatch.delenv("POSTUREFLOW_MUTELIST_PENDING", raising=False)
    account, service, uid, *_ = failing_bucket(sql)
    with TestClient(create_app(demo.path), base_url=BASE) as c:
        assert 'id="mute-form"' not in c.get(f"/findings/{account}/{service}/{uid}").text
        assert c.post(f"/mute/{account}/{service}/{uid}", data={"reason": "x"}).status_code == 409


def test_inventory_search_by_field_and_tag(client, sql):
    uid, data = sql("SELECT resource_uid, data FROM latest_inventory WHERE service = 'ec2' AND kind = 'instances' "
                    "AND data->>'instance_type' IS NOT NULL LIMIT 1")[0]
    instance_type = json.loads(data)["instance_type"]
    result = client.get("/api/inventory", params={"q": instance_type}).json()
    expected = sql("SELECT count(*) FROM latest_inventory WHERE NOT starts_with(kind, '_') AND (data ILIKE $q "
                   "OR resource_id ILIKE $q OR resource_uid ILIKE $q OR kind ILIKE $q "
                   "OR CAST(resource_tags AS VARCHAR) ILIKE $q)", {"q": f"%{instance_type}%"})[0][0]
    assert result["total"] == expected and uid in {r["resource_uid"] for r in result["rows"]}
    assert any("instance_type" in r["matched"] for r in result["rows"])
    tagged = client.get("/api/inventory", params={"q": "pf-demo=iam"}).json()
    assert tagged["rows"] and all("tag:pf-demo" in r["matched"] for r in tagged["rows"])
    # the findings search shows the matching resources too
    page = client.get("/findings", params={"q": "pf-demo=iam"}).text
    assert 'id="resource-matches"' in page


def test_error_page_names_the_failure_and_csv_fails_before_streaming(demo, tmp_path, monkeypatch):
    from postureflow.dashboard.data import LakeReader

    def broken(self, *args, **kwargs):
        raise OSError("Corrupt lake file findings/scan_date=2026-11-22/b001.parquet: Invalid data")

    monkeypatch.setattr(LakeReader, "overview", broken)
    monkeypatch.setattr(LakeReader, "_source", broken)
    with TestClient(create_app(demo.path), base_url=BASE, raise_server_exceptions=False) as c:
        page = c.get("/")
        assert page.status_code == 500 and "b001.parquet" in page.text and "<h1>500" in page.text
        api = c.get("/api/overview")
        assert api.status_code == 500 and "b001.parquet" in api.json()["detail"]
        export = c.get("/findings.csv", params={"status": "FAIL"})
        assert export.status_code == 500 and "scan_date," not in export.text


def test_compliance_chart_covers_every_account():
    series = [
        {"framework_key": "cis_6.0", "label": "CIS 6.0", "account_id": "111111111111",
         "points": [["2026-11-01", 40.0], ["2026-11-02", 50.0]]},
        {"framework_key": "cis_6.0", "label": "CIS 6.0", "account_id": "222222222222",
         "points": [["2026-11-02", 70.0], ["2026-11-03", None]]},
    ]
    (agg,) = aggregate_trend(series)
    assert agg["accounts"] == 2 and agg["points"] == [["2026-11-01", 40.0], ["2026-11-02", 60.0]]


def test_a_garbled_lake_file_is_named_on_the_error_page_and_the_csv_never_starts(tmp_path):
    """A real corrupt Parquet file (data pages garbled, footer intact): the pages that read it answer a
    500 page naming the file and what to do; the CSV export fails before its header; another day still answers."""
    from postureflow.sql.sample import finding, write_findings

    account, day1, day2 = "111111111111", dt.date(2026, 11, 21), dt.date(2026, 11, 22)
    lake = Lake(str(tmp_path / "lake"))
    write_findings(lake, [finding(account, d, "s3", "s3_bucket_public_access", f"r{i}", status="FAIL")
                          for d in (day1, day2) for i in range(400)])
    bad = lake.files("findings", [day2], [account])[0]
    data = bytearray(open(bad, "rb").read())
    for i in range(8, len(data) // 2):  # as tests/test_lake_check.py garbles one
        data[i] ^= 0xFF
    open(bad, "wb").write(bytes(data))
    with TestClient(create_app(lake.uri), base_url=BASE, raise_server_exceptions=False) as c:
        page = c.get("/findings")
        assert page.status_code == 500 and "<h1>500" in page.text and bad in page.text
        assert "lake check --quarantine" in page.text
        api = c.get("/api/findings")
        assert api.status_code == 500 and bad in api.json()["detail"]
        export = c.get("/findings.csv")
        assert export.status_code == 500 and "scan_date," not in export.text and bad in export.text
        older = c.get("/findings.csv", params={"date": day1.isoformat()})
        assert older.status_code == 200 and len(older.text.strip().splitlines()) == 1 + 400
