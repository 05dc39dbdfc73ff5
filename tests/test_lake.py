"""The lake: partitions replaced atomically, no duplicates, local and S3 through one code path."""

from __future__ import annotations

import datetime as dt
import os

import boto3
import pyarrow as pa
import pytest

from postureflow.engine import ScanContext, finding_uid, scan_account
from postureflow.lake import Lake
from postureflow.lake.query import connect
from postureflow.lake.schema import FINDINGS
from postureflow.moto_server import MotoServer

DAY = dt.date(2026, 11, 22)


def finding(uid: str, status: str = "FAIL", **overrides) -> dict:
    row = {
        "finding_uid": uid,
        "check_id": "s3_bucket_no_mfa_delete",
        "check_title": "t",
        "severity": "medium",
        "status": status,
        "status_extended": "x",
        "account_id": "123456789012",
        "region": "us-east-1",
        "service": "s3",
        "resource_uid": f"arn:aws:s3:::{uid}",
        "resource_id": uid,
        "resource_type": "AwsS3Bucket",
        "resource_tags": [("team", "a")],
        "muted": False,
        "mute_reason": None,
        "scan_date": DAY,
        "run_id": "r1",
        "scanned_at": dt.datetime(2026, 11, 22, tzinfo=dt.timezone.utc),
        "check_version": "1",
    }
    row.update(overrides)
    return row


PARTITION = {"scan_date": DAY, "service": "s3", "account_id": "123456789012"}


def table(rows):
    return pa.Table.from_pylist(rows, schema=FINDINGS)


def count(lake: Lake) -> int:
    return connect(lake, ["findings"]).execute("SELECT count(*) FROM findings").fetchone()[0]


def test_rewriting_a_partition_replaces_it(tmp_path):
    lake = Lake(str(tmp_path))
    lake.write_partition("findings", PARTITION, table([finding("a"), finding("b")]))
    lake.write_partition("findings", PARTITION, table([finding("a"), finding("b")]))
    assert count(lake) == 2
    lake.write_partition("findings", PARTITION, table([finding("a")]))
    assert count(lake) == 1
    files = [f for _, _, names in os.walk(tmp_path) for f in names]
    assert files == ["part-0.parquet"]


def test_empty_result_still_replaces_old_rows(tmp_path):
    lake = Lake(str(tmp_path))
    lake.write_partition("findings", PARTITION, table([finding("a")]))
    lake.write_partition("findings", PARTITION, table([]))
    assert count(lake) == 0


def test_schema_is_checked_on_write_and_old_data_survives_a_bad_write(tmp_path):
    lake = Lake(str(tmp_path))
    lake.write_partition("findings", PARTITION, table([finding("a")]))
    with pytest.raises(ValueError, match="columns missing"):
        lake.write_partition("findings", PARTITION, pa.table({"finding_uid": ["x"]}))
    wrong_day = table([finding("b", scan_date=dt.date(2026, 1, 1))])
    with pytest.raises(ValueError, match="scan_date"):
        lake.write_partition("findings", PARTITION, wrong_day)
    assert count(lake) == 1


def test_partition_columns_come_back_typed(tmp_path):
    lake = Lake(str(tmp_path))
    lake.write_partition("findings", {**PARTITION, "account_id": "012345678901"},
                         table([finding("a", account_id="012345678901")]))
    row = connect(lake, ["findings"]).execute("SELECT account_id, scan_date, service FROM findings").fetchone()
    assert row == ("012345678901", DAY, "s3")
    back = lake.read_partition("findings", {**PARTITION, "account_id": "012345678901"})
    assert back.schema == FINDINGS and back.num_rows == 1


def test_finding_uid_uses_arn_not_name():
    same_name_other_account = finding_uid("111111111111", "us-east-1", "c", "arn:aws:s3:::logs")
    assert finding_uid("222222222222", "us-east-1", "c", "arn:aws:s3:::logs") != same_name_other_account
    assert finding_uid("1", "us-east-1", "c", "arn:aws:ec2:us-east-1:1:security-group/sg-1") != finding_uid(
        "1", "eu-west-1", "c", "arn:aws:ec2:eu-west-1:1:security-group/sg-1"
    )


def test_engine_rescan_is_idempotent_and_same_names_stay_unique(aws, tmp_path):
    ec2_east = boto3.client("ec2", region_name="us-east-1")
    ec2_west = boto3.client("ec2", region_name="eu-west-1")
    for client in (ec2_east, ec2_west):
        vpc = client.describe_vpcs()["Vpcs"][0]["VpcId"]
        client.create_security_group(GroupName="web", Description="same name", VpcId=vpc)
    lake = Lake(str(tmp_path))
    ctx = ScanContext("123456789012", ["us-east-1", "eu-west-1"], DAY, "run-1", lake)
    scan_account(ctx, ["ec2"], _access())
    first = count(lake)
    scan_account(ctx, ["ec2"], _access())
    con = connect(lake, ["findings"])
    assert count(lake) == first > 0
    dupes = con.execute("SELECT count(*) - count(DISTINCT finding_uid) FROM findings").fetchone()[0]
    assert dupes == 0
    web = con.execute(
        "SELECT count(DISTINCT finding_uid) FROM findings WHERE resource_id LIKE 'sg-%' AND check_id = "
        "'ec2_securitygroup_allow_ingress_from_internet_to_all_ports' AND resource_uid IN "
        "(SELECT resource_uid FROM findings)"
    ).fetchone()[0]
    assert web >= 2


def _access():
    from postureflow.aws import AwsAccess

    return AwsAccess.from_default_chain()


@pytest.fixture
def s3_lake(monkeypatch):
    with MotoServer() as url:
        monkeypatch.setenv("AWS_ENDPOINT_URL", url)
        boto3.client("s3", region_name="us-east-1", endpoint_url=url).create_bucket(Bucket="pf-lake")
        yield Lake("s3://pf-lake/prod")


def test_s3_lake_through_the_same_code(s3_lake, aws_endpoint_free_engine=None):
    s3_lake.write_partition("findings", PARTITION, table([finding("a"), finding("b")]))
    s3_lake.write_partition("findings", PARTITION, table([finding("a"), finding("b")]))
    assert count(s3_lake) == 2
    keys = [
        o["Key"]
        for o in boto3.client("s3", region_name="us-east-1", endpoint_url=os.environ["AWS_ENDPOINT_URL"])
        .list_objects_v2(Bucket="pf-lake")["Contents"]
    ]
    assert keys == ["prod/findings/scan_date=2026-11-22/service=s3/account_id=123456789012/part-0.parquet"]
    assert s3_lake.read_partition("findings", PARTITION).num_rows == 2
    assert s3_lake.location().startswith("s3://pf-lake/prod")
