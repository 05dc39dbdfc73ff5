"""Step Functions: state machines with their logging, encryption and secret-looking definition lines.

Calls per region: ListStateMachines and DescribeStateMachine once per machine. The definition is
scanned here and only where secret-looking values sit (line and kind) is kept, never the definition.
"""

from __future__ import annotations

import json

from postureflow.collect.base import RegionScope, collector
from postureflow.secrets import scan_text


@collector("stepfunctions")
def collect_stepfunctions(scope: RegionScope) -> None:
    sfn = scope.client("stepfunctions")
    machines = scope.list(sfn, "list_state_machines", "stateMachines", kind="state_machines")
    scope.each(machines.value or [], lambda listed: _collect_machine(scope, sfn, listed))


def _collect_machine(scope: RegionScope, sfn, listed: dict) -> None:
    arn, name = listed["stateMachineArn"], listed["name"]
    answer = scope.fetch(sfn, "describe_state_machine", absent=("StateMachineDoesNotExist",), stateMachineArn=arn)
    if answer.state == "absent":
        return  # deleted since the listing
    if not answer.ok:
        scope.add_unreadable("state_machines", answer, uid=arn, id=name)
        return
    machine = answer.value
    logging = machine.get("loggingConfiguration") or {}
    encryption = machine.get("encryptionConfiguration") or {}
    scope.add(
        "state_machines",
        uid=arn,
        id=name,
        type=machine.get("type"),
        logging_level=logging.get("level") or "OFF",
        encryption_type=encryption.get("type") or "AWS_OWNED_KEY",
        kms_key_id=encryption.get("kmsKeyId"),
        definition_secrets=scan_text(_pretty(machine.get("definition") or "")),
    )


def _pretty(definition: str) -> str:
    """One value per line, so a hit's line number points into a readable definition."""
    try:
        return json.dumps(json.loads(definition), indent=2)
    except ValueError:
        return definition
