"""Secret detection at collection time, with detect-secrets and Prowler's plugin set.

Collectors that see free text or key/value configuration (Lambda environment,
EC2 user data, ECS task definitions, CloudFormation outputs, resource tags, ...)
pass it through here and store only what the checks need: which keys or lines
look secret and of what type, never the values. The lake, the logs and the
reports therefore cannot leak what was found.

Detection is detect-secrets (the library Prowler used for these checks) with
Prowler's plugins and filters, so a line Prowler flags is flagged here and
Prowler's ``secrets_ignore_patterns`` (regexes; a line that matches one is not
scanned) work unchanged. Two additions, where Prowler misses real secrets:

- key/value configuration also flags a non-empty value whose *name* says it is
  secret (``API_TOKEN``, ``credential``, ...: detect-secrets' keyword list has
  no "token");
- values that only point at a secret store (``{{resolve:ssm:...}}``, a Secrets
  Manager ARN, ``${VAR}``) are never secrets.

The audit config reaches the detector through :func:`use_config` (the scan task
wraps collection in it): ``secrets_ignore_patterns`` and, for callers that name
a file, ``secrets_ignore_files`` (globs). ``secrets_validate`` is never honoured:
checking whether a secret is live would send it to a third party, which
postureflow does not do; a true value is logged as ignored.

Ignore patterns act when the inventory is collected: a backfill re-evaluates the
stored hits and cannot apply new patterns to values it never kept.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import fnmatch
import gzip
import hashlib
import json
import logging
import re
import threading
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Mapping

from detect_secrets.core.scan import _process_line_based_plugins  # line-based scan of in-memory text
from detect_secrets.settings import cache_bust, configure_settings_from_baseline

log = logging.getLogger(__name__)

# Prowler's detect-secrets plugin set (prowler/lib/utils/utils.py before its move to Kingfisher).
PROWLER_PLUGINS: tuple[dict[str, Any], ...] = (
    {"name": "ArtifactoryDetector"},
    {"name": "AWSKeyDetector"},
    {"name": "AzureStorageKeyDetector"},
    {"name": "BasicAuthDetector"},
    {"name": "CloudantDetector"},
    {"name": "DiscordBotTokenDetector"},
    {"name": "GitHubTokenDetector"},
    {"name": "GitLabTokenDetector"},
    {"name": "Base64HighEntropyString", "limit": 6.0},
    {"name": "HexHighEntropyString", "limit": 3.0},
    {"name": "IbmCloudIamDetector"},
    {"name": "IbmCosHmacDetector"},
    {"name": "JwtTokenDetector"},
    {"name": "KeywordDetector"},
    {"name": "MailchimpDetector"},
    {"name": "NpmDetector"},
    {"name": "OpenAIDetector"},
    {"name": "PrivateKeyDetector"},
    {"name": "PypiTokenDetector"},
    {"name": "SendGridDetector"},
    {"name": "SlackDetector"},
    {"name": "SoftlayerDetector"},
    {"name": "SquareOAuthDetector"},
    {"name": "StripeDetector"},
    {"name": "TwilioKeyDetector"},
)
# Prowler's filters, less is_invalid_file (a file-level filter; nothing here is a file on disk).
# Verification filters are left out on purpose: they send the secret to its provider.
PROWLER_FILTERS: tuple[dict[str, Any], ...] = (
    {"path": "detect_secrets.filters.common.is_known_false_positive"},
    {"path": "detect_secrets.filters.heuristic.is_likely_id_string"},
    {"path": "detect_secrets.filters.heuristic.is_potential_secret"},
)
# The file type decides how detect-secrets' KeywordDetector reads a line: key/value pairs are laid
# out as Prowler did (indented JSON, quotes required); free text (scripts, user data, documents) as a
# config file, where `PASSWORD=value` and `password: value` need no quotes.
KEY_VALUE_FILENAME = "key-values"
TEXT_FILENAME = "text.conf"

# Names of keys whose non-empty value is presumed secret (key/value configuration only).
SECRET_KEY_NAME = re.compile(
    r"(?i)(password|passwd|pwd|secret|api[_-]?key|apikey|access[_-]?key|private[_-]?key|token|credential|auth)"
)
# Values that only point at a secret store are fine.
REFERENCE_VALUE = re.compile(r"(?i)^(arn:aws[a-z-]*:(secretsmanager|ssm|kms):|\{\{resolve:|\{\{ssm(-secure)?:|\$\{|\$\(|ssm:|/aws/reference/)")
KEY_NAME_TYPE = "Secret keyword in name"
REDACTED = "[redacted: {type}]"


@dataclass(frozen=True)
class SecretSettings:
    """The audit-config keys the detector honours."""

    ignore_patterns: tuple[str, ...] = ()
    ignore_files: tuple[str, ...] = ()

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | None) -> "SecretSettings":
        config = config or {}
        if config.get("secrets_validate"):
            log.warning("secrets_validate is ignored: postureflow never sends a discovered secret anywhere")
        return cls(
            ignore_patterns=tuple(str(p) for p in config.get("secrets_ignore_patterns") or ()),
            ignore_files=tuple(str(p) for p in config.get("secrets_ignore_files") or ()),
        )

    def detect_secrets_settings(self) -> dict[str, Any]:
        filters = [dict(f) for f in PROWLER_FILTERS]
        if self.ignore_patterns:
            filters.append({"path": "detect_secrets.filters.regex.should_exclude_line", "pattern": list(self.ignore_patterns)})
        return {"plugins_used": [dict(p) for p in PROWLER_PLUGINS], "filters_used": filters}


_active = SecretSettings()
_configured: SecretSettings | None = None  # what detect-secrets' process-wide settings hold now
# detect-secrets keeps its settings process-wide; collectors scan from several threads.
_lock = threading.RLock()


def _configure_detect_secrets() -> None:
    """Point detect-secrets' (process-wide) settings at ``_active``; only when it changed (costly)."""
    global _configured
    if _configured != _active:
        cache_bust()
        configure_settings_from_baseline(_active.detect_secrets_settings())
        _configured = _active


