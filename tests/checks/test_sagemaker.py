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


LEAKY_SCRIPT = "#!/bin/bash\nexport AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
CLARIFY = "205585389593.dkr.ecr.us-east-1.amazonaws.com/sagemaker-clarify-processing:1.0"


def _script(text):
    import base64

    return [{"Content": base64.b64encode(text.encode()).decode()}]


def _build():
    sm = boto3.client("sagemaker", region_name="us-east-1")
    sm.create_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName="lc-leaky",
                                                 OnStart=_script(LEAKY_SCRIPT))  # fmt: skip
    sm.create_notebook_instance_lifecycle_config(NotebookInstanceLifecycleConfigName="lc-clean",
                                                 OnStart=_script("#!/bin/bash\npip install pandas\n"))  # fmt: skip
    sm.create_notebook_instance(NotebookInstanceName="nb-open", InstanceType="ml.t3.medium", RoleArn=ROLE,
                                LifecycleConfigName="lc-leaky")  # fmt: skip
    sm.create_notebook_instance(
        NotebookInstanceName="nb-locked",
        LifecycleConfigName="lc-clean",
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
    sm.create_model(ModelName="model-vpc", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": IMAGE},
                    VpcConfig={"SecurityGroupIds": ["sg-0a1b2c3d"], "Subnets": ["subnet-0a1b2c3d"]})  # fmt: skip
    sm.create_domain(DomainName="dom-iam", AuthMode="IAM", DefaultUserSettings={"ExecutionRole": ROLE},
                     SubnetIds=["subnet-0a1b2c3d"], VpcId="vpc-0a1b2c3d")  # fmt: skip
    sm.create_domain(DomainName="dom-sso", AuthMode="SSO", DefaultUserSettings={"ExecutionRole": ROLE},
                     SubnetIds=["subnet-0a1b2c3d"], VpcId="vpc-0a1b2c3d")  # fmt: skip
    sm.create_processing_job(
        ProcessingJobName="bias-report", RoleArn=ROLE, AppSpecification={"ImageUri": CLARIFY},
        ProcessingResources={"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 10}},
        StoppingCondition={"MaxRuntimeInSeconds": 3600},
    )  # fmt: skip
    sm.create_model_package_group(ModelPackageGroupName="churn")
    sm.create_model_package(ModelPackageGroupName="churn", ModelApprovalStatus="Approved",
                            InferenceSpecification={"Containers": [{"Image": IMAGE}],
                                                    "SupportedContentTypes": ["text/csv"],
                                                    "SupportedResponseMIMETypes": ["text/csv"]})  # fmt: skip
    for name, count in (("ec-single", 1), ("ec-pair", 2)):
        variant = {"VariantName": "main", "ModelName": "model-open", "InstanceType": "ml.m5.large"}
        variant["InitialInstanceCount"] = count
        sm.create_endpoint_config(EndpointConfigName=name, ProductionVariants=[variant],
                                  **({"KmsKeyId": KEY} if count > 1 else {}))  # fmt: skip
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
        EnableInterContainerTrafficEncryption=True,
    )
    eu = boto3.client("sagemaker", region_name="eu-west-1")
    eu.create_notebook_instance(NotebookInstanceName="nb-eu", InstanceType="ml.t3.medium", RoleArn=ROLE)


def _isolation_hook(access):
    """moto's CreateModel ignores EnableNetworkIsolation (DescribeModel always says false), so this hook amends
    moto's DescribeModel answer: model-isolated has network isolation on."""

    def isolate(parsed, **_):
        if parsed.get("ModelName") == ISOLATED_MODEL:
            parsed["EnableNetworkIsolation"] = True

    def identity_center(parsed, **_):
        if parsed.get("AuthMode") == "SSO":
            parsed["SingleSignOnApplicationArn"] = f"arn:aws:sso::{ACCOUNT}:application/ssoins-1/apl-1"

    for region in REGIONS:
        events = access.client("sagemaker", region).meta.events
        events.register("after-call.sagemaker.DescribeModel", isolate)
        events.register("after-call.sagemaker.DescribeDomain", identity_center)
        events.register("before-call.sagemaker.ListMonitoringSchedules", _monitoring_schedules(region))
    return access


def _monitoring_schedules(region):
    """moto does not implement ListMonitoringSchedules: us-east-1 has one active schedule, eu-west-1 none."""
    from botocore.awsrequest import AWSResponse

    found = [{"MonitoringScheduleName": "churn-drift", "MonitoringScheduleStatus": "Scheduled",
              "MonitoringScheduleArn": f"arn:aws:sagemaker:{region}:{ACCOUNT}:monitoring-schedule/churn-drift",
              "CreationTime": 0, "LastModifiedTime": 0}] if region == "us-east-1" else []  # fmt: skip

    def reply(**_):
        return AWSResponse("https://sagemaker", 200, {}, None), {"MonitoringScheduleSummaries": found}

    return reply


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
        ("sagemaker_notebook_instance_no_secrets", "nb-open", "nb-locked"),
        ("sagemaker_models_vpc_settings_configured", "model-open", "model-vpc"),
        ("sagemaker_endpoint_config_kms_encryption_enabled", "ec-single", "ec-pair"),
        ("sagemaker_training_jobs_intercontainer_encryption_enabled", "tj-open", "tj-locked"),
        ("sagemaker_clarify_exists", "sagemaker-eu-west-1", "sagemaker-us-east-1"),
        ("sagemaker_models_monitor_enabled", "sagemaker-eu-west-1", "sagemaker-us-east-1"),
        ("sagemaker_models_registry_in_use", "sagemaker-eu-west-1", "sagemaker-us-east-1"),
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


def test_domain_sso(world):
    statuses = {f["status_extended"].split()[2]: f["status"] for f in world.run.of("sagemaker_domain_sso_configured")}
    assert statuses == {"dom-iam": "FAIL", "dom-sso": "PASS"}


def test_no_secret_value_reaches_the_findings(world):
    assert "wJalrXUtnFEMI" not in str(world.run.findings)


@pytest.mark.parametrize(
    "check, denied, resource",
    [
        ("sagemaker_notebook_instance_no_secrets", "sagemaker:DescribeNotebookInstanceLifecycleConfig", "nb-open"),
        ("sagemaker_models_vpc_settings_configured", "sagemaker:DescribeModel", "model-vpc"),
        ("sagemaker_endpoint_config_kms_encryption_enabled", "sagemaker:DescribeEndpointConfig", "ec-pair"),
        ("sagemaker_training_jobs_intercontainer_encryption_enabled", "sagemaker:DescribeTrainingJob", "tj-locked"),
        ("sagemaker_clarify_exists", "sagemaker:DescribeProcessingJob", "sagemaker-us-east-1"),
        ("sagemaker_models_monitor_enabled", "sagemaker:ListMonitoringSchedules", "sagemaker-us-east-1"),
        ("sagemaker_models_registry_in_use", "sagemaker:ListModelPackages", "sagemaker-us-east-1"),
    ],
)
def test_new_checks_give_no_verdict_on_unread_data(scan, check, denied, resource):
    from postureflow.testing import DeniedAccess

    _build()
    access = _isolation_hook(DeniedAccess(denied))
    run = scan("sagemaker", regions=["us-east-1"], access=access)
    assert run.status(check, resource) == "MANUAL"
    assert access.hits


def test_domain_sso_no_verdict(scan):
    from postureflow.testing import DeniedAccess

    _build()
    access = _isolation_hook(DeniedAccess("sagemaker:DescribeDomain"))
    run = scan("sagemaker", regions=["us-east-1"], access=access)
    assert {f["status"] for f in run.of("sagemaker_domain_sso_configured")} == {"MANUAL"}
