"""SageMaker: notebook instances, models, endpoint configurations, training jobs, domains, and per
region the Clarify jobs, monitoring schedules and model registry.

Calls per region: ListNotebookInstances, ListModels, ListEndpointConfigs,
ListTrainingJobs, ListDomains, ListProcessingJobs, ListMonitoringSchedules and
ListModelPackageGroups (all pages); one Describe call per resource listed (the
listings leave out the settings the checks read; a resource listed but not
described is recorded with every setting unread); DescribeNotebookInstance-
LifecycleConfig once per configuration in use (its scripts are scanned for
secrets, never kept); ListModelPackages (approved, one) per group until one
approved package is found.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

from postureflow.collect.base import Outcome, RegionScope, collector
from postureflow.secrets import decode_user_data, scan_text

GONE = ("ResourceNotFound", "ValidationException")
CLARIFY_IMAGE = "sagemaker-clarify-processing"


@collector("sagemaker")
def collect_sagemaker(scope: RegionScope) -> None:
    client = scope.client("sagemaker")
    in_use, usage_gap = False, None  # usage_gap: a listing that failed, so "not in use" is unknown
    for kind in KINDS:
        listing = scope.list(client, kind.list_operation, kind.list_key, kind=kind.kind)
        names = [item[kind.name_field] for item in listing.value or []]
        described = scope.each(names, lambda name, kind=kind: _describe(scope, client, kind, name))
        in_use = in_use or bool(names)
        usage_gap = usage_gap or (None if listing.known else listing)
        if kind.kind == "notebook_instances":
            _lifecycle_secrets(scope, client, [d for d in described if d])
    domains_used, domains_gap = _collect_domains(scope, client)
    _collect_region(scope, client, in_use or domains_used, usage_gap or domains_gap)


def _describe(scope: RegionScope, client, kind: "Kind", name: str) -> dict | None:
    answer = scope.fetch(client, kind.describe_operation, absent=GONE, **{kind.name_field: name})
    if answer.ok:
        if kind.kind != "notebook_instances":
            scope.add(kind.kind, uid=answer.value[kind.arn_field], id=name, **kind.facts(answer.value))
        return answer.value  # notebooks are recorded with their lifecycle scripts' secrets
    if not answer.known:
        resource = kind.arn_resource.format(name=name.lower())
        scope.add_unreadable(kind.kind, answer, uid=scope.arn("sagemaker", resource), id=name)
    return None


def _lifecycle_secrets(scope: RegionScope, client, notebooks: list[dict]) -> None:
    """Record the notebooks, with the secret-looking lines of their lifecycle configuration's scripts
    (read once per configuration; line numbers and types only, never the script)."""
    names = sorted({nb["NotebookInstanceLifecycleConfigName"] for nb in notebooks
                    if nb.get("NotebookInstanceLifecycleConfigName")})  # fmt: skip
    configs = scope.each(names, lambda name: scope.fetch(
        client, "describe_notebook_instance_lifecycle_config", absent=GONE, NotebookInstanceLifecycleConfigName=name,
    ).map(_script_secrets))  # fmt: skip
    secrets = dict(zip(names, configs))
    for nb in notebooks:
        config = nb.get("NotebookInstanceLifecycleConfigName")
        scope.add(
            "notebook_instances",
            uid=nb["NotebookInstanceArn"],
            id=nb["NotebookInstanceName"],
            **_notebook(nb),
            # [] without a lifecycle configuration; unread when it could not be read
            lifecycle_secrets=secrets[config] if config else [],
        )


def _script_secrets(config: dict) -> list[dict]:
    found = []
    for hook in ("OnCreate", "OnStart"):
        for index, script in enumerate(config.get(hook) or []):
            text = decode_user_data(script.get("Content"))
            found += [{**hit, "location": f"{hook}[{index}] {hit['location']}"} for hit in scan_text(text)]
    return found


def _collect_domains(scope: RegionScope, client) -> tuple[bool, Outcome | None]:
    """Record the domains; whether there are any (or they could not be listed)."""
    listing = scope.list(client, "list_domains", "Domains", kind="domains")
    domains = listing.value or []

    def one(listed: dict) -> None:
        answer = scope.fetch(client, "describe_domain", absent=GONE, DomainId=listed["DomainId"])
        if answer.state == "absent":
            return
        scope.add(
            "domains",
            uid=listed.get("DomainArn") or scope.arn("sagemaker", f"domain/{listed['DomainId']}"),
            id=listed["DomainId"],
            name=listed.get("DomainName"),
            auth_mode=answer.get("AuthMode"),
            identity_center_application=answer.map(
                lambda d: d.get("SingleSignOnApplicationArn") or d.get("SingleSignOnManagedApplicationInstanceId")
            ),
        )

    scope.each(domains, one)
    return bool(domains), (None if listing.known else listing)


def _collect_region(scope: RegionScope, client, in_use: bool, usage_gap: Outcome | None) -> None:
    """Per region: Clarify processing jobs, monitoring schedules and the model registry."""
    jobs = scope.list(client, "list_processing_jobs", "ProcessingJobSummaries")
    images = scope.each(
        jobs.value or [],
        lambda job: scope.fetch(client, "describe_processing_job", absent=GONE, ProcessingJobName=job["ProcessingJobName"]),
    )
    failed = next((i for i in images if not i.known), None)
    clarify = sorted(
        job["ProcessingJobName"] for job, image in zip(jobs.value or [], images)
        if CLARIFY_IMAGE in str((image.or_else({}) or {}).get("AppSpecification", {}).get("ImageUri", ""))
    )  # fmt: skip
    # a Clarify job found stands whatever else failed; otherwise an unread listing or job leaves it unknown
    clarify_jobs = clarify if clarify else (jobs if not jobs.known else failed or clarify)
    schedules = scope.list(client, "list_monitoring_schedules", "MonitoringScheduleSummaries")
    groups = scope.list(client, "list_model_package_groups", "ModelPackageGroupSummaryList")
    approved = _approved_package(scope, client, groups.value or [])
    scope.add(
        "regions",
        uid=scope.arn("sagemaker", "settings"),
        id=f"sagemaker-{scope.region}",
        # used for certain when anything was found; unknown (no verdict) when nothing was but a listing failed
        in_use=True if in_use or jobs.value else (usage_gap or jobs.map(bool)),
        clarify_jobs=clarify_jobs,
        monitoring_schedules=schedules.map(
            lambda found: [{"name": s.get("MonitoringScheduleName"), "status": s.get("MonitoringScheduleStatus")}
                           for s in found]  # fmt: skip
        ),
        model_package_groups=groups.map(len),
        approved_model_package=approved,
    )


def _approved_package(scope: RegionScope, client, groups: list[dict]):
    """Whether some model package group holds an approved package (stops at the first found)."""
    for group in groups:
        packages = scope.fetch(
            client, "list_model_packages", ModelPackageGroupName=group["ModelPackageGroupName"],
            ModelApprovalStatus="Approved", MaxResults=1,
        )  # fmt: skip
        if not packages.ok:
            return packages
        if packages.value.get("ModelPackageSummaryList"):
            return True
    return False


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
