"""API Gateway v2 (HTTP and WebSocket APIs): APIs with their routes' authorization, and their stages."""

from __future__ import annotations

from postureflow.collect.apigateway import stage_arn
from postureflow.collect.base import RegionScope, collector


@collector("apigatewayv2")
def collect_apigatewayv2(scope: RegionScope) -> None:
    client = scope.client("apigatewayv2")
    for api in scope.paginate(client, "get_apis", "Items"):
        api_id = api["ApiId"]
        name = api.get("Name") or api_id
        routes = [
            {
                "key": route.get("RouteKey"),
                "authorization_type": route.get("AuthorizationType") or "NONE",
                "authorizer_id": route.get("AuthorizerId"),
            }
            for route in scope.paginate(client, "get_routes", "Items", ApiId=api_id)
        ]
        scope.add(
            "apis",
            uid=f"arn:{scope.partition}:apigateway:{scope.region}::/apis/{api_id}",
            id=name,
            tags=api.get("Tags"),
            api_id=api_id,
            protocol=api.get("ProtocolType"),
            routes=routes,
        )
        for stage in scope.paginate(client, "get_stages", "Items", ApiId=api_id):
            stage_name = stage["StageName"]
            scope.add(
                "stages",
                uid=stage_arn(scope, "apis", api_id, stage_name),
                id=f"{name}/{stage_name}",
                tags=stage.get("Tags"),
                api_id=api_id,
                api_name=name,
                protocol=api.get("ProtocolType"),
                stage_name=stage_name,
                access_log_destination=(stage.get("AccessLogSettings") or {}).get("DestinationArn"),
            )
