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
    data_files = [f for _, _, names in os.walk(tmp_path) for f in names if f.endswith(".parquet")]
    assert len(data_files) == 1  # superseded files are deleted once the new state is committed
    assert lake.files("findings") == [str(tmp_path / "findings" / "scan_date=2026-11-22" / data_files[0])]


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
    # the "web" groups are attached to nothing: judged only with scan_unused_services (as in Prowler)
    ctx = ScanContext("123456789012", ["us-east-1", "eu-west-1"], DAY, "run-1", lake, scan_unused_services=True)
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
    data = [k for k in keys if k.endswith(".parquet")]
    assert len(data) == 1 and data[0].startswith("prod/findings/scan_date=2026-11-22/b")
    assert all(k.endswith((".parquet", ".json")) for k in keys), keys  # no folder marker objects
    assert s3_lake.read_partition("findings", PARTITION).num_rows == 2
    assert s3_lake.location().startswith("s3://pf-lake/prod")


# -- replace by scope (issue 15 item 4) and bounded files per day (issue 14 item 3) ------------


def _regions(lake: Lake) -> dict[str, int]:
    rows = connect(lake, ["findings"]).execute(
        "SELECT region, count(*) FROM findings GROUP BY region ORDER BY region").fetchall()
    return dict(rows)


def test_a_region_scoped_rewrite_keeps_other_regions(tmp_path):
    lake = Lake(str(tmp_path))
    day = [finding("e1", region="us-east-1"), finding("e2", region="us-east-1"), finding("w1", region="eu-west-1")]
    lake.write_partition("findings", PARTITION, table(day))
    lake.write_partition("findings", PARTITION, table([finding("e3", region="us-east-1")]), regions=["us-east-1"])
    assert _regions(lake) == {"eu-west-1": 1, "us-east-1": 1}
    back = lake.read_partition("findings", PARTITION)
    assert sorted(back.column("finding_uid").to_pylist()) == ["e3", "w1"]
    # idempotent: the same scoped write again changes nothing
    lake.write_partition("findings", PARTITION, table([finding("e3", region="us-east-1")]), regions=["us-east-1"])
    assert _regions(lake) == {"eu-west-1": 1, "us-east-1": 1}
    # a scoped write that found nothing empties only its own region
    lake.write_partition("findings", PARTITION, table([]), regions=["eu-west-1"])
    assert _regions(lake) == {"us-east-1": 1}
    # rows the write files in a region outside its declared scope still replace that region (no duplicates)
    lake.write_partition("findings", PARTITION, table([finding("e4", region="us-east-1")]), regions=["eu-west-1"])
    assert _regions(lake) == {"us-east-1": 1}


def test_engine_rerun_of_one_region_keeps_the_other_regions_rows(aws, tmp_path):
    for region in ("us-east-1", "eu-west-1"):
        client = boto3.client("ec2", region_name=region)
        vpc = client.describe_vpcs()["Vpcs"][0]["VpcId"]
        client.create_security_group(GroupName="web", Description="d", VpcId=vpc)
    lake = Lake(str(tmp_path))
    scan_account(ScanContext("123456789012", ["us-east-1", "eu-west-1"], DAY, "run-1", lake), ["ec2"], _access())
    before = _regions(lake)
    assert before.get("eu-west-1", 0) > 0 and before.get("us-east-1", 0) > 0
    scan_account(ScanContext("123456789012", ["us-east-1"], DAY, "run-2", lake), ["ec2"], _access())
    assert _regions(lake) == before
    runs = dict(connect(lake, ["findings"]).execute(
        "SELECT region, any_value(run_id) FROM findings GROUP BY region").fetchall())
    assert runs == {"us-east-1": "run-2", "eu-west-1": "run-1"}


def _partition(account: str, service: str) -> dict:
    return {"scan_date": DAY, "service": service, "account_id": account}


def _rows(account: str, service: str, n: int = 3) -> pa.Table:
    return table([finding(f"{account}-{service}-{i}", account_id=account, service=service) for i in range(n)])


