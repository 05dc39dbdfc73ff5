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


# -- checks added for issue 12 --------------------------------------------------------------------------


def _security_configuration(glue, name, on):
    mode = "SSE-KMS" if on else "DISABLED"
    glue.create_security_configuration(
        Name=name,
        EncryptionConfiguration={
            "S3Encryption": [{"S3EncryptionMode": mode, **({"KmsKeyArn": KEY} if on else {})}],
            "CloudWatchEncryption": {"CloudWatchEncryptionMode": mode, **({"KmsKeyArn": KEY} if on else {})},
            "JobBookmarksEncryption": {"JobBookmarksEncryptionMode": "CSE-KMS" if on else "DISABLED",
                                       **({"KmsKeyArn": KEY} if on else {})},
        },
    )  # fmt: skip


@pytest.fixture
def new_world(aws):
    glue = boto3.client("glue", region_name="us-east-1")
    _security_configuration(glue, "sc-on", True)
    _security_configuration(glue, "sc-off", False)
    _job(glue, "job-bad", SecurityConfiguration="sc-off",
         DefaultArguments={"--db-password": PASSWORD, "--enable-continuous-cloudwatch-log": "false"})
    _job(glue, "job-good", SecurityConfiguration="sc-on",
         DefaultArguments={"--enable-continuous-cloudwatch-log": "true", "--TempDir": "s3://tmp/"})
    for name, config in (("dev-bad", None), ("dev-good", "sc-on")):
        glue.create_dev_endpoint(EndpointName=name, RoleArn=f"arn:aws:iam::{ACCOUNT}:role/glue",
                                 **({"SecurityConfiguration": config} if config else {}))
    _connection(glue, "conn-bad", enforce_ssl=True)  # a USERNAME and a PASSWORD, no SECRET_ID
    glue.create_connection(ConnectionInput={"Name": "conn-good", "ConnectionType": "JDBC", "ConnectionProperties": {
        "JDBC_CONNECTION_URL": "jdbc:postgresql://db.internal:5432/sales", "SECRET_ID": "prod/sales-db"}})
    glue.create_database(DatabaseInput={"Name": "sales"})
    boto3.client("glue", region_name="eu-west-1").create_database(DatabaseInput={"Name": "eu-sales"})
    glue.put_data_catalog_encryption_settings(DataCatalogEncryptionSettings={
        "EncryptionAtRest": {"CatalogEncryptionMode": "SSE-KMS", "SseAwsKmsKeyId": KEY}})
    # moto's CreateMLTransform ignores TransformEncryption: a hook amends GetMLTransforms' answer
    for name in ("mlt-bad", "mlt-good"):
        glue.create_ml_transform(Name=name, Role=f"arn:aws:iam::{ACCOUNT}:role/glue", InputRecordTables=[
            {"DatabaseName": "sales", "TableName": "t"}], Parameters={"TransformType": "FIND_MATCHES"})  # fmt: skip


def _ml_encryption_access(base=None):
    access = base or AwsAccess.from_default_chain()

    def encrypt_good(parsed, **_):
        for transform in parsed.get("Transforms", []):
            if transform.get("Name") == "mlt-good":
                transform["TransformEncryption"] = {"MlUserDataEncryption": {"MlUserDataEncryptionMode": "SSE-KMS",
                                                                             "KmsKeyId": KEY}}  # fmt: skip
                transform["TransformId"] = "tfm-good"
            elif transform.get("Name") == "mlt-bad":
                transform["TransformId"] = "tfm-bad"

    for region in REGIONS:
        access.client("glue", region).meta.events.register("after-call.glue.GetMLTransforms", encrypt_good)
    return access


@pytest.mark.parametrize(
    "check, bad, good",
    [
        ("glue_etl_jobs_no_secrets_in_arguments", "job-bad", "job-good"),
        ("glue_catalog_connection_no_secrets", "conn-bad", "conn-good"),
        ("glue_etl_jobs_cloudwatch_logs_encryption_enabled", "job-bad", "job-good"),
        ("glue_etl_jobs_job_bookmark_encryption_enabled", "job-bad", "job-good"),
        ("glue_etl_jobs_logging_enabled", "job-bad", "job-good"),
        ("glue_development_endpoints_s3_encryption_enabled", "dev-bad", "dev-good"),
        ("glue_development_endpoints_cloudwatch_logs_encryption_enabled", "dev-bad", "dev-good"),
        ("glue_development_endpoints_job_bookmark_encryption_enabled", "dev-bad", "dev-good"),
        ("glue_ml_transform_encrypted_at_rest", "tfm-bad", "tfm-good"),
        ("glue_data_catalogs_metadata_encryption_enabled",
         f"arn:aws:glue:eu-west-1:{ACCOUNT}:catalog", f"arn:aws:glue:us-east-1:{ACCOUNT}:catalog"),
    ],
)
def test_new_checks_fail_bad_and_pass_good(new_world, scan, check, bad, good):
    run = scan("glue", access=_ml_encryption_access())
    assert run.status(check, bad) == "FAIL"
    assert run.status(check, good) == "PASS"
    assert PASSWORD not in str(run.findings)


@pytest.mark.parametrize(
    "check, denied, resource",
    [
        ("glue_etl_jobs_no_secrets_in_arguments", "glue:GetJobs", None),
        ("glue_catalog_connection_no_secrets", "glue:GetConnections", None),
        ("glue_etl_jobs_cloudwatch_logs_encryption_enabled", "glue:GetSecurityConfigurations", "job-good"),
        ("glue_etl_jobs_job_bookmark_encryption_enabled", "glue:GetSecurityConfigurations", "job-good"),
        ("glue_etl_jobs_logging_enabled", "glue:GetJobs", None),
        ("glue_development_endpoints_s3_encryption_enabled", "glue:GetSecurityConfigurations", "dev-good"),
        ("glue_development_endpoints_cloudwatch_logs_encryption_enabled", "glue:GetSecurityConfigurations",
         "dev-good"),
        ("glue_development_endpoints_job_bookmark_encryption_enabled", "glue:GetSecurityConfigurations", "dev-good"),
        ("glue_ml_transform_encrypted_at_rest", "glue:GetMLTransforms", None),
        ("glue_data_catalogs_metadata_encryption_enabled", "glue:GetDataCatalogEncryptionSettings",
         f"arn:aws:glue:us-east-1:{ACCOUNT}:catalog"),
    ],
)
def test_new_checks_give_no_verdict_on_unread_data(new_world, scan, check, denied, resource):
    from postureflow.testing import DeniedAccess

    access = DeniedAccess(denied)
    run = scan("glue", regions=["us-east-1"], access=_ml_encryption_access(access))
    if resource is None:  # the resources themselves could not be listed: nothing is judged
        assert run.of(check) == []
    else:
        assert run.status(check, resource) == "MANUAL"
    assert access.hits
