"""AppSync checks: field-level logging and API key authentication."""

from __future__ import annotations

from postureflow.checks.base import FAIL, PASS, check


@check(
    id="appsync_field_level_logging_enabled",
    title="AppSync API logs resolver activity at field level (ALL or ERROR)",
    severity="medium",
    resource_type="AwsAppSyncGraphQLApi",
    reads=["appsync.graphql_apis"],
    risk="Without field-level logs, failing or abused resolvers leave nothing to investigate.",
    remediation="Set the API's field log level to ALL or ERROR with a CloudWatch Logs role (appsync update-graphql-api --log-config).",
)
def appsync_field_level_logging_enabled(apis):
    for api in apis:
        level = api.get("field_log_level")
        if level in ("ALL", "ERROR"):
            yield PASS(api, f"AppSync API {api.id} logs at field level {level}.")
        else:
            yield FAIL(api, f"AppSync API {api.id} does not log at field level (level {level}).")


@check(
    id="appsync_graphql_api_no_api_key_authentication",
    title="AppSync GraphQL API does not authenticate with API keys",
    severity="high",
    resource_type="AwsAppSyncGraphQLApi",
    reads=["appsync.graphql_apis"],
    risk="An API key is a shared static secret that identifies no caller; whoever copies it from a client can call the API.",
    remediation="Authenticate with IAM, Cognito user pools, OpenID Connect or Lambda authorizers instead of API keys.",
)
def appsync_graphql_api_no_api_key_authentication(apis):
    # Prowler looks at the default authentication type only; an additional API_KEY provider lets callers in
    # just the same (AWS AppSync docs, "Configuring authorization"), so both are judged here.
    for api in apis:
        if api.get("api_type") != "GRAPHQL":
            continue
        if "API_KEY" in (api.get("authentication_types") or []):
            yield FAIL(api, f"AppSync GraphQL API {api.id} accepts API key authentication.")
        else:
            yield PASS(api, f"AppSync GraphQL API {api.id} does not accept API keys.")
