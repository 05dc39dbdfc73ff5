"""AWS Security Finding Format (ASFF) documents built from finding records.

One finding row of the lake becomes one ASFF document. ``Id`` is the finding's
stable ``finding_uid`` (so re-sending a finding updates it in place),
``GeneratorId`` its check id and ``ProductArn`` the account's default product
in the finding's region (the custom integration every account has).

Documents are checked against botocore's own model of the BatchImportFindings
input (required members and types through botocore's ParamValidator, plus the
enums and non-empty patterns it does not check), trimmed to Security Hub's
240 KB per finding when a resource carries huge tags, and hashed without their
timestamps so a run can tell whether anything a reader would see has changed.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

log = logging.getLogger(__name__)

SCHEMA_VERSION = "2018-10-08"
PROVIDER = "postureflow"

MAX_FINDING_BYTES = 240 * 1000  # Security Hub: 240 KB per finding (kept under the KiB reading on purpose)
MAX_TITLE = 256
MAX_DESCRIPTION = 1024
MAX_REMEDIATION = 512
MAX_TYPES = 50
MAX_REQUIREMENTS = 32
MAX_TAGS = 50
MAX_TAG_KEY = 128
MAX_TAG_VALUE = 256

BEST_PRACTICES_TYPE = "Software and Configuration Checks/AWS Security Best Practices"
STANDARDS_TYPE_PREFIX = "Software and Configuration Checks/Industry and Regulatory Standards/"

COMPLIANCE_STATUS = {"PASS": "PASSED", "FAIL": "FAILED", "MANUAL": "WARNING"}
TIMESTAMP_FIELDS = ("FirstObservedAt", "LastObservedAt", "CreatedAt", "UpdatedAt")

# region prefix -> (partition in ARNs, partition name ASFF's Resource.Partition enum uses)
_PARTITIONS = (
    ("cn-", "aws-cn", "aws-cn"),
    ("us-gov-", "aws-us-gov", "aws-us-gov"),
    ("us-isob-", "aws-iso-b", "aws-us-iso-b"),
    ("us-iso-", "aws-iso", "aws-us-iso"),
)


class FindingTooLarge(ValueError):
    """A finding stays over Security Hub's size limit even after trimming."""


class InvalidFinding(ValueError):
    """A document does not fit the BatchImportFindings input model."""


def arn_partition(region: str) -> str:
    for prefix, partition, _ in _PARTITIONS:
        if region.startswith(prefix):
            return partition
    return "aws"


def resource_partition(region: str) -> str:
    for prefix, _, enum_value in _PARTITIONS:
        if region.startswith(prefix):
            return enum_value
    return "aws"


def product_arn(region: str, account_id: str) -> str:
    """The account's default product in ``region``: where a custom integration imports findings."""
    return f"arn:{arn_partition(region)}:securityhub:{region}:{account_id}:product/{account_id}/default"


