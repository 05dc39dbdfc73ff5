"""Demo seed for compute: Lambda, ECS, ECR, EKS, Auto Scaling, Classic and v2 load balancers,
Batch, CloudFormation and Step Functions (moto only).

Per region, one misconfigured ``pf-demo-bad-...`` resource and a well-configured
``pf-demo-good-...`` twin for each service. Load balancers and the Auto Scaling groups sit in the
region's default VPC (moto creates one in every region), so the EC2/VPC findings keep to
seed_ec2's resources. Auto Scaling groups run no instance (capacity 0) for the same reason.
"""

from __future__ import annotations

import io
import json
import zipfile

import boto3
from botocore.exceptions import ClientError

SERVICES = (
    "awslambda", "ecs", "ecr", "eks", "autoscaling", "elb", "elbv2", "batch", "cloudformation", "stepfunctions",
)  # fmt: skip

ROLE = "pf-demo-good-service-role"
# A key whose name says "password" with a value: what the secret detector flags (moto only, not a secret).
SECRET_ENV = {"DB_PASSWORD": "pf-demo-not-a-secret"}
PUBLIC_ENV = {"LOG_LEVEL": "info"}


def seed(session: boto3.session.Session, account_id: str, regions: list[str]) -> None:
    if not regions:
        return
    role_arn = _service_role(session, regions[0])
    code = _lambda_zip()
    for region in regions:
        subnets = _default_subnets(session, region)
        _awslambda(session, region, role_arn, code)
        _ecs(session, region)
        _ecr(session, region)
        _eks(session, region, role_arn, subnets)
        _autoscaling(session, region, subnets)
        _elb(session, region, subnets)
        _elbv2(session, region, subnets)
        _batch(session, region)
        _cloudformation(session, region)
        _stepfunctions(session, account_id, region, role_arn)


