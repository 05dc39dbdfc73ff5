"""Per-run reports: OCSF JSON (validated by py-ocsf-models), CSV and the self-contained HTML page."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re

import boto3
import pyarrow as pa
import pytest
from py_ocsf_models.events.findings.detection_finding import DetectionFinding

from postureflow.lake import Lake
from postureflow.lake import schema as lake_schema
from postureflow.reports import NoScanData, parse_ocsf, report_paths, write_reports

ACCOUNT = "123456789012"
DAY = dt.date(2026, 11, 22)
SCANNED = dt.datetime(2026, 11, 22, 3, 15, tzinfo=dt.timezone.utc)
SECRET = "AKIAPLANTEDSECRET0000-do-not-leak"
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def row(i: int, service: str, check_id: str, status: str, severity: str, muted: bool = False, **extra) -> dict:
    rid = extra.pop("resource_id", f"{service}-res-{i}")
    base = {
        "finding_uid": f"{service}-{check_id}-{i}",
        "check_id": check_id,
        "check_title": f"Title of {check_id}",
        "severity": severity,
        "status": status,
        "status_extended": f"Resource {rid} is {status}.",
        "account_id": ACCOUNT,
        "region": "us-east-1" if i % 2 else "eu-west-1",
        "service": service,
        "resource_uid": f"arn:aws:{service}:us-east-1:{ACCOUNT}:thing/{rid}",
        "resource_id": rid,
        "resource_type": "AwsS3Bucket",
        "resource_tags": [("env", "dev"), ("team", f"t{i}")],
        "muted": muted,
        "mute_reason": "mutelist: */* (accepted)" if muted else None,
        "scan_date": DAY,
        "run_id": "scheduled__2026-11-22T00:00:00+00:00",
        "scanned_at": SCANNED,
        "check_version": "0.1.0+abc",
    }
    base.update(extra)
    return base


def write_findings(lake: Lake, service: str, rows: list[dict], day: dt.date = DAY, account: str = ACCOUNT) -> None:
    table = pa.Table.from_pylist(rows, schema=lake_schema.FINDINGS)
    lake.write_partition("findings", {"scan_date": day, "service": service, "account_id": account}, table)


@pytest.fixture
def synthetic(lake):
    """Two services: s3 with real check ids (so remediation comes from the registry), ec2 with made-up ones."""
    s3 = [
        row(1, "s3", "s3_bucket_level_public_access_block", "FAIL", "high", resource_id=HOSTILE),
        row(2, "s3", "s3_bucket_level_public_access_block", "PASS", "high"),
        row(3, "s3", "s3_bucket_no_mfa_delete", "FAIL", "medium", muted=True),
        row(4, "s3", "s3_bucket_no_mfa_delete", "FAIL", "medium", resource_id="=cmd|' /C calc'!A0"),
        row(5, "s3", "s3_bucket_secure_transport_policy", "PASS", "medium"),
    ]
    ec2 = [
        row(1, "ec2", "made_up_critical_check", "FAIL", "critical"),
        row(2, "ec2", "made_up_low_check", "FAIL", "low"),
        row(3, "ec2", "made_up_low_check", "MANUAL", "low"),
        row(4, "ec2", "made_up_low_check", "PASS", "low", muted=True),
    ]
    write_findings(lake, "s3", s3)
    write_findings(lake, "ec2", ec2)
    write_findings(lake, "kms", [])  # scanned, nothing to judge
    # things that must never reach a report: inventory data and scan-error messages
    inventory = pa.Table.from_pylist(
        [
            {
                "account_id": ACCOUNT,
                "region": "us-east-1",
                "service": "s3",
                "kind": "buckets",
                "resource_uid": "arn:aws:s3:::x",
                "resource_id": "x",
                "resource_tags": [],
                "data": json.dumps({"user_data_hash": SECRET}),
                "scan_date": DAY,
                "run_id": "r",
                "collected_at": SCANNED,
            }
        ],
        schema=lake_schema.INVENTORY,
    )
    lake.write_partition("inventory", {"scan_date": DAY, "service": "s3", "account_id": ACCOUNT}, inventory)
    errors = pa.Table.from_pylist(
        [
            {
                "account_id": ACCOUNT,
                "region": "eu-west-1",
                "service": "s3",
                "api": "GetBucketPolicy",
                "error_code": "AccessDenied",
                "message": f"denied while reading {SECRET}",
                "scan_date": DAY,
                "run_id": "r",
                "occurred_at": SCANNED,
            }
        ],
        schema=lake_schema.SCAN_ERRORS,
    )
    lake.write_partition("scan_errors", {"scan_date": DAY, "service": "s3", "account_id": ACCOUNT}, errors)
    return s3 + ec2


def read_written(written: dict[str, str]) -> dict[str, str]:
    return {fmt: open(path, encoding="utf-8").read() for fmt, path in written.items()}


# -- layout ------------------------------------------------------------------------------------


def test_writes_three_files_under_the_run_partition(lake, synthetic):
    written = write_reports(lake, ACCOUNT, DAY, run_id="manual__1")
    folder = os.path.join(lake.root, "reports", "scan_date=2026-11-22", f"account_id={ACCOUNT}")
    assert set(written) == {"ocsf", "csv", "html"}
    for fmt, path in written.items():
        assert os.path.dirname(path) == folder
        assert path == lake.location(report_paths(ACCOUNT, DAY)[fmt])
        assert os.path.getsize(path) > 0
    assert sorted(os.listdir(folder)) == sorted(os.path.basename(p) for p in written.values())  # no temp files


def test_rewriting_replaces_the_files(lake, synthetic):
    first = read_written(write_reports(lake, ACCOUNT, DAY))
    write_findings(lake, "ec2", [row(9, "ec2", "made_up_low_check", "FAIL", "low")])
    second = read_written(write_reports(lake, ACCOUNT, DAY))
    assert first["csv"] != second["csv"]
    assert len(list(csv.DictReader(io.StringIO(second["csv"]), delimiter=";"))) == 5 + 1


def test_no_findings_for_the_day_is_a_clear_error(lake, synthetic):
    with pytest.raises(NoScanData, match="account 123456789012 on 2026-11-23"):
        write_reports(lake, ACCOUNT, dt.date(2026, 11, 23))
    with pytest.raises(NoScanData):
        write_reports(lake, "999999999999", DAY)
    with pytest.raises(ValueError, match="12 digits"):
        write_reports(lake, "../../etc", DAY)
    assert not os.path.exists(os.path.join(lake.root, "reports", "scan_date=2026-11-23"))


def test_a_failed_write_keeps_the_previous_report(lake, synthetic, monkeypatch):
    written = write_reports(lake, ACCOUNT, DAY)
    before = read_written(written)
    write_findings(lake, "ec2", [])

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr("postureflow.reports.writer.os.replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_reports(lake, ACCOUNT, DAY)
    monkeypatch.undo()
    assert read_written(written) == before
    folder = os.path.dirname(written["csv"])
    assert not [n for n in os.listdir(folder) if n.startswith(".")]


# -- OCSF --------------------------------------------------------------------------------------


def test_ocsf_round_trips_through_py_ocsf_models(lake, synthetic):
    path = write_reports(lake, ACCOUNT, DAY, formats=("ocsf",))["ocsf"]
    raw = json.load(open(path, encoding="utf-8"))
    events = parse_ocsf(open(path, "rb").read())
    assert len(raw) == len(events) == len(synthetic)
    for original, event in zip(raw, events):
        assert isinstance(event, DetectionFinding)
        assert json.loads(event.model_dump_json(exclude_none=True)) == original
    by_uid = {e.finding_info.uid: e for e in events}
    assert set(by_uid) == {r["finding_uid"] for r in synthetic}
    for r in synthetic:
        event = by_uid[r["finding_uid"]]
        assert event.class_uid == 2004 and event.type_uid == 200401
        assert event.status_code == r["status"]
        assert event.status_detail == r["status_extended"]
        assert event.status == ("Suppressed" if r["muted"] else "New")
        assert event.severity == r["severity"].capitalize()
        assert event.metadata.event_code == r["check_id"]
        assert event.resources[0].uid == r["resource_uid"] and event.resources[0].name == r["resource_id"]
        assert event.cloud.account.uid == ACCOUNT and event.cloud.region == r["region"]
        assert event.time == int(SCANNED.timestamp() * 1000)
        assert sorted(event.resources[0].labels) == sorted(f"{k}:{v}" for k, v in r["resource_tags"])
        assert event.unmapped["muted"] is r["muted"]
    # remediation and risk come from the check's own metadata
    from postureflow.checks import all_checks

    check = all_checks()["s3_bucket_no_mfa_delete"]
    event = by_uid["s3-s3_bucket_no_mfa_delete-4"]
    assert event.remediation.desc == check.remediation and event.risk_details == check.risk
    assert by_uid["ec2-made_up_critical_check-1"].remediation is None  # unknown check: no invented text


def test_ocsf_of_an_empty_run_is_an_empty_array(lake):
    write_findings(lake, "s3", [])
    path = write_reports(lake, ACCOUNT, DAY, formats=("ocsf",))["ocsf"]
    assert json.load(open(path)) == []


# -- CSV ---------------------------------------------------------------------------------------


def test_csv_has_one_row_per_finding(lake, synthetic):
    text = read_written(write_reports(lake, ACCOUNT, DAY, formats=("csv",)))["csv"]
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert len(rows) == len(synthetic)
    assert sorted(r["FINDING_UID"] for r in rows) == sorted(r["finding_uid"] for r in synthetic)
    by_uid = {r["FINDING_UID"]: r for r in rows}
    for r in synthetic:
        out = by_uid[r["finding_uid"]]
        assert out["STATUS"] == r["status"] and out["CHECK_ID"] == r["check_id"]
        assert out["MUTED"] == str(r["muted"]) and out["SEVERITY"] == r["severity"]
        assert out["RESOURCE_UID"] == r["resource_uid"] and out["ACCOUNT_UID"] == ACCOUNT
        assert out["RESOURCE_TAGS"] == " | ".join(f"{k}={v}" for k, v in sorted(r["resource_tags"]))
    assert by_uid["s3-s3_bucket_level_public_access_block-1"]["RESOURCE_NAME"] == HOSTILE  # kept verbatim
    # a cell a spreadsheet would execute is neutralised
    assert by_uid["s3-s3_bucket_no_mfa_delete-4"]["RESOURCE_NAME"] == "'=cmd|' /C calc'!A0"
    assert by_uid["s3-s3_bucket_no_mfa_delete-3"]["MUTE_REASON"] == "mutelist: */* (accepted)"


# -- HTML --------------------------------------------------------------------------------------


def html_of(lake, **kwargs) -> str:
    return read_written(write_reports(lake, ACCOUNT, DAY, formats=("html",), **kwargs))["html"]


def text_of(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}">([^<]*)<', html)
    assert match, element_id
    return match.group(1)


def test_html_is_self_contained(lake, synthetic):
    html = html_of(lake)
    assert not re.search(r"<script[^>]*\bsrc\s*=", html, re.I)
    assert not re.search(r"<link\b", html, re.I)
    assert not re.search(r"""\b(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//""", html, re.I)
    assert not re.search(r"url\(\s*['\"]?(?:https?:)?//", html, re.I)
    assert "@import" not in html
    assert "https://" not in html and "http://" not in html
    assert "<style>" in html and "<script>" in html  # inline assets are there
    assert "default-src 'none'" in html


def test_html_shows_the_counts(lake, synthetic):
    html = html_of(lake)
    assert text_of(html, "count-fail") == "4"  # 2 s3 + 2 ec2, not the muted one
    assert text_of(html, "count-pass") == "2"
    assert text_of(html, "count-muted") == "2"
    assert text_of(html, "count-manual") == "1"
    assert text_of(html, "count-total") == "9"
    assert "Failed (44.4%)" in html and "Passed (22.2%)" in html and "Muted (22.2%)" in html
    services = re.search(r'<section id="services">(.*?)</section>', html, re.S).group(1)
    cells = {
        name: re.findall(r"<td[^>]*>([^<]*)</td>", body)
        for name, body in re.findall(r"<tr><td>(\w+)</td>(.*?)</tr>", services, re.S)
    }
    # findings, pass, fail, critical, high, medium, low, informational, manual, muted
    assert cells["ec2"] == ["4", "0", "2", "1", "0", "0", "1", "0", "1", "1"]
    assert cells["s3"] == ["5", "2", "2", "0", "1", "1", "0", "0", "0", "1"]
    assert cells["kms"] == ["0"] * 10


def test_html_lists_failed_findings_with_remediation_most_severe_first(lake, synthetic):
    from postureflow.checks import all_checks

    html = html_of(lake)
    failed = re.search(r'<section id="failed">(.*?)</section>', html, re.S).group(1)
    order = re.findall(r'<span class="id">([^<]+)</span>', failed)
    assert order == [
        "made_up_critical_check",
        "s3_bucket_level_public_access_block",
        "s3_bucket_no_mfa_delete",
        "made_up_low_check",
    ]
    check = all_checks()["s3_bucket_level_public_access_block"]
    assert check.remediation in failed and check.risk in failed
    assert "s3-res-3" not in failed  # muted: listed under muted findings, not here
    muted = re.search(r'<section id="muted">(.*?)</section>', html, re.S).group(1)
    assert "s3-res-3" in muted and "mutelist: */* (accepted)" in muted


def test_html_escapes_resource_names(lake, synthetic):
    html = html_of(lake)
    assert HOSTILE not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in html
    assert html.count("<script") == 1  # only our inline script


def test_html_run_id_and_scan_errors(lake, synthetic):
    html = html_of(lake, run_id="manual__2026-11-22")
    assert "manual__2026-11-22 (findings written by scheduled__2026-11-22T00:00:00+00:00)" in html
    errors = re.search(r'<section id="errors">(.*?)</section>', html, re.S).group(1)
    assert "GetBucketPolicy" in errors and "AccessDenied" in errors


def test_html_without_compliance_degrades(lake, synthetic):
    html = html_of(lake)
    section = re.search(r'<section id="compliance">(.*?)</section>', html, re.S).group(1)
    assert "No compliance results for this run." in section


def test_html_shows_compliance_per_framework_when_present(lake, synthetic):
    pytest.importorskip("postureflow.compliance")
    schema, _ = lake_schema.DATASETS["compliance"]
    rows = []
    for label, statuses in (("CIS 6.0", ["PASS", "PASS", "PASS", "FAIL", "MANUAL"]), ("Test FW 1", ["FAIL", "NOT_EVALUATED"])):
        for n, status in enumerate(statuses):
            rows.append(
                {
                    "label": label,
                    "framework": label.split()[0],
                    "version": label.split()[-1],
                    "requirement_id": f"{n + 1}.1",
                    "section": "Section <b>",
                    "title": f"Requirement {n + 1}",
                    "status": status,
                    "fail_count": 1 if status == "FAIL" else 0,
                    "account_id": ACCOUNT,
                    "scan_date": DAY,
                }
            )
    table = pa.Table.from_pylist([{n: r.get(n) for n in schema.names} for r in rows], schema=schema)
    lake.write_partition("compliance", {"scan_date": DAY, "account_id": ACCOUNT}, table)
    html = html_of(lake)
    section = re.search(r'<section id="compliance">(.*?)</section>', html, re.S).group(1)
    table_rows = {
        label: re.findall(r"<td[^>]*>([^<]*)", body)
        for label, body in re.findall(r"<tr><td>([^<]+)</td>(.*?)</tr>", section, re.S)
        if label in ("CIS 6.0", "Test FW 1")
    }
    # requirements, pass, fail, manual, not evaluated
    assert table_rows["CIS 6.0"][:5] == ["5", "3", "1", "1", "0"]
    assert table_rows["Test FW 1"][:5] == ["2", "0", "1", "0", "1"]
    assert "75.0%" in section and "0.0%" in section
    assert "Section &lt;b&gt;" in section and "Section <b>" not in section


# -- secrets ------------------------------------------------------------------------------------


def test_reports_contain_only_finding_fields(lake, synthetic):
    texts = read_written(write_reports(lake, ACCOUNT, DAY))
    for fmt, text in texts.items():
        assert SECRET not in text, fmt
        assert "denied while reading" not in text, fmt  # scan-error messages stay in the lake


def test_scan_on_moto_reports_nothing_from_inventory(scan, lake):
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="report-bucket")
    planted = "PlantedPolicySid0123456789"
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": planted, "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
             "Action": "s3:GetObject", "Resource": "arn:aws:s3:::report-bucket/*"}
        ],
    }
    s3.put_bucket_policy(Bucket="report-bucket", Policy=json.dumps(policy))
    run = scan("s3", regions=["us-east-1"])
    inventory = lake.read_partition("inventory", {"scan_date": DAY, "service": "s3", "account_id": ACCOUNT})
    assert any(planted in d for d in inventory.column("data").to_pylist())  # the value is in the lake...
    texts = read_written(write_reports(lake, ACCOUNT, DAY))
    for fmt, text in texts.items():
        assert planted not in text, fmt  # ...but no report carries it
        assert "report-bucket" in text, fmt
    rows = list(csv.DictReader(io.StringIO(texts["csv"]), delimiter=";"))
    assert len(rows) == len(run.findings)
    assert len(json.loads(texts["ocsf"])) == len(run.findings)