def timestamp(value: dt.datetime) -> str:
    """RFC 3339 in UTC with milliseconds, as ASFF wants: 2026-11-22T06:00:00.000Z."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    value = value.astimezone(dt.timezone.utc)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def observed_at(row: dict) -> dt.datetime:
    """When the row's finding was observed: the scan's clock time, or the scan date itself for a
    backfill (a re-evaluation of an old day done later, whose clock time is not that day)."""
    day: dt.date = row["scan_date"]
    scanned = row.get("scanned_at")
    if isinstance(scanned, dt.datetime):
        scanned = scanned if scanned.tzinfo else scanned.replace(tzinfo=dt.timezone.utc)
        scanned = scanned.astimezone(dt.timezone.utc)
        if scanned.date() == day:
            return scanned
    return dt.datetime.combine(day, dt.time(0), dt.timezone.utc)


def _clip(text: str | None, limit: int) -> str:
    text = (text or "").strip()
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def _nonblank(text: Any) -> bool:
    return isinstance(text, str) and bool(text.strip())


def tags_of(value: Any) -> dict[str, str]:
    """resource_tags from the lake (a map: dict or list of pairs) as a dict."""
    if not value:
        return {}
    if isinstance(value, dict):
        return {str(k): "" if v is None else str(v) for k, v in value.items()}
    return {str(k): "" if v is None else str(v) for k, v in value}


# -- what the rest of postureflow knows about a check ------------------------------------------


@dataclass(frozen=True)
class CheckInfo:
    """What a document needs from the check and the compliance frameworks."""

    remediation: str = ""
    frameworks: tuple[str, ...] = ()
    requirements: tuple[str, ...] = ()


def _normalise_mapping(entries: Iterable[Any], plain: str) -> tuple[list[str], list[str]]:
    """Entries of any shape the compliance module may give -> (frameworks, requirements).

    A plain string is a framework name (``plain="framework"``, from frameworks_by_check)
    or a requirement ("CIS 6.0 2.1.1", ``plain="requirement"``, from requirements_by_check);
    a dict or tuple names its framework and requirement ids.
    """
    frameworks: list[str] = []
    requirements: list[str] = []
    for entry in entries or ():
        if isinstance(entry, str):
            (frameworks if plain == "framework" else requirements).append(entry)
        elif isinstance(entry, dict):
            name = entry.get("framework") or entry.get("name") or entry.get("id")
            if name:
                frameworks.append(str(name))
            reqs = entry.get("requirements") or entry.get("requirement_ids") or entry.get("requirement") or []
            if isinstance(reqs, (str, int, float)):
                reqs = [reqs]
            requirements.extend(f"{name} {r}" if name else str(r) for r in reqs)
        elif isinstance(entry, (tuple, list)) and entry:
            frameworks.append(str(entry[0]))
            requirements.extend(f"{entry[0]} {r}" for r in entry[1:] if r is not None)
    return frameworks, requirements


def _compliance_mappings() -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(check id -> framework labels, check id -> "<label> <requirement id>") from postureflow.compliance.

    Imported lazily: without the compliance package (or with a framework file
    that does not load) findings are forwarded without requirements.
    """
    try:
        from postureflow.compliance import frameworks as compliance
    except ImportError:
        return {}, {}
    frameworks: dict[str, list[str]] = {}
    requirements: dict[str, list[str]] = {}
    try:
        if hasattr(compliance, "load_frameworks"):
            for fw in sorted(compliance.load_frameworks().values(), key=lambda f: f.label):
                for req in fw.requirements:
                    for check_id in req.checks:
                        frameworks.setdefault(check_id, []).append(fw.label)
                        requirements.setdefault(check_id, []).append(f"{fw.label} {req.id}")
        elif hasattr(compliance, "frameworks_by_check"):
            for check_id, entries in (compliance.frameworks_by_check() or {}).items():
                names, reqs = _normalise_mapping(entries, "framework")
                frameworks[check_id], requirements[check_id] = names, reqs
    except Exception:  # noqa: BLE001 - a broken framework file must not stop forwarding
        log.warning("compliance frameworks could not be loaded; forwarding without them", exc_info=True)
        return {}, {}
    return frameworks, requirements


def load_check_info() -> dict[str, CheckInfo]:
    """check id -> CheckInfo: the check's remediation and the frameworks that map it."""
    from postureflow.checks import all_checks

    checks = all_checks()
    frameworks, requirements = _compliance_mappings()
    return {
        check_id: CheckInfo(
            remediation=checks[check_id].remediation if check_id in checks else "",
            frameworks=tuple(dict.fromkeys(frameworks.get(check_id, ()))),
            requirements=tuple(dict.fromkeys(requirements.get(check_id, ()))),
        )
        for check_id in set(checks) | set(frameworks)
    }


# -- building -------------------------------------------------------------------------------------


