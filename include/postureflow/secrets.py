"""Secret detection at collection time.

Collectors that see free text or key/value configuration (Lambda environment,
EC2 user data, ECS task definitions, CloudFormation outputs, ...) pass it
through here and store only what the checks need: which keys or lines look
secret and of what type, never the values. The lake, the logs and the reports
therefore cannot leak what was found.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import hashlib
import math
import re
from dataclasses import dataclass

# (type, pattern) matched against values or text; patterns of well-known credential formats.
VALUE_PATTERNS: list[tuple[str, re.Pattern]] = [
    ("AWS access key id", re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b")),
    ("AWS secret access key", re.compile(r"(?i)aws.{0,20}?(?:secret|sk).{0,20}?['\"=: ]+[0-9a-zA-Z/+]{40}\b")),
    ("Private key", re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY( BLOCK)?-----")),
    ("GitHub token", re.compile(r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b")),
    ("Slack token", re.compile(r"\bxox[baprs]-[0-9A-Za-z-]{10,}\b")),
    ("Stripe key", re.compile(r"\b[rs]k_live_[0-9a-zA-Z]{24,}\b")),
    ("JSON web token", re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\b")),
    ("Basic auth in URL", re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s:@]+@[^/\s]+")),
    (
        "Password assignment",
        # NAME=value / NAME: value / "name": "value" where NAME is or contains a secret word
        # (DB_PASSWORD, SECRET_KEY, api-key, ...); "${VAR}" and "$(cmd)" values are references, not secrets.
        re.compile(
            r"(?i)(?<![A-Za-z0-9])[A-Za-z0-9_.-]*?"
            r"(?:password|passwd|pwd|secret|api[_-]?key|token|auth)"
            r"(?:[_.-][A-Za-z0-9_.-]*)?['\"]?\s*[=:]\s*['\"]?[^\s'\"$]{6,}"
        ),
    ),
]

# Names of keys whose non-empty value is presumed secret.
SECRET_KEY_NAME = re.compile(
    r"(?i)(password|passwd|pwd|secret|api[_-]?key|apikey|access[_-]?key|private[_-]?key|token|credential|auth)"
)
# Values that only point at a secret store are fine.
REFERENCE_VALUE = re.compile(r"(?i)^(arn:aws[a-z-]*:(secretsmanager|ssm|kms):|\{\{resolve:|\{\{ssm(-secure)?:|\$\{|ssm:|/aws/reference/)")
# Identifiers that are long and varied but name a resource rather than grant access.
NOT_A_SECRET_SHAPE = re.compile(r"(?i)^(arn:aws[a-z-]*:|https?://[^/@\s]+(/|$))")


@dataclass(frozen=True)
class SecretHit:
    """Where a secret-looking value was seen and what kind: never the value itself."""

    location: str  # a key name, "line 12", "output DbPassword", ...
    type: str

    def as_dict(self) -> dict[str, str]:
        return {"location": self.location, "type": self.type}


def _entropy(text: str) -> float:
    if not text:
        return 0.0
    counts = {c: text.count(c) for c in set(text)}
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def scan_value(value: str) -> str | None:
    """The secret type ``value`` looks like, or None."""
    if not isinstance(value, str) or not value:
        return None
    for kind, pattern in VALUE_PATTERNS:
        if pattern.search(value):
            return kind
    return None


def scan_key_values(pairs: dict[str, str] | list[tuple[str, str]]) -> list[dict[str, str]]:
    """Secret-looking entries of a key/value configuration (environment variables, ...)."""
    items = pairs.items() if isinstance(pairs, dict) else pairs
    hits: list[SecretHit] = []
    for key, value in items:
        value = "" if value is None else str(value)
        if not value or REFERENCE_VALUE.match(value):
            continue
        kind = scan_value(value)
        if kind is None and SECRET_KEY_NAME.search(str(key)) and len(value) >= 6:
            kind = "Secret keyword in name"
        if (
            kind is None
            and len(value) >= 32
            and " " not in value
            and not NOT_A_SECRET_SHAPE.match(value)
            and _entropy(value) > 4.5
        ):
            kind = "High-entropy string"
        if kind:
            hits.append(SecretHit(str(key), kind))
    return [h.as_dict() for h in hits]


def scan_text(text: str) -> list[dict[str, str]]:
    """Secret-looking lines of free text (user data, scripts): line numbers and types only."""
    hits: list[SecretHit] = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        kind = scan_value(line)
        if kind:
            hits.append(SecretHit(f"line {number}", kind))
    return [h.as_dict() for h in hits]


def decode_user_data(raw: str | bytes | None) -> str:
    """EC2 user data arrives base64-encoded, sometimes gzipped; return the text."""
    if not raw:
        return ""
    data = raw.encode() if isinstance(raw, str) else raw
    try:
        data = base64.b64decode(data, validate=False)
    except (binascii.Error, ValueError):
        pass
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except OSError:
            return ""
    return data.decode("utf-8", "replace")


def fingerprint(value: str) -> str:
    """A short one-way hash, for telling whether a secret-bearing value changed between scans."""
    return hashlib.sha256(value.encode()).hexdigest()[:16]


def describe_hits(hits: list[dict[str, str]], limit: int = 5) -> str:
    """'DB_PASSWORD (Secret keyword in name), line 3 (AWS access key id)': where and what kind, never a value."""
    shown = [f"{h.get('location')} ({h.get('type')})" for h in hits[:limit]]
    more = len(hits) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")
