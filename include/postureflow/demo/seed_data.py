"""Demo seed for data and messaging: Kinesis, Firehose, SQS, ElastiCache, Redshift, OpenSearch,
Glue, Athena, Backup, DMS, EMR, SageMaker, MemoryDB, SSM, Amazon MQ, Neptune and MSK
(moto only).

Per region, one misconfigured ``pf-demo-bad-...`` resource and a well-configured
``pf-demo-good-...`` twin for each service. EMR's block public access and the existence of a
Backup plan are settings of a region, so (as seed_misc does for Config) the first region is
configured well and the others badly.
"""

from __future__ import annotations

import json

import boto3

SERVICES = (
    "kinesis", "firehose", "sqs", "elasticache", "redshift", "opensearch", "glue", "athena", "backup", "dms",
    "emr", "sagemaker", "memorydb", "ssm", "mq", "neptune", "kafka",
)  # fmt: skip

PASSWORD = "pf-demo-not-a-secret-1"  # moto only
PAIRS = (("bad", False), ("good", True))


def seed(session: boto3.session.Session, account_id: str, regions: list[str]) -> None:
    for index, region in enumerate(regions):
        role = f"arn:aws:iam::{account_id}:role/pf-demo-good-service-role"
        key = f"arn:aws:kms:{region}:{account_id}:alias/aws/s3"
        _kinesis(session, region)
        _firehose(session, account_id, region, role)
        _sqs(session, account_id, region)
        _elasticache(session, region)
        _redshift(session, region)
        _opensearch(session, region)
        _glue(session, region, role, key)
        _athena(session, region)
        _backup(session, account_id, region, good_region=index == 0)
        _dms(session, region)
        _emr(session, region, good_region=index == 0)
        _sagemaker(session, account_id, region, role)
        _memorydb(session, region)
        _ssm(session, region)
        _mq(session, region)
        _neptune(session, region)
        _kafka(session, region)


def _kinesis(session: boto3.session.Session, region: str) -> None:
    kinesis = session.client("kinesis", region_name=region)
    for label, good in PAIRS:
        name = f"pf-demo-{label}-stream"
        kinesis.create_stream(StreamName=name, ShardCount=1)
        if good:
            kinesis.start_stream_encryption(StreamName=name, EncryptionType="KMS", KeyId="alias/aws/kinesis")
            kinesis.increase_stream_retention_period(StreamName=name, RetentionPeriodHours=168)


def _firehose(session: boto3.session.Session, account_id: str, region: str, role: str) -> None:
    firehose = session.client("firehose", region_name=region)
    for label, good in PAIRS:
        name = f"pf-demo-{label}-delivery-stream"
        bucket = f"arn:aws:s3:::pf-demo-{label}-firehose-{account_id}-{region}"
        firehose.create_delivery_stream(
            DeliveryStreamName=name,
            DeliveryStreamType="DirectPut",
            ExtendedS3DestinationConfiguration={"RoleARN": role, "BucketARN": bucket},
        )
        if good:  # moto ignores the encryption given at creation; it keeps this call's
            firehose.start_delivery_stream_encryption(
                DeliveryStreamName=name, DeliveryStreamEncryptionConfigurationInput={"KeyType": "AWS_OWNED_CMK"}
            )


def _sqs(session: boto3.session.Session, account_id: str, region: str) -> None:
    # The bad queue is unencrypted and anyone may send to it; the good one uses KMS and has no policy.
    sqs = session.client("sqs", region_name=region)
    arn = f"arn:aws:sqs:{region}:{account_id}:pf-demo-bad-queue"
    anyone = {"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": arn}
    public = {"Version": "2012-10-17", "Statement": [anyone]}
    sqs.create_queue(
        QueueName="pf-demo-bad-queue", Attributes={"SqsManagedSseEnabled": "false", "Policy": json.dumps(public)}
    )
    sqs.create_queue(QueueName="pf-demo-good-queue", Attributes={"KmsMasterKeyId": "alias/aws/sqs"})


def _elasticache(session: boto3.session.Session, region: str) -> None:
    elasticache = session.client("elasticache", region_name=region)
    for label, good in PAIRS:
        elasticache.create_replication_group(
            ReplicationGroupId=f"pf-demo-{label}-redis",
            ReplicationGroupDescription=f"pf-demo {label}",
            Engine="redis",
            CacheNodeType="cache.t3.micro",
            NumCacheClusters=2 if good else 1,
            AutomaticFailoverEnabled=good,
            MultiAZEnabled=good,
            AtRestEncryptionEnabled=good,
            TransitEncryptionEnabled=good,
            SnapshotRetentionLimit=7 if good else 0,
            AutoMinorVersionUpgrade=good,
        )


