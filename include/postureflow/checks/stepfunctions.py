"""Step Functions checks: logging, customer-managed encryption, secrets in definitions."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check
from postureflow.secrets import describe_hits


@check(
    id="stepfunctions_statemachine_logging_enabled",
    title="Step Functions state machine sends its execution history to CloudWatch Logs",
    severity="medium",
    resource_type="AwsStepFunctionStateMachine",
    reads=["stepfunctions.state_machines"],
    risk="Without logging, failed or abused executions leave no record to investigate once their history expires.",
    remediation="Set a logging configuration with level ALL, ERROR or FATAL and a CloudWatch Logs destination "
    "(stepfunctions update-state-machine --logging-configuration ...).",
)
def stepfunctions_statemachine_logging_enabled(machines):
    for machine in machines:
        level = machine.get("logging_level")
        if level and level != "OFF":
            yield PASS(machine, f"Step Functions state machine {machine.id} logs executions at level {level}.")
        else:
            yield FAIL(machine, f"Step Functions state machine {machine.id} does not log its executions.")


@check(
    id="stepfunctions_statemachine_encrypted_with_cmk",
    title="Step Functions state machine is encrypted with a customer-managed KMS key",
    severity="medium",
    resource_type="AwsStepFunctionStateMachine",
    reads=["stepfunctions.state_machines"],
    risk="With the AWS-owned key you cannot control, audit or revoke access to the definitions and execution "
    "data the service stores.",
    remediation="Set an encryption configuration of type CUSTOMER_MANAGED_KMS_KEY with a key you manage.",
)
def stepfunctions_statemachine_encrypted_with_cmk(machines):
    for machine in machines:
        if machine.get("encryption_type") == "CUSTOMER_MANAGED_KMS_KEY":
            yield PASS(machine, f"Step Functions state machine {machine.id} is encrypted with key {machine.get('kms_key_id')}.")
        else:
            yield FAIL(machine, f"Step Functions state machine {machine.id} is not encrypted with a customer-managed key.")


@check(
    id="stepfunctions_statemachine_no_secrets_in_definition",
    title="Step Functions state machine definition holds no secrets",
    severity="critical",
    resource_type="AwsStepFunctionStateMachine",
    reads=["stepfunctions.state_machines"],
    risk="A credential written into a definition is readable by everyone who can describe the state machine and "
    "travels into every execution's input and history.",
    remediation="Move the secret to Secrets Manager or Parameter Store, read it at run time (a task or dynamic "
    "reference), and rotate the exposed value.",
)
def stepfunctions_statemachine_no_secrets_in_definition(machines):
    for machine in machines:
        hits = machine.get("definition_secrets") or []
        if hits:
            yield FAIL(machine, f"Step Functions state machine {machine.id} definition has secret-looking values at "
                                f"{describe_hits(hits)}.")  # fmt: skip
        else:
            yield PASS(machine, f"Step Functions state machine {machine.id} definition has no secret-looking values.")
