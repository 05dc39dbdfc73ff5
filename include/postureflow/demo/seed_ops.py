"""Demo seed for operations and security tooling: CloudWatch alarms, GuardDuty, Inspector,
Network Firewall, DataSync, Directory Service, WorkSpaces, FSx, CodeBuild, EventBridge,
Private CA and Data Pipeline (moto only).

Per region, one misconfigured ``pf-demo-bad-...`` resource and a well-configured
``pf-demo-good-...`` twin for each service. GuardDuty and Inspector are switched on per region,
so (as seed_misc does for Config) the first region is configured well and the others badly.
Resources that need a network sit in the region's default VPC.
"""

from __future__ import annotations

import boto3

SERVICES = (
    "cloudwatch", "guardduty", "inspector2", "networkfirewall", "datasync", "directoryservice",
    "workspaces", "fsx", "codebuild", "eventbridge", "acmpca", "datapipeline",
)  # fmt: skip

PAIRS = (("bad", False), ("good", True))
PASSWORD = "PfDemo-not-a-secret-1"  # moto only


def seed(session: boto3.session.Session, account_id: str, regions: list[str]) -> None:
    for index, region in enumerate(regions):
        good_region = index == 0
        vpc, subnets = _default_network(session, region)
        _cloudwatch(session, account_id, region)
        _guardduty(session, region, good_region)
        _inspector2(session, account_id, region, good_region)
        _networkfirewall(session, account_id, region, vpc, subnets)
        _datasync(session, account_id, region)
        _directoryservice(session, region, vpc, subnets)
        _fsx(session, region, subnets)
        _codebuild(session, account_id, region)
        _eventbridge(session, account_id, region)
        _acmpca(session, region)
        _datapipeline(session, region)


def _default_network(session: boto3.session.Session, region: str) -> tuple[str, list[str]]:
    """The region's default VPC (moto creates one in every region) and two of its subnets in different zones."""
    ec2 = session.client("ec2", region_name=region)
    subnets = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
    subnets.sort(key=lambda s: s["AvailabilityZone"])
    return subnets[0]["VpcId"], [subnets[0]["SubnetId"], subnets[1]["SubnetId"]]


def _cloudwatch(session: boto3.session.Session, account_id: str, region: str) -> None:
    # The bad alarm's actions are switched off: it would never notify anyone.
    cloudwatch = session.client("cloudwatch", region_name=region)
    topic = f"arn:aws:sns:{region}:{account_id}:pf-demo-good-alerts"
    for label, good in PAIRS:
        cloudwatch.put_metric_alarm(
            AlarmName=f"pf-demo-{label}-alarm",
            Namespace="AWS/EC2",
            MetricName="CPUUtilization",
            Statistic="Average",
            Period=300,
            EvaluationPeriods=1,
            Threshold=90.0,
            ComparisonOperator="GreaterThanThreshold",
            ActionsEnabled=good,
            AlarmActions=[topic],
        )


def _guardduty(session: boto3.session.Session, region: str, good_region: bool) -> None:
    if good_region:
        session.client("guardduty", region_name=region).create_detector(
            Enable=True, DataSources={"S3Logs": {"Enable": True}}
        )


def _inspector2(session: boto3.session.Session, account_id: str, region: str, good_region: bool) -> None:
    # Switched off again in the bad regions: a region where it was never on has no status in moto.
    inspector = session.client("inspector2", region_name=region)
    inspector.enable(accountIds=[account_id], resourceTypes=["EC2", "ECR", "LAMBDA"])
    if not good_region:
        inspector.disable(accountIds=[account_id], resourceTypes=["EC2", "ECR", "LAMBDA"])


def _networkfirewall(
    session: boto3.session.Session, account_id: str, region: str, vpc: str, subnets: list[str]
) -> None:
    nfw = session.client("network-firewall", region_name=region)
    # moto has no CreateFirewallPolicy (nor DescribeFirewallPolicy: the policy checks give no verdict).
    policy = f"arn:aws:network-firewall:{region}:{account_id}:firewall-policy/pf-demo-good-firewall-policy"
    for label, good in PAIRS:
        name = f"pf-demo-{label}-firewall"
        nfw.create_firewall(
            FirewallName=name,
            FirewallPolicyArn=policy,
            VpcId=vpc,
            SubnetMappings=[{"SubnetId": s} for s in (subnets if good else subnets[:1])],
            DeleteProtection=good,
        )
        if good:
            group = f"arn:aws:logs:{region}:{account_id}:log-group:pf-demo-good-firewall"
            nfw.update_logging_configuration(
                FirewallName=name,
                LoggingConfiguration={"LogDestinationConfigs": [
                    {"LogType": "FLOW", "LogDestinationType": "CloudWatchLogs", "LogDestination": {"logGroup": group}}
                ]},
            )  # fmt: skip


def _datasync(session: boto3.session.Session, account_id: str, region: str) -> None:
    datasync = session.client("datasync", region_name=region)
    role = f"arn:aws:iam::{account_id}:role/pf-demo-good-service-role"
    for label, good in PAIRS:
        def location(side: str) -> str:
            return datasync.create_location_s3(
                S3BucketArn=f"arn:aws:s3:::pf-demo-{label}-datasync-{side}", S3Config={"BucketAccessRoleArn": role}
            )["LocationArn"]

        logs = {"CloudWatchLogGroupArn": f"arn:aws:logs:{region}:{account_id}:log-group:pf-demo-good-datasync"}
        datasync.create_task(
            Name=f"pf-demo-{label}-datasync-task",
            SourceLocationArn=location("source"),
            DestinationLocationArn=location("destination"),
            **(logs if good else {}),
        )


