"""Reading audit config the way a Prowler user writes it.

Two sources, both checked against Prowler's keys and defaults
(``prowler_defaults.yaml``):

- a Prowler ``config.yaml`` (``postureflow scan --config-file``, or
  ``audit_config: <file>`` in the accounts file): its ``aws:`` section is used
  as is; the other providers' sections (``azure:``, ``gcp:``, ...) are skipped;
- a mapping of keys (``audit_config: {...}`` in the accounts file's defaults
  and per account).

An unknown key is a warning (Prowler ignores it too, and a newer Prowler may
know it); a value of the wrong type is an error naming the file and the key,
because a threshold that silently falls back to its default misleads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import yaml

from postureflow.config import POSTUREFLOW_DEFAULTS, prowler_defaults

PROVIDER_SECTIONS = ("aws", "azure", "gcp", "kubernetes", "m365", "github", "iac", "mongodbatlas", "oraclecloud",
                     "alibabacloud", "nhn", "llm", "openstack")  # fmt: skip


class ConfigError(ValueError):
    """An audit config that cannot be used; the message names the file (or source) and the key."""


@dataclass
class AuditOverrides:
    """Validated overrides of Prowler's defaults, and what was skipped (warnings)."""

    values: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def _type_name(value: Any) -> str:
    return "null" if value is None else {bool: "a boolean", int: "a number", float: "a number", str: "a string",
                                          list: "a list", dict: "a mapping"}.get(type(value), type(value).__name__)  # fmt: skip


def _check_value(key: str, value: Any, default: Any) -> Any:
    """``value`` if it has the type of Prowler's default for ``key`` (None defaults take anything); else raise."""
    if value is None or default is None:
        return value
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
    elif isinstance(default, (int, float)):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value
    elif isinstance(default, str):
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return str(value)  # versions like 1.28 are often written unquoted
    elif isinstance(default, list):
        if isinstance(value, list):
            return value
    elif isinstance(default, dict):
        if isinstance(value, dict):
            return value
    raise ConfigError(f"key '{key}' must be {_type_name(default)} like Prowler's default {default!r}, got {value!r}")


def validate_overrides(values: Mapping[str, Any] | None, source: str) -> AuditOverrides:
    """Check a mapping of audit-config keys; raise ConfigError naming ``source`` and the key."""
    if values is None:
        return AuditOverrides()
    if not isinstance(values, Mapping):
        raise ConfigError(f"{source}: the audit config must be a mapping of Prowler's keys, got {_type_name(values)}")
    defaults = {**POSTUREFLOW_DEFAULTS, **prowler_defaults()}
    result = AuditOverrides()
    errors = []
    for key, value in values.items():
        if key not in defaults:
            result.warnings.append(f"{source}: unknown audit-config key '{key}' is ignored (not a Prowler AWS key)")
            continue
        try:
            result.values[key] = _check_value(key, value, defaults[key])
        except ConfigError as err:
            errors.append(f"{source}: {err}")
    for pattern in result.values.get("secrets_ignore_patterns") or ():
        try:
            re.compile(str(pattern))
        except re.error as err:
            errors.append(f"{source}: key 'secrets_ignore_patterns': {pattern!r} is not a valid regular expression: {err}")
    if errors:
        raise ConfigError("\n".join(errors))
    return result


def aws_section(document: Any, source: str) -> Mapping[str, Any]:
    """The AWS keys of a Prowler config document (its ``aws:`` section)."""
    if document is None:
        return {}
    if not isinstance(document, Mapping):
        raise ConfigError(f"{source}: expected a mapping with an 'aws:' section, found {_type_name(document)}")
    if "aws" in document or any(key in PROVIDER_SECTIONS for key in document):
        section = document.get("aws") or {}
        if not isinstance(section, Mapping):
            raise ConfigError(f"{source}: the 'aws:' section must be a mapping, found {_type_name(section)}")
        return section
    return document  # a bare mapping of AWS keys


def load_config_file(path: str | Path) -> AuditOverrides:
    """Read a Prowler config file (``config.yaml``); raise ConfigError naming the file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"config file {path}: cannot be read: {getattr(err, 'strerror', None) or err}") from err
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        at = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise ConfigError(f"config file {path}: is not valid YAML{at}: {getattr(err, 'problem', None) or err}") from err
    source = f"config file {path}"
    return validate_overrides(aws_section(document, source), source)
