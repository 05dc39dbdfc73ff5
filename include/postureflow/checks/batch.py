"""AWS Batch checks."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check
from postureflow.secrets import describe_hits


@check(
    id="batch_job_definition_no_secrets",
    title="Batch job definition holds no secrets in its environment or command",
    severity="high",
    resource_type="AwsBatchJobDefinition",
    reads=["batch.job_definitions"],
    risk="Credentials in a job definition are readable by everyone who can describe job definitions and end up in "
    "every job's container configuration.",
    remediation="Pass secrets through the container's secrets (Secrets Manager or Parameter Store references) and "
    "register a new revision without them; rotate the exposed values.",
)
def batch_job_definition_no_secrets(definitions):
    for definition in definitions:
        hits = definition.get("secrets") or []
        if hits:
            yield FAIL(definition, f"Batch job definition {definition.id} has secret-looking values at {describe_hits(hits)}.")
        else:
            yield PASS(definition, f"Batch job definition {definition.id} has no secret-looking values.")
