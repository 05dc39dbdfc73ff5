"""The collector framework: fetch one service's resources once per run.

A collector is a function decorated with ``@collector("<service>")`` in
``postureflow/collect/<service>.py``. It receives a :class:`RegionScope` and
records resources with ``scope.add(kind, ...)``. Regional collectors are called
once per enabled region, concurrently; global ones once, in the partition's
home region.

API errors that say "you can't look here" (AccessDenied, opt-in regions, an API
a region lacks, throttling that outlived the retries) become scan-error rows
and the collector goes on; anything else is a bug and fails the task.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Mapping

from botocore.exceptions import ClientError, EndpointConnectionError
from botocore.parsers import ResponseParserError

from postureflow import arn
from postureflow.aws import AwsAccess
from postureflow.config import audit_config
from postureflow.inventory import ALL_REGIONS, EVERY_FIELD, INCOMPLETE_KIND, UNREAD, Resource, json_safe, tags_to_dict
from postureflow.secrets import redact_values

log = logging.getLogger(__name__)

# An API the endpoint does not offer: a region without the service, or an emulator
# (moto raises NotImplementedError in-process and answers an HTML 500 as a server).
UNAVAILABLE_API_ERRORS = (EndpointConnectionError, ResponseParserError, NotImplementedError)

# Error codes meaning the scanner may not or cannot look here: recorded as scan errors, not raised.
DENIED_CODES = {
    "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess", "AuthorizationError",
    "AuthFailure", "InvalidClientTokenId", "UnrecognizedClientException", "Forbidden", "403",
    # CodeCommit: the repository's KMS key refuses the scanner (its content cannot be read)
    "EncryptionKeyAccessDeniedException",
}  # fmt: skip
UNAVAILABLE_CODES = {
    "OptInRequired", "SubscriptionRequiredException", "InvalidAccessException", "UnsupportedOperation",
    "EncryptionKeyDisabledException", "EncryptionKeyUnavailableException",  # CodeCommit: its KMS key is off
    "UnsupportedOperationException", "InvalidAction", "NotImplemented",
    # moto answers an operation it does not implement with HTTP 404 "Not yet implemented"
    "404", "501",
}  # fmt: skip
# Throttling that outlived botocore's retries, and server-side failures.
TRANSIENT_CODES = {
    "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException", "ServiceUnavailable",
    "ServiceUnavailableException", "InternalFailure", "InternalError", "InternalServerException",
    "500", "502", "503", "504",
}  # fmt: skip
RECORDED_ERROR_CODES = DENIED_CODES | UNAVAILABLE_CODES | TRANSIENT_CODES

MAX_REGION_THREADS = 16


@dataclass
class ScanError:
    service: str
    region: str
    api: str
    error_code: str
    message: str


@dataclass
class Collection:
    """What one service's collection produced for one account."""

    service: str
    account_id: str
    resources: list[Resource] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    # where account-wide data is read and filed (see home_region): fixed per account, not per run
    home_region: str = ""
    collected_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, resource: Resource) -> None:
        with self._lock:
            self.resources.append(resource)

    def error(self, error: ScanError) -> None:
        with self._lock:
            self.errors.append(error)


class ApiUnavailable(Exception):
    """Raised inside a collector when a recorded error means the rest of this region is moot."""


OK, ABSENT, DENIED, UNAVAILABLE, ERROR = "ok", "absent", "denied", "unavailable", "error"


@dataclass(frozen=True)
class Outcome:
    """What one AWS read gave: a value, or why there is none.

    ``ok``: the answer; ``absent``: AWS said the thing is not configured (an
    answer too: ``value`` is ``None`` or the listing's empty list); ``denied``,
    ``unavailable``, ``error``: the data could not be read, a scan-error row
    says why, and nothing may be concluded from it.
    """

    state: str
    value: Any = None
    api: str = ""
    code: str = ""

    @property
    def ok(self) -> bool:
        return self.state == OK

    @property
    def known(self) -> bool:
        """AWS answered: the value (or its absence) is a fact checks may judge."""
        return self.state in (OK, ABSENT)

    @property
    def reason(self) -> str:
        return f"{self.api} {self.code}".strip()

    def map(self, fn: Callable[[Any], Any]) -> "Outcome":
        """The same outcome with ``fn`` applied to an ok value."""
        return Outcome(self.state, fn(self.value), self.api, self.code) if self.ok else self

    def get(self, key: str, default: Any = None) -> "Outcome":
        """The outcome of one key of an ok response (``default`` when the key is missing)."""
        return self.map(lambda value: (value or {}).get(key, default))

    def absent_as(self, value: Any) -> "Outcome":
        """``value`` as the answer when AWS said "not configured" (Macie off -> "DISABLED")."""
        return Outcome(OK, value, self.api, self.code) if self.state == ABSENT else self

    def or_else(self, default: Any) -> Any:
        """The value when AWS answered, ``default`` otherwise (for data that decides nothing)."""
        return self.value if self.ok else default