def finding_types(info: CheckInfo) -> list[str]:
    types = [BEST_PRACTICES_TYPE]
    types += [STANDARDS_TYPE_PREFIX + _clip(name.replace("/", "-"), 200) for name in info.frameworks]
    return list(dict.fromkeys(types))[:MAX_TYPES]


def build_asff(
    row: dict,
    *,
    record_state: str,
    workflow_status: str,
    first_observed_at: dt.datetime,
    updated_at: dt.datetime,
    info: CheckInfo | None = None,
    archive_reason: str | None = None,
) -> dict:
    """The ASFF document for one finding row (a dict with the FINDINGS columns)."""
    info = info or CheckInfo()
    account_id = row["account_id"]
    region = row["region"]
    severity = str(row.get("severity") or "informational").lower()
    title = _clip(row.get("check_title") or row["check_id"], MAX_TITLE)
    description = _clip(row.get("status_extended") or "", MAX_DESCRIPTION) or title
    types = finding_types(info)
    severity_block = {"Label": severity.upper(), "Original": severity}
    tags = {
        _clip(k, MAX_TAG_KEY): _clip(v, MAX_TAG_VALUE)
        for k, v in tags_of(row.get("resource_tags")).items()
        if _nonblank(k) and _nonblank(v)
    }
    resource: dict[str, Any] = {
        "Type": row.get("resource_type") or "Other",
        "Id": row.get("resource_uid") or row.get("resource_id") or account_id,
        "Partition": resource_partition(region),
        "Region": region,
    }
    if tags:
        resource["Tags"] = tags
    product_fields = {
        "ProviderName": PROVIDER,
        f"{PROVIDER}/CheckId": row["check_id"],
        f"{PROVIDER}/Service": row.get("service") or "",
        f"{PROVIDER}/Status": row.get("status") or "",
        f"{PROVIDER}/ResourceName": row.get("resource_id") or "",
    }
    if archive_reason:
        product_fields[f"{PROVIDER}/ArchiveReason"] = archive_reason
    compliance: dict[str, Any] = {"Status": COMPLIANCE_STATUS.get(row.get("status") or "", "NOT_AVAILABLE")}
    if info.requirements or info.frameworks:
        compliance["RelatedRequirements"] = [
            _clip(r, 256) for r in (info.requirements or info.frameworks)[:MAX_REQUIREMENTS]
        ]
    first = first_observed_at
    doc: dict[str, Any] = {
        "SchemaVersion": SCHEMA_VERSION,
        "Id": row["finding_uid"],
        "ProductArn": product_arn(region, account_id),
        "ProductName": PROVIDER,
        "CompanyName": PROVIDER,
        "GeneratorId": row["check_id"],
        "AwsAccountId": account_id,
        "Region": region,
        "Types": types,
        "FirstObservedAt": timestamp(first),
        "LastObservedAt": timestamp(observed_at(row)),
        "CreatedAt": timestamp(first),
        "UpdatedAt": timestamp(updated_at),
        "Severity": dict(severity_block),
        "Title": title,
        "Description": description,
        "ProductFields": {k: v for k, v in product_fields.items() if _nonblank(v)},
        "Resources": [resource],
        "Compliance": compliance,
        "RecordState": record_state,
        "Workflow": {"Status": workflow_status},
        "FindingProviderFields": {"Severity": dict(severity_block), "Types": list(types)},
    }
    if _nonblank(info.remediation):
        doc["Remediation"] = {"Recommendation": {"Text": _clip(info.remediation, MAX_REMEDIATION)}}
    return doc


def encoded(doc: dict) -> bytes:
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False).encode()


def size_of(doc: dict) -> int:
    return len(encoded(doc))