def _directoryservice(session: boto3.session.Session, region: str, vpc: str, subnets: list[str]) -> None:
    # Each directory also serves a WorkSpace: the bad one's volumes are unencrypted.
    ds = session.client("ds", region_name=region)
    workspaces = session.client("workspaces", region_name=region)
    for label, good in PAIRS:
        directory = ds.create_directory(
            Name=f"pf-demo-{label}.corp.example.com",
            Password=PASSWORD,
            Size="Small",
            VpcSettings={"VpcId": vpc, "SubnetIds": subnets},
        )["DirectoryId"]
        if good:
            ds.create_log_subscription(DirectoryId=directory, LogGroupName="/aws/directoryservice/pf-demo-good")
        workspaces.register_workspace_directory(DirectoryId=directory)
        workspaces.create_workspaces(
            Workspaces=[{
                "DirectoryId": directory, "UserName": f"pf-demo-{label}-user", "BundleId": "wsb-pfdemo0001",
                "RootVolumeEncryptionEnabled": good, "UserVolumeEncryptionEnabled": good,
                **({"VolumeEncryptionKey": "alias/aws/workspaces"} if good else {}),
            }]
        )  # fmt: skip


def _fsx(session: boto3.session.Session, region: str, subnets: list[str]) -> None:
    fsx = session.client("fsx", region_name=region)
    for label, good in PAIRS:
        fsx.create_file_system(
            FileSystemType="WINDOWS",
            StorageCapacity=32,
            SubnetIds=subnets if good else subnets[:1],
            WindowsConfiguration={
                "ThroughputCapacity": 8,
                "DeploymentType": "MULTI_AZ_1" if good else "SINGLE_AZ_2",
                "PreferredSubnetId": subnets[0],
                "CopyTagsToBackups": good,
            },
            Tags=[{"Key": "Name", "Value": f"pf-demo-{label}-fsx"}],
        )


def _codebuild(session: boto3.session.Session, account_id: str, region: str) -> None:
    # The bad project keeps a password in a plaintext variable and sends its logs nowhere.
    codebuild = session.client("codebuild", region_name=region)
    for label, good in PAIRS:
        variable = (
            {"name": "DB_PASSWORD", "value": f"arn:aws:secretsmanager:{region}:{account_id}:secret:pf-demo",
             "type": "SECRETS_MANAGER"}
            if good else {"name": "DB_PASSWORD", "value": PASSWORD, "type": "PLAINTEXT"}
        )  # fmt: skip
        codebuild.create_project(
            name=f"pf-demo-{label}-build",
            source={"type": "S3", "location": f"pf-demo-{label}-build-source/source.zip"},
            artifacts={"type": "NO_ARTIFACTS"},
            environment={
                "type": "LINUX_CONTAINER",
                "image": "aws/codebuild/standard:7.0",
                "computeType": "BUILD_GENERAL1_SMALL",
                "environmentVariables": [variable],
            },
            serviceRole=f"arn:aws:iam::{account_id}:role/pf-demo-good-service-role",
            logsConfig={
                "cloudWatchLogs": {"status": "ENABLED" if good else "DISABLED"},
                "s3Logs": {"status": "DISABLED"},
            },
        )


def _eventbridge(session: boto3.session.Session, account_id: str, region: str) -> None:
    # Any AWS account may put events on the bad bus; only this account on the good one.
    events = session.client("events", region_name=region)
    for label, good in PAIRS:
        name = f"pf-demo-{label}-bus"
        events.create_event_bus(Name=name)
        events.put_permission(
            EventBusName=name, Action="events:PutEvents", Principal=account_id if good else "*", StatementId="sender"
        )


def _acmpca(session: boto3.session.Session, region: str) -> None:
    # The good CA signs with a post-quantum (ML-DSA) key.
    pca = session.client("acm-pca", region_name=region)
    for label, good in PAIRS:
        pca.create_certificate_authority(
            CertificateAuthorityType="ROOT",
            CertificateAuthorityConfiguration={
                "KeyAlgorithm": "ML_DSA_65" if good else "RSA_2048",
                "SigningAlgorithm": "ML_DSA_65" if good else "SHA256WITHRSA",
                "Subject": {"CommonName": f"pf-demo-{label}-ca"},
            },
            Tags=[{"Key": "Name", "Value": f"pf-demo-{label}-ca"}],
        )


def _datapipeline(session: boto3.session.Session, region: str) -> None:
    # The bad pipeline's definition holds a database password.
    pipelines = session.client("datapipeline", region_name=region)
    for label, good in PAIRS:
        pipeline = pipelines.create_pipeline(name=f"pf-demo-{label}-pipeline", uniqueId=f"pf-demo-{label}-pipeline")
        fields = [{"key": "type", "stringValue": "RdsDatabase"}, {"key": "username", "stringValue": "pfdemo"}]
        if not good:
            fields.append({"key": "*password", "stringValue": PASSWORD})
        pipelines.put_pipeline_definition(
            pipelineId=pipeline["pipelineId"],
            pipelineObjects=[{"id": "Database", "name": "Database", "fields": fields}],
        )
