"""Data Pipeline: pipelines, with where secret-looking values sit in their definition (never the values).

Calls per region: ListPipelines (paginated) and GetPipelineDefinition once per pipeline.
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector
from postureflow.secrets import scan_key_values


@collector("datapipeline")
def collect_datapipeline(scope: RegionScope) -> None:
    client = scope.client("datapipeline")
    pipelines = scope.list(client, "list_pipelines", "pipelineIdList", kind="pipelines")
    scope.each(pipelines.value or [], lambda pipeline: _collect_pipeline(scope, client, pipeline))


def _collect_pipeline(scope: RegionScope, client, pipeline: dict) -> None:
    pipeline_id = pipeline["id"]
    definition = scope.fetch(client, "get_pipeline_definition", absent=("PipelineDeletedException", "PipelineNotFoundException"),
                             pipelineId=pipeline_id)  # fmt: skip
    if definition.state == "absent":
        return  # deleted since the listing

    def fields(answer: dict) -> list[dict]:
        pairs = [(f"{obj.get('name') or obj.get('id')}.{field.get('key')}", field.get("stringValue"))
                 for obj in answer.get("pipelineObjects") or [] for field in obj.get("fields") or []
                 if field.get("stringValue")]  # fmt: skip
        pairs += [(f"parameter {value.get('id')}", value.get("stringValue")) for value in answer.get("parameterValues") or []]
        return scan_key_values(pairs)

    scope.add(
        "pipelines",
        uid=scope.arn("datapipeline", f"pipeline/{pipeline_id}"),
        id=pipeline.get("name") or pipeline_id,
        pipeline_id=pipeline_id,
        secrets=definition.map(fields),
    )
