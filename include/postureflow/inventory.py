"""The inventory model: what collectors record and checks read.

It sits below both ``collect/`` and ``checks/``: a check depends on the
inventory, never on a collector.

A field the collector could not read (AccessDenied, throttled, an API the
region lacks) is stored as ``None`` and named in the record's ``_unread`` map
with the reason. Reading such a field through :meth:`Resource.get` or ``[]``
is noted, so the evaluation can turn any verdict that depended on it into "no
verdict" (see ``checks.base``): unknown is never PASS and never FAIL.

A listing that failed as a whole (no resources of a kind could be listed in a
region) leaves an :data:`INCOMPLETE_KIND` record naming the kind; a check that
reads that kind gives no verdict in that region.
"""

from __future__ import annotations

import contextvars
import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable

UNREAD = "_unread"
# In ``_unread``: every field the record does not hold (its details could not be read at all;
# the fields it holds came from the listing and are known).
EVERY_FIELD = "*"
# Inventory records of this kind say "the listing of <data.kind> failed in <region>".
INCOMPLETE_KIND = "_incomplete"
ALL_REGIONS = "*"


def json_safe(value: Any) -> Any:
    """Turn a boto3 response fragment into plain JSON types (datetimes become ISO strings)."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [json_safe(v) for v in value]
    if isinstance(value, (dt.datetime, dt.date)):
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def tags_to_dict(tags: Iterable[dict] | dict | None) -> dict[str, str]:
    """AWS returns tags as [{Key, Value}] (or {key: value}); the lake keeps a plain map."""
    if not tags:
        return {}
    if isinstance(tags, dict):
        return {str(k): str(v) for k, v in tags.items()}
    return {str(t.get("Key", t.get("key"))): str(t.get("Value", t.get("value", ""))) for t in tags}


# The unread fields read during the current check evaluation: {(id(resource), kind, field): reason}.
_unread_reads: contextvars.ContextVar[dict | None] = contextvars.ContextVar("unread_reads", default=None)


@dataclass
class Resource:
    """One inventory record: a resource (or a per-region setting) and the facts checks need."""

    kind: str
    uid: str
    id: str
    region: str
    tags: dict[str, str]
    data: dict[str, Any]

    def _note(self, key: str) -> None:
        unread = self.data.get(UNREAD)
        if unread and (key in unread or (EVERY_FIELD in unread and key not in self.data)):
            reads = _unread_reads.get()
            if reads is not None:
                reads[(id(self), self.kind, key)] = unread.get(key) or unread[EVERY_FIELD]

    def __getitem__(self, key: str) -> Any:
        self._note(key)
        return self.data[key]

    def get(self, key: str, default: Any = None) -> Any:
        self._note(key)
        return self.data.get(key, default)

    def __contains__(self, key: str) -> bool:
        return key in self.data

    @property
    def unread(self) -> dict[str, str]:
        """field -> why it could not be read."""
        return dict(self.data.get(UNREAD) or {})

    def lacks(self, key: str) -> bool:
        """True when ``key`` was read and holds nothing (not configured); False when it holds
        something or could not be read. For checks that skip resources without the feature:
        ``if fn.lacks("url_auth_type"): continue`` lets an unread field through to no verdict."""
        return self.readable(key) and not self.data.get(key)

    def readable(self, key: str) -> bool:
        """Whether ``key`` was read (without noting a read): for checks that judge around a gap."""
        unread = self.data.get(UNREAD) or {}
        return key not in unread and (EVERY_FIELD not in unread or key in self.data)


class UnreadTracker:
    """Notes every unread field a block of check code reads (a context manager)."""

    def __enter__(self) -> dict:
        self.reads: dict = {}
        self._token = _unread_reads.set(self.reads)
        return self.reads

    def __exit__(self, *exc) -> None:
        _unread_reads.reset(self._token)
