"""Data Pipeline checks."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check
from postureflow.secrets import describe_hits


@check(
    id="datapipeline_pipeline_no_secrets_in_definition",
    title="Data Pipeline definition holds no secrets",
    severity="high",
    resource_type="AwsDataPipelinePipeline",
    reads=["datapipeline.pipelines"],
    risk="Passwords and keys written into a pipeline definition are readable by everyone who can read the definition.",
    remediation="Reference secrets (for example a database password as *password from a parameter fetched at run "
    "time) instead of writing them into the definition, and rotate the exposed values.",
)
def datapipeline_pipeline_no_secrets_in_definition(pipelines):
    for pipeline in pipelines:
        hits = pipeline.get("secrets") or []
        if hits:
            yield FAIL(pipeline, f"Data Pipeline {pipeline.id} definition has secret-looking values at {describe_hits(hits)}.")
        else:
            yield PASS(pipeline, f"Data Pipeline {pipeline.id} definition has no secret-looking values.")
