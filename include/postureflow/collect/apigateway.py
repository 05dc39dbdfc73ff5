"""API Gateway (REST APIs): every API's stages with their logging, client certificate and WAF settings."""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector


def stage_arn(scope: RegionScope, kind: str, api_id: str, stage: str) -> str:
    """API Gateway ARNs carry no account: arn:aws:apigateway:<region>::/<kind>/<id>/stages/<name>."""
    return f"arn:{scope.partition}:apigateway:{scope.region}::/{kind}/{api_id}/stages/{stage}"


@collector("apigateway")
def collect_apigateway(scope: RegionScope) -> None:
    apigateway = scope.client("apigateway")
    for api in scope.paginate(apigateway, "get_rest_apis", "items"):
        api_id = api["id"]
        answer = scope.call(apigateway, "get_stages", absent=("NotFoundException",), restApiId=api_id)
        for stage in (answer or {}).get("item", []):
            name = stage["stageName"]
            scope.add(
                "stages",
                uid=stage_arn(scope, "restapis", api_id, name),
                id=f"{api.get('name') or api_id}/{name}",
                tags=stage.get("tags") or api.get("tags"),
                api_id=api_id,
                api_name=api.get("name"),
                stage_name=name,
                endpoint_types=(api.get("endpointConfiguration") or {}).get("types", []),
                client_certificate_id=stage.get("clientCertificateId"),
                web_acl_arn=stage.get("webAclArn"),
                tracing_enabled=bool(stage.get("tracingEnabled")),
                logging_levels={
                    path: settings.get("loggingLevel") for path, settings in (stage.get("methodSettings") or {}).items()
                },
                access_log_destination=(stage.get("accessLogSettings") or {}).get("destinationArn"),
            )
