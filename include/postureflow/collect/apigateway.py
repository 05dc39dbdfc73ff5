"""API Gateway (REST APIs): every API, and its stages with their logging, tracing, cache, client
certificate, WAF settings and which stage variables look secret (names and kinds only, never values).

Per region: GetRestApis (paginated; a failed listing marks ``rest_apis`` and ``stages``
incomplete), GetDomainNames (paginated), and per API through ``scope.each`` GetStages and
GetResources with embed=methods (paginated; each method's authorization type comes embedded, where
Prowler calls GetMethod once per method). An API whose stages could not be read gets one unreadable
stage record, so its stage checks give a visible no verdict; unread resources leave ``methods`` unread.
"""

from __future__ import annotations

from postureflow.collect.base import ABSENT, Outcome, RegionScope, collector
from postureflow.secrets import scan_key_values

DEFAULT_METHODS = "*/*"


def stage_arn(scope: RegionScope, kind: str, api_id: str, stage: str) -> str:
    """API Gateway ARNs carry no account: arn:aws:apigateway:<region>::/<kind>/<id>/stages/<name>."""
    return f"arn:{scope.partition}:apigateway:{scope.region}::/{kind}/{api_id}/stages/{stage}"


@collector("apigateway")
def collect_apigateway(scope: RegionScope) -> None:
    apigateway = scope.client("apigateway")
    apis = scope.list(apigateway, "get_rest_apis", "items", kind=("rest_apis", "stages")).or_else([])
    details = scope.each(apis, lambda api: _details(scope, apigateway, api["id"]))
    for api, (answer, methods) in zip(apis, details, strict=True):
        api_id = api["id"]
        name = api.get("name") or api_id
        scope.add(
            "rest_apis",
            uid=f"arn:{scope.partition}:apigateway:{scope.region}::/restapis/{api_id}",
            id=name,
            tags=api.get("tags"),
            api_id=api_id,
            endpoint_types=(api.get("endpointConfiguration") or {}).get("types", []),
            # every method with its authorization type (NONE, AWS_IAM, CUSTOM, COGNITO_USER_POOLS)
            methods=methods,
        )
        if answer.state == ABSENT:
            continue  # deleted since it was listed
        if not answer.ok:
            scope.add_unreadable("stages", answer, uid=f"arn:{scope.partition}:apigateway:{scope.region}::/restapis/"
                                 f"{api_id}/stages", id=f"{name}/*", api_id=api_id, api_name=name)  # fmt: skip
            continue
        for stage in answer.value.get("item", []):
            stage_name = stage["stageName"]
            settings = stage.get("methodSettings") or {}
            scope.add(
                "stages",
                uid=stage_arn(scope, "restapis", api_id, stage_name),
                id=f"{name}/{stage_name}",
                tags=stage.get("tags") or api.get("tags"),
                api_id=api_id,
                api_name=api.get("name"),
                stage_name=stage_name,
                endpoint_types=(api.get("endpointConfiguration") or {}).get("types", []),
                client_certificate_id=stage.get("clientCertificateId"),
                web_acl_arn=stage.get("webAclArn"),
                tracing_enabled=bool(stage.get("tracingEnabled")),
                logging_levels={path: s.get("loggingLevel") for path, s in settings.items()},
                access_log_destination=(stage.get("accessLogSettings") or {}).get("destinationArn"),
                cache_enabled=bool(stage.get("cacheClusterEnabled")),
                cache_data_encrypted=bool((settings.get(DEFAULT_METHODS) or {}).get("cacheDataEncrypted")),
                # only the names and kinds of secret-looking stage variables; the values never leave here
                variable_secrets=scan_key_values(stage.get("variables") or {}),
            )
    _collect_domain_names(scope, apigateway)


def _details(scope: RegionScope, apigateway, api_id: str) -> tuple[Outcome, Outcome]:
    missing = ("NotFoundException",)
    stages = scope.fetch(apigateway, "get_stages", absent=missing, restApiId=api_id)
    resources = scope.list(apigateway, "get_resources", "items", absent=missing, restApiId=api_id, embed=["methods"])
    return stages, resources.map(_methods)


def _methods(resources: list[dict]) -> list[dict]:
    return [
        {"path": resource.get("path"), "method": verb, "authorization": (method or {}).get("authorizationType")}
        for resource in resources
        for verb, method in sorted((resource.get("resourceMethods") or {}).items())
    ]


def _collect_domain_names(scope: RegionScope, apigateway) -> None:
    for domain in scope.list(apigateway, "get_domain_names", "items", kind="domain_names").or_else([]):
        name = domain["domainName"]
        scope.add(
            "domain_names",
            uid=f"arn:{scope.partition}:apigateway:{scope.region}::/domainnames/{name}",
            id=name,
            tags=domain.get("tags"),
            security_policy=domain.get("securityPolicy"),
            endpoint_types=(domain.get("endpointConfiguration") or {}).get("types", []),
        )