def _code_and_message(err: ClientError) -> tuple[str, str]:
    error = err.response.get("Error", {})
    return str(error.get("Code", "")), str(error.get("Message", "") or err)


def _means_absent(code: str, message: str, absent: Iterable[str | tuple[str, str]]) -> bool:
    """``absent`` holds error codes, or (code, message fragment) pairs for services that answer
    "not configured" with a generic code (Macie: AccessDeniedException "... not enabled")."""
    for entry in absent:
        if entry == code or (isinstance(entry, tuple) and entry[0] == code and entry[1] in message):
            return True
    return False


def _dig(page: dict, key: str):
    """``page[key]``; a dotted key reaches into nested results (CloudFront's "DistributionList.Items")."""
    for part in key.split("."):
        page = (page or {}).get(part)
    return page


def _classify(code: str) -> str:
    if code in DENIED_CODES:
        return DENIED
    if code in UNAVAILABLE_CODES:
        return UNAVAILABLE
    return ERROR


FAN_OUT_THREADS = 8


class RegionScope:
    """What a collector sees: one account, one region, a client factory and a sink.

    Every AWS read goes through :meth:`fetch` (one call) or :meth:`list` (every
    page of a listing), which return an :class:`Outcome` and write the
    scan-error row themselves; :meth:`each` fans per-resource reads out over a
    bounded pool. A collector never catches ``ClientError`` nor starts threads.
    """

    def __init__(self, access: AwsAccess, collection: Collection, region: str, partition: str | None = None,
                 whole_account: bool = False, config: Mapping[str, Any] | None = None):  # fmt: skip
        self.access = access
        # The run's audit config (Prowler's defaults when None): for the few collections it shapes
        # (a Shodan key, opt-in object sampling). It may hold secrets: never store or log its values.
        self.config = audit_config() if config is None else config
        self.collection = collection
        self.region = region
        self.partition = partition or arn.partition_of(region)
        self.account_id = collection.account_id
        self.service = collection.service
        # a global collector's gaps hold for every region it files findings in
        self.gap_region = ALL_REGIONS if whole_account else region

    @property
    def is_home(self) -> bool:
        """Whether this is the account's home region, where account-wide settings are read once."""
        return self.region == self.collection.home_region

    def client(self, service: str, region: str | None = None):
        return self.access.client(service, region or self.region)

    def arn(self, service: str, resource: str, region: str | None = None, account: str | None = None) -> str:
        region = self.region if region is None else region
        account = self.account_id if account is None else account
        return arn.build(service, resource, region=region, account=account, partition=self.partition)

    # -- reading AWS ----------------------------------------------------------------------

    def fetch(self, client, operation: str, absent: Iterable[str | tuple[str, str]] = (), **params) -> Outcome:
        """Call one operation. ``absent``: error codes (or (code, message fragment) pairs) that
        mean "not configured"."""
        api = f"{client.meta.service_model.service_name}:{operation}"
        try:
            return Outcome(OK, getattr(client, operation)(**params), api)
        except ClientError as err:
            code, message = _code_and_message(err)
            if _means_absent(code, message, absent):
                return Outcome(ABSENT, None, api, code)
            if code in RECORDED_ERROR_CODES:
                return self.failed(api, code, message)
            raise
        except UNAVAILABLE_API_ERRORS as err:
            return self.failed(api, type(err).__name__, str(err), UNAVAILABLE)

    def list(
        self,
        client,
        operation: str,
        key: str,
        *,
        absent: Iterable[str] = (),
        kind: str | Iterable[str] | None = None,
        token: tuple[str, str] | Callable[[dict], dict | None] | None = None,
        **params,
    ) -> Outcome:
        """Every item of ``key`` over all pages, or a failed outcome: never a silent partial list.

        botocore's paginator is used where one exists; ``token=(output, input)``
        names the page token of an operation botocore has none for (or a function
        from a page to the next call's extra parameters, None at the end). On failure,
        each inventory ``kind`` named is marked incomplete in this region, so the
        checks that read it give no verdict here.
        """
        api = f"{client.meta.service_model.service_name}:{operation}"
        items: list = []

        def pages() -> Iterator[dict]:
            if client.can_paginate(operation):
                yield from client.get_paginator(operation).paginate(**params)
                return
            call = dict(params)
            while True:
                page = getattr(client, operation)(**call)
                yield page
                if callable(token):
                    following = token(page)
                    if not following:
                        return
                    call.update(following)
                    continue
                if not token or not page.get(token[0]):
                    return
                call[token[1]] = page[token[0]]

        outcome = self.fetch_pages(api, pages, items, key, absent)
        if not outcome.known and kind:
            for name in [kind] if isinstance(kind, str) else kind:
                self.mark_incomplete(name, outcome)
        return outcome

    def fetch_pages(self, api: str, pages: Callable[[], Iterator[dict]], items: list, key: str, absent) -> Outcome:
        try:
            for page in pages():
                items.extend(_dig(page, key) or [])
            return Outcome(OK, items, api)
        except ClientError as err:
            code, message = _code_and_message(err)
            if _means_absent(code, message, absent):
                return Outcome(ABSENT, [], api, code)
            if code in RECORDED_ERROR_CODES:
                return self.failed(api, code, message)
            raise
        except UNAVAILABLE_API_ERRORS as err:
            return self.failed(api, type(err).__name__, str(err), UNAVAILABLE)

    def each(self, items: Iterable[Any], fn: Callable[[Any], Any], threads: int = FAN_OUT_THREADS) -> list[Any]:
        """``fn`` over ``items`` on a bounded pool (per-resource reads); results in order."""
        items = list(items)
        if len(items) <= 1 or threads <= 1:
            return [fn(item) for item in items]
        with ThreadPoolExecutor(max_workers=min(threads, len(items))) as pool:
            return list(pool.map(fn, items))

    # -- recording ------------------------------------------------------------------------

    def add(
        self,
        kind: str,
        *,
        uid: str,
        id: str,
        region: str | None = None,
        tags: Iterable[dict] | dict | Outcome | None = None,
        **data: Any,
    ) -> None:
        """Record one resource. A data value may be an :class:`Outcome`: ok gives its value,
        absent ``None``, a failed read ``None`` with the field named in ``_unread``."""
        unread: dict[str, str] = {}
        for name, value in list(data.items()):
            if isinstance(value, Outcome):
                data[name] = value.value if value.ok else None
                if not value.known:
                    unread[name] = value.reason
        if isinstance(tags, Outcome):
            if not tags.known:
                unread["tags"] = tags.reason
            tags = tags.value if tags.ok else None
        if unread:
            data[UNREAD] = unread
        # Round-trip through JSON now so checks see the same values from memory and from the lake.
        clean = json.loads(json.dumps(json_safe(data)))
        self.collection.add(
            Resource(kind=kind, uid=uid, id=id, region=region or self.region, tags=redact_values(tags_to_dict(tags)), data=clean)
        )

    def add_unreadable(self, kind: str, outcome: Outcome, *, uid: str, id: str, **data: Any) -> None:
        """Record a listed resource whose details could not be read: only ``data`` (what the listing
        said) is known, and every check that reads anything else gives it no verdict."""
        self.collection.add(
            Resource(kind=kind, uid=uid, id=id, region=self.region, tags={},
                     data={**json_safe(data), UNREAD: {EVERY_FIELD: outcome.reason}})  # fmt: skip
        )

    def describe_batches(
        self, kind: str, client, operation: str, ids: list[str], *, size: int, param: str, key: str,
        listed: Callable[[str], dict], **params: Any,
    ) -> list[dict]:
        """Describe listed ``ids`` ``size`` at a time (``operation(param=batch, **params)``) and return the
        described items under ``key``. The ids of a batch whose call failed are recorded as unreadable
        ``kind`` records, ``listed(id)`` giving their ``uid``, ``id`` and what else the listing said."""
        described: list[dict] = []
        for start in range(0, len(ids), size):
            batch = ids[start : start + size]
            answer = self.fetch(client, operation, **{param: batch}, **params)
            if answer.ok:
                described.extend(answer.value.get(key) or [])
                continue
            for listed_id in batch:
                self.add_unreadable(kind, answer, **listed(listed_id))
        return described

    def recorded(self, kind: str) -> list[Resource]:
        """This region's records of ``kind`` collected so far in this run (for a collector part that
        builds on what its service's main collector read, instead of reading it from AWS again)."""
        with self.collection._lock:
            return [r for r in self.collection.resources if r.kind == kind and r.region == self.region]

    def mark_incomplete(self, kind: str, outcome: Outcome) -> None:
        """The listing of ``kind`` failed here: checks reading it give no verdict in this region."""
        self.collection.add(
            Resource(
                kind=INCOMPLETE_KIND,
                uid=f"{self.service}:{kind}@{self.gap_region}",
                id=kind,
                region=self.gap_region,
                tags={},
                data={"kind": kind, "reason": outcome.reason},
            )
        )

    def failed(self, api: str, code: str, message: str, state: str | None = None) -> Outcome:
        """Record a read that gave no data (refused, or answered without it: a report job that failed)
        as a scan error; the failed outcome to store."""
        log.warning("scan error in %s %s: %s %s", self.region, api, code, message)
        self.collection.error(ScanError(self.service, self.region, api, code, message[:1000]))
        return Outcome(state or _classify(code), None, api, code)


