"""Inventory views generated from what the collectors stored: a real scan on moto, then SQL over
``s3_buckets``, ``ec2_instances``, ``iam_users``; nothing in the views is written per service."""

from __future__ import annotations

import datetime as dt
import json

import boto3
import pyarrow as pa
import pytest

from postureflow.lake.schema import INVENTORY
from postureflow.sql.inventory_views import add_inventory_views, column_sql, inventory_catalog, view_name
from postureflow.sql.views import connect


@pytest.fixture
def scanned(scan, lake):
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="open-bucket")
    s3.put_public_access_block(Bucket="open-bucket", PublicAccessBlockConfiguration={
        "BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": False, "RestrictPublicBuckets": False})
    s3.put_bucket_policy(Bucket="open-bucket", Policy=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::open-bucket/*"}]}))
    s3.create_bucket(Bucket="closed-bucket")
    s3.put_bucket_tagging(Bucket="closed-bucket", Tagging={"TagSet": [{"Key": "team", "Value": "data"}]})
    iam = boto3.client("iam")
    iam.create_user(UserName="alice")
    iam.create_access_key(UserName="alice")
    ec2 = boto3.client("ec2", region_name="us-east-1")
    image = ec2.describe_images()["Images"][0]["ImageId"]
    iam.create_instance_profile(InstanceProfileName="web")
    ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1, IamInstanceProfile={"Name": "web"})
    run = scan("s3", "iam", "ec2", regions=["us-east-1"])
    return run, connect(lake)


def test_views_exist_for_every_kind_stored_and_only_those(scanned):
    _, con = scanned
    stored = con.sql("SELECT DISTINCT service, kind FROM latest_inventory WHERE NOT starts_with(kind, '_')").fetchall()
    views = {r[0] for r in con.sql("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
    assert {view_name(s, k) for s, k in stored} <= views
    assert {"s3_buckets", "ec2_instances", "iam_users"} <= views
    # columns are the JSON keys present, typed
    catalog = {c["view"]: {f["name"]: f["type"] for f in c["fields"]} for c in inventory_catalog(con)}
    assert catalog["ec2_instances"]["public_ip"] in ("VARCHAR", "JSON")
    assert catalog["ec2_instances"]["enclaves_enabled"] == "BOOLEAN"


def test_public_buckets_and_tags(scanned):
    run, con = scanned
    public = con.sql("SELECT resource_id FROM s3_buckets WHERE public ORDER BY 1").fetchall()
    expected = sorted({f["resource_id"] for f in run.findings if f["status"] == "FAIL" and f["service"] == "s3"
                       and "public" in f["check_id"] and f["resource_type"] == "AwsS3Bucket"})
    assert [r[0] for r in public] == expected and "open-bucket" in expected
    assert con.sql("SELECT resource_id FROM s3_buckets WHERE tags['team'] = 'data'").fetchall() == [("closed-bucket",)]
    versioning = con.sql("SELECT typeof(versioning) FROM s3_buckets LIMIT 1").fetchall()[0][0]
    assert versioning == "VARCHAR"


def test_instances_with_profile_and_users_with_keys(scanned):
    _, con = scanned
    rows = con.sql("SELECT resource_id, instance_profile_arn, public_ip FROM ec2_instances").fetchall()
    assert len(rows) == 1 and rows[0][1].endswith(":instance-profile/web")
    keys = con.sql("""
        SELECT resource_id, json_array_length(access_keys) AS keys
        FROM iam_users WHERE resource_id = 'alice'
    """).fetchall()
    assert keys == [("alice", 1)]


def test_generation_is_generic_on_any_kind(lake):
    """A kind no collector has today still gets its view and typed columns (nothing per service)."""
    row = {"account_id": "123456789012", "region": "us-east-1", "service": "widgets", "kind": "gadgets",
           "resource_uid": "arn:aws:widgets:us-east-1:123456789012:gadget/g1", "resource_id": "g1",
           "resource_tags": [("env", "prod")],
           "data": json.dumps({"count": 3, "ratio": 0.5, "on": True, "created": "2026-01-02T03:04:05+00:00",
                               "name": "x", "nested": {"a": 1}, "Odd-Key": "y", "_unread": {"name": "widgets:Get"}}),
           "scan_date": dt.date(2026, 11, 22), "run_id": "r", "collected_at": dt.datetime(2026, 11, 22, tzinfo=dt.timezone.utc)}
    lake.write_partition("inventory", {"scan_date": dt.date(2026, 11, 22), "service": "widgets",
                                       "account_id": "123456789012"}, pa.Table.from_pylist([row], schema=INVENTORY))
    con = connect(lake)
    got = con.sql("SELECT count, ratio, \"on\", created, name, nested, odd_key, unread_fields, public FROM widgets_gadgets").fetchall()
    assert got[0][:3] == (3, 0.5, True) and got[0][3].year == 2026 and got[0][4:5] == ("x",)
    assert json.loads(got[0][5]) == {"a": 1} and got[0][6] == "y" and json.loads(got[0][7]) == {"name": "widgets:Get"}
    assert got[0][8] is False


def test_column_types():
    assert column_sql("a", ["BIGINT", "UBIGINT"], None)[1] == "BIGINT"
    assert column_sql("a", ["VARCHAR", "BIGINT"], None)[1] == "JSON"
    assert column_sql("a", None, None)[1] == "VARCHAR"
