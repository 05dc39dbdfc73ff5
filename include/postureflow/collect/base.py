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
from typing import Any, Callable, Iterable, Iterator

from botocore.exceptions import ClientError, EndpointConnectionError
from botocore.parsers import ResponseParserError

# An API the endpoint does not offer: a region without the service, or an emulator
# (moto raises NotImplementedError in-process and answers an HTML 500 as a server).
UNAVAILABLE_API_ERRORS = (EndpointConnectionError, ResponseParserError, NotImplementedError)

from postureflow.aws import AwsAccess

log = logging.getLogger(__name__)

# Error codes meaning the scanner may not or cannot look here: recorded, not raised.
RECORDED_ERROR_CODES = {
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedAccess",
    "AuthorizationError",
    "AuthFailure",
    "OptInRequired",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "SubscriptionRequiredException",
    "InvalidAccessException",
    "UnsupportedOperation",
    "UnsupportedOperationException",
    "InvalidAction",
    "Throttling",
    "ThrottlingException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "InternalFailure",
    "InternalError",
    "InternalServerException",
    "500",
    "502",
    "503",
    "504",
    # moto answers an operation it does not implement with HTTP 404 "Not yet implemented"
    "404",
    "501",
    "NotImplemented",
}

MAX_REGION_THREADS = 16


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


@dataclass
class ScanError:
    service: str
    region: str
    api: str
    error_code: str
    message: str


@dataclass
class Resource:
    """One inventory record: a resource (or a per-region setting) and the facts checks need."""

    kind: str
    uid: str
    id: str
    region: str
    tags: dict[str, str]
    data: dict[str, Any]

    def __getitem__(self, key: str) -> Any:
        return self.data[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)


@dataclass
class Collection:
    """What one service's collection produced for one account."""

    service: str
    account_id: str
    resources: list[Resource] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
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


class RegionScope:
    """What a collector sees: one account, one region, a client factory and a sink."""

    def __init__(self, access: AwsAccess, collection: Collection, region: str, partition: str = "aws"):
        self.access = access
        self.collection = collection
        self.region = region
        self.partition = partition
        self.account_id = collection.account_id
        self.service = collection.service

    def client(self, service: str, region: str | None = None):
        return self.access.client(service, region or self.region)

    def arn(self, service: str, resource: str, region: str | None = None, account: str | None = None) -> str:
        region = self.region if region is None else region
        account = self.account_id if account is None else account
        return f"arn:{self.partition}:{service}:{region}:{account}:{resource}"

    def add(
        self,
        kind: str,
        *,
        uid: str,
        id: str,
        region: str | None = None,
        tags: Iterable[dict] | dict | None = None,
        **data: Any,
    ) -> None:
        # Round-trip through JSON now so checks see the same values from memory and from the lake.
        clean = json.loads(json.dumps(json_safe(data)))
        self.collection.add(
            Resource(kind=kind, uid=uid, id=id, region=region or self.region, tags=tags_to_dict(tags), data=clean)
        )

    def call(self, client, operation: str, absent: Iterable[str] = (), **params) -> dict | None:
        """Call one API operation.

        Returns the response; ``None`` when the error code is one of ``absent``
        (the thing is simply not configured) or a recorded error (then a
        scan-error row is written).
        """
        try:
            return getattr(client, operation)(**params)
        except ClientError as err:
            code = str(err.response.get("Error", {}).get("Code", ""))
            if code in absent:
                return None
            if code in RECORDED_ERROR_CODES:
                self._record(client, operation, code, err.response.get("Error", {}).get("Message", str(err)))
                return None
            raise
        except UNAVAILABLE_API_ERRORS as err:
            self._record(client, operation, type(err).__name__, str(err))
            return None

    def paginate(self, client, operation: str, result_key: str, **params) -> Iterator[dict]:
        """Yield every item of ``result_key`` over all pages; record errors and stop."""
        try:
            if client.can_paginate(operation):
                for page in client.get_paginator(operation).paginate(**params):
                    yield from page.get(result_key, []) or []
            else:
                yield from getattr(client, operation)(**params).get(result_key, []) or []
        except ClientError as err:
            code = str(err.response.get("Error", {}).get("Code", ""))
            if code in RECORDED_ERROR_CODES:
                self._record(client, operation, code, err.response.get("Error", {}).get("Message", str(err)))
                return
            raise
        except UNAVAILABLE_API_ERRORS as err:
            self._record(client, operation, type(err).__name__, str(err))

    def _record(self, client, operation: str, code: str, message: str) -> None:
        api = f"{client.meta.service_model.service_name}:{operation}"
        log.warning("scan error in %s %s: %s %s", self.region, api, code, message)
        self.collection.error(ScanError(self.service, self.region, api, code, message[:1000]))


CollectorFn = Callable[[RegionScope], None]


@dataclass
class Collector:
    service: str
    fn: CollectorFn
    scope: str  # "regional" or "global"


COLLECTORS: dict[str, Collector] = {}


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


def global_region(regions: list[str]) -> str:
    """Where a global service (IAM, account, ...) is called and its findings are filed."""
    return "us-east-1" if "us-east-1" in regions or not regions else regions[0]


def run_collector(
    coll: Collector, access: AwsAccess, account_id: str, regions: list[str], now: dt.datetime | None = None
) -> Collection:
    collection = Collection(service=coll.service, account_id=account_id)
    if now is not None:
        collection.collected_at = now
    targets = [global_region(regions)] if coll.scope == "global" else list(regions)
    collection.regions = targets

    def one_region(region: str) -> None:
        scope = RegionScope(access, collection, region)
        try:
            coll.fn(scope)
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
