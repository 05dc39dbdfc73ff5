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


# -- issue 12: method authorization, custom domain TLS --------------------------------------------------

# CORS preflight requests carry no credentials, so OPTIONS methods are open by design.
PREFLIGHT = "OPTIONS"


def _is_public(api) -> bool:
    types = api.get("endpoint_types") or []
    return not (types and all(t == "PRIVATE" for t in types))


def _open_methods(api) -> list[str] | None:
    """'METHOD path' of every method anyone may call without authorization; None when the API has none."""
    methods = [m for m in api.get("methods") or [] if m.get("method") != PREFLIGHT]
    if not methods and api.readable("methods"):
        return None
    return [f"{m.get('method')} {m.get('path')}" for m in methods if m.get("authorization") in (None, "NONE")]


def _authorization_results(apis):
    # Prowler PASSes an API on the mere existence of an authorizer (GetAuthorizers); per AWS an authorizer
    # protects only the methods whose authorizationType names it, so each method's own type is judged
    # (IAM authorization counts as authorized too). An API with no method serves nothing and is not judged.
    for api in apis:
        open_methods = _open_methods(api)
        if open_methods is None:
            continue
        if open_methods:
            shown = ", ".join(open_methods[:5]) + (f" and {len(open_methods) - 5} more" if len(open_methods) > 5 else "")
            yield FAIL(api, f"API Gateway REST API {api.id} has methods anyone may call without authorization: {shown}.")
        else:
            yield PASS(api, f"API Gateway REST API {api.id} authorizes every method (IAM, Lambda or Cognito).")


@check(
    id="apigateway_restapi_authorizers_enabled",
    title="API Gateway REST API authorizes every method (IAM, Lambda or Cognito authorizer)",
    severity="medium",
    resource_type="AwsApiGatewayRestApi",
    reads=["apigateway.rest_apis"],
    risk="A method with authorization NONE lets anyone who can reach the API invoke the backend behind it.",
    remediation="Set an authorization type on every method: AWS_IAM, a Lambda (CUSTOM) authorizer or a Cognito "
    "user pool authorizer, then redeploy the API.",
)
def apigateway_restapi_authorizers_enabled(rest_apis):
    yield from _authorization_results(rest_apis)


@check(
    id="apigateway_restapi_public_with_authorizer",
    title="API Gateway REST API with a public endpoint authorizes every method",
    severity="medium",
    resource_type="AwsApiGatewayRestApi",
    reads=["apigateway.rest_apis"],
    risk="A public endpoint with unauthorized methods lets anyone on the internet invoke the backend.",
    remediation="Add an authorizer (Lambda or Cognito) or IAM authorization to every method, or make the API "
    "PRIVATE.",
)
def apigateway_restapi_public_with_authorizer(rest_apis):
    yield from _authorization_results([api for api in rest_apis if _is_public(api)])


@check(
    id="apigateway_domain_name_pqc_tls_enabled",
    title="API Gateway custom domain name uses a post-quantum TLS security policy",
    severity="low",
    resource_type="AwsApiGatewayDomainName",
    reads=["apigateway.domain_names"],
    config=["apigateway_pqc_tls_allowed_policies"],
    risk="Traffic recorded today under classical key exchange can be decrypted once quantum computers can break "
    "it (harvest now, decrypt later).",
    remediation="Set the custom domain's security policy to a post-quantum one, e.g. "
    "SecurityPolicy_TLS13_1_2_PQ_2025_09 (aws apigateway update-domain-name).",
)
def apigateway_domain_name_pqc_tls_enabled(domain_names, config):
    allowed = set(config["apigateway_pqc_tls_allowed_policies"] or ())
    for domain in domain_names:
        policy = domain.get("security_policy")
        if policy in allowed:
            yield PASS(domain, f"API Gateway custom domain {domain.id} uses post-quantum TLS policy {policy}.")
        else:
            yield FAIL(domain, f"API Gateway custom domain {domain.id} uses TLS policy {policy}, not a post-quantum one.")
