"""Credentials and clients for one AWS account.

Two ways in, one interface: an Airflow AWS connection (through the Amazon
provider's hook, which does the assume-role), or the standard AWS credential
chain for the CLI (so AWS_PROFILE and AWS_ENDPOINT_URL work as in any boto3 tool).

Every client gets botocore's adaptive retry mode and an event hook that counts
API calls, so benchmarks and tests can see exactly which calls a scan made.

On top of the retries, every call first takes a token from the request budget of
its account and region (:func:`request_budget`): one token bucket per (account,
region) shared by every client of that account in the process, so the many
mapped scan tasks and region threads of one account pace themselves instead of
throttling each other into backoff. POSTUREFLOW_API_RATE (calls per second,
default 50) and POSTUREFLOW_API_BURST (default 100) size it.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable

import boto3
from botocore.config import Config

RETRY_CONFIG = Config(
    retries={"mode": "adaptive", "max_attempts": 10},
    connect_timeout=10,
    read_timeout=60,
    max_pool_connections=32,
)
# A custom endpoint (moto_server, a local emulator or proxy) takes no account-id host
# prefix (s3control), and answers operations it lacks with HTTP 500: three attempts there,
# so an emulator's missing API costs seconds, not minutes of backoff.
CUSTOM_ENDPOINT_CONFIG = RETRY_CONFIG.merge(
    Config(inject_host_prefix=False, retries={"mode": "standard", "max_attempts": 3})
)

DEFAULT_PARTITION_REGION = "us-east-1"


class TokenBucket:
    """``rate`` calls per second with bursts of ``burst``; ``acquire`` waits its turn (fair: each
    caller reserves its token, then sleeps outside the lock)."""

    def __init__(self, rate: float, burst: float, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep):
        if rate <= 0 or burst < 1:
            raise ValueError("a request budget needs rate > 0 and burst >= 1")
        self.rate, self.burst = rate, burst
        self._clock, self._sleep = clock, sleep
        self._tokens = burst
        self._last = clock()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take one token; returns the seconds waited."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate) - 1
            self._last = now
            wait = -self._tokens / self.rate if self._tokens < 0 else 0.0
        if wait:
            self._sleep(wait)
        return wait


_BUDGETS: dict[tuple[str, str], TokenBucket] = {}
_BUDGETS_LOCK = threading.Lock()


def request_budget(account: str, region: str) -> TokenBucket:
    """The process-wide token bucket of one account and region."""
    key = (account, region)
    with _BUDGETS_LOCK:
        bucket = _BUDGETS.get(key)
        if bucket is None:
            bucket = _BUDGETS[key] = TokenBucket(
                float(os.environ.get("POSTUREFLOW_API_RATE", "50")), float(os.environ.get("POSTUREFLOW_API_BURST", "100"))
            )
        return bucket


@dataclass
class ApiCallLog:
    """Counts API calls per (service, region, operation) and remembers their params."""

    calls: Counter = field(default_factory=Counter)
    identical: Counter = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, service: str, region: str, operation: str, params: dict) -> None:
        key = (service, region, operation, repr(sorted(params.items(), key=lambda kv: kv[0])))
        with self._lock:
            self.calls[(service, region, operation)] += 1
            self.identical[key] += 1

    @property
    def total(self) -> int:
        return sum(self.calls.values())

    def repeated(self) -> list[tuple]:
        """Identical calls (same operation, region and parameters) made more than once."""
        return [k for k, n in self.identical.items() if n > 1]


def _is_service_model(cache_key: tuple) -> bool:
    """A botocore loader cache entry of one service's model (its API, waiters, paginators, endpoint
    rules), as opposed to the shared endpoints and partitions data."""
    if not cache_key or cache_key[0] not in ("load_service_model", "load_data_with_path"):
        return False
    return cache_key[0] == "load_service_model" or "/" in str(cache_key[1])


class AwsAccess:
    """Hands out boto3 clients for one account, one cached client per (service, region)."""

    def __init__(
        self,
        session_factory: Callable[[], boto3.session.Session],
        endpoint_for: Callable[[str], str | None] = lambda service: None,
        call_log: ApiCallLog | None = None,
        budget_key: str | None = None,
    ):
        """``budget_key`` names the account whose request budget the clients share (default:
        the credentials' access key, which is per assumed-role session)."""
        self._session_factory = session_factory
        self._budget_key = budget_key
        self._session: boto3.session.Session | None = None
        self._endpoint_for = endpoint_for
        self._clients: dict[tuple[str, str], Any] = {}
        self._client_hooks: list[Callable[[Any, str, str], None]] = []
        self._lock = threading.Lock()
        self.call_log = call_log or ApiCallLog()

    @classmethod
    def from_default_chain(cls, profile: str | None = None, call_log: ApiCallLog | None = None) -> "AwsAccess":
        return cls(lambda: boto3.session.Session(profile_name=profile), call_log=call_log)

    @classmethod
    def from_airflow_connection(cls, conn_id: str, call_log: ApiCallLog | None = None) -> "AwsAccess":
        # Imported here so the CLI works without Airflow configured.
        from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

        hook = AwsBaseHook(aws_conn_id=conn_id, client_type="sts")
        conn = hook.conn_config
        return cls(
            lambda: hook.get_session(region_name=conn.region_name or DEFAULT_PARTITION_REGION),
            endpoint_for=lambda service: conn.get_service_endpoint_url(service),
            call_log=call_log,
            budget_key=f"conn:{conn_id}",
        )

    def session(self) -> boto3.session.Session:
        with self._lock:
            if self._session is None:
                self._session = self._session_factory()
            return self._session

    def client(self, service: str, region: str):
        key = (service, region)
        with self._lock:
            cached = self._clients.get(key)
        if cached is not None:
            return cached
        session = self.session()
        endpoint = self._endpoint_for(service)
        # botocore's order: the service's own variable before the global one.
        custom = endpoint or os.environ.get(f"AWS_ENDPOINT_URL_{service.upper()}") or os.environ.get("AWS_ENDPOINT_URL")
        with self._lock:
            if key not in self._clients:
                client = session.client(
                    service,
                    region_name=region,
                    endpoint_url=endpoint,
                    config=CUSTOM_ENDPOINT_CONFIG if custom else RETRY_CONFIG,
                )
                self._count_calls(client, service, region)
                self._pace_calls(client, region, session)
                if custom and service == "s3control":
                    _keep_custom_host(client, custom)
                for hook in self._client_hooks:
                    hook(client, service, region)
                self._clients[key] = client
            return self._clients[key]

    def on_client(self, hook: Callable[[Any, str, str], None]) -> None:
        """Call ``hook(client, service, region)`` on every client handed out, those made already and
        those made later (after release_clients too): the way to attach event handlers that last."""
        with self._lock:
            self._client_hooks.append(hook)
            made = list(self._clients.items())
        for (service, region), client in made:
            hook(client, service, region)

    def release_clients(self) -> None:
        """Forget the clients made so far and the service models botocore keeps for them (tens of MB
        for a few services): a scan of many services in one process then holds the models of the
        service at hand, not of every service it used. Clients in use elsewhere keep working."""
        with self._lock:
            self._clients.clear()
            session = self._session
        loader = session._session.get_component("data_loader") if session is not None else None
        cache = getattr(loader, "_cache", None)
        if isinstance(cache, dict):
            for key in [k for k in list(cache) if _is_service_model(k)]:
                cache.pop(key, None)

    def _count_calls(self, client, service: str, region: str) -> None:
        def before_parameter_build(params, model, **_):
            self.call_log.record(service, region, model.name, params)

        client.meta.events.register("before-parameter-build", before_parameter_build)

    def _pace_calls(self, client, region: str, session: boto3.session.Session) -> None:
        # ``session`` is passed in: this runs under self._lock, which session() takes too.
        key = self._budget_key
        if key is None:
            credentials = session.get_credentials()
            key = f"key:{credentials.access_key if credentials else 'anonymous'}"
        bucket = request_budget(key, region)

        def take_token(**_):
            bucket.acquire()

        client.meta.events.register("before-call", take_token)

    def caller_account_id(self, region: str = DEFAULT_PARTITION_REGION) -> str:
        return self.client("sts", region).get_caller_identity()["Account"]

    def enabled_regions(self, region: str = DEFAULT_PARTITION_REGION) -> list[str]:
        """Regions enabled for the account (opted-in or not requiring opt-in)."""
        response = self.client("ec2", region).describe_regions(AllRegions=False)
        return sorted(r["RegionName"] for r in response["Regions"])


def _keep_custom_host(client, endpoint: str) -> None:
    """S3 Control's endpoint rules put the account id in front of the host, even a custom
    one (moto_server, a proxy); the id also travels in the x-amz-account-id header, so
    the request goes to the custom host as given."""
    from urllib.parse import urlsplit, urlunsplit

    host = urlsplit(endpoint).netloc

    def strip_account_prefix(request, **_):
        parts = urlsplit(request.url)
        prefix, _, rest = parts.netloc.partition(".")
        if rest == host and prefix.isdigit():
            request.url = urlunsplit(parts._replace(netloc=host))

    client.meta.events.register("before-sign.s3-control", strip_account_prefix)