# -- CLI and S3 ----------------------------------------------------------------------------------


def test_cli_report(lake, synthetic, capsys):
    from postureflow.cli import main

    assert main(["report", "--lake", lake.uri, "--account", ACCOUNT, "--date", "2026-11-22", "--json"]) == 0
    written = json.loads(capsys.readouterr().out)
    assert set(written) == {"ocsf", "csv", "html"} and all(os.path.exists(p) for p in written.values())
    assert main(["report", "--lake", lake.uri, "--account", ACCOUNT, "--date", "2026-11-22"]) == 0
    out = capsys.readouterr().out
    assert "9 findings, 4 FAIL (44.4%), 2 PASS (22.2%), 2 MUTED (22.2%)" in out
    assert main(["report", "--lake", lake.uri, "--account", ACCOUNT, "--date", "2026-01-01"]) == 1
    assert "no findings" in capsys.readouterr().err


def test_reports_on_an_s3_lake(monkeypatch):
    from postureflow.moto_server import MotoServer

    with MotoServer() as url:
        monkeypatch.setenv("AWS_ENDPOINT_URL_S3", url)
        boto3.client("s3", region_name="us-east-1", endpoint_url=url).create_bucket(Bucket="pf-lake")
        lake = Lake("s3://pf-lake/lake")
        write_findings(lake, "s3", [row(1, "s3", "s3_bucket_no_mfa_delete", "FAIL", "medium")])
        written = write_reports(lake, ACCOUNT, DAY)
        assert written["html"] == f"s3://pf-lake/lake/{report_paths(ACCOUNT, DAY)['html']}"
        client = boto3.client("s3", region_name="us-east-1", endpoint_url=url)
        listed = client.list_objects_v2(Bucket="pf-lake", Prefix="lake/reports/")["Contents"]
        assert sorted(o["Key"] for o in listed) == sorted(f"lake/{p}" for p in report_paths(ACCOUNT, DAY).values())
        html = client.get_object(Bucket="pf-lake", Key=f"lake/{report_paths(ACCOUNT, DAY)['html']}")
        assert html["ContentType"].startswith("text/html")
        assert b'id="count-fail">1<' in html["Body"].read()
