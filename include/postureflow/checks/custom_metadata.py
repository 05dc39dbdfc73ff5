"""Prowler's custom checks metadata file (``--custom-checks-metadata-file``) on postureflow's checks.

Prowler lets a file replace a check's Severity, CheckTitle, Description, Risk,
RelatedUrl and Remediation (Code: CLI, NativeIaC, Other, Terraform;
Recommendation: Text, Url); any other field is an error, as in Prowler's schema.
:func:`parse` reads the ``aws:`` part into {check id: {Check field: value}} and
:func:`applied` lays those values over the registered checks for the duration of
a scan, so findings (severity, check_title) and every report built from the
check registry (risk, remediation, ...) carry them. A check's logic and version
do not change.
"""

from __future__ import annotations

import contextlib
import dataclasses
from typing import Any, Iterator, Mapping

from postureflow.checks.base import CHECKS, SEVERITIES

# Prowler's field -> the Check field it replaces
TOP_FIELDS = {"Severity": "severity", "CheckTitle": "title", "Description": "description", "Risk": "risk",
              "RelatedUrl": "related_url"}  # fmt: skip
RECOMMENDATION_FIELDS = {"Text": "remediation", "Url": "remediation_url"}
CODE_FIELDS = ("CLI", "NativeIaC", "Other", "Terraform")


class MetadataError(ValueError):
    """The file does not follow Prowler's custom checks metadata schema."""


def parse(document: Any, where: str = "custom checks metadata") -> dict[str, dict[str, Any]]:
    """{check id: {Check field: value}} from Prowler's ``CustomChecksMetadata: aws: Checks:`` document."""
    try:
        checks = (document["CustomChecksMetadata"]["aws"] or {}).get("Checks") or {}
    except (TypeError, KeyError, AttributeError) as err:
        raise MetadataError(f"{where}: no CustomChecksMetadata: aws: Checks:") from err
    if not isinstance(checks, Mapping):
        raise MetadataError(f"{where}: Checks must map check ids to their metadata")
    return {str(check_id): _fields(fields or {}, f"{where}: {check_id}") for check_id, fields in checks.items()}


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise MetadataError(f"{where}: expected text, got {value!r}")
    return value


def _unknown(given: Mapping, known, where: str) -> None:
    extra = sorted(str(k) for k in given if k not in known)
    if extra:
        raise MetadataError(f"{where}: unknown field(s) {', '.join(extra)}; valid: {', '.join(known)}")


def _fields(fields: Any, where: str) -> dict[str, Any]:
    if not isinstance(fields, Mapping):
        raise MetadataError(f"{where}: expected a mapping of fields")
    _unknown(fields, [*TOP_FIELDS, "Remediation"], where)
    out: dict[str, Any] = {}
    for name, attribute in TOP_FIELDS.items():
        if name in fields:
            out[attribute] = _text(fields[name], f"{where}: {name}")
    if "severity" in out:
        out["severity"] = out["severity"].lower()
        if out["severity"] not in SEVERITIES:
            raise MetadataError(f"{where}: Severity {fields['Severity']!r}; valid: {', '.join(SEVERITIES)}")
    remediation = fields.get("Remediation") or {}
    if not isinstance(remediation, Mapping):
        raise MetadataError(f"{where}: Remediation must be a mapping")
    _unknown(remediation, ["Code", "Recommendation"], f"{where}: Remediation")
    recommendation = remediation.get("Recommendation") or {}
    _unknown(recommendation, list(RECOMMENDATION_FIELDS), f"{where}: Remediation: Recommendation")
    for name, attribute in RECOMMENDATION_FIELDS.items():
        if name in recommendation:
            out[attribute] = _text(recommendation[name], f"{where}: Remediation: Recommendation: {name}")
    code = remediation.get("Code") or {}
    _unknown(code, list(CODE_FIELDS), f"{where}: Remediation: Code")
    if code:
        out["remediation_code"] = {k: _text(v, f"{where}: Remediation: Code: {k}") for k, v in code.items()}
    return out


def severities(overrides: Mapping[str, Mapping[str, Any]]) -> dict[str, str]:
    return {check_id: fields["severity"] for check_id, fields in overrides.items() if "severity" in fields}


@contextlib.contextmanager
def applied(overrides: Mapping[str, Mapping[str, Any]] | None) -> Iterator[None]:
    """The registered checks carry ``overrides`` inside the block (checks postureflow lacks are ignored)."""
    saved = {check_id: CHECKS[check_id] for check_id in overrides or {} if check_id in CHECKS}
    try:
        for check_id, check in saved.items():
            fields = dict(overrides[check_id])
            if "remediation_code" in fields:
                fields["remediation_code"] = {**(check.remediation_code or {}), **fields["remediation_code"]}
            CHECKS[check_id] = dataclasses.replace(check, **fields)
        yield
    finally:
        CHECKS.update(saved)
