"""SageMaker checks: notebook instances, models, endpoint configurations and training jobs."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check
from postureflow.secrets import describe_hits


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


# -- checks added for issue 12 --------------------------------------------------------------------------


@check(
    id="sagemaker_notebook_instance_no_secrets",
    title="SageMaker notebook instance's lifecycle scripts hold no secrets",
    severity="high",
    resource_type="AwsSageMakerNotebookInstance",
    reads=["sagemaker.notebook_instances"],
    risk="Lifecycle configuration scripts are readable by anyone who may describe them and run on every start: "
    "a key or password written in them is exposed well beyond the notebook.",
    remediation="Read the secret from AWS Secrets Manager in the script instead, update the lifecycle "
    "configuration and rotate the exposed secret.",
)
def sagemaker_notebook_instance_no_secrets(notebook_instances):
    for nb in notebook_instances:
        hits = nb.get("lifecycle_secrets") or []
        if hits:
            yield FAIL(nb, f"SageMaker notebook instance {nb.id} has secret-looking lines in its lifecycle "
                       f"scripts: {describe_hits(hits)}.")  # fmt: skip
        else:
            yield PASS(nb, f"SageMaker notebook instance {nb.id} has no secret-looking lines in its lifecycle scripts.")


@check(
    id="sagemaker_models_vpc_settings_configured",
    title="SageMaker model runs inside a VPC",
    severity="medium",
    resource_type="Other",
    reads=["sagemaker.models"],
    risk="A model without VPC settings runs its inference containers on AWS's network, out of reach of your "
    "security groups, endpoints policies and flow logs.",
    remediation="Create the model with a VpcConfig (subnets and security groups) and deploy it in place of the "
    "old one.",
)
def sagemaker_models_vpc_settings_configured(models):
    for model in models:
        if model.get("subnet_ids"):
            yield PASS(model, f"SageMaker model {model.id} runs in VPC subnets {', '.join(model['subnet_ids'])}.")
        else:
            yield FAIL(model, f"SageMaker model {model.id} has no VPC settings.")


@check(
    id="sagemaker_endpoint_config_kms_encryption_enabled",
    title="SageMaker endpoint configuration encrypts its storage with a KMS key",
    severity="medium",
    resource_type="Other",
    reads=["sagemaker.endpoint_configs"],
    risk="Without a KMS key of your own, the ML storage volumes of the endpoint's instances are not encrypted "
    "under a key whose use you control and audit.",
    remediation="Create an endpoint configuration with KmsKeyId set and update the endpoint to use it.",
)
def sagemaker_endpoint_config_kms_encryption_enabled(endpoint_configs):
    for config in endpoint_configs:
        if config.get("kms_key_id"):
            yield PASS(config, f"SageMaker endpoint configuration {config.id} encrypts with KMS key {config['kms_key_id']}.")
        else:
            yield FAIL(config, f"SageMaker endpoint configuration {config.id} has no KMS key.")


@check(
    id="sagemaker_training_jobs_intercontainer_encryption_enabled",
    title="SageMaker training job encrypts traffic between its containers",
    severity="medium",
    resource_type="Other",
    reads=["sagemaker.training_jobs"],
    risk="Distributed training exchanges model data between instances; without inter-container encryption it "
    "crosses the network in clear text.",
    remediation="Run training jobs with EnableInterContainerTrafficEncryption set to true.",
)
def sagemaker_training_jobs_intercontainer_encryption_enabled(training_jobs):
    for job in training_jobs:
        if job.get("inter_container_encryption"):
            yield PASS(job, f"{_job(job)} encrypts traffic between its containers.")
        else:
            yield FAIL(job, f"{_job(job)} does not encrypt traffic between its containers.")


@check(
    id="sagemaker_domain_sso_configured",
    title="SageMaker domain authenticates users through IAM Identity Center",
    severity="medium",
    resource_type="Other",
    reads=["sagemaker.domains"],
    risk="A domain on IAM authentication hands out access per IAM principal instead of through the central "
    "identity provider, its MFA and its joiner-leaver process.",
    remediation="Create the domain with AuthMode SSO associated with your IAM Identity Center instance "
    "(the authentication mode cannot be changed on an existing domain).",
)
def sagemaker_domain_sso_configured(domains):
    for domain in domains:
        label = f"SageMaker domain {domain.get('name') or domain.id}"
        mode = domain.get("auth_mode")
        if mode != "SSO":
            yield FAIL(domain, f"{label} authenticates with {mode or 'an unknown mode'}, not IAM Identity Center.")
        elif domain.get("identity_center_application"):
            yield PASS(domain, f"{label} authenticates users through IAM Identity Center.")
        else:
            yield FAIL(domain, f"{label} is set to SSO but is not associated with an IAM Identity Center instance.")


# Prowler judges these three in every region; a region without any SageMaker resource has no model to
# explain, monitor or register, so it is not judged here (no FAIL in every unused region).


@check(
    id="sagemaker_clarify_exists",
    title="SageMaker Clarify is used where SageMaker is",
    severity="low",
    resource_type="Other",
    reads=["sagemaker.regions"],
    risk="Without Clarify processing jobs, models are deployed without any measurement of bias or of what drives "
    "their predictions.",
    remediation="Run SageMaker Clarify processing jobs for bias and explainability on the models you train.",
)
def sagemaker_clarify_exists(regions):
    for region in regions:
        if region.get("in_use") is False:
            continue
        jobs = region.get("clarify_jobs") or []
        if jobs:
            yield PASS(region, f"SageMaker Clarify processing jobs exist in {region.region}: {', '.join(jobs[:5])}.")
        else:
            yield FAIL(region, f"No SageMaker Clarify processing job exists in {region.region}.")


@check(
    id="sagemaker_models_monitor_enabled",
    title="SageMaker Model Monitor has an active schedule where SageMaker is used",
    severity="low",
    resource_type="Other",
    reads=["sagemaker.regions"],
    risk="Without a monitoring schedule, drift in data or model quality in production goes unnoticed.",
    remediation="Create a Model Monitor monitoring schedule for the production endpoints.",
)
def sagemaker_models_monitor_enabled(regions):
    for region in regions:
        if region.get("in_use") is False:
            continue
        schedules = region.get("monitoring_schedules") or []
        active = [s["name"] for s in schedules if s.get("status") == "Scheduled"]
        if active:
            yield PASS(region, f"SageMaker monitoring schedule {active[0]} is active in {region.region}.")
        elif schedules:
            yield FAIL(region, f"No SageMaker monitoring schedule in {region.region} is in Scheduled status.")
        else:
            yield FAIL(region, f"No SageMaker monitoring schedule exists in {region.region}.")


@check(
    id="sagemaker_models_registry_in_use",
    title="SageMaker Model Registry holds an approved model package where SageMaker is used",
    severity="low",
    resource_type="Other",
    reads=["sagemaker.regions"],
    risk="Without the Model Registry, models reach production with no versioning, lineage or approval step.",
    remediation="Register models in Model Package Groups and approve the versions that may be deployed.",
)
def sagemaker_models_registry_in_use(regions):
    for region in regions:
        if region.get("in_use") is False:
            continue
        if region.get("approved_model_package"):
            yield PASS(region, f"SageMaker Model Registry in {region.region} has an approved model package.")
        elif region.get("model_package_groups"):
            yield FAIL(region, f"SageMaker Model Registry in {region.region} has model package groups but no "
                       "approved package.")  # fmt: skip
        else:
            yield FAIL(region, f"SageMaker Model Registry in {region.region} has no model package group.")
