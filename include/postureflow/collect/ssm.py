"""SSM: the account's own documents (sharing and secret-looking content, never the content itself)
and the patch compliance of managed instances."""

from __future__ import annotations

import json
import re

import yaml

from postureflow.collect.base import RegionScope, collector
from postureflow.secrets import scan_key_values, scan_text

# A parameter default that only points at a stored secret ({{ssm:...}}, {{ssm-secure:...}}, {{resolve:...}}).
SECRET_REFERENCE = re.compile(r"^\s*\{\{\s*(ssm|ssm-secure|resolve):")


@collector("ssm")
def collect_ssm(scope: RegionScope) -> None:
    ssm = scope.client("ssm")
    own = [{"Key": "Owner", "Values": ["Self"]}]
    documents = scope.list(ssm, "list_documents", "DocumentIdentifiers", kind="documents", Filters=own)
    scope.each(documents.value or [], lambda d: _collect_document(scope, ssm, d), threads=4)
    _collect_patch_compliance(scope, ssm)


def _collect_document(scope: RegionScope, ssm, listed: dict) -> None:
    name = listed["Name"]
    missing = ("InvalidDocument",)
    permission = scope.fetch(ssm, "describe_document_permission", absent=missing, Name=name, PermissionType="Share")
    content = scope.fetch(ssm, "get_document", absent=missing, Name=name)
    scope.add(
        "documents",
        uid=scope.arn("ssm", f"document/{name}"),
        id=name,
        tags=listed.get("Tags"),
        document_type=listed.get("DocumentType"),
        document_format=listed.get("DocumentFormat"),
        shared_with=permission.map(lambda r: sorted(r.get("AccountIds", []))),
        # where and what kind of secret-looking values the content holds; never the values
        secret_hits=content.map(lambda r: _secret_hits(r.get("Content") or "")),
    )


def _secret_hits(content: str) -> list[dict[str, str]]:
    hits = scan_text(content)
    try:
        parsed = json.loads(content)
    except ValueError:
        try:
            parsed = yaml.safe_load(content)
        except yaml.YAMLError:
            parsed = None
    parameters = parsed.get("parameters") if isinstance(parsed, dict) else None
    if isinstance(parameters, dict):
        defaults = {
            f"parameter {key}": spec.get("default")
            for key, spec in parameters.items()
            if isinstance(spec, dict)
            and isinstance(spec.get("default"), str)
            and not SECRET_REFERENCE.match(spec["default"])
        }
        hits.extend(scan_key_values(defaults))
    return hits


def _collect_patch_compliance(scope: RegionScope, ssm) -> None:
    patch_only = [{"Key": "ComplianceType", "Values": ["Patch"], "Type": "EQUAL"}]
    items = scope.list(
        ssm, "list_resource_compliance_summaries", "ResourceComplianceSummaryItems", kind="patch_compliance",
        Filters=patch_only,
    )  # fmt: skip
    for item in items.value or []:
        resource_id = item.get("ResourceId")
        if not resource_id:
            continue
        if resource_id.startswith("i-"):
            uid = scope.arn("ec2", f"instance/{resource_id}")
        else:
            uid = scope.arn("ssm", f"managed-instance/{resource_id}")
        scope.add(
            "patch_compliance",
            uid=uid,
            id=resource_id,
            resource_type=item.get("ResourceType"),
            status=item.get("Status"),
            overall_severity=item.get("OverallSeverity"),
            non_compliant_count=(item.get("NonCompliantSummary") or {}).get("NonCompliantCount", 0),
            last_execution=(item.get("ExecutionSummary") or {}).get("ExecutionTime"),
        )
