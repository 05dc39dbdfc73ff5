"""API tests of the findings dashboard: every route, on a real demo lake and on small synthetic lakes.

Expected values are computed independently from the lake with the SQL views
(postureflow.sql.views), never written into the test.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import inspect
import io
import os
import re
from urllib.parse import parse_qs, urlsplit

import pyarrow as pa
import pytest
from fastapi.testclient import TestClient

from postureflow.dashboard import create_app
from postureflow.dashboard.data import SEVERITIES, LakeReader, csv_safe
from postureflow.dashboard.demo_lake import build_demo_lake
from postureflow.lake import Lake
from postureflow.lake.schema import FINDINGS
from postureflow.sql.views import connect

BASE = "http://127.0.0.1"


@pytest.fixture(scope="session")
def demo(tmp_path_factory):
    """The demo account scanned twice by the real engine (moto), with compliance; built once per session."""
    return build_demo_lake(tmp_path_factory.getbasetemp() / "dashboard-demo-lake")


@pytest.fixture(scope="module")
def client(demo):
    with TestClient(create_app(demo.path), base_url=BASE) as c:
        yield c


@pytest.fixture(scope="module")
def sql(demo):
    con = connect(Lake(demo.path))
    yield lambda query, params=None: con.sql(query, params=params).fetchall()
    con.close()


def lake_files(root: str) -> dict[str, tuple[int, int]]:
    files = {}
    for folder, _, names in os.walk(root):
        for name in names:
            path = os.path.join(folder, name)
            st = os.stat(path)
            files[path] = (st.st_size, st.st_mtime_ns)
    return files


def hrefs(page: str, attr: str = "href") -> list[str]:
    return [html.unescape(v) for v in re.findall(rf'{attr}="([^"]*)"', page)]


# -- overview ---------------------------------------------------------------------------------


def test_overview_counts_each_accounts_latest_scan(client, sql, demo):
    data = client.get("/api/overview").json()
    assert [a["account_id"] for a in data["accounts"]] == [demo.account_id]
    account = data["accounts"][0]
    assert account["scan_date"] == demo.days[1].isoformat()
    assert account["previous_scan_date"] == demo.days[0].isoformat()
    expected = dict(sql("""SELECT CASE WHEN muted THEN 'muted' ELSE status END, count(*) FROM latest_findings
                           GROUP BY 1"""))
    assert {k: v for k, v in account["totals"].items() if k != "total" and v} == expected
    assert expected.get("muted"), "the demo mutelist mutes findings"
    by_sev = sql("""SELECT severity, count(*) FILTER (WHERE status = 'FAIL' AND NOT muted),
                           count(*) FILTER (WHERE muted) FROM latest_findings GROUP BY 1""")
    for severity, failing, muted in by_sev:
        assert account["by_severity"][severity]["FAIL"] == failing
        assert account["by_severity"][severity]["muted"] == muted
    by_service = dict(sql("SELECT service, count(*) FROM latest_findings WHERE status = 'PASS' AND NOT muted "
                          "GROUP BY 1"))
    assert {s: c["PASS"] for s, c in account["by_service"].items() if c["PASS"]} == by_service
    frameworks = {f["label"]: f["score"] for f in account["frameworks"]}
    trend = dict(sql("SELECT label, round(score, 1) FROM compliance_trend WHERE scan_date = $d",
                     {"d": demo.days[1]}))
    assert frameworks == trend


def test_overview_page_links_into_the_explorer(client, demo):
    page = client.get("/").text
    assert f"Account {demo.account_id}" in page
    links = [h for h in hrefs(page) if h.startswith("/findings?")]
    assert links
    query = parse_qs(urlsplit(links[0]).query)
    assert query["account"] == [demo.account_id]
    # Every explorer link from the overview leads to a page that answers.
    for link in links[:5]:
        assert client.get(link).status_code == 200


# -- compliance -------------------------------------------------------------------------------


def test_compliance_latest_scores_and_trend(client, sql, demo):
    data = client.get("/api/compliance").json()
    expected = {(label, acc): (round(score, 1) if score is not None else None, failed)
                for label, acc, score, failed in sql(
                    "SELECT label, account_id, score, failed FROM compliance_trend WHERE scan_date = $d",
                    {"d": demo.days[1]})}
    assert {(r["label"], r["account_id"]): (r["score"], r["failed"]) for r in data["latest"]} == expected
    assert data["trend"], "one series per framework of the charted account"
    for series in data["trend"]:
        assert [p[0] for p in series["points"]] == [d.isoformat() for d in demo.days]
    page = client.get("/compliance").text
    assert 'id="trend-chart"' in page and 'id="trend-data"' in page
    assert "/static/chart.js" in page


def test_compliance_unknown_account_is_404(client):
    assert client.get("/compliance", params={"account": "999999999999"}).status_code == 404


def test_framework_page_lists_failing_requirements_first(client, sql, demo):
    key, label = sql("SELECT framework_key, label FROM compliance_trend WHERE failed > 0 ORDER BY label LIMIT 1")[0]
    data = client.get(f"/api/compliance/{key}", params={"account": demo.account_id}).json()
    assert data["label"] == label and data["scan_date"] == demo.days[1].isoformat()
    statuses = [r["status"] for r in data["requirements"]]
    failing = [r[0] for r in sql("""SELECT requirement_id FROM compliance WHERE framework_key = $k AND scan_date = $d
                                    AND status = 'FAIL' ORDER BY requirement_id""", {"k": key, "d": demo.days[1]})]
    assert statuses[: len(failing)] == ["FAIL"] * len(failing)
    assert [r["requirement_id"] for r in data["requirements"][: len(failing)]] == failing
    assert data["counts"]["FAIL"] == len(failing)

    only_failing = client.get(f"/api/compliance/{key}", params={"status": "FAIL"}).json()
    assert {r["status"] for r in only_failing["requirements"]} == {"FAIL"}

    older = client.get(f"/api/compliance/{key}", params={"date": demo.days[0].isoformat()}).json()
    assert older["scan_date"] == demo.days[0].isoformat()


def test_framework_failing_requirement_links_to_its_failing_findings(client, sql, demo):
    key = sql("SELECT framework_key FROM compliance_trend WHERE failed > 0 ORDER BY label LIMIT 1")[0][0]
    page = client.get(f"/compliance/{key}", params={"account": demo.account_id}).text
    link = next(h for h in hrefs(page) if h.startswith("/findings?") and "status=FAIL" in h)
    query = parse_qs(urlsplit(link).query)
    result = client.get("/api/findings", params=query).json()
    assert result["total"] > 0
    assert {r["status"] for r in result["rows"]} == {"FAIL"}
    assert {r["check_id"] for r in result["rows"]} <= set(query["check"])
    assert not any(r["muted"] for r in result["rows"])


def test_framework_errors(client):
    assert client.get("/compliance/no_such_framework").status_code == 404
    assert client.get("/api/compliance/no_such_framework").json()["detail"].startswith("framework")
    assert client.get("/compliance/cis_6.0", params={"status": "BROKEN"}).status_code == 400
    assert client.get("/compliance/cis_6.0", params={"date": "yesterday"}).status_code == 400


# -- findings explorer ------------------------------------------------------------------------


def test_explorer_defaults_to_latest_scans_worst_first(client, sql):
    data = client.get("/api/findings").json()
    assert data["total"] == sql("SELECT count(*) FROM latest_findings")[0][0]
    ranks = [(SEVERITIES.index(r["severity"]), r["account_id"]) for r in data["rows"]]
    assert [r[0] for r in ranks] == sorted(r[0] for r in ranks)
    assert len(data["rows"]) == data["page_size"] == 50


@pytest.mark.parametrize(
    "params, where",
    [
        ({"severity": "high"}, "severity = 'high'"),
        ({"status": "FAIL", "muted": "false"}, "status = 'FAIL' AND NOT muted"),
        ({"muted": "true"}, "muted"),
        ({"service": "s3", "region": "eu-west-1"}, "service = 's3' AND region = 'eu-west-1'"),
        ({"check": ["s3_bucket_level_public_access_block", "s3_bucket_object_lock"]},
         "check_id IN ('s3_bucket_level_public_access_block', 's3_bucket_object_lock')"),
        ({"q": "PF-DEMO-BAD"},
         "lower(resource_uid || ' ' || status_extended || ' ' || resource_id || ' ' "
         "|| coalesce(CAST(resource_tags AS VARCHAR), '')) LIKE '%pf-demo-bad%'"),
        ({"q": "pf-demo=good"},  # a tag, as key=value (the demo tags its well-configured twins pf-demo=good)
         "lower(resource_uid || ' ' || status_extended || ' ' || resource_id || ' ' "
         "|| coalesce(CAST(resource_tags AS VARCHAR), '')) LIKE '%pf-demo=good%'"),
        ({"q": "100%_"}, "false"),
    ],
)
def test_explorer_filters(client, sql, demo, params, where):
    data = client.get("/api/findings", params={**params, "account": demo.account_id, "page_size": 500}).json()
    assert data["total"] == sql(f"SELECT count(*) FROM latest_findings WHERE {where}")[0][0]
    expected = {r[0] for r in sql(f"SELECT finding_uid FROM latest_findings WHERE {where}")}
    assert {r["finding_uid"] for r in data["rows"]} == expected


def test_explorer_date_shows_that_scan(client, sql, demo):
    day = demo.days[0]
    data = client.get("/api/findings", params={"date": day.isoformat(), "status": "FAIL"}).json()
    assert {r["scan_date"] for r in data["rows"]} == {day.isoformat()}
    expected = sql("SELECT count(*) FROM findings WHERE scan_date = $d AND status = 'FAIL'", {"d": day})
    assert data["total"] == expected[0][0]


def test_explorer_pages_are_disjoint_and_complete(client, sql):
    total = sql("SELECT count(*) FROM latest_findings")[0][0]
    seen: list[str] = []
    page = 1
    while True:
        data = client.get("/api/findings", params={"page": page, "page_size": 200}).json()
        assert data["pages"] == -(-total // 200)
        seen += [r["finding_uid"] for r in data["rows"]]
        if page >= data["pages"]:
            break
        page += 1
    assert len(seen) == len(set(seen)) == total
    beyond = client.get("/api/findings", params={"page": page + 1, "page_size": 200}).json()
    assert beyond["rows"] == [] and beyond["total"] == total


def test_explorer_page_has_pager_links_that_work(client):
    page = client.get("/findings", params={"page_size": 25}).text
    nxt = next(h for h in hrefs(page) if "page=2" in h)
    second = client.get(nxt)
    assert second.status_code == 200 and "page 2 of" in second.text
    assert 'id="export-csv"' in page


@pytest.mark.parametrize("params", [{"severity": "urgent"}, {"status": "OK"}, {"page": "0"}, {"page": "x"},
                                    {"page_size": "7"}, {"muted": "maybe"}, {"date": "2026-13-01"}])
def test_explorer_rejects_bad_input(client, params):
    response = client.get("/api/findings", params=params)
    assert response.status_code == 400
    assert list(params)[0] in response.json()["detail"]
    assert client.get("/findings", params=params).status_code == 400


def test_csv_export_matches_the_filter(client, sql, demo):
    params = {"status": "FAIL", "muted": "false", "service": "s3"}
    response = client.get("/findings.csv", params=params)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    expected = {r[0] for r in sql("SELECT finding_uid FROM latest_findings WHERE status = 'FAIL' AND NOT muted "
                                  "AND service = 's3'")}
    assert {r["finding_uid"] for r in rows} == expected
    assert {r["scan_date"] for r in rows} == {demo.days[1].isoformat()}
    everything = list(csv.DictReader(io.StringIO(client.get("/findings.csv").text)))
    assert len(everything) == sql("SELECT count(*) FROM latest_findings")[0][0]


def test_csv_cells_cannot_run_as_formulas():
    assert csv_safe("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert csv_safe("+1") == "'+1" and csv_safe("@sum") == "'@sum" and csv_safe("-x") == "'-x"
    assert csv_safe("bucket-1") == "bucket-1" and csv_safe(3) == 3 and csv_safe(None) is None


# -- one finding ------------------------------------------------------------------------------


def test_finding_page_history_and_remediation(client, sql, demo):
    from postureflow.checks import all_checks

    uid, service = sql("""SELECT finding_uid, service FROM findings WHERE resource_id = $b
                          AND check_id = 's3_bucket_level_public_access_block' LIMIT 1""", {"b": demo.fixed_bucket})[0]
    data = client.get(f"/api/findings/{demo.account_id}/{service}/{uid}").json()
    assert [(h["scan_date"], h["status"]) for h in data["history"]] == [
        (demo.days[0].isoformat(), "FAIL"), (demo.days[1].isoformat(), "PASS")]
    check = all_checks()["s3_bucket_level_public_access_block"]
    assert data["remediation"] == check.remediation and data["risk"] == check.risk
    assert data["first_failed"] == demo.days[0].isoformat()
    page = client.get(f"/findings/{demo.account_id}/{service}/{uid}").text
    assert html.escape(check.remediation, quote=False) in page
    status_text = sql("SELECT status_extended FROM latest_findings WHERE finding_uid = $u", {"u": uid})[0][0]
    assert html.escape(status_text, quote=False) in page


def test_finding_that_appeared_has_one_scan_and_a_gap(client, sql, demo):
    uid, service = sql("SELECT finding_uid, service FROM findings WHERE resource_id = $b LIMIT 1",
                       {"b": demo.new_bucket})[0]
    data = client.get(f"/api/findings/{demo.account_id}/{service}/{uid}").json()
    assert [h["status"] is None for h in data["history"]] == [True, False]
    assert data["first_seen"] == demo.days[1].isoformat()


def test_finding_links_from_the_explorer_resolve(client):
    page = client.get("/findings", params={"status": "FAIL"}).text
    links = [h for h in hrefs(page) if re.match(r"^/findings/\d{12}/", h)]
    assert links
    for link in links[:3]:
        assert client.get(link).status_code == 200


def test_unknown_finding_is_404(client, demo):
    assert client.get(f"/findings/{demo.account_id}/s3/{'0' * 40}").status_code == 404
    assert client.get(f"/api/findings/{demo.account_id}/nosuchservice/{'0' * 40}").status_code == 404
    assert client.get("/findings/not-an-account/s3/abc").status_code == 404


# -- changes ----------------------------------------------------------------------------------


def test_changes_agree_with_the_finding_changes_view(client, sql, demo):
    data = client.get("/api/changes").json()
    latest = demo.days[1]
    for change in ("new", "resolved"):
        expected = {r[0] for r in sql("SELECT finding_uid FROM finding_changes WHERE scan_date = $d AND change = $c",
                                      {"d": latest, "c": change})}
        assert {r["finding_uid"] for r in data[change]} == expected
        assert data["totals"][change] == len(expected)
    assert data["totals"]["new"] > 0 and data["totals"]["resolved"] > 0
    assert {r["resource_id"] for r in data["new"]} == {demo.new_bucket}
    resolved = {r["resource_id"]: r["status_now"] for r in data["resolved"]}
    assert resolved == {demo.fixed_bucket: "PASS"}
    account = data["accounts"][0]
    assert (account["scan_date"], account["previous_scan_date"]) == (latest.isoformat(), demo.days[0].isoformat())


def test_changes_of_the_first_scan_are_all_its_failures(client, sql, demo):
    first = demo.days[0]
    data = client.get("/api/changes", params={"date": first.isoformat(), "account": demo.account_id}).json()
    failing = sql("SELECT count(*) FROM findings WHERE scan_date = $d AND status = 'FAIL' AND NOT muted", {"d": first})
    assert data["totals"] == {"new": failing[0][0], "resolved": 0}
    assert data["accounts"][0]["previous_scan_date"] is None


def test_changes_page_links_to_findings(client, demo):
    page = client.get("/changes").text
    assert demo.new_bucket in page and demo.fixed_bucket in page
    link = next(h for h in hrefs(page) if demo.fixed_bucket not in h and re.match(r"^/findings/\d{12}/s3/", h))
    assert client.get(link).status_code == 200


# -- static files, headers, no CDN ------------------------------------------------------------


def test_static_files_are_served_by_the_app(client):
    for name, kind in (("style.css", "text/css"), ("app.js", "text/javascript"), ("chart.js", "text/javascript")):
        response = client.get(f"/static/{name}")
        assert response.status_code == 200 and response.headers["content-type"].startswith(kind)
        urls = set(re.findall(r"https?://[^\s\"')]+", response.text)) - {"http://www.w3.org/2000/svg"}  # a namespace
        assert not urls, name
    assert client.get("/static/../app.py").status_code == 404
    assert client.get("/static/nothing.js").status_code == 404


def test_pages_load_nothing_from_elsewhere(client, demo, sql):
    uid, service = sql("SELECT finding_uid, service FROM latest_findings LIMIT 1")[0]
    key = sql("SELECT framework_key FROM compliance LIMIT 1")[0][0]
    for path in ("/", "/compliance", f"/compliance/{key}", "/findings", "/changes",
                 f"/findings/{demo.account_id}/{service}/{uid}"):
        response = client.get(path)
        assert response.status_code == 200, path
        sources = re.findall(r'<(?:script|link|img|iframe)\b[^>]*\b(?:src|href)="([^"]*)"', response.text)
        assert any("/static/style.css" in s for s in sources)
        for source in sources:
            assert source.startswith("/") or source.startswith("data:"), (path, source)
        csp = response.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["cache-control"] == "no-store"


def test_standalone_app_refuses_foreign_host_headers(demo):
    with TestClient(create_app(demo.path), base_url="http://attacker.example") as foreign:
        assert foreign.get("/").status_code == 400


def test_routes_never_block_the_event_loop():
    """Every endpoint is a plain def: FastAPI runs it in its thread pool, never on the event loop."""
    app = create_app("/nonexistent")
    endpoints = [r.endpoint for r in app.routes if hasattr(r, "endpoint")]
    assert len(endpoints) >= 14
    assert not [e.__name__ for e in endpoints if inspect.iscoroutinefunction(e)]


def test_no_openapi_route_bypasses_the_app_dependencies():
    app = create_app("/nonexistent")
    paths = {r.path for r in app.routes}
    assert not paths & {"/docs", "/redoc", "/openapi.json"}


# -- reading only -----------------------------------------------------------------------------


def test_dashboard_never_writes_to_the_lake(demo, sql):
    before = lake_files(demo.path)
    uid, service = sql("SELECT finding_uid, service FROM latest_findings LIMIT 1")[0]
    with TestClient(create_app(demo.path, ttl=0), base_url=BASE) as c:
        for path in ("/", "/compliance", "/compliance/cis_6.0", "/findings", "/findings.csv", "/changes",
                     f"/findings/{demo.account_id}/{service}/{uid}", "/api/overview", "/api/findings?q=x"):
            assert c.get(path).status_code == 200
    assert lake_files(demo.path) == before


# -- synthetic lakes: several accounts, an empty lake, a lake that changes ---------------------


def finding_rows(account: str, day: dt.date, service: str, statuses: list[str]) -> pa.Table:
    rows = []
    for i, status in enumerate(statuses):
        rid = f"{service}-{i}"
        rows.append({
            "finding_uid": f"{account}-{service}-{i:04d}", "check_id": f"{service}_check_{i % 3}",
            "check_title": f"{service} check {i % 3}", "severity": SEVERITIES[i % 4], "status": status,
            "status_extended": f"Resource {rid} is {status}.", "account_id": account, "region": "us-east-1",
            "service": service, "resource_uid": f"arn:aws:{service}:us-east-1:{account}:{rid}",
            "resource_id": rid, "resource_type": "Other", "resource_tags": [("team", "a")], "muted": False,
            "mute_reason": None, "scan_date": day, "run_id": f"run-{day}",
            "scanned_at": dt.datetime.combine(day, dt.time(1), dt.timezone.utc), "check_version": "1",
        })
    return pa.Table.from_pylist(rows, schema=FINDINGS)


def write(lake: Lake, account: str, day: dt.date, service: str, statuses: list[str]) -> None:
    lake.write_partition("findings", {"scan_date": day, "service": service, "account_id": account},
                         finding_rows(account, day, service, statuses))


A, B = "111111111111", "222222222222"
D1, D2, D3 = dt.date(2026, 11, 1), dt.date(2026, 11, 2), dt.date(2026, 11, 3)


@pytest.fixture
def two_accounts(tmp_path):
    lake = Lake(str(tmp_path / "lake"))
    write(lake, A, D1, "s3", ["FAIL", "FAIL", "PASS"])
    write(lake, A, D3, "s3", ["PASS", "FAIL", "FAIL", "FAIL"])
    write(lake, A, D3, "ec2", ["MANUAL"])
    write(lake, B, D2, "s3", ["PASS", "PASS"])
    return lake


def test_each_account_shows_its_own_latest_scan(two_accounts):
    with TestClient(create_app(two_accounts), base_url=BASE) as c:
        accounts = {a["account_id"]: a for a in c.get("/api/overview").json()["accounts"]}
        assert {k: v["scan_date"] for k, v in accounts.items()} == {A: D3.isoformat(), B: D2.isoformat()}
        assert accounts[A]["totals"]["FAIL"] == 3 and accounts[A]["totals"]["MANUAL"] == 1
        assert accounts[B]["totals"]["PASS"] == 2 and accounts[B]["previous_scan_date"] is None
        explorer = c.get("/api/findings").json()
        assert explorer["total"] == 5 + 2
        scans = {(s["account_id"], s["scan_date"]) for s in explorer["scans"]}
        assert scans == {(A, D3.isoformat()), (B, D2.isoformat())}
        only_b = c.get("/api/findings", params={"account": B}).json()
        assert {r["account_id"] for r in only_b["rows"]} == {B}
        changes = c.get("/api/changes", params={"account": A}).json()
        assert {r["finding_uid"] for r in changes["new"]} == {f"{A}-s3-0002", f"{A}-s3-0003"}
        assert {r["finding_uid"]: r["status_now"] for r in changes["resolved"]} == {f"{A}-s3-0000": "PASS"}
        every = c.get("/api/changes", params={"account": "all"}).json()
        assert every["totals"] == {"new": 2, "resolved": 1}  # B's first scan has no failure
        # with several accounts, the changes page shows one account unless asked for all
        assert c.get("/api/changes").json()["account"] == A
        page = c.get("/changes").text
        assert "all accounts" in page


def test_empty_lake_pages_render(tmp_path):
    with TestClient(create_app(str(tmp_path / "nothing-yet")), base_url=BASE) as c:
        for path in ("/", "/compliance", "/findings", "/changes"):
            response = c.get(path)
            assert response.status_code == 200, path
        assert "No scans in this lake yet" in c.get("/").text
        assert c.get("/api/findings").json()["total"] == 0
        assert c.get("/findings.csv").text.splitlines()[0].startswith("scan_date,account_id")
        assert c.get("/compliance/cis_6.0").status_code == 404


def test_new_scans_show_up_after_the_listing_ttl(tmp_path):
    lake = Lake(str(tmp_path / "lake"))
    write(lake, A, D1, "s3", ["FAIL"])
    reader = LakeReader(lake, ttl=3600)
    assert reader.overview()["accounts"][0]["scan_date"] == D1.isoformat()
    write(lake, A, D2, "s3", ["PASS"])
    assert reader.overview()["accounts"][0]["scan_date"] == D1.isoformat()  # cached listing
    assert reader.catalog(refresh=True).latest(A) == D2
    assert reader.overview()["accounts"][0]["scan_date"] == D2.isoformat()


def test_a_partition_deleted_after_listing_is_relisted(tmp_path):
    lake = Lake(str(tmp_path / "lake"))
    write(lake, A, D1, "s3", ["FAIL"])
    write(lake, A, D2, "s3", ["PASS", "FAIL"])
    reader = LakeReader(lake, ttl=3600)
    assert reader.catalog().latest(A) == D2
    lake.delete_partition("findings", {"scan_date": D2, "service": "s3", "account_id": A})
    data = reader.findings(reader_filter())
    assert data["total"] == 1 and data["scans"] == [{"account_id": A, "scan_date": D1.isoformat()}]


def reader_filter(**kwargs):
    from postureflow.dashboard.data import FindingFilter

    return FindingFilter(**kwargs)


def test_search_is_case_insensitive_and_literal(tmp_path):
    lake = Lake(str(tmp_path / "lake"))
    write(lake, A, D1, "s3", ["FAIL", "PASS", "FAIL"])
    reader = LakeReader(lake)
    assert reader.findings(reader_filter(q="S3-1"))["total"] == 1
    assert reader.findings(reader_filter(q="s3-_"))["total"] == 0  # "_" is not a wildcard
    assert reader.findings(reader_filter(q="'; DROP TABLE x; --"))["total"] == 0


# -- the CLI ------------------------------------------------------------------------------------


def test_cli_serves_on_loopback_only(monkeypatch, demo):
    import uvicorn

    from postureflow.cli import build_parser

    seen = {}

    def fake_run(self):
        seen["host"], seen["port"], seen["app"] = self.config.host, self.config.port, self.config.app

    monkeypatch.setattr(uvicorn.Server, "run", fake_run)
    args = build_parser().parse_args(["dashboard", "--lake", demo.path, "--port", "0"])
    assert args.func(args) == 0
    assert seen["host"] == "127.0.0.1" and seen["port"] == 0
    with TestClient(seen["app"], base_url=BASE) as c:
        assert c.get("/").status_code == 200


def test_cli_names_a_missing_lake(tmp_path, capsys):
    from postureflow.cli import main

    missing = tmp_path / "no-lake"
    assert main(["dashboard", "--lake", str(missing)]) == 1
    assert str(missing) in capsys.readouterr().err


# -- an S3 lake -----------------------------------------------------------------------------------


def test_s3_lake_through_the_same_pages(monkeypatch):
    import boto3

    from postureflow.moto_server import MotoServer

    with MotoServer() as url:
        monkeypatch.setenv("AWS_ENDPOINT_URL", url)
        boto3.client("s3", region_name="us-east-1", endpoint_url=url).create_bucket(Bucket="pf-dash")
        lake = Lake("s3://pf-dash/lake")
        write(lake, A, D1, "s3", ["FAIL", "FAIL", "PASS"])
        write(lake, A, D2, "s3", ["PASS", "FAIL", "FAIL"])
        write(lake, A, D2, "iam", ["PASS"])
        with TestClient(create_app(lake), base_url=BASE) as c:
            overview = c.get("/api/overview").json()["accounts"][0]
            assert (overview["scan_date"], overview["totals"]["FAIL"], overview["totals"]["PASS"]) == (
                D2.isoformat(), 2, 2)
            assert c.get("/api/findings", params={"status": "FAIL"}).json()["total"] == 2
            changes = c.get("/api/changes").json()
            assert [r["finding_uid"] for r in changes["new"]] == [f"{A}-s3-0002"]
            assert [r["finding_uid"] for r in changes["resolved"]] == [f"{A}-s3-0000"]
            history = c.get(f"/api/findings/{A}/s3/{A}-s3-0001").json()["history"]
            assert [h["status"] for h in history] == ["FAIL", "FAIL"]
            assert len(c.get("/findings.csv").text.strip().splitlines()) == 1 + 4
            assert c.get("/").status_code == 200
