"""CloudFormation checks: secrets in stack outputs."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check
from postureflow.secrets import describe_hits


@check(
    id="cloudformation_stack_outputs_find_secrets",
    title="CloudFormation stack outputs hold no secrets",
    severity="critical",
    resource_type="AwsCloudFormationStack",
    reads=["cloudformation.stacks"],
    risk="Stack outputs are shown in the console and to anyone allowed cloudformation:DescribeStacks, and "
    "exported outputs can be imported by any stack in the region.",
    remediation="Output a reference (a Secrets Manager ARN or parameter name) instead of the value, update the "
    "stack and rotate the exposed secret.",
)
def cloudformation_stack_outputs_find_secrets(stacks):
    for stack in stacks:
        hits = stack.get("output_secrets") or []
        if hits:
            yield FAIL(stack, f"CloudFormation stack {stack.id} has secret-looking outputs: {describe_hits(hits)}.")
        elif stack.get("output_keys"):
            yield PASS(stack, f"CloudFormation stack {stack.id} has no secret-looking outputs.")
        else:
            yield PASS(stack, f"CloudFormation stack {stack.id} has no outputs.")
