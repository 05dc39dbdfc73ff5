"""API Gateway v2 checks: HTTP and WebSocket APIs and their stages."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check

# A WebSocket API authorizes clients once, on its $connect route; its other routes take no authorization.
WEBSOCKET_AUTHORIZED_ROUTE = "$connect"


@check(
    id="apigatewayv2_api_access_logging_enabled",
    title="API Gateway v2 stage has access logging enabled",
    severity="medium",
    resource_type="AwsApiGatewayV2Stage",
    reads=["apigatewayv2.stages"],
    risk="Without access logs there is no record of who called the API, for troubleshooting or incident " "response.",
    remediation="Configure access logging on the stage with a CloudWatch Logs log group as destination.",
)
def apigatewayv2_api_access_logging_enabled(stages):
    for stage in stages:
        if stage.get("access_log_destination"):
            yield PASS(stage, f"API Gateway v2 stage {stage.id} has access logging enabled.")
        else:
            yield FAIL(stage, f"API Gateway v2 stage {stage.id} does not have access logging enabled.")


@check(
    id="apigatewayv2_api_authorizers_enabled",
    title="API Gateway v2 API requires authorization on its routes",
    severity="medium",
    resource_type="AwsApiGatewayV2Api",
    reads=["apigatewayv2.apis"],
    risk="Routes without authorization let anyone who knows the endpoint invoke the backend.",
    remediation="Give every route of an HTTP API (the $connect route of a WebSocket API) an authorization "
    "type: an IAM, JWT or Lambda authorizer.",
)
def apigatewayv2_api_authorizers_enabled(apis):
    # Judged on the routes' authorization type (what the FSBP control asks), which says more than
    # whether an authorizer object merely exists.
    for api in apis:
        if api.lacks("routes"):
            continue
        routes = api.get("routes") or []
        if api.get("protocol") == "WEBSOCKET":
            routes = [r for r in routes if r.get("key") == WEBSOCKET_AUTHORIZED_ROUTE]
        if not routes and api.readable("routes"):
            continue
        open_routes = [r.get("key") for r in routes if r.get("authorization_type") in (None, "NONE")]
        if open_routes:
            yield FAIL(api, f"API Gateway v2 API {api.id} has routes without authorization: {', '.join(open_routes)}.")
        else:
            yield PASS(api, f"API Gateway v2 API {api.id} requires authorization on all its routes.")
