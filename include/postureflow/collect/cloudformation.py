"""CloudFormation: stacks.

Calls per region: DescribeStacks (paginated).

Stack outputs are scanned here for secret-looking values; only the output keys and
the kind of secret they look like are stored, never a value.
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector
from postureflow.secrets import scan_key_values


@collector("cloudformation")
def collect_cloudformation(scope: RegionScope) -> None:
    cfn = scope.client("cloudformation")
    for stack in scope.list(cfn, "describe_stacks", "Stacks", kind="stacks").value or []:
        if stack.get("StackStatus") == "DELETE_COMPLETE":
            continue
        outputs = [(o.get("OutputKey", ""), o.get("OutputValue")) for o in stack.get("Outputs") or []]
        scope.add(
            "stacks",
            uid=stack["StackId"],
            id=stack["StackName"],
            tags=stack.get("Tags"),
            status=stack.get("StackStatus"),
            termination_protection=bool(stack.get("EnableTerminationProtection")),
            parent_id=stack.get("ParentId"),
            output_keys=[key for key, _ in outputs],
            # the CDK bootstrap stack's template version (a number, not a secret)
            bootstrap_version=_bootstrap_version(stack) if stack["StackName"] == "CDKToolkit" else None,
            # Only the keys and kinds of secret-looking outputs; the values never leave this function.
            output_secrets=scan_key_values(outputs),
        )


def _bootstrap_version(stack: dict) -> int | None:
    for output in stack.get("Outputs") or []:
        if output.get("OutputKey") == "BootstrapVersion":
            try:
                return int(output.get("OutputValue"))
            except (TypeError, ValueError):
                return None
    return None
