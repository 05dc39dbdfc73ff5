"""SageMaker: notebook instances, models, endpoint configurations and training jobs.

Calls per region: ListNotebookInstances, ListModels, ListEndpointConfigs
and ListTrainingJobs, and one Describe call per resource listed (the listings
leave out the settings the checks read); a resource listed but not
described is recorded with every setting unread.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

from postureflow.collect.base import RegionScope, collector

GONE = ("ResourceNotFound", "ValidationException")


@collector("sagemaker")
def collect_sagemaker(scope: RegionScope) -> None:
    client = scope.client("sagemaker")
    for kind in KINDS:
        listing = scope.list(client, kind.list_operation, kind.list_key, kind=kind.kind)
        names = [item[kind.name_field] for item in listing.value or []]
        scope.each(names, lambda name, kind=kind: _describe(scope, client, kind, name))


def _describe(scope: RegionScope, client, kind: "Kind", name: str) -> None:
    answer = scope.fetch(client, kind.describe_operation, absent=GONE, **{kind.name_field: name})
    if answer.ok:
        scope.add(kind.kind, uid=answer.value[kind.arn_field], id=name, **kind.facts(answer.value))
    elif not answer.known:
        resource = kind.arn_resource.format(name=name.lower())
        scope.add_unreadable(kind.kind, answer, uid=scope.arn("sagemaker", resource), id=name)


def _notebook(nb: dict) -> dict:
    return dict(
        status=nb.get("NotebookInstanceStatus"),
        direct_internet_access=nb.get("DirectInternetAccess") or "Enabled",
        # AWS's default for RootAccess is Enabled; DescribeNotebookInstance may leave the field out.
        root_access=nb.get("RootAccess") or "Enabled",
        subnet_id=nb.get("SubnetId"),
        security_group_ids=nb.get("SecurityGroups") or [],
        kms_key_id=nb.get("KmsKeyId"),
        lifecycle_config=nb.get("NotebookInstanceLifecycleConfigName"),
    )


def _model(model: dict) -> dict:
    return dict(
        network_isolation=bool(model.get("EnableNetworkIsolation")),
        subnet_ids=(model.get("VpcConfig") or {}).get("Subnets") or [],
    )


def _endpoint_config(config: dict) -> dict:
    return dict(
        kms_key_id=config.get("KmsKeyId"),
        production_variants=[
            {
                "name": v.get("VariantName"),
                "initial_instance_count": v.get("InitialInstanceCount"),
                "serverless": bool(v.get("ServerlessConfig")),
            }
            for v in config.get("ProductionVariants") or []
        ],
    )


def _training_job(job: dict) -> dict:
    return dict(
        status=job.get("TrainingJobStatus"),
        network_isolation=bool(job.get("EnableNetworkIsolation")),
        inter_container_encryption=bool(job.get("EnableInterContainerTrafficEncryption")),
        subnet_ids=(job.get("VpcConfig") or {}).get("Subnets") or [],
        volume_kms_key_id=(job.get("ResourceConfig") or {}).get("VolumeKmsKeyId"),
        output_kms_key_id=(job.get("OutputDataConfig") or {}).get("KmsKeyId"),
    )


class Kind(NamedTuple):
    """One SageMaker resource type: how to list it, describe it, and which facts to keep."""

    kind: str
    list_operation: str
    list_key: str
    name_field: str  # in the listing, and the Describe call's parameter
    describe_operation: str
    arn_field: str
    arn_resource: str  # the ARN's resource part, for a resource that could not be described
    facts: Callable[[dict], dict]


KINDS = (
    Kind(
        "notebook_instances",
        "list_notebook_instances",
        "NotebookInstances",
        "NotebookInstanceName",
        "describe_notebook_instance",
        "NotebookInstanceArn",
        "notebook-instance/{name}",
        _notebook,
    ),
    Kind(
        "models",
        "list_models",
        "Models",
        "ModelName",
        "describe_model",
        "ModelArn",
        "model/{name}",
        _model,
    ),
    Kind(
        "endpoint_configs",
        "list_endpoint_configs",
        "EndpointConfigs",
        "EndpointConfigName",
        "describe_endpoint_config",
        "EndpointConfigArn",
        "endpoint-config/{name}",
        _endpoint_config,
    ),
    Kind(
        "training_jobs",
        "list_training_jobs",
        "TrainingJobSummaries",
        "TrainingJobName",
        "describe_training_job",
        "TrainingJobArn",
        "training-job/{name}",
        _training_job,
    ),
)
