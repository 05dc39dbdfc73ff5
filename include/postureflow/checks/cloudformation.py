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


@check(
    id="cloudformation_stack_cdktoolkit_bootstrap_version",
    title="CDK bootstrap stack (CDKToolkit) is at least the recommended bootstrap version",
    severity="high",
    resource_type="AwsCloudFormationStack",
    reads=["cloudformation.stacks"],
    config=["recommended_cdk_bootstrap_version"],
    risk="Old CDK bootstrap templates give the deployment roles broader trust than needed (before version 21 "
    "the file-publishing role could be assumed to overwrite assets of other accounts' deployments).",
    remediation="Re-bootstrap the environment with a current CDK (cdk bootstrap aws://ACCOUNT/REGION).",
)
def cloudformation_stack_cdktoolkit_bootstrap_version(stacks, config):
    recommended = int(config["recommended_cdk_bootstrap_version"])
    for stack in stacks:
        if stack.id != "CDKToolkit" or stack.lacks("bootstrap_version"):
            continue  # not the CDK bootstrap stack, or one without a BootstrapVersion output
        version = stack.get("bootstrap_version")
        if version is not None and version >= recommended:
            yield PASS(stack, f"CDKToolkit stack has bootstrap version {version} (recommended: {recommended}).")
        else:
            yield FAIL(stack, f"CDKToolkit stack has bootstrap version {version}, below the recommended {recommended}.")


@check(
    id="cloudformation_stacks_termination_protection_enabled",
    title="CloudFormation stack has termination protection",
    severity="medium",
    resource_type="AwsCloudFormationStack",
    reads=["cloudformation.stacks"],
    risk="Without termination protection one mistaken delete-stack call removes every resource of the stack.",
    remediation="Turn termination protection on (aws cloudformation update-termination-protection "
    "--enable-termination-protection --stack-name ...).",
)
def cloudformation_stacks_termination_protection_enabled(stacks):
    for stack in stacks:
        if stack.get("parent_id"):
            continue  # a nested stack follows its root stack's protection
        if stack.get("termination_protection"):
            yield PASS(stack, f"CloudFormation stack {stack.id} has termination protection.")
        else:
            yield FAIL(stack, f"CloudFormation stack {stack.id} has termination protection off.")