def _redshift(session: boto3.session.Session, region: str) -> None:
    redshift = session.client("redshift", region_name=region)
    for label, good in PAIRS:
        redshift.create_cluster(
            ClusterIdentifier=f"pf-demo-{label}-warehouse",
            NodeType="dc2.large",
            ClusterType="single-node",
            MasterUsername="pfdemoadmin" if good else "awsuser",
            MasterUserPassword="PfDemo-not-a-secret-1",
            DBName="pfdemo" if good else "dev",
            PubliclyAccessible=not good,
            Encrypted=good,
            EnhancedVpcRouting=good,
            AllowVersionUpgrade=good,
            AutomatedSnapshotRetentionPeriod=7 if good else 0,
        )


def _opensearch(session: boto3.session.Session, region: str) -> None:
    opensearch = session.client("opensearch", region_name=region)
    for label, good in PAIRS:
        opensearch.create_domain(
            DomainName=f"pf-demo-{label}-search",
            EngineVersion="OpenSearch_2.11",
            EncryptionAtRestOptions={"Enabled": good},
            NodeToNodeEncryptionOptions={"Enabled": good},
            DomainEndpointOptions={"EnforceHTTPS": good, "TLSSecurityPolicy": "Policy-Min-TLS-1-2-2019-07"},
        )


def _glue(session: boto3.session.Session, region: str, role: str, key: str) -> None:
    glue = session.client("glue", region_name=region)
    glue.create_security_configuration(
        Name="pf-demo-good-glue-security",
        EncryptionConfiguration={
            "S3Encryption": [{"S3EncryptionMode": "SSE-KMS", "KmsKeyArn": key}],
            "CloudWatchEncryption": {"CloudWatchEncryptionMode": "SSE-KMS", "KmsKeyArn": key},
            "JobBookmarksEncryption": {"JobBookmarksEncryptionMode": "CSE-KMS", "KmsKeyArn": key},
        },
    )
    for label, good in PAIRS:
        glue.create_job(
            Name=f"pf-demo-{label}-etl-job",
            Role=role,
            Command={"Name": "glueetl", "ScriptLocation": f"s3://pf-demo-{label}-glue/job.py"},
            DefaultArguments=(
                {"--enable-continuous-cloudwatch-log": "true"} if good else {"--db_password": PASSWORD}
            ),
            **({"SecurityConfiguration": "pf-demo-good-glue-security"} if good else {}),
        )


def _athena(session: boto3.session.Session, region: str) -> None:
    # Workgroups that never ran a query are judged only when unused services are scanned: each runs one.
    athena = session.client("athena", region_name=region)
    for label, good in PAIRS:
        name = f"pf-demo-{label}-workgroup"
        result = {"OutputLocation": f"s3://pf-demo-{label}-athena-results/"}
        if good:
            result["EncryptionConfiguration"] = {"EncryptionOption": "SSE_S3"}
        athena.create_work_group(
            Name=name,
            Configuration={
                "ResultConfiguration": result,
                "EnforceWorkGroupConfiguration": good,
                "PublishCloudWatchMetricsEnabled": good,
            },
        )
        athena.start_query_execution(QueryString="SELECT 1", WorkGroup=name)


def _backup(session: boto3.session.Session, account_id: str, region: str, good_region: bool) -> None:
    backup = session.client("backup", region_name=region)
    backup.create_backup_vault(BackupVaultName="pf-demo-bad-vault")
    backup.create_backup_vault(
        BackupVaultName="pf-demo-good-vault", EncryptionKeyArn=f"arn:aws:kms:{region}:{account_id}:alias/aws/backup"
    )
    if good_region:
        backup.create_backup_plan(
            BackupPlan={
                "BackupPlanName": "pf-demo-good-plan",
                "Rules": [{"RuleName": "daily", "TargetBackupVaultName": "pf-demo-good-vault"}],
            }
        )


def _dms(session: boto3.session.Session, region: str) -> None:
    dms = session.client("dms", region_name=region)
    for label, good in PAIRS:
        dms.create_replication_instance(
            ReplicationInstanceIdentifier=f"pf-demo-{label}-replication",
            ReplicationInstanceClass="dms.t3.micro",
            PubliclyAccessible=not good,
            MultiAZ=good,
            AutoMinorVersionUpgrade=good,
        )


