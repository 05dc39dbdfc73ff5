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
    assert [r[0] for r in public] == ["open-bucket"]
    # closed-bucket fails only a hardening check (no bucket-level public access block): not public
    failing = {f["check_id"] for f in run.findings if f["status"] == "FAIL" and f["resource_id"] == "closed-bucket"}
    assert "s3_bucket_level_public_access_block" in failing
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


def test_public_means_exposed_not_hardenable():
    import duckdb

    from postureflow.sql.inventory_views import EXPOSURE_CHECK

    def public(check_id: str) -> bool:
        return duckdb.sql(f"SELECT {EXPOSURE_CHECK} FROM (SELECT $c AS c)", params={"c": check_id}).fetchall()[0][0]

    for exposed in ("s3_bucket_public_access", "s3_bucket_public_write_acl", "ec2_instance_public_ip",
                    "ec2_instance_port_ssh_exposed_to_internet", "ec2_instance_internet_facing_with_instance_profile",
                    "rds_instance_no_public_access", "awslambda_function_url_public"):
        assert public(exposed), exposed
    for setting in ("s3_bucket_level_public_access_block", "s3_account_level_public_access_blocks",
                    "ec2_ami_account_block_public_access", "route53_public_hosted_zones_cloudwatch_logging_enabled",
                    "vpc_subnet_separate_private_public", "vpc_subnet_no_public_ip_by_default",
                    "codeartifact_packages_external_public_publishing_disabled", "s3_bucket_kms_encryption"):
        assert not public(setting), setting


def test_column_types():
    assert column_sql("a", ["BIGINT", "UBIGINT"], None)[1] == "BIGINT"
    assert column_sql("a", ["VARCHAR", "BIGINT"], None)[1] == "JSON"
    assert column_sql("a", None, None)[1] == "VARCHAR"



def test_documented_inventory_commands_run(scanned, lake, capsys):
    """Every ``postureflow sql "..."`` example of docs/queries.md's inventory section runs through the CLI
    and answers what it says: the public bucket, the user's key age, the tag, the views and columns."""
    import re
    from pathlib import Path

    from postureflow.cli import main

    doc = (Path(__file__).resolve().parents[1] / "docs" / "queries.md").read_text()
    commands = re.findall(r'postureflow sql "(.*?)"', doc.split("## Inventory views", 1)[1], re.S)
    assert len(commands) >= 6
    answers = []
    for query in commands:
        capsys.readouterr()
        assert main(["sql", query, "--lake", lake.uri, "--format", "json"]) == 0, capsys.readouterr().err
        answers.append((query, json.loads(capsys.readouterr().out)))

    def rows_of(fragment: str) -> list[dict]:
        return next(rows for query, rows in answers if fragment in query)

    assert [r["resource_id"] for r in rows_of("FROM s3_buckets WHERE public")] == ["open-bucket"]
    keys = rows_of("key_age_days")
    assert [(k["user"], k["key_slot"], k["active"]) for k in keys] == [("alice", "1", "true")]
    assert keys[0]["key_age_days"] in (0, 1)  # the key was made by the fixture
    assert [r["resource_id"] for r in rows_of("tags['team']")] == ["closed-bucket"]
    assert {"s3_buckets", "ec2_instances", "iam_users"} <= {r["view_name"] for r in rows_of("duckdb_views()")}
    assert {"public_ip", "instance_profile_arn", "public"} <= {r["column_name"] for r in rows_of("DESCRIBE")}
    rows_of("FROM ec2_instances")  # ran (moto's instance may or may not have a public IP)
