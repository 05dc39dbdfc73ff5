"""SageMaker checks: notebook instances, models, endpoint configurations and training jobs."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check


def _notebook(nb) -> str:
    return f"SageMaker notebook instance {nb.id}"


@check(
    id="sagemaker_notebook_instance_root_access_disabled",
    title="SageMaker notebook instance does not give users root access",
    severity="medium",
    resource_type="AwsSageMakerNotebookInstance",
    reads=["sagemaker.notebook_instances"],
    risk="Root access lets notebook users change the instance's software and configuration, remove controls and "
    "persist malicious changes.",
    remediation="Set RootAccess to Disabled on the notebook instance (stop it, then "
    "aws sagemaker update-notebook-instance --root-access Disabled).",
)
def sagemaker_notebook_instance_root_access_disabled(notebook_instances):
    for nb in notebook_instances:
        if nb.get("root_access") == "Disabled":
            yield PASS(nb, f"{_notebook(nb)} does not give users root access.")
        else:
            yield FAIL(nb, f"{_notebook(nb)} gives users root access.")


@check(
    id="sagemaker_notebook_instance_vpc_settings_configured",
    title="SageMaker notebook instance runs in a VPC",
    severity="high",
    resource_type="AwsSageMakerNotebookInstance",
    reads=["sagemaker.notebook_instances"],
    risk="A notebook outside your VPC is not covered by your security groups, network ACLs, flow logs or VPC "
    "endpoints.",
    remediation="Recreate the notebook instance with a SubnetId and security groups in your VPC.",
)
def sagemaker_notebook_instance_vpc_settings_configured(notebook_instances):
    for nb in notebook_instances:
        if nb.get("subnet_id"):
            yield PASS(nb, f"{_notebook(nb)} runs in subnet {nb['subnet_id']}.")
        else:
            yield FAIL(nb, f"{_notebook(nb)} is not attached to a VPC subnet.")


@check(
    id="sagemaker_notebook_instance_without_direct_internet_access_configured",
    title="SageMaker notebook instance has direct internet access disabled",
    severity="high",
    resource_type="AwsSageMakerNotebookInstance",
    reads=["sagemaker.notebook_instances"],
    risk="With direct internet access the notebook can download malicious code and send data out without passing "
    "through your network controls.",
    remediation="Recreate the notebook instance in a VPC with DirectInternetAccess set to Disabled, reaching the "
    "internet (if at all) through a NAT gateway you control.",
)
def sagemaker_notebook_instance_without_direct_internet_access_configured(notebook_instances):
    for nb in notebook_instances:
        if nb.get("direct_internet_access") == "Disabled":
            yield PASS(nb, f"{_notebook(nb)} has direct internet access disabled.")
        else:
            yield FAIL(nb, f"{_notebook(nb)} has direct internet access enabled.")


@check(
    id="sagemaker_notebook_instance_encryption_enabled",
    title="SageMaker notebook instance storage is encrypted with a KMS key",
    severity="high",
    resource_type="AwsSageMakerNotebookInstance",
    reads=["sagemaker.notebook_instances"],
    risk="Without a KMS key you choose, the notebook's storage volume is not under your key policy, so you cannot "
    "control or audit who decrypts it.",
    remediation="Recreate the notebook instance with a KmsKeyId (customer managed key) for its storage volume.",
)
def sagemaker_notebook_instance_encryption_enabled(notebook_instances):
    for nb in notebook_instances:
        if nb.get("kms_key_id"):
            yield PASS(nb, f"{_notebook(nb)} encrypts its storage with KMS key {nb['kms_key_id']}.")
        else:
            yield FAIL(nb, f"{_notebook(nb)} does not encrypt its storage with a KMS key of yours.")


@check(
    id="sagemaker_models_network_isolation_enabled",
    title="SageMaker model has network isolation enabled",
    severity="high",
    resource_type="Other",
    reads=["sagemaker.models"],
    risk="Without network isolation the model's inference container can make outbound calls, so compromised or "
    "untrusted model code can exfiltrate data.",
    remediation="Recreate the model with EnableNetworkIsolation set to true.",
)
def sagemaker_models_network_isolation_enabled(models):
    for model in models:
        if model.get("network_isolation"):
            yield PASS(model, f"SageMaker model {model.id} has network isolation enabled.")
        else:
            yield FAIL(model, f"SageMaker model {model.id} does not have network isolation enabled.")


@check(
    id="sagemaker_endpoint_config_prod_variant_instances",
    title="SageMaker endpoint configuration starts every instance-based production variant with two or more "
    "instances",
    severity="medium",
    resource_type="Other",
    reads=["sagemaker.endpoint_configs"],
    risk="A production variant on a single instance has no redundancy: one instance or Availability Zone failure "
    "takes the endpoint down.",
    remediation="Create an endpoint configuration with InitialInstanceCount of 2 or more for each production "
    "variant and update the endpoint to use it.",
)
def sagemaker_endpoint_config_prod_variant_instances(endpoint_configs):
    for config in endpoint_configs:
        variants = [v for v in config.get("production_variants") or [] if not v.get("serverless")]
        if not variants and config.readable("production_variants"):
            continue  # serverless variants have no instances to count (unread ones give no verdict)
        single = [str(v.get("name")) for v in variants if int(v.get("initial_instance_count") or 0) < 2]
        if single:
            yield FAIL(
                config,
                f"SageMaker endpoint configuration {config.id} starts production variant(s) {', '.join(single)} "
                "with fewer than two instances.",
            )
        else:
            yield PASS(
                config,
                f"SageMaker endpoint configuration {config.id} starts every production variant with two or more "
                "instances.",
            )


def _job(job) -> str:
    return f"SageMaker training job {job.id}"


@check(
    id="sagemaker_training_jobs_network_isolation_enabled",
    title="SageMaker training job has network isolation enabled",
    severity="high",
    resource_type="Other",
    reads=["sagemaker.training_jobs"],
    risk="Without network isolation the training container can make outbound calls and leak training data or "
    "credentials.",
    remediation="Run training jobs with EnableNetworkIsolation set to true.",
)
def sagemaker_training_jobs_network_isolation_enabled(training_jobs):
    for job in training_jobs:
        if job.get("network_isolation"):
            yield PASS(job, f"{_job(job)} has network isolation enabled.")
        else:
            yield FAIL(job, f"{_job(job)} does not have network isolation enabled.")


@check(
    id="sagemaker_training_jobs_volume_and_output_encryption_enabled",
    title="SageMaker training job volume is encrypted with a KMS key",
    severity="high",
    resource_type="Other",
    reads=["sagemaker.training_jobs"],
    risk="Training data and model artifacts on the job's storage volume are not protected by a key you control "
    "and audit.",
    remediation="Run training jobs with ResourceConfig.VolumeKmsKeyId (and OutputDataConfig.KmsKeyId for the "
    "output) set to a customer managed KMS key.",
)
def sagemaker_training_jobs_volume_and_output_encryption_enabled(training_jobs):
    for job in training_jobs:
        output = "its output too" if job.get("output_kms_key_id") else "not its output"
        if job.get("volume_kms_key_id"):
            yield PASS(job, f"{_job(job)} encrypts its storage volume with a KMS key ({output}).")
        else:
            yield FAIL(job, f"{_job(job)} does not encrypt its storage volume with a KMS key.")


@check(
    id="sagemaker_training_jobs_vpc_settings_configured",
    title="SageMaker training job runs in a VPC",
    severity="high",
    resource_type="Other",
    reads=["sagemaker.training_jobs"],
    risk="A training job outside your VPC is not covered by your security groups, network ACLs, flow logs or VPC "
    "endpoints.",
    remediation="Run training jobs with a VpcConfig (subnets and security groups in your VPC).",
)
def sagemaker_training_jobs_vpc_settings_configured(training_jobs):
    for job in training_jobs:
        subnets = job.get("subnet_ids") or []
        if subnets:
            yield PASS(job, f"{_job(job)} runs in VPC subnet(s) {', '.join(subnets)}.")
        else:
            yield FAIL(job, f"{_job(job)} does not run in a VPC.")
