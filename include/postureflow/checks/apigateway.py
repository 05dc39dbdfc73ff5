"""API Gateway checks: REST API stages."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check

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
