"""Lambda: functions with their resource policy and function URL, and the layers they use.

Calls per region: ListFunctions; per function GetPolicy and GetFunctionUrlConfig; per layer version
the region's functions use, GetLayerVersionByArn.

Environment variables and layer contents are scanned here for secret-looking values; only where they
sit (variable name, or file and line) and their kind are stored, never a value. Layer packages are
fetched from the presigned S3 URL GetLayerVersionByArn hands out, bounded in size and time (see
``read_package``), and never written to disk. The function code is not read: lambda:GetFunction is
one of the data actions the least-privilege policy refuses (postureflow.iam.policy.DATA_ACTIONS).
"""

from __future__ import annotations

import io
import json
import urllib.parse
import urllib.request
import zipfile

from postureflow.collect.base import ERROR, OK, Outcome, RegionScope, collector
from postureflow.secrets import scan_key_values, scan_text

NOT_FOUND = ("ResourceNotFoundException",)
# A package larger than this is not downloaded (Lambda's own limit for a zip upload is 50 MB).
MAX_PACKAGE_BYTES = 50 * 1024 * 1024
# Seconds for the whole download; the presigned URL is valid for 10 minutes.
DOWNLOAD_TIMEOUT = 60
# Zip bombs: at most this much of one file, and of one package, is decompressed and scanned.
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 200 * 1024 * 1024


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
        environment_variable_count=len(variables),
        kms_key_arn=function.get("KMSKeyArn"),
        dead_letter_target=(function.get("DeadLetterConfig") or {}).get("TargetArn"),
        layer_arns=[layer["Arn"] for layer in function.get("Layers") or []],
        policy=policy.map(lambda r: _json(r.get("Policy"))),
        url_auth_type=url.get("AuthType"),
        url_cors_origins=url.map(lambda r: ((r or {}).get("Cors") or {}).get("AllowOrigins") or []),
    )


def _collect_layer(scope: RegionScope, client, arn: str) -> None:
    layer = scope.fetch(client, "get_layer_version_by_arn", absent=NOT_FOUND, Arn=arn)
    if layer.state == "absent":
        return  # deleted since a function listed it
    name_and_version = ":".join(arn.split(":")[-2:])
    scope.add(
        "layers",
        uid=arn,
        id=name_and_version,
        content_secrets=_package_secrets(scope, layer.get("Content", {}), "lambda:GetLayerVersionByArn content"),
    )


def _package_secrets(scope: RegionScope, location: Outcome, api: str) -> Outcome:
    """The secret hits of the package at ``location`` (an Outcome of the Code/Content block), or why
    it could not be read: a failed download is a failed read (no verdict), never "no secrets"."""
    if not location.ok:
        return location
    url = (location.value or {}).get("Location") or ""
    if not is_presigned(url):
        # moto (and anything but AWS) hands out an unsigned placeholder: nothing to download, so no
        # verdict; no scan-error row either, since AWS never answers that way.
        return Outcome(ERROR, None, api, "NoSignedPackageLocation")
    try:
        return Outcome(OK, scan_package(read_package(url)), api)
    except (OSError, ValueError, zipfile.BadZipFile) as err:  # network, size limit, corrupt zip
        return scope.failed(api, type(err).__name__, str(err)[:300])


def is_presigned(url: str) -> bool:
    """An https URL signed by AWS (Signature V4 or V2): the only kind of location downloaded."""
    query = urllib.parse.urlsplit(url).query
    return url.startswith("https://") and ("X-Amz-Signature=" in query or "Signature=" in query)


def read_package(url: str) -> bytes:
    """The package at a presigned S3 URL, refused beyond MAX_PACKAGE_BYTES (tests replace this)."""
    with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response:  # noqa: S310 (a presigned https URL)
        declared = int(response.headers.get("Content-Length") or 0)
        if declared > MAX_PACKAGE_BYTES:
            raise ValueError(f"package of {declared} bytes is over the {MAX_PACKAGE_BYTES}-byte limit")
        body = response.read(MAX_PACKAGE_BYTES + 1)
    if len(body) > MAX_PACKAGE_BYTES:
        raise ValueError(f"package is over the {MAX_PACKAGE_BYTES}-byte limit")
    return body


def scan_package(package: bytes) -> list[dict[str, str]]:
    """Secret hits of every text file in a zip package, located as "<file> line <n>"; values are never kept."""
    hits: list[dict[str, str]] = []
    unpacked = 0
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        for member in archive.infolist():
            if member.is_dir() or unpacked >= MAX_UNPACKED_BYTES:
                continue
            with archive.open(member) as handle:
                data = handle.read(MAX_FILE_BYTES)
            unpacked += len(data)
            if b"\x00" in data[:8192]:
                continue  # binary file
            for hit in scan_text(data.decode("utf-8", "replace"), filename=member.filename):
                hits.append({**hit, "location": f"{member.filename} {hit['location']}"})
    return hits


def _json(text: str | None) -> dict | None:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None
