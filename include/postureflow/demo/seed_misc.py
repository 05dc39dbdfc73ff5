"""Demo seed for RDS, EFS, KMS, Config, Macie, Security Hub and Account (moto only).

For each check moto can back, one deliberately misconfigured resource (``pf-demo-bad-...``)
and a well-configured twin (``pf-demo-good-...``) per region. Per-region settings (Config
recorder, Macie, Security Hub) cannot have twins inside one region, so the first region given
is configured well and every other region badly. Not seeded: IAM Access Analyzer (moto has no
such service) and the account's contacts (one account, so no twin: its security contact is left
unregistered, and moto has no GetContactInformation).
"""

from __future__ import annotations

import boto3

# Security Hub is seeded but not listed: moto lacks calls its checks need, so it never PASSes here.
SERVICES = ("rds", "efs", "kms", "dynamodb", "secretsmanager", "config", "macie")

DB_PASSWORD = "pf-demo-not-a-secret"  # moto only


def seed(session: boto3.session.Session, account_id: str, regions: list[str]) -> None:
    for index, region in enumerate(regions):
        _rds(session, region)
        _efs(session, region)
        _kms(session, region)
        _dynamodb(session, region)
        _secretsmanager(session, region)
        good_region = index == 0
        _config(session, account_id, region, good_region)
        _macie(session, region, good_region)
        _securityhub(session, region, good_region)


def _rds(session: boto3.session.Session, region: str) -> None:
    rds = session.client("rds", region_name=region)
    common = dict(
        DBInstanceClass="db.t3.micro",
        Engine="postgres",
        AllocatedStorage=20,
        MasterUsername="pfdemo",
        MasterUserPassword=DB_PASSWORD,
    )
    rds.create_db_instance(
        DBInstanceIdentifier="pf-demo-bad-db",
        PubliclyAccessible=True,
        MultiAZ=False,
        StorageEncrypted=False,
        AutoMinorVersionUpgrade=False,
        Tags=[{"Key": "pf-demo", "Value": "bad"}],
        **common,
    )
    rds.create_db_instance(
        DBInstanceIdentifier="pf-demo-good-db",
        PubliclyAccessible=False,
        MultiAZ=True,
        StorageEncrypted=True,
        AutoMinorVersionUpgrade=True,
        Tags=[{"Key": "pf-demo", "Value": "good"}],
        **common,
    )
    # Aurora clusters: Multi-AZ means members in more than one Availability Zone.
    for name, zones in (("pf-demo-bad-cluster", ["a"]), ("pf-demo-good-cluster", ["a", "b"])):
        rds.create_db_cluster(
            DBClusterIdentifier=name,
            Engine="aurora-postgresql",
            MasterUsername="pfdemo",
            MasterUserPassword=DB_PASSWORD,
            StorageEncrypted=True,
        )
        for zone in zones:
            rds.create_db_instance(
                DBInstanceIdentifier=f"{name}-{zone}",
                DBClusterIdentifier=name,
                DBInstanceClass="db.r6g.large",
                Engine="aurora-postgresql",
                AvailabilityZone=f"{region}{zone}",
                AutoMinorVersionUpgrade=True,
                PubliclyAccessible=False,
            )


def _efs(session: boto3.session.Session, region: str) -> None:
    efs = session.client("efs", region_name=region)
    for name, good in (("pf-demo-bad-efs", False), ("pf-demo-good-efs", True)):
        efs.create_file_system(CreationToken=name, Encrypted=good, Backup=good, Tags=[{"Key": "Name", "Value": name}])


def _kms(session: boto3.session.Session, region: str) -> None:
    kms = session.client("kms", region_name=region)
    for name, rotate in (("pf-demo-bad-key", False), ("pf-demo-good-key", True)):
        key_id = kms.create_key(Description=name, Tags=[{"TagKey": "Name", "TagValue": name}])["KeyMetadata"]["KeyId"]
        kms.create_alias(AliasName=f"alias/{name}", TargetKeyId=key_id)
        if rotate:
            kms.enable_key_rotation(KeyId=key_id)


def _dynamodb(session: boto3.session.Session, region: str) -> None:
    dynamodb = session.client("dynamodb", region_name=region)
    for name, good in (("pf-demo-bad-table", False), ("pf-demo-good-table", True)):
        dynamodb.create_table(
            TableName=name, KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
            DeletionProtectionEnabled=good,
            **({"SSESpecification": {"Enabled": True, "SSEType": "KMS"}} if good else {}),
        )  # fmt: skip
        if good:
            dynamodb.update_continuous_backups(
                TableName=name, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True}
            )


def _secretsmanager(session: boto3.session.Session, region: str) -> None:
    secrets = session.client("secretsmanager", region_name=region)
    for name, rotate in (("pf-demo-bad-secret", False), ("pf-demo-good-secret", True)):
        secrets.create_secret(Name=name, SecretString="pf-demo-not-a-secret")
        if rotate:
            secrets.rotate_secret(SecretId=name, RotationRules={"AutomaticallyAfterDays": 30}, RotateImmediately=False)


def _config(session: boto3.session.Session, account_id: str, region: str, good: bool) -> None:
    config = session.client("config", region_name=region)
    if good:
        config.put_configuration_recorder(
            ConfigurationRecorder={
                "name": "pf-demo-good-recorder",
                "roleARN": f"arn:aws:iam::{account_id}:role/pf-demo-config",
                "recordingGroup": {"allSupported": True, "includeGlobalResourceTypes": True},
            }
        )
        config.put_delivery_channel(
            DeliveryChannel={"name": "pf-demo-good-channel", "s3BucketName": f"pf-demo-good-config-{account_id}"}
        )
        config.start_configuration_recorder(ConfigurationRecorderName="pf-demo-good-recorder")
    else:
        # Records only two resource types and was never started.
        config.put_configuration_recorder(
            ConfigurationRecorder={
                "name": "pf-demo-bad-recorder",
                "roleARN": f"arn:aws:iam::{account_id}:role/pf-demo-config",
                "recordingGroup": {
                    "allSupported": False,
                    "includeGlobalResourceTypes": False,
                    "resourceTypes": ["AWS::S3::Bucket", "AWS::EC2::Instance"],
                    "recordingStrategy": {"useOnly": "INCLUSION_BY_RESOURCE_TYPES"},
                },
            }
        )


def _macie(session: boto3.session.Session, region: str, good: bool) -> None:
    session.client("macie2", region_name=region).enable_macie(status="ENABLED" if good else "PAUSED")


def _securityhub(session: boto3.session.Session, region: str, good: bool) -> None:
    if good:
        session.client("securityhub", region_name=region).enable_security_hub(EnableDefaultStandards=True)
