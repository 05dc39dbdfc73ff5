"""Helpers for tests: run the real engine against moto and look findings up by resource."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Mapping

from postureflow.aws import AwsAccess
from postureflow.config import audit_config
from postureflow.engine import ScanContext, ServiceResult, scan_account
from postureflow.lake import Lake
from postureflow.lake.query import connect


@dataclass
class ScanRun:
    findings: list[dict]
    errors: list[dict]
    results: list[ServiceResult]

    def of(self, check_id: str) -> list[dict]:
        return [f for f in self.findings if f["check_id"] == check_id]

    def status(self, check_id: str, resource: str) -> str:
        """The status of ``check_id`` on the resource whose id or uid is ``resource``."""
        matches = [f for f in self.of(check_id) if resource in (f["resource_id"], f["resource_uid"])]
        if len(matches) != 1:
            raise AssertionError(
                f"expected one {check_id} finding for {resource}, got {len(matches)}: "
                f"{[(f['resource_id'], f['status']) for f in self.of(check_id)]}"
            )
        return matches[0]["status"]

    def statuses(self, check_id: str) -> dict[str, str]:
        return {f["resource_id"]: f["status"] for f in self.of(check_id)}


def scan_in_moto(
    lake: Lake,
    services: list[str],
    regions: list[str],
    access: AwsAccess | None = None,
    account_id: str | None = None,
    scan_date: dt.date = dt.date(2026, 11, 22),
    run_id: str = "test-run",
    config: Mapping[str, Any] | None = None,
    home: str | None = None,
) -> ScanRun:
    """Scan on moto; ``config``: audit-config overrides of Prowler's defaults (e.g. read_customer_data);
    ``home``: the account's home region when ``regions`` is a narrower run (as the DAG and CLI pass it)."""
    access = access or AwsAccess.from_default_chain()
    account_id = account_id or access.caller_account_id()
    ctx = ScanContext(account_id=account_id, regions=regions, scan_date=scan_date, run_id=run_id, lake=lake,
                      config=audit_config(config) if config is not None else None, home_region=home)  # fmt: skip
    results = scan_account(ctx, services, access)
    con = connect(lake, ["findings", "scan_errors"])
    day = scan_date.isoformat()
    where = "WHERE scan_date = $day AND account_id = $account"
    params = {"day": day, "account": account_id}
    findings = con.sql(f"SELECT * FROM findings {where}", params=params).to_arrow_table().to_pylist()
    errors = con.sql(f"SELECT * FROM scan_errors {where}", params=params).to_arrow_table().to_pylist()
    return ScanRun(findings, errors, results)


class DeniedAccess(AwsAccess):
    """An AwsAccess whose clients fail chosen operations, the way AWS would refuse them.

    ``denied`` holds ``"service:Operation"`` names (``"s3:GetBucketPolicy"``),
    ``"service:*"`` or ``"*"``; each matching call raises a ``ClientError`` with
    ``code`` before it is sent (regions limits it to those regions). ``hits``
    counts the calls refused, so a test can tell the denial was exercised.
    """

    def __init__(self, *denied: str, code: str = "AccessDenied", regions: tuple[str, ...] = (), base=None):
        base = base or AwsAccess.from_default_chain()
        super().__init__(base._session_factory, base._endpoint_for, base.call_log)
        self.denied, self.code, self.regions = set(denied), code, set(regions)
        self.hits: list[str] = []
        self.on_client(self._deny)

    def _deny(self, client, service: str, region: str) -> None:
        refuse = self._refuse(client, region)
        model = client.meta.service_model
        event_prefix = model.service_id.hyphenize()
        # named operations first in line, ahead of any test hook that answers the same call
        for entry in self.denied:
            name, _, operation = entry.partition(":")
            if operation and operation != "*" and name in (model.service_name, model.signing_name, model.endpoint_prefix):
                client.meta.events.register_first(f"before-call.{event_prefix}.{operation}", refuse)
        client.meta.events.register("before-call", refuse)

    def _refuse(self, client, region: str):
        from botocore.exceptions import ClientError

        prefix = client.meta.service_model.signing_name or client.meta.service_model.endpoint_prefix
        names = {client.meta.service_model.service_name, prefix}

        def refuse(model, **_):
            wanted = {"*"} | {f"{n}:*" for n in names} | {f"{n}:{model.name}" for n in names}
            if self.denied & wanted and (not self.regions or region in self.regions):
                self.hits.append(f"{region}:{model.name}")
                raise ClientError({"Error": {"Code": self.code, "Message": "denied by the test"}}, model.name)

        return refuse


def stored_text(lake: Lake) -> list[str]:
    """Every inventory record's data and every finding's text in the lake: for "the secret never reaches
    the lake" tests."""
    con = connect(lake, ["inventory", "findings"])
    rows = con.sql("SELECT data FROM inventory UNION ALL SELECT status_extended FROM findings").fetchall()
    return [row[0] for row in rows]


def scan_denied(lake_dir: str, services: list[str], regions: list[str], *operations: str, **kwargs) -> ScanRun:
    """Scan with ``operations`` refused (AccessDenied): for "data could not be read" tests."""
    access = DeniedAccess(*operations)
    run = scan_in_moto(Lake(lake_dir), services, regions=regions, access=access, **kwargs)
    if not access.hits:
        raise AssertionError(f"the scan never called {operations}: the denial tested nothing")
    return run


def answer_in_moto(access: AwsAccess, regions: list[str] | str, answers: dict) -> AwsAccess:
    """Answer operations moto lacks, in its place: ``{"drs:DescribeJobs": body}``, where ``body`` is the
    parsed response, or a function of (region, request params) returning it. Tests that use this say so."""
    from botocore.awsrequest import AWSResponse

    wanted = {regions} if isinstance(regions, str) else set(regions)
    by_service: dict[str, dict[str, object]] = {}
    for name, body in answers.items():
        service, operation = name.split(":", 1)
        by_service.setdefault(service, {})[operation] = body

    def attach(client, service: str, region: str) -> None:
        if region not in wanted:
            return
        for operation, body in by_service.get(service, {}).items():
            event = f"before-call.{client.meta.service_model.service_id.hyphenize()}.{operation}"

            def reply(params, body=body, region=region, **_):
                parsed = body(region, params) if callable(body) else body
                return AWSResponse("https://moto.invalid", 200, {}, None), parsed

            client.meta.events.register(event, reply)

    access.on_client(attach)
    return access


@dataclass
class LocalHttp:
    """A GET server on 127.0.0.1 (a free port), for collectors that fetch URLs (presigned downloads,
    code-host APIs) without leaving the machine. ``routes``: path -> (status, body); any other path answers 404. ``requests``: paths asked."""

    routes: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> "LocalHttp":
        served = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's naming
                served.requests.append(self.path)
                status, body = served.routes.get(self.path.split("?")[0], (404, b'{"message": "Not Found"}'))
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, name="local-http", daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