CollectorFn = Callable[[RegionScope], None]


@dataclass
class Collector:
    service: str
    fn: CollectorFn
    scope: str  # "regional" or "global"


COLLECTORS: dict[str, Collector] = {}
# service -> functions run after its collector, in the same scope, region by region: a part owned by
# another module (ec2's Shodan look-ups) that reads what the main collector recorded via scope.recorded().
COLLECTOR_PARTS: dict[str, dict[str, CollectorFn]] = {}


def collector(service: str, scope: str = "regional") -> Callable[[CollectorFn], CollectorFn]:
    """Register the function that collects ``service``'s inventory."""
    if scope not in ("regional", "global"):
        raise ValueError(f"collector scope must be regional or global, not {scope!r}")

    def register(fn: CollectorFn) -> CollectorFn:
        if service in COLLECTORS and COLLECTORS[service].fn.__module__ != fn.__module__:
            raise ValueError(f"two collectors for service {service!r}")
        COLLECTORS[service] = Collector(service, fn, scope)
        return fn

    return register


def collector_part(service: str) -> Callable[[CollectorFn], CollectorFn]:
    """Register a function that extends ``service``'s collection (run after its collector, in each region)."""

    def register(fn: CollectorFn) -> CollectorFn:
        COLLECTOR_PARTS.setdefault(service, {})[f"{fn.__module__}.{fn.__qualname__}"] = fn
        return fn

    return register