def _emr(session: boto3.session.Session, region: str, good_region: bool) -> None:
    if good_region:
        session.client("emr", region_name=region).put_block_public_access_configuration(
            BlockPublicAccessConfiguration={
                "BlockPublicSecurityGroupRules": True,
                "PermittedPublicSecurityGroupRuleRanges": [{"MinRange": 22, "MaxRange": 22}],
            }
        )


def _sagemaker(session: boto3.session.Session, account_id: str, region: str, role: str) -> None:
    sagemaker = session.client("sagemaker", region_name=region)
    key = f"arn:aws:kms:{region}:{account_id}:alias/aws/sagemaker"
    for label, good in PAIRS:
        sagemaker.create_notebook_instance(
            NotebookInstanceName=f"pf-demo-{label}-notebook",
            InstanceType="ml.t3.medium",
            RoleArn=role,
            RootAccess="Disabled" if good else "Enabled",
            DirectInternetAccess="Enabled",
            **({"KmsKeyId": key} if good else {}),
        )


def _memorydb(session: boto3.session.Session, region: str) -> None:
    memorydb = session.client("memorydb", region_name=region)
    for label, good in PAIRS:
        memorydb.create_cluster(
            ClusterName=f"pf-demo-{label}-memorydb",
            NodeType="db.t4g.small",
            ACLName="open-access",
            TLSEnabled=good,
            AutoMinorVersionUpgrade=good,
        )


def _ssm(session: boto3.session.Session, region: str) -> None:
    # The bad document is shared with every AWS account.
    ssm = session.client("ssm", region_name=region)
    content = json.dumps(
        {"schemaVersion": "2.2", "description": "pf-demo",
         "mainSteps": [{"action": "aws:runShellScript", "name": "hello", "inputs": {"runCommand": ["echo pf-demo"]}}]}
    )  # fmt: skip
    for label, good in PAIRS:
        name = f"pf-demo-{label}-document"
        ssm.create_document(Name=name, Content=content, DocumentType="Command", DocumentFormat="JSON")
        if not good:
            ssm.modify_document_permission(Name=name, PermissionType="Share", AccountIdsToAdd=["All"])


def _mq(session: boto3.session.Session, region: str) -> None:
    mq = session.client("mq", region_name=region)
    for label, good in PAIRS:
        mq.create_broker(
            BrokerName=f"pf-demo-{label}-broker",
            EngineType="ACTIVEMQ",
            EngineVersion="5.18",
            HostInstanceType="mq.t3.micro",
            DeploymentMode="ACTIVE_STANDBY_MULTI_AZ" if good else "SINGLE_INSTANCE",
            PubliclyAccessible=not good,
            AutoMinorVersionUpgrade=good,
            Logs={"General": good, "Audit": good},
            Users=[{"Username": "pfdemo", "Password": PASSWORD}],
        )


def _neptune(session: boto3.session.Session, region: str) -> None:
    # Neptune clusters share the RDS API (the rds collector reads them for the neptune checks). DocumentDB
    # would too, but moto's CreateDBCluster refuses the docdb engine.
    rds = session.client("rds", region_name=region)
    for engine in ("neptune",):
        for label, good in PAIRS:
            rds.create_db_cluster(
                DBClusterIdentifier=f"pf-demo-{label}-{engine}",
                Engine=engine,
                MasterUsername="pfdemo",
                MasterUserPassword=PASSWORD,
                StorageEncrypted=good,
                DeletionProtection=good,
                BackupRetentionPeriod=7 if good else 1,
            )


def _kafka(session: boto3.session.Session, region: str) -> None:
    # CreateCluster, not CreateClusterV2: moto's V2 drops the encryption and monitoring settings.
    kafka = session.client("kafka", region_name=region)
    subnets = [f"subnet-pf-demo-{zone}" for zone in "ab"]
    for label, good in PAIRS:
        kafka.create_cluster(
            ClusterName=f"pf-demo-{label}-kafka",
            KafkaVersion="3.6.0",
            NumberOfBrokerNodes=2,
            BrokerNodeGroupInfo={"InstanceType": "kafka.m5.large", "ClientSubnets": subnets},
            EncryptionInfo={"EncryptionInTransit": {"ClientBroker": "TLS" if good else "PLAINTEXT", "InCluster": good}},
            EnhancedMonitoring="PER_BROKER" if good else "DEFAULT",
            ClientAuthentication=(
                {"Tls": {"Enabled": True}, "Unauthenticated": {"Enabled": False}}
                if good else {"Unauthenticated": {"Enabled": True}}
            ),
        )  # fmt: skip
