"""API Gateway checks: REST API stages."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check
from postureflow.secrets import describe_hits

# Execution-logging levels that write logs (OFF, or no level at all, writes none).
LOGGING_LEVELS = ("ERROR", "INFO")
DEFAULT_METHODS = "*/*"


@check(
    id="apigateway_restapi_client_certificate_enabled",
    title="API Gateway REST API stage presents a client certificate to its backend",
    severity="medium",
    resource_type="AwsApiGatewayStage",
    reads=["apigateway.stages"],
    risk="Without a client certificate the backend cannot tell requests from API Gateway from anyone else "
    "who can reach it.",
    remediation="Generate an API Gateway client certificate, set it on the stage, and have the backend " "verify it.",
)
def apigateway_restapi_client_certificate_enabled(stages):
    for stage in stages:
        if stage.get("client_certificate_id"):
            yield PASS(
                stage, f"API Gateway stage {stage.id} uses client certificate {stage.get('client_certificate_id')}."
            )
        else:
            yield FAIL(stage, f"API Gateway stage {stage.id} does not use a client certificate.")


@check(
    id="apigateway_restapi_logging_enabled",
    title="API Gateway REST API stage has execution logging enabled",
    severity="medium",
    resource_type="AwsApiGatewayStage",
    reads=["apigateway.stages"],
    risk="Without execution logs, failed or abusive calls to the API leave no trace for troubleshooting or "
    "incident response.",
    remediation="Set the stage's CloudWatch logging level to ERROR or INFO for all methods (and do not turn "
    "it off for individual methods).",
)
def apigateway_restapi_logging_enabled(stages):
    for stage in stages:
        levels = stage.get("logging_levels") or {}
        default = levels.get(DEFAULT_METHODS)
        silenced = sorted(
            path for path, level in levels.items() if path != DEFAULT_METHODS and level not in LOGGING_LEVELS
        )
        if default not in LOGGING_LEVELS:
            yield FAIL(stage, f"API Gateway stage {stage.id} does not have execution logging enabled.")
        elif silenced:
            yield FAIL(
                stage,
                f"API Gateway stage {stage.id} logs at {default} but turns logging off for {', '.join(silenced)}.",
            )
        else:
            yield PASS(stage, f"API Gateway stage {stage.id} has execution logging at level {default}.")


@check(
    id="apigateway_restapi_waf_acl_attached",
    title="API Gateway REST API stage is protected by a WAF web ACL",
    severity="medium",
    resource_type="AwsApiGatewayStage",
    reads=["apigateway.stages"],
    risk="Without a web ACL, common web exploits and floods reach the API and its backend unfiltered.",
    remediation="Associate an AWS WAF web ACL with the API stage.",
)
def apigateway_restapi_waf_acl_attached(stages):
    for stage in stages:
        acl = stage.get("web_acl_arn")
        if acl:
            yield PASS(stage, f"API Gateway stage {stage.id} is protected by WAF web ACL {acl.rsplit('/', 2)[-2]}.")
        else:
            yield FAIL(stage, f"API Gateway stage {stage.id} is not protected by a WAF web ACL.")


@check(
    id="apigateway_restapi_no_secrets_in_stage_variables",
    title="API Gateway REST API stage variables hold no secrets",
    severity="high",
    resource_type="AwsApiGatewayStage",
    reads=["apigateway.stages"],
    risk="Stage variables are readable in clear text by anyone allowed apigateway:GET on the API, and end up in "
    "exports and deployment tooling; a credential kept there leaks easily.",
    remediation="Move the secret to Secrets Manager or Parameter Store, have the backend fetch it, remove the "
    "stage variable and rotate the secret.",
)
def apigateway_restapi_no_secrets_in_stage_variables(stages):
    for stage in stages:
        hits = stage.get("variable_secrets") or []
        if hits:
            yield FAIL(stage, f"API Gateway stage {stage.id} has secret-looking stage variables: {describe_hits(hits)}.")
        else:
            yield PASS(stage, f"API Gateway stage {stage.id} has no secret-looking stage variables.")


@check(
    id="apigateway_restapi_cache_encrypted",
    title="API Gateway REST API stage with a cache encrypts the cached data",
    severity="medium",
    resource_type="AwsApiGatewayStage",
    reads=["apigateway.stages"],
    risk="Responses cached unencrypted sit at rest in clear text, including any personal or sensitive data the "
    "API returns.",
    remediation="Turn on 'Encrypt cache data' for the stage's methods (methodSettings */* cacheDataEncrypted).",
)
def apigateway_restapi_cache_encrypted(stages):
    for stage in stages:
        if stage.lacks("cache_enabled"):
            continue  # no cache: nothing stored at rest
        if stage.get("cache_data_encrypted"):
            yield PASS(stage, f"API Gateway stage {stage.id} encrypts its cache data.")
        else:
            yield FAIL(stage, f"API Gateway stage {stage.id} has a cache but does not encrypt its data.")


@check(
    id="apigateway_restapi_tracing_enabled",
    title="API Gateway REST API stage has X-Ray tracing enabled",
    severity="low",
    resource_type="AwsApiGatewayStage",
    reads=["apigateway.stages"],
    risk="Without tracing, slow or failing requests cannot be followed through the API and its backends, which "
    "slows troubleshooting and hides abuse patterns.",
    remediation="Enable X-Ray tracing on the stage (tracingEnabled).",
)
def apigateway_restapi_tracing_enabled(stages):
    for stage in stages:
        if stage.get("tracing_enabled"):
            yield PASS(stage, f"API Gateway stage {stage.id} has X-Ray tracing enabled.")
        else:
            yield FAIL(stage, f"API Gateway stage {stage.id} does not have X-Ray tracing enabled.")


@check(
    id="apigateway_restapi_public",
    title="API Gateway REST API is private (not reachable from the internet)",
    severity="medium",
    resource_type="AwsApiGatewayRestApi",
    reads=["apigateway.rest_apis"],
    risk="An edge-optimized or regional endpoint is reachable by anyone on the internet who finds it; only "
    "authentication and throttling stand between them and the backend.",
    remediation="Make the API PRIVATE (reached through an interface VPC endpoint) if it serves only internal "
    "clients, or protect it with authorizers and a WAF web ACL.",
)
def apigateway_restapi_public(rest_apis):
    for api in rest_apis:
        types = api.get("endpoint_types") or []
        if types and all(t == "PRIVATE" for t in types):
            yield PASS(api, f"API Gateway REST API {api.id} is private.")
        else:
            yield FAIL(api, f"API Gateway REST API {api.id} has a public endpoint ({', '.join(types) or 'EDGE'}).")