@contextlib.contextmanager
def use_config(config: Mapping[str, Any] | None) -> Iterator[SecretSettings]:
    """Scan with the secrets_* keys of ``config`` (an audit config) until the block ends."""
    global _active
    settings = SecretSettings.from_config(config)
    with _lock:
        previous, _active = _active, settings
    try:
        yield settings
    finally:
        with _lock:
            _active = previous


@dataclass(frozen=True)
class SecretHit:
    """Where a secret-looking value was seen and what kind: never the value itself."""

    location: str  # a key name, "line 12", "output DbPassword", ...
    type: str

    def as_dict(self) -> dict[str, str]:
        return {"location": self.location, "type": self.type}


def _scan_lines(lines: list[str], filename: str) -> dict[int, str]:
    """line number (1-based) -> the first secret type detect-secrets finds on it."""
    if not lines:
        return {}
    found: dict[int, str] = {}
    with _lock:
        _configure_detect_secrets()
        for secret in _process_line_based_plugins(list(enumerate(lines, start=1)), filename=filename):
            if REFERENCE_VALUE.match(secret.secret_value or ""):
                continue
            found.setdefault(secret.line_number, secret.type)
    return found


def _ignored_line(line: str) -> bool:
    return any(re.search(pattern, line) for pattern in _active.ignore_patterns)


def scan_value(value: str) -> str | None:
    """The secret type ``value`` looks like, or None."""
    if not isinstance(value, str) or not value:
        return None
    hits = _scan_lines([value], TEXT_FILENAME)
    return next(iter(hits.values()), None)


def scan_key_values(pairs: Mapping[str, Any] | Iterable[tuple[str, Any]], *, key_names: bool = True) -> list[dict[str, str]]:
    """Secret-looking entries of a key/value configuration (environment variables, tags, ...).

    The pairs are scanned as the lines of indented JSON, as Prowler lays them out, so
    ``secrets_ignore_patterns`` written for Prowler match the same lines. ``key_names``
    adds the name rule (a value under a secret-sounding name); tags scan without it.
    """
    items = [("" if k is None else str(k), "" if v is None else str(v)) for k, v in (pairs.items() if isinstance(pairs, Mapping) else pairs)]
    lines = [f"  {json.dumps(k)}: {json.dumps(v)}," for k, v in items]
    found = _scan_lines(lines, KEY_VALUE_FILENAME)
    hits: list[SecretHit] = []
    for number, ((key, value), line) in enumerate(zip(items, lines), start=1):
        if not value or REFERENCE_VALUE.match(value):
            continue
        kind = found.get(number)
        if kind is None and key_names and SECRET_KEY_NAME.search(key) and len(value) >= 6 and not _ignored_line(line):
            kind = KEY_NAME_TYPE
        if kind:
            hits.append(SecretHit(key, kind))
    return [h.as_dict() for h in hits]


def scan_text(text: str, filename: str | None = None) -> list[dict[str, str]]:
    """Secret-looking lines of free text (user data, scripts): line numbers and types only.

    ``filename`` (a file inside a package) is skipped when it matches ``secrets_ignore_files``.
    """
    if filename and any(fnmatch.fnmatch(filename, pattern) for pattern in _active.ignore_files):
        return []
    found = _scan_lines((text or "").splitlines(), TEXT_FILENAME)
    return [SecretHit(f"line {number}", kind).as_dict() for number, kind in sorted(found.items())]


def redact_values(pairs: Mapping[str, Any] | None) -> dict[str, str]:
    """``pairs`` with every secret-looking value replaced by ``[redacted: <type>]``; keys kept.

    For tags: they reach the lake, the reports and Security Hub, so a value that looks
    like a credential is not kept (the same detection as other free text).
    """
    if not pairs:
        return {}
    clean = {str(k): "" if v is None else str(v) for k, v in pairs.items()}
    for hit in scan_key_values(clean, key_names=False):
        clean[hit["location"]] = REDACTED.format(type=hit["type"])
    return clean


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
    """'DB_PASSWORD (Secret Keyword), line 3 (AWS Access Key)': where and what kind, never a value."""
    shown = [f"{h.get('location')} ({h.get('type')})" for h in hits[:limit]]
    more = len(hits) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")
