from types import SimpleNamespace

import boto3
import pytest

from postureflow.aws import AwsAccess
from postureflow.lake import Lake
from postureflow.testing import scan_in_moto

ACCOUNT = "123456789012"
REGIONS = ["us-east-1", "eu-west-1"]
ROLE = f"arn:aws:iam::{ACCOUNT}:role/sagemaker-execution"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/12345678-1234-1234-1234-123456789012"
IMAGE = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/model:latest"
ISOLATED_MODEL = "model-isolated"


def _training_job(client, name, volume_key=None, **settings):
    resources = {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10}
    if volume_key:
        resources["VolumeKmsKeyId"] = volume_key
    client.create_training_job(
        TrainingJobName=name,
        AlgorithmSpecification={"TrainingImage": IMAGE, "TrainingInputMode": "File"},
        RoleArn=ROLE,
        OutputDataConfig={"S3OutputPath": "s3://training-output/out"},
        ResourceConfig=resources,
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
        **settings,
    )


def _build():
    sm = boto3.client("sagemaker", region_name="us-east-1")
    sm.create_notebook_instance(NotebookInstanceName="nb-open", InstanceType="ml.t3.medium", RoleArn=ROLE)
    sm.create_notebook_instance(
        NotebookInstanceName="nb-locked",
        InstanceType="ml.t3.medium",
        RoleArn=ROLE,
        SubnetId="subnet-0a1b2c3d",
        SecurityGroupIds=["sg-0a1b2c3d"],
        DirectInternetAccess="Disabled",
        RootAccess="Disabled",
        KmsKeyId=KEY,
    )
    for name in ("model-open", ISOLATED_MODEL):
        sm.create_model(ModelName=name, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMAGE})
    for name, count in (("ec-single", 1), ("ec-pair", 2)):
        variant = {"VariantName": "main", "ModelName": "model-open", "InstanceType": "ml.m5.large"}
        variant["InitialInstanceCount"] = count
        sm.create_endpoint_config(EndpointConfigName=name, ProductionVariants=[variant])
    serverless = {"VariantName": "main", "ModelName": "model-open"}
    serverless["ServerlessConfig"] = {"MemorySizeInMB": 2048, "MaxConcurrency": 5}
    sm.create_endpoint_config(EndpointConfigName="ec-serverless", ProductionVariants=[serverless])
    _training_job(sm, "tj-open")
    _training_job(
        sm,
        "tj-locked",
        EnableNetworkIsolation=True,
        VpcConfig={"SecurityGroupIds": ["sg-0a1b2c3d"], "Subnets": ["subnet-0a1b2c3d"]},
        volume_key=KEY,
    )
    eu = boto3.client("sagemaker", region_name="eu-west-1")
    eu.create_notebook_instance(NotebookInstanceName="nb-eu", InstanceType="ml.t3.medium", RoleArn=ROLE)


def _isolation_hook(access):
    """moto's CreateModel ignores EnableNetworkIsolation (DescribeModel always says false), so this hook amends
    moto's DescribeModel answer: model-isolated has network isolation on."""

    def isolate(parsed, **_):
        if parsed.get("ModelName") == ISOLATED_MODEL:
            parsed["EnableNetworkIsolation"] = True

    for region in REGIONS:
        access.client("sagemaker", region).meta.events.register("after-call.sagemaker.DescribeModel", isolate)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from moto import mock_aws

    with mock_aws():
        _build()
        access = AwsAccess.from_default_chain()
        _isolation_hook(access)
        lake = Lake(str(tmp_path_factory.mktemp("sagemaker-lake")))
        run = scan_in_moto(lake, ["sagemaker"], REGIONS, access=access)
    return SimpleNamespace(run=run, calls=access.call_log)


def test_collected_without_errors_or_repeats(world):
    assert world.run.errors == []
    assert world.calls.repeated() == []
    assert world.run.status("sagemaker_notebook_instance_root_access_disabled", "nb-eu") == "FAIL"


@pytest.mark.parametrize(
    "check, bad, good",
    [
        ("sagemaker_notebook_instance_root_access_disabled", "nb-open", "nb-locked"),
        ("sagemaker_notebook_instance_vpc_settings_configured", "nb-open", "nb-locked"),
        ("sagemaker_notebook_instance_without_direct_internet_access_configured", "nb-open", "nb-locked"),
        ("sagemaker_notebook_instance_encryption_enabled", "nb-open", "nb-locked"),
        ("sagemaker_models_network_isolation_enabled", "model-open", ISOLATED_MODEL),
        ("sagemaker_endpoint_config_prod_variant_instances", "ec-single", "ec-pair"),
        ("sagemaker_training_jobs_network_isolation_enabled", "tj-open", "tj-locked"),
        ("sagemaker_training_jobs_volume_and_output_encryption_enabled", "tj-open", "tj-locked"),
        ("sagemaker_training_jobs_vpc_settings_configured", "tj-open", "tj-locked"),
    ],
)
def test_fails_bad_and_passes_good(world, check, bad, good):
    assert world.run.status(check, bad) == "FAIL"
    assert world.run.status(check, good) == "PASS"


def test_serverless_endpoint_config_not_judged(world):
    # Serverless variants have no instances to count.
    assert "ec-serverless" not in world.run.statuses("sagemaker_endpoint_config_prod_variant_instances")


@pytest.mark.parametrize(
    "check, denied, resource",
    [
        ("sagemaker_notebook_instance_root_access_disabled", "sagemaker:DescribeNotebookInstance", "nb-open"),
        ("sagemaker_notebook_instance_vpc_settings_configured", "sagemaker:DescribeNotebookInstance", "nb-open"),
        ("sagemaker_notebook_instance_without_direct_internet_access_configured",
         "sagemaker:DescribeNotebookInstance", "nb-open"),
        ("sagemaker_notebook_instance_encryption_enabled", "sagemaker:DescribeNotebookInstance", "nb-open"),
        ("sagemaker_models_network_isolation_enabled", "sagemaker:DescribeModel", "model-open"),
        ("sagemaker_endpoint_config_prod_variant_instances", "sagemaker:DescribeEndpointConfig", "ec-single"),
        ("sagemaker_training_jobs_network_isolation_enabled", "sagemaker:DescribeTrainingJob", "tj-open"),
        ("sagemaker_training_jobs_volume_and_output_encryption_enabled", "sagemaker:DescribeTrainingJob", "tj-open"),
        ("sagemaker_training_jobs_vpc_settings_configured", "sagemaker:DescribeTrainingJob", "tj-open"),
    ],
)
def test_undescribed_resource_gives_no_verdict(scan, check, denied, resource):
    from postureflow.testing import DeniedAccess

    _build()
    access = DeniedAccess(denied)
    run = scan("sagemaker", regions=["us-east-1"], access=access)
    assert run.status(check, resource) == "MANUAL"
    assert access.hits
