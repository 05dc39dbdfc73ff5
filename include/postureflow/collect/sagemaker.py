"""SageMaker: notebook instances, models, endpoint configurations and training jobs.

Calls per region: paginated ListNotebookInstances, ListModels, ListEndpointConfigs
and ListTrainingJobs, and one Describe call per resource listed (the listings
leave out the settings the checks read).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Callable, NamedTuple

from postureflow.collect.base import RegionScope, collector

DESCRIBE_THREADS = 8
GONE = ("ResourceNotFound", "ValidationException")


@collector("sagemaker")
def collect_sagemaker(scope: RegionScope) -> None:
    client = scope.client("sagemaker")
    with ThreadPoolExecutor(max_workers=DESCRIBE_THREADS) as pool:
        for kind in KINDS:
            names = [item[kind.name_field] for item in scope.paginate(client, kind.list_operation, kind.list_key)]
            list(pool.map(lambda name, kind=kind: _describe(scope, client, kind, name), names))


def _describe(scope: RegionScope, client, kind: "Kind", name: str) -> None:
    answer = scope.call(client, kind.describe_operation, absent=GONE, **{kind.name_field: name})
    if answer:
        scope.add(kind.kind, uid=answer[kind.arn_field], id=name, **kind.facts(answer))


def _notebook(nb: dict) -> dict:
    return dict(
        status=nb.get("NotebookInstanceStatus"),
        direct_internet_access=nb.get("DirectInternetAccess") or "Enabled",
        # AWS's default for RootAccess is Enabled; DescribeNotebookInstance may leave the field out.
        root_access=nb.get("RootAccess") or "Enabled",
        subnet_id=nb.get("SubnetId"),
        security_group_ids=nb.get("SecurityGroups") or [],
        kms_key_id=nb.get("KmsKeyId"),
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
    facts: Callable[[dict], dict]


KINDS = (
    Kind(
        "notebook_instances",
        "list_notebook_instances",
        "NotebookInstances",
        "NotebookInstanceName",
        "describe_notebook_instance",
        "NotebookInstanceArn",
        _notebook,
    ),
    Kind(
        "models",
        "list_models",
        "Models",
        "ModelName",
        "describe_model",
        "ModelArn",
        _model,
    ),
    Kind(
        "endpoint_configs",
        "list_endpoint_configs",
        "EndpointConfigs",
        "EndpointConfigName",
        "describe_endpoint_config",
        "EndpointConfigArn",
        _endpoint_config,
    ),
    Kind(
        "training_jobs",
        "list_training_jobs",
        "TrainingJobSummaries",
        "TrainingJobName",
        "describe_training_job",
        "TrainingJobArn",
        _training_job,
    ),
)