def content_hash(doc: dict) -> str:
    """What a reader of the finding sees, without the timestamps that move on every run."""
    stable = {k: v for k, v in doc.items() if k not in TIMESTAMP_FIELDS}
    return hashlib.sha256(json.dumps(stable, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def fit_size(doc: dict, limit: int = MAX_FINDING_BYTES) -> tuple[dict, list[str]]:
    """Trim ``doc`` under ``limit`` bytes; return it and the trimmed fields (empty if nothing was cut).

    Order: resource tags down to AWS's own limits, then no tags, then the
    description and requirement list, then ProductFields. A finding still too
    large raises FindingTooLarge (the caller records it; nothing is dropped silently).
    """
    if size_of(doc) <= limit:
        return doc, []
    doc = json.loads(json.dumps(doc))
    trimmed: list[str] = []

    def mark(name: str) -> None:
        if name not in trimmed:
            trimmed.append(name)
        doc.setdefault("ProductFields", {})[f"{PROVIDER}/Trimmed"] = ",".join(trimmed)

    steps = [
        ("Resources.Tags", lambda r: r.update(Tags=dict(list(r["Tags"].items())[:MAX_TAGS])) if "Tags" in r else None),
        ("Resources.Tags", lambda r: r.pop("Tags", None)),
    ]
    for name, step in steps:
        if not any("Tags" in r for r in doc["Resources"]):
            break
        for resource in doc["Resources"]:
            step(resource)
        mark(name)
        if size_of(doc) <= limit:
            return doc, trimmed
    for name, shrink in (
        ("Description", lambda d: d.update(Description=_clip(d["Description"], 256))),
        ("Compliance.RelatedRequirements", lambda d: d.get("Compliance", {}).pop("RelatedRequirements", None)),
        ("Types", lambda d: (d.update(Types=d["Types"][:1]), d["FindingProviderFields"].update(Types=d["Types"][:1]))),
        ("ProductFields", lambda d: d.update(ProductFields={"ProviderName": PROVIDER})),
    ):
        shrink(doc)
        mark(name)
        if size_of(doc) <= limit:
            return doc, trimmed
    raise FindingTooLarge(f"finding {doc['Id']} is {size_of(doc)} bytes after trimming {', '.join(trimmed)}")


# -- validation against botocore's model ------------------------------------------------------


@functools.lru_cache(maxsize=1)
def import_input_shape():
    """botocore's input shape of securityhub BatchImportFindings."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("securityhub")
    return model.operation_model("BatchImportFindings").input_shape


def _strict_errors(value: Any, shape, path: str, errors: list[str]) -> None:
    """Enums and patterns: the constraints botocore's ParamValidator leaves to the service."""
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        for name, member in shape.members.items():
            if name in value:
                _strict_errors(value[name], member, f"{path}.{name}", errors)
    elif kind == "list" and isinstance(value, list):
        for i, item in enumerate(value):
            _strict_errors(item, shape.member, f"{path}[{i}]", errors)
    elif kind == "map" and isinstance(value, dict):
        for k, v in value.items():
            _strict_errors(k, shape.key, f"{path} key {k!r}", errors)
            _strict_errors(v, shape.value, f"{path}[{k!r}]", errors)
    elif kind == "string" and isinstance(value, str):
        enum = shape.metadata.get("enum")
        if enum and value not in enum:
            errors.append(f"{path}: {value!r} is not one of {enum}")
        pattern = shape.metadata.get("pattern")
        if pattern and not re.search(pattern, value):
            errors.append(f"{path}: {value!r} does not match {pattern}")


def validate_findings(docs: list[dict]) -> list[str]:
    """Problems with ``docs`` as BatchImportFindings input (empty when they are valid)."""
    from botocore.validate import ParamValidator

    shape = import_input_shape()
    errors: list[str] = []
    report = ParamValidator().validate({"Findings": docs}, shape)
    if report.has_errors():
        errors.extend(report.generate_report().splitlines())
    finding_shape = shape.members["Findings"].member
    for i, doc in enumerate(docs):
        _strict_errors(doc, finding_shape, f"Findings[{i}]", errors)
    return errors


@dataclass
class Built:
    """A document ready to send, with what the forwarding state will remember of it."""

    doc: dict
    size: int
    content_hash: str
    trimmed: list[str] = field(default_factory=list)