def _service_role(session: boto3.session.Session, region: str) -> str:
    """One role the demo's services run as (IAM is global: made once)."""
    iam = session.client("iam", region_name=region)
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": ["lambda.amazonaws.com", "eks.amazonaws.com", "states.amazonaws.com"]},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    try:
        return iam.create_role(RoleName=ROLE, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    except ClientError as err:
        if err.response["Error"]["Code"] != "EntityAlreadyExists":
            raise
        return iam.get_role(RoleName=ROLE)["Role"]["Arn"]


def _lambda_zip() -> bytes:
    """A fixed, tiny code package (fixed timestamp: the same bytes every run)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo("index.py", date_time=(2026, 1, 1, 0, 0, 0))
        archive.writestr(info, "def handler(event, context):\n    return 'pf-demo'\n")
    return buffer.getvalue()


def _default_subnets(session: boto3.session.Session, region: str) -> list[str]:
    """Two subnets of the region's default VPC, in different Availability Zones."""
    ec2 = session.client("ec2", region_name=region)
    subnets = ec2.describe_subnets(Filters=[{"Name": "default-for-az", "Values": ["true"]}])["Subnets"]
    by_zone = {s["AvailabilityZone"]: s["SubnetId"] for s in sorted(subnets, key=lambda s: s["AvailabilityZone"])}
    return list(by_zone.values())[:2]


def _awslambda(session: boto3.session.Session, region: str, role_arn: str, code: bytes) -> None:
    # The bad function runs a deprecated runtime and anyone may invoke it; the good one neither.
    lam = session.client("lambda", region_name=region)
    for name, good in (("pf-demo-bad-function", False), ("pf-demo-good-function", True)):
        lam.create_function(
            FunctionName=name,
            Runtime="python3.12" if good else "python3.7",
            Role=role_arn,
            Handler="index.handler",
            Code={"ZipFile": code},
            Environment={"Variables": PUBLIC_ENV if good else SECRET_ENV},
        )
        if not good:
            lam.add_permission(
                FunctionName=name, StatementId="pf-demo-public", Action="lambda:InvokeFunction", Principal="*"
            )


def _ecs(session: boto3.session.Session, region: str) -> None:
    ecs = session.client("ecs", region_name=region)
    for name, good in (("pf-demo-bad-cluster", False), ("pf-demo-good-cluster", True)):
        ecs.create_cluster(
            clusterName=name, settings=[{"name": "containerInsights", "value": "enabled" if good else "disabled"}]
        )
        container = {
            "name": "app",
            "image": "public.ecr.aws/docker/library/busybox:latest",
            "memory": 128,
            "essential": True,
            "privileged": not good,
            "readonlyRootFilesystem": good,
            "environment": [{"name": k, "value": v} for k, v in (PUBLIC_ENV if good else SECRET_ENV).items()],
        }
        if good:
            container["logConfiguration"] = {
                "logDriver": "awslogs",
                "options": {"awslogs-group": "pf-demo-good-ecs", "awslogs-region": region, "mode": "non-blocking"},
            }
        ecs.register_task_definition(
            family=name.replace("cluster", "task"),
            networkMode="awsvpc" if good else "host",
            containerDefinitions=[container],
        )


def _ecr(session: boto3.session.Session, region: str) -> None:
    ecr = session.client("ecr", region_name=region)
    for name, good in (("pf-demo-bad-repository", False), ("pf-demo-good-repository", True)):
        ecr.create_repository(
            repositoryName=name,
            imageTagMutability="IMMUTABLE" if good else "MUTABLE",
            imageScanningConfiguration={"scanOnPush": good},
        )
        if good:
            selection = {"tagStatus": "untagged", "countType": "imageCountMoreThan", "countNumber": 10}
            rule = {"rulePriority": 1, "selection": selection, "action": {"type": "expire"}}
            ecr.put_lifecycle_policy(repositoryName=name, lifecyclePolicyText=json.dumps({"rules": [rule]}))


def _eks(session: boto3.session.Session, region: str, role_arn: str, subnets: list[str]) -> None:
    eks = session.client("eks", region_name=region)
    log_types = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
    for name, good in (("pf-demo-bad-eks", False), ("pf-demo-good-eks", True)):
        network = {"subnetIds": subnets, "endpointPublicAccess": not good, "endpointPrivateAccess": good}
        if not good:  # AWS's default for a public endpoint; moto leaves the list empty unless told
            network["publicAccessCidrs"] = ["0.0.0.0/0"]
        eks.create_cluster(
            name=name,
            roleArn=role_arn,
            resourcesVpcConfig=network,
            logging={"clusterLogging": [{"types": log_types, "enabled": good}]},
        )


def _autoscaling(session: boto3.session.Session, region: str, subnets: list[str]) -> None:
    # The bad group uses a launch configuration in one zone; the good one a launch template in two.
    ec2 = session.client("ec2", region_name=region)
    autoscaling = session.client("autoscaling", region_name=region)
    image = "ami-12c6146b"  # one of moto's built-in AMIs, in every region
    autoscaling.create_launch_configuration(
        LaunchConfigurationName="pf-demo-bad-launch-configuration",
        ImageId=image,
        InstanceType="t3.micro",
        AssociatePublicIpAddress=True,
        MetadataOptions={"HttpTokens": "optional", "HttpEndpoint": "enabled"},
    )
    ec2.create_launch_template(
        LaunchTemplateName="pf-demo-good-launch-template",
        LaunchTemplateData={
            "ImageId": image, "InstanceType": "t3.micro", "MetadataOptions": {"HttpTokens": "required"}
        },  # fmt: skip
    )
    common = dict(MinSize=0, MaxSize=1, DesiredCapacity=0)
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="pf-demo-bad-asg",
        LaunchConfigurationName="pf-demo-bad-launch-configuration",
        VPCZoneIdentifier=subnets[0],
        **common,
    )
    autoscaling.create_auto_scaling_group(
        AutoScalingGroupName="pf-demo-good-asg",
        LaunchTemplate={"LaunchTemplateName": "pf-demo-good-launch-template", "Version": "$Latest"},
        VPCZoneIdentifier=",".join(subnets),
        CapacityRebalance=True,
        HealthCheckType="ELB",
        **common,
    )


