"""AppSync: GraphQL APIs with their logging and authentication.

Calls per region: ListGraphqlApis (paginated; it describes every API).
"""

from __future__ import annotations

from postureflow.collect.base import RegionScope, collector


@collector("appsync")
def collect_appsync(scope: RegionScope) -> None:
    apis = scope.list(scope.client("appsync"), "list_graphql_apis", "graphqlApis", kind="graphql_apis")
    for api in apis.value or []:
        scope.add(
            "graphql_apis",
            uid=api.get("arn") or scope.arn("appsync", f"apis/{api['apiId']}"),
            id=api.get("name") or api["apiId"],
            tags=api.get("tags"),
            api_type=api.get("apiType") or "GRAPHQL",
            field_log_level=(api.get("logConfig") or {}).get("fieldLogLevel") or "NONE",
            authentication_types=[api.get("authenticationType")]
            + [p.get("authenticationType") for p in api.get("additionalAuthenticationProviders") or []],
        )
