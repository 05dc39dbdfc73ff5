"""Lambda: functions with their resource policy and function URL.

Calls per region: ListFunctions; per function GetPolicy and GetFunctionUrlConfig.

Environment variables are scanned here for secret-looking values; only the variable
names and the kind of secret they look like are stored, never a value. The function
code is not downloaded (GetFunction hands out a presigned S3 URL to fetch it).
"""

from __future__ import annotations

import json

from postureflow.collect.base import RegionScope, collector
from postureflow.secrets import scan_key_values

NOT_FOUND = ("ResourceNotFoundException",)


@collector("awslambda")
def collect_lambda(scope: RegionScope) -> None:
    client = scope.client("lambda")
    functions = scope.list(client, "list_functions", "Functions", kind="functions")
    scope.each(functions.value or [], lambda function: _collect_function(scope, client, function))


def _collect_function(scope: RegionScope, client, function: dict) -> None:
    name = function["FunctionName"]
    policy = scope.fetch(client, "get_policy", absent=NOT_FOUND, FunctionName=name)
    url = scope.fetch(client, "get_function_url_config", absent=NOT_FOUND, FunctionName=name)
    vpc = function.get("VpcConfig") or {}
    variables = (function.get("Environment") or {}).get("Variables") or {}
    scope.add(
        "functions",
        uid=function["FunctionArn"],
        id=name,
        runtime=function.get("Runtime"),
        package_type=function.get("PackageType") or "Zip",
        vpc_id=vpc.get("VpcId") or None,
        subnet_ids=vpc.get("SubnetIds") or [],
        security_group_ids=vpc.get("SecurityGroupIds") or [],
        # Only the names and kinds of secret-looking variables; the values never leave this function.
        environment_secrets=scan_key_values(variables),
        policy=policy.map(lambda r: _json(r.get("Policy"))),
        url_auth_type=url.get("AuthType"),
    )


def _json(text: str | None) -> dict | None:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None