def home_region(regions: list[str]) -> str:
    """Where a global service (IAM, account, ...) and account-wide settings are read and filed.

    Pass the account's regions (every enabled one, or the accounts file's list), never a run's
    narrower selection: a finding's region is part of its finding_uid, so a manual run of one
    region must not re-file every IAM finding there (it would sit in latest_findings twice, and
    Security Hub would get a second copy). Prowler files global findings in its first audited
    region under -f; we keep the account's home, which is what Prowler's default run uses
    (us-east-1, the global region, whenever it is scanned).
    """
    return "us-east-1" if "us-east-1" in regions or not regions else regions[0]


def run_collector(
    coll: Collector,
    access: AwsAccess,
    account_id: str,
    regions: list[str],
    now: dt.datetime | None = None,
    config: Mapping[str, Any] | None = None,
    home: str | None = None,
) -> Collection:
    """Collect one service in ``regions``; ``home`` is the account's home region (default: that of ``regions``).

    A global service is read in the home region even when a run's regions leave it out; a
    regional service reads its account-wide settings only where the run includes the home region.
    """
    collection = Collection(service=coll.service, account_id=account_id, home_region=home or home_region(regions))
    if now is not None:
        collection.collected_at = now
    targets = [collection.home_region] if coll.scope == "global" else list(regions)
    collection.regions = targets

    def one_region(region: str) -> None:
        scope = RegionScope(access, collection, region, whole_account=coll.scope == "global", config=config)
        for fn in [coll.fn, *COLLECTOR_PARTS.get(coll.service, {}).values()]:
            try:
                fn(scope)
            except ApiUnavailable:
                pass
            except EndpointConnectionError as err:
                scope.collection.error(ScanError(coll.service, region, coll.service, "EndpointConnectionError", str(err)))

    if len(targets) == 1:
        one_region(targets[0])
    else:
        with ThreadPoolExecutor(max_workers=min(MAX_REGION_THREADS, len(targets))) as pool:
            for future in [pool.submit(one_region, r) for r in targets]:
                future.result()  # re-raises the unexpected
    collection.resources.sort(key=lambda r: (r.kind, r.region, r.uid))
    return collection