def _elb(session: boto3.session.Session, region: str, subnets: list[str]) -> None:
    # The bad Classic Load Balancer faces the internet without access logs; the good one is internal and logs.
    elb = session.client("elb", region_name=region)
    listener = [{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstanceProtocol": "HTTP", "InstancePort": 80}]
    for name, good in (("pf-demo-bad-clb", False), ("pf-demo-good-clb", True)):
        elb.create_load_balancer(
            LoadBalancerName=name,
            Listeners=listener,
            Subnets=subnets if good else subnets[:1],
            Scheme="internal" if good else "internet-facing",
        )
        if good:
            elb.modify_load_balancer_attributes(
                LoadBalancerName=name,
                LoadBalancerAttributes={
                    "AccessLog": {"Enabled": True, "S3BucketName": "pf-demo-good-elb-logs", "EmitInterval": 60},
                    "CrossZoneLoadBalancing": {"Enabled": True},
                    "ConnectionDraining": {"Enabled": True, "Timeout": 300},
                },
            )


def _elbv2(session: boto3.session.Session, region: str, subnets: list[str]) -> None:
    elbv2 = session.client("elbv2", region_name=region)
    for name, good in (("pf-demo-bad-alb", False), ("pf-demo-good-alb", True)):
        arn = elbv2.create_load_balancer(
            Name=name, Subnets=subnets, Scheme="internal" if good else "internet-facing", Type="application"
        )["LoadBalancers"][0]["LoadBalancerArn"]
        if good:
            elbv2.modify_load_balancer_attributes(
                LoadBalancerArn=arn,
                Attributes=[
                    {"Key": "deletion_protection.enabled", "Value": "true"},
                    {"Key": "routing.http.drop_invalid_header_fields.enabled", "Value": "true"},
                    {"Key": "access_logs.s3.enabled", "Value": "true"},
                    {"Key": "access_logs.s3.bucket", "Value": "pf-demo-good-alb-logs"},
                ],
            )


def _batch(session: boto3.session.Session, region: str) -> None:
    batch = session.client("batch", region_name=region)
    for name, env in (("pf-demo-bad-job-definition", SECRET_ENV), ("pf-demo-good-job-definition", PUBLIC_ENV)):
        batch.register_job_definition(
            jobDefinitionName=name,
            type="container",
            containerProperties={
                "image": "public.ecr.aws/docker/library/busybox:latest",
                "vcpus": 1,
                "memory": 128,
                "command": ["echo", "pf-demo"],
                "environment": [{"name": k, "value": v} for k, v in env.items()],
            },
        )


def _cloudformation(session: boto3.session.Session, region: str) -> None:
    cloudformation = session.client("cloudformation", region_name=region)
    # An SSM parameter: a resource moto's CloudFormation supports that no checked service reads.
    properties = {"Name": {"Ref": "AWS::StackName"}, "Type": "String", "Value": "pf-demo"}
    parameter = {"Type": "AWS::SSM::Parameter", "Properties": properties}
    template = json.dumps({"Resources": {"Parameter": parameter}})
    for name, good in (("pf-demo-bad-stack", False), ("pf-demo-good-stack", True)):
        cloudformation.create_stack(StackName=name, TemplateBody=template, EnableTerminationProtection=good)


def _stepfunctions(session: boto3.session.Session, account_id: str, region: str, role_arn: str) -> None:
    sfn = session.client("stepfunctions", region_name=region)
    definition = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}})
    log_group = f"arn:aws:logs:{region}:{account_id}:log-group:pf-demo-good-states:*"
    for name, good in (("pf-demo-bad-state-machine", False), ("pf-demo-good-state-machine", True)):
        logging = (
            {"level": "ALL", "includeExecutionData": False,
             "destinations": [{"cloudWatchLogsLogGroup": {"logGroupArn": log_group}}]}
            if good else {"level": "OFF"}
        )  # fmt: skip
        sfn.create_state_machine(name=name, definition=definition, roleArn=role_arn, loggingConfiguration=logging)
