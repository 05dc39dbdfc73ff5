import json
from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.collect import all_collectors
from postureflow.collect.base import run_collector
from postureflow.lake import Lake
from postureflow.testing import scan_in_moto

ACCOUNT = "123456789012"
REGIONS = ["us-east-1", "eu-west-1"]
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/12345678-1234-1234-1234-123456789012"
PASSWORD = "pf-test-db-password-1234"


def _catalog_policy(principal):
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": principal},
                    "Action": "glue:GetTable",
                    "Resource": "arn:aws:glue:*:*:*",
                }
            ],
        }
    )


def _connection(client, name, enforce_ssl):
    properties = {
        "JDBC_CONNECTION_URL": "jdbc:postgresql://db.internal:5432/sales",
        "USERNAME": "etl",
        "PASSWORD": PASSWORD,
        "JDBC_ENFORCE_SSL": "true" if enforce_ssl else "false",
    }
    client.create_connection(
        ConnectionInput={"Name": name, "ConnectionType": "JDBC", "ConnectionProperties": properties}
    )


def _job(client, name, **settings):
    client.create_job(Name=name, Role="arn:aws:iam::123456789012:role/glue", Command={"Name": "glueetl"}, **settings)


def _build():
    glue = boto3.client("glue", region_name="us-east-1")
    _connection(glue, "jdbc-plain", enforce_ssl=False)
    _connection(glue, "jdbc-tls", enforce_ssl=True)
    glue.put_data_catalog_encryption_settings(
        DataCatalogEncryptionSettings={
            "EncryptionAtRest": {"CatalogEncryptionMode": "SSE-KMS", "SseAwsKmsKeyId": KEY},
            "ConnectionPasswordEncryption": {"ReturnConnectionPasswordEncrypted": True, "AwsKmsKeyId": KEY},
        }
    )
    glue.put_resource_policy(PolicyInJson=_catalog_policy(f"arn:aws:iam::{ACCOUNT}:root"))
    glue.create_security_configuration(
        Name="sc-kms", EncryptionConfiguration={"S3Encryption": [{"S3EncryptionMode": "SSE-KMS", "KmsKeyArn": KEY}]}
    )
    glue.create_security_configuration(
        Name="sc-off", EncryptionConfiguration={"S3Encryption": [{"S3EncryptionMode": "DISABLED"}]}
    )
    _job(glue, "job-plain")
    _job(glue, "job-kms", SecurityConfiguration="sc-kms")
    _job(glue, "job-sse-arg", DefaultArguments={"--encryption-type": "sse-s3", "--db-password": PASSWORD})
    _job(glue, "job-config-off", SecurityConfiguration="sc-off")

    eu = boto3.client("glue", region_name="eu-west-1")
    _connection(eu, "jdbc-eu", enforce_ssl=False)
    eu.put_resource_policy(PolicyInJson=_catalog_policy("*"))


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        _build()
        access = AwsAccess.from_default_chain()
        run = scan_in_moto(Lake(str(tmp_path_factory.mktemp("glue-lake"))), ["glue"], REGIONS, access=access)
        inventory = run_collector(all_collectors()["glue"], AwsAccess.from_default_chain(), ACCOUNT, REGIONS)
    return SimpleNamespace(run=run, calls=access.call_log, inventory=inventory)


def _catalog_status(world, check, region):
    return world.run.status(check, f"arn:aws:glue:{region}:{ACCOUNT}:catalog")


def test_collected_without_errors_or_repeats(world):
    assert world.run.errors == []
    assert world.calls.repeated() == []


def test_no_secret_reaches_the_inventory(world):
    stored = json.dumps([r.data for r in world.inventory.resources])
    assert PASSWORD not in stored
    assert "USERNAME" not in stored
    # a secret-looking argument is named (so the check can say where to look), its value never kept
    job = next(r for r in world.inventory.resources if r.kind == "jobs" and r.id == "job-sse-arg")
    assert [hit["location"] for hit in job.data["secrets"]] == ["--db-password"]


def test_connection_passwords_encryption(world):
    check = "glue_data_catalogs_connection_passwords_encryption_enabled"
    assert _catalog_status(world, check, "eu-west-1") == "FAIL"
    assert _catalog_status(world, check, "us-east-1") == "PASS"


def test_catalog_not_publicly_accessible(world):
    check = "glue_data_catalogs_not_publicly_accessible"
    assert _catalog_status(world, check, "eu-west-1") == "FAIL"
    assert _catalog_status(world, check, "us-east-1") == "PASS"


def test_connection_ssl(world):
    check = "glue_database_connections_ssl_enabled"
    assert world.run.status(check, "jdbc-plain") == "FAIL"
    assert world.run.status(check, "jdbc-tls") == "PASS"


def test_job_s3_encryption(world):
    check = "glue_etl_jobs_amazon_s3_encryption_enabled"
    assert world.run.status(check, "job-plain") == "FAIL"
    assert world.run.status(check, "job-config-off") == "FAIL"
    assert world.run.status(check, "job-kms") == "PASS"
    assert world.run.status(check, "job-sse-arg") == "PASS"


@pytest.mark.parametrize(
    "check, denied",
    [
        ("glue_data_catalogs_connection_passwords_encryption_enabled", "glue:GetDataCatalogEncryptionSettings"),
        ("glue_data_catalogs_connection_passwords_encryption_enabled", "glue:GetConnections"),
        ("glue_data_catalogs_not_publicly_accessible", "glue:GetResourcePolicy"),
    ],
)
def test_unreadable_catalog_gives_no_verdict(scan, check, denied):
    from postureflow.testing import DeniedAccess

    glue = boto3.client("glue", region_name="us-east-1")
    _connection(glue, "jdbc-plain", enforce_ssl=False)
    access = DeniedAccess(denied)
    run = scan("glue", regions=["us-east-1"], access=access)
    assert set(run.statuses(check).values()) == {"MANUAL"}
    assert access.hits


def test_unlisted_security_configurations_give_no_verdict(scan):
    from postureflow.testing import DeniedAccess

    _job(boto3.client("glue", region_name="us-east-1"), "job-unknown", SecurityConfiguration="sc-kms")
    run = scan("glue", regions=["us-east-1"], access=DeniedAccess("glue:GetSecurityConfigurations"))
    assert run.status("glue_etl_jobs_amazon_s3_encryption_enabled", "job-unknown") == "MANUAL"