def test_files_per_day_stay_bounded_whatever_the_accounts_and_services(tmp_path, monkeypatch):
    from postureflow.lake import store

    monkeypatch.setattr(store, "BUCKETS", 2)
    monkeypatch.setattr(store, "MAX_SMALL_FILES", 3)
    lake = Lake(str(tmp_path))
    accounts = [f"{100000000000 + i:012d}" for i in range(40)]
    for account in accounts:
        for service in ("s3", "ec2", "iam"):
            lake.write_partition("findings", _partition(account, service), _rows(account, service))
    day_dir = tmp_path / "findings" / "scan_date=2026-11-22"
    data_files = [p for p in day_dir.iterdir() if p.suffix == ".parquet"]
    assert len(data_files) <= 2 * (3 + 1)  # buckets x (small files allowed + the merged one), not 120
    assert sorted(lake.files("findings")) == sorted(map(str, data_files))
    assert count(lake) == 40 * 3 * 3
    # a re-run of one account's day still replaces exactly its rows, inside merged files too
    lake.write_partition("findings", _partition(accounts[7], "ec2"), _rows(accounts[7], "ec2", n=1))
    assert count(lake) == 40 * 3 * 3 - 2
    assert lake.read_partition("findings", _partition(accounts[7], "ec2")).num_rows == 1
    assert lake.read_partition("findings", _partition(accounts[7], "s3")).num_rows == 3
    assert {p["account_id"] for p in lake.partitions("findings")} == set(accounts)


def test_zero_row_writes_are_remembered_as_written(tmp_path):
    lake = Lake(str(tmp_path))
    assert not lake.partition_exists("findings", PARTITION)
    assert lake.read_partition("findings", PARTITION) is None
    lake.write_partition("findings", PARTITION, table([]))
    assert lake.partition_exists("findings", PARTITION)
    assert lake.read_partition("findings", PARTITION).num_rows == 0
    lake.delete_partition("findings", PARTITION)
    assert not lake.partition_exists("findings", PARTITION)


def _write_many(uri: str, accounts: list[str]) -> None:
    from postureflow.lake import store

    store.BUCKETS = 1  # every writer on one manifest: the worst contention
    lake = Lake(uri)
    for account in accounts:
        for service in ("s3", "ec2"):
            lake.write_partition("findings", _partition(account, service), _rows(account, service))
    # each writer re-runs its first account: still no duplicates
    lake.write_partition("findings", _partition(accounts[0], "s3"), _rows(accounts[0], "s3"))


def _check_all_rows_once(lake: Lake, accounts: list[str]) -> None:
    con = connect(lake, ["findings"])
    total, distinct = con.execute("SELECT count(*), count(DISTINCT finding_uid) FROM findings").fetchone()
    assert total == distinct == len(accounts) * 2 * 3
    assert {p["account_id"] for p in lake.partitions("findings")} == set(accounts)


def test_concurrent_writer_processes_on_one_local_lake(tmp_path):
    import multiprocessing

    accounts = [f"{200000000000 + i:012d}" for i in range(24)]
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_write_many, args=(str(tmp_path), accounts[i::4])) for i in range(4)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(120)
        assert proc.exitcode == 0
    _check_all_rows_once(Lake(str(tmp_path)), accounts)


def test_concurrent_writers_on_s3(s3_lake, monkeypatch):
    import threading

    from postureflow.lake import store

    monkeypatch.setattr(store, "BUCKETS", 1)
    accounts = [f"{300000000000 + i:012d}" for i in range(12)]
    errors: list[BaseException] = []

    def writer(chunk):
        try:
            lake = Lake(s3_lake.uri)  # a Lake (and S3 client) of its own, like another machine
            for account in chunk:
                for service in ("s3", "ec2"):
                    lake.write_partition("findings", _partition(account, service), _rows(account, service))
        except BaseException as err:  # noqa: BLE001 - reported by the assertion below
            errors.append(err)

    threads = [threading.Thread(target=writer, args=(accounts[i::3],)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    _check_all_rows_once(s3_lake, accounts)
