"""Lambda: functions with their resource policy, function URL and code package, and the layers they use.

Calls per region: ListFunctions; per function GetPolicy, GetFunctionUrlConfig and, for zip packages when
the audit config says ``read_customer_data: true``, GetFunction; per layer version the region's
functions use, GetLayerVersionByArn.

Environment variables, layer contents and (opted in) the function code are scanned here for
secret-looking values; only where they sit (variable name, or file and line) and their kind are
stored, never a value. Packages are fetched from the presigned S3 URL AWS hands out, bounded in size
and time (``postureflow.collect.downloads``), and never written to disk. lambda:GetFunction is a data
action: it is only in the opt-in policy document (postureflow.iam.policy.OPT_IN_DATA_ACTIONS).
"""

from __future__ import annotations

import json

from postureflow.collect.base import Outcome, RegionScope, collector
from postureflow.collect.downloads import customer_data_allowed, read_presigned
from postureflow.collect.package_scan import PackageScan
from postureflow.secrets import scan_key_values

NOT_FOUND = ("ResourceNotFoundException",)
# A package larger than this is not downloaded (no verdict): Lambda's limit for a zip upload is 50 MB.
MAX_PACKAGE_BYTES = 50 * 1024 * 1024
# Seconds for one download (Prowler's CODE_DOWNLOAD_TIMEOUT_SECONDS); the presigned URL lives 10 minutes.
DOWNLOAD_TIMEOUT = 30
# Zip bombs: at most this much of one file, and of one package (Lambda's 250 MB unzipped limit), is
# scanned; a file past a cap is named as not scanned, so the package gets no clean verdict.
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 250 * 1024 * 1024
MAX_FILES = 20000


@collector("awslambda")
def collect_lambda(scope: RegionScope) -> None:
    client = scope.client("lambda")
    functions = scope.list(client, "list_functions", "Functions", kind="functions")
    scope.each(functions.value or [], lambda function: _collect_function(scope, client, function))
    if functions.ok:
        used = sorted({layer["Arn"] for f in functions.value for layer in f.get("Layers") or []})
        scope.each(used, lambda arn: _collect_layer(scope, client, arn))


def _collect_function(scope: RegionScope, client, function: dict) -> None:
    name = function["FunctionName"]
    policy = scope.fetch(client, "get_policy", absent=NOT_FOUND, FunctionName=name)
    url = scope.fetch(client, "get_function_url_config", absent=NOT_FOUND, FunctionName=name)
    package_type = function.get("PackageType") or "Zip"
    code_scan = None  # a container image's secrets are ECR's to find
    if package_type == "Zip":
        code_scan = customer_data_allowed(scope, "lambda:GetFunction")
        if code_scan is None:
            code = scope.fetch(client, "get_function", absent=NOT_FOUND, FunctionName=name)
            if code.state == "absent":
                return  # deleted since the listing
            code_scan = _scan_package(scope, code.get("Code", {}), "lambda:GetFunction code package")
    vpc = function.get("VpcConfig") or {}
    variables = (function.get("Environment") or {}).get("Variables") or {}
    scope.add(
        "functions",
        uid=function["FunctionArn"],
        id=name,
        runtime=function.get("Runtime"),
        package_type=package_type,
        vpc_id=vpc.get("VpcId") or None,
        subnet_ids=vpc.get("SubnetIds") or [],
        security_group_ids=vpc.get("SecurityGroupIds") or [],
        # Only the names and kinds of secret-looking variables; the values never leave this function.
        environment_secrets=scan_key_values(variables),
        environment_variable_count=len(variables),
        kms_key_arn=function.get("KMSKeyArn"),
        dead_letter_target=(function.get("DeadLetterConfig") or {}).get("TargetArn"),
        layer_arns=[layer["Arn"] for layer in function.get("Layers") or []],
        code_scan=code_scan,  # {"hits", "unscanned", "unscanned_count"}: where and what kind, never a value
        policy=policy.map(lambda r: _json(r.get("Policy"))),
        url_auth_type=url.get("AuthType"),
        url_cors_origins=url.map(lambda r: ((r or {}).get("Cors") or {}).get("AllowOrigins") or []),
    )


def _collect_layer(scope: RegionScope, client, arn: str) -> None:
    layer = scope.fetch(client, "get_layer_version_by_arn", absent=NOT_FOUND, Arn=arn)
    if layer.state == "absent":
        return  # deleted since a function listed it
    name_and_version = ":".join(arn.split(":")[-2:])
    content = _scan_package(scope, layer.get("Content", {}), "lambda:GetLayerVersionByArn content")
    scope.add("layers", uid=arn, id=name_and_version, content_scan=content)


def _scan_package(scope: RegionScope, location: Outcome, api: str) -> Outcome:
    """The scan of the zip package whose presigned URL is ``location``'s "Location" (an Outcome of the
    Code/Content block): secret hits ("<file> line <n>" and kind) and the files not scanned (over a cap);
    or why it could not be read (no verdict, never "no secrets")."""
    if not location.ok:
        return location

    def scan_zip(package: bytes) -> dict:
        scan = PackageScan(max_file_bytes=MAX_FILE_BYTES, max_total_bytes=MAX_UNPACKED_BYTES, max_files=MAX_FILES)
        scan.add_zip(package)
        return scan.result()

    url = (location.value or {}).get("Location") or ""
    return read_presigned(scope, api, url, scan_zip, max_bytes=MAX_PACKAGE_BYTES, timeout=DOWNLOAD_TIMEOUT)


def _json(text: str | None) -> dict | None:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None
