"""AWS Batch: active job definitions, with where secret-looking values sit in their container
environment and command (never the values).

Calls per region: DescribeJobDefinitions (status ACTIVE, paginated; it describes every definition).
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector
from postureflow.secrets import scan_key_values, scan_text


@collector("batch")
def collect_batch(scope: RegionScope) -> None:
    definitions = scope.list(scope.client("batch"), "describe_job_definitions", "jobDefinitions",
                             kind="job_definitions", status="ACTIVE")  # fmt: skip
    for definition in definitions.value or []:
        container = definition.get("containerProperties") or {}
        environment = [(e.get("name", ""), e.get("value")) for e in container.get("environment") or []]
        command = [dict(hit, location=f"command {hit['location']}") for hit in scan_text("\n".join(container.get("command") or []))]
        scope.add(
            "job_definitions",
            uid=definition["jobDefinitionArn"],
            id=f"{definition['jobDefinitionName']}:{definition.get('revision')}",
            tags=definition.get("tags"),
            secrets=scan_key_values(environment) + command,
        )
