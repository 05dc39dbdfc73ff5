"""`postureflow import prowler`: Prowler's OCSF and CSV outputs land at their scan dates, line up with
postureflow's own findings, and feed the drift views."""

import csv
import json

import pytest

from postureflow.cli import main
from postureflow.engine import finding_uid
from postureflow.lake import Lake
from postureflow.lake.query import connect

ACCOUNT = "123456789012"
BUCKET_ARN = "arn:aws:s3:::pf-open-bucket"


def _ocsf(status, day):
    return {
        "message": f"S3 Bucket pf-open-bucket is {status}.",
        "metadata": {"event_code": "s3_bucket_level_public_access_block", "product": {"name": "Prowler", "version": "5.46.0"}},
        "finding_info": {"uid": "prowler-aws-s3-1", "title": "S3 bucket blocks public access"},
        "severity": "High", "status": "New", "status_code": status, "status_detail": f"bucket is {status}",
        "time_dt": f"{day}T03:00:00+00:00",
        "cloud": {"account": {"uid": ACCOUNT}, "provider": "aws"},
        "resources": [{"uid": BUCKET_ARN, "name": "pf-open-bucket", "region": "us-east-1", "type": "AwsS3Bucket",
                       "group": {"name": "s3"}, "labels": ["team:data"]}],
    }  # fmt: skip


def _csv(path, status, day):
    columns = ["TIMESTAMP", "ACCOUNT_UID", "FINDING_UID", "CHECK_ID", "CHECK_TITLE", "STATUS", "STATUS_EXTENDED", "MUTED",
               "SERVICE_NAME", "SEVERITY", "RESOURCE_TYPE", "RESOURCE_UID", "RESOURCE_NAME", "RESOURCE_TAGS", "REGION",
               "PROWLER_VERSION"]  # fmt: skip
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, columns, delimiter=";")
        writer.writeheader()
        writer.writerow({"TIMESTAMP": f"{day} 03:00:00.000000", "ACCOUNT_UID": ACCOUNT, "FINDING_UID": "x",
                         "CHECK_ID": "s3_bucket_level_public_access_block", "CHECK_TITLE": "t", "STATUS": status,
                         "STATUS_EXTENDED": f"bucket is {status}", "MUTED": "False", "SERVICE_NAME": "s3",
                         "SEVERITY": "high", "RESOURCE_TYPE": "AwsS3Bucket", "RESOURCE_UID": BUCKET_ARN,
                         "RESOURCE_NAME": "pf-open-bucket", "RESOURCE_TAGS": "team=data", "REGION": "us-east-1",
                         "PROWLER_VERSION": "5.46.0"})  # fmt: skip


@pytest.fixture
def imported(tmp_path):
    day1, day2 = tmp_path / "prowler-day1.ocsf.json", tmp_path / "prowler-day2.csv"
    day1.write_text(json.dumps([_ocsf("FAIL", "2026-10-01")]))
    _csv(day2, "PASS", "2026-10-02")
    lake_dir = tmp_path / "lake"
    assert main(["import", "prowler", str(day1), str(day2), "--lake", str(lake_dir)]) == 0
    return Lake(str(lake_dir)), (day1, day2)


def test_each_file_lands_at_its_scan_date_with_postureflows_finding_uid(imported):
    lake, _ = imported
    rows = connect(lake, ["findings"]).sql(
        "SELECT scan_date, status, finding_uid, service, resource_tags FROM findings ORDER BY scan_date").fetchall()
    assert [(str(r[0]), r[1]) for r in rows] == [("2026-10-01", "FAIL"), ("2026-10-02", "PASS")]
    expected = finding_uid(ACCOUNT, "us-east-1", "s3_bucket_level_public_access_block", BUCKET_ARN)
    assert {r[2] for r in rows} == {expected} and {r[3] for r in rows} == {"s3"}
    assert all(dict(r[4]) == {"team": "data"} for r in rows)


def test_importing_twice_changes_nothing(imported, tmp_path):
    lake, files = imported
    assert main(["import", "prowler", *map(str, files), "--lake", lake.root]) == 0
    assert connect(lake, ["findings"]).sql("SELECT count(*) FROM findings").fetchall()[0][0] == 2


def test_drift_across_the_imported_days(imported):
    from postureflow.sql.views import connect as connect_views

    lake, _ = imported
    changes = connect_views(lake).sql("SELECT scan_date, change FROM finding_changes ORDER BY scan_date").fetchall()
    # Prowler saw the bucket fail on day 1 and pass on day 2, both scans complete for s3 in us-east-1
    assert [(str(day), change) for day, change in changes] == [("2026-10-01", "new"), ("2026-10-02", "resolved")]


def test_a_bad_file_writes_nothing(tmp_path):
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps([_ocsf("FAIL", "2026-10-01")]))
    bad.write_text(json.dumps([{"status_code": "FAIL"}]))
    lake_dir = tmp_path / "lake"
    assert main(["import", "prowler", str(good), str(bad), "--lake", str(lake_dir)]) == 1
    assert not (lake_dir / "findings").exists()
