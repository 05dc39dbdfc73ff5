"""API Gateway v2 (HTTP and WebSocket APIs): APIs with their routes' authorization, and their stages.

Per region: GetApis (paginated; a failed listing marks ``apis`` and ``stages`` incomplete); per
API through ``scope.each``: GetRoutes and GetStages (paginated). Unread routes are named in the
API's ``_unread``; an API whose stages could not be read gets one unreadable stage record.
"""

from __future__ import annotations

from postureflow.collect.apigateway import stage_arn
from postureflow.collect.base import RegionScope, collector

MISSING = ("NotFoundException",)


@collector("apigatewayv2")
def collect_apigatewayv2(scope: RegionScope) -> None:
    client = scope.client("apigatewayv2")
    apis = scope.list(client, "get_apis", "Items", kind=("apis", "stages")).or_else([])

    def read(api: dict):
        routes = scope.list(client, "get_routes", "Items", absent=MISSING, ApiId=api["ApiId"])
        stages = scope.list(client, "get_stages", "Items", absent=MISSING, ApiId=api["ApiId"])
        return routes, stages

    for api, (routes, stages) in zip(apis, scope.each(apis, read), strict=True):
        api_id = api["ApiId"]
        name = api.get("Name") or api_id
        scope.add(
            "apis",
            uid=f"arn:{scope.partition}:apigateway:{scope.region}::/apis/{api_id}",
            id=name,
            tags=api.get("Tags"),
            api_id=api_id,
            protocol=api.get("ProtocolType"),
            routes=routes.map(
                lambda items: [
                    {
                        "key": route.get("RouteKey"),
                        "authorization_type": route.get("AuthorizationType") or "NONE",
                        "authorizer_id": route.get("AuthorizerId"),
                    }
                    for route in items
                ]
            ),
        )
        if not stages.known:
            scope.add_unreadable("stages", stages, uid=stage_arn(scope, "apis", api_id, "*"), id=f"{name}/*",
                                 api_id=api_id, api_name=name)  # fmt: skip
            continue
        for stage in stages.value or []:
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
