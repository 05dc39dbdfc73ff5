"""The scan engine: collect a service's inventory, evaluate its checks, write the lake.

The same functions serve the Airflow tasks, the CLI and the benchmarks. A
service task is a transaction on its own (scan_date, service, account_id)
partitions: inventory, scan_errors and findings are each rewritten whole.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

import pyarrow as pa

from postureflow import prowler_identity, scope
from postureflow.aws import AwsAccess
from postureflow.checks import all_checks
from postureflow.checks.base import Check, Result
from postureflow.collect import all_collectors
from postureflow.collect.base import Collection, ScanError, run_collector
from postureflow.config import audit_config
from postureflow.inventory import Resource
from postureflow.lake import schema as lake_schema
from postureflow.lake.store import Lake

log = logging.getLogger(__name__)

# (finding row) -> (muted, reason); the mutelist plugs in here.
MuteRule = Callable[[dict], tuple[bool, str | None]]


class InventoryMissing(Exception):
    """A stored inventory snapshot the evaluation needs is not in the lake."""


@dataclass
class ScanContext:
    account_id: str
    regions: list[str]
    scan_date: dt.date
    run_id: str
    lake: Lake
    scanned_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.timezone.utc))
    mute: MuteRule | None = None
    checks: Callable[[str], bool] | None = None  # which check ids run (the accounts file's `checks:`)
    config: Mapping[str, Any] | None = None  # the audit config; None means Prowler's defaults
    # Prowler's --scan-unused-services (default off): also judge resources not in use. Also set as the
    # audit-config key ``scan_unused_services`` so checks can declare it like any config key.
    scan_unused_services: bool = False
    severities: Mapping[str, str] | None = None  # check id -> severity replacing the check's (custom checks metadata)
    keep: Callable[[dict], bool] | None = None  # which finding rows are written (--resource-tag / --resource-arn)
    # the account's home region (collect.base.home_region of its configured regions); None: that of ``regions``
    home_region: str | None = None

    def __post_init__(self) -> None:
        if self.scan_unused_services:
            self.config = audit_config(self.config, {"scan_unused_services": True})

    def partition(self, service: str) -> dict:
        return {"scan_date": self.scan_date, "service": service, "account_id": self.account_id}


@dataclass
class ServiceResult:
    service: str
    resources: int = 0
    findings: int = 0
    passed: int = 0
    failed: int = 0
    muted: int = 0
    errors: int = 0
    skipped: bool = False
    message: str = ""
    regions: dict[str, str] = field(default_factory=dict)  # region -> complete / incomplete / not_scanned

    def as_dict(self) -> dict:
        return dict(self.__dict__)


# -- the service catalogue -------------------------------------------------------------------


def all_services() -> list[str]:
    """Every service that has a collector or a check."""
    return sorted(set(all_collectors()) | {c.service for c in all_checks().values()})


def service_dependencies() -> dict[str, set[str]]:
    """service -> other services whose inventory its checks read."""
    deps: dict[str, set[str]] = {s: set() for s in all_services()}
    for chk in all_checks().values():
        deps.setdefault(chk.service, set()).update(chk.read_services - {chk.service})
    return deps


def with_dependencies(services: Iterable[str]) -> list[str]:
    """The services asked for plus every service their checks read, transitively."""
    deps = service_dependencies()
    wanted: set[str] = set()
    stack = list(services)
    while stack:
        service = stack.pop()
        if service in wanted:
            continue
        if service not in deps:
            raise ValueError(f"unknown service {service!r}; known: {', '.join(sorted(deps))}")
        wanted.add(service)
        stack.extend(deps[service])
    return sorted(wanted)


def select_services(include: Iterable[str] | None = None, exclude: Iterable[str] | None = None) -> list[str]:
    known = all_services()
    chosen = list(include) if include else known
    unknown = [s for s in [*chosen, *(exclude or [])] if s not in known]
    if unknown:
        raise ValueError(f"unknown service(s) {', '.join(unknown)}; known: {', '.join(known)}")
    return [s for s in chosen if s not in set(exclude or [])]


def execution_order(services: Iterable[str]) -> list[str]:
    """Topological order: a service comes after the services it reads."""
    deps = service_dependencies()
    ordered: list[str] = []
    seen: set[str] = set()

    def visit(service: str, path: tuple[str, ...]) -> None:
        if service in path:
            raise ValueError(f"cyclic inventory reads: {' -> '.join([*path, service])}")
        if service in seen:
            return
        for dep in sorted(deps.get(service, ())):
            visit(dep, (*path, service))
        seen.add(service)
        ordered.append(service)

    for service in sorted(services):
        visit(service, ())
    return ordered


# -- inventory in the lake -------------------------------------------------------------------


def inventory_table(ctx: ScanContext, collection: Collection) -> pa.Table:
    rows = [
        {
            "account_id": ctx.account_id,
            "region": r.region,
            "service": collection.service,
            "kind": r.kind,
            "resource_uid": r.uid,
            "resource_id": r.id,
            "resource_tags": list(r.tags.items()),
            "data": json.dumps(r.data, sort_keys=True),
            "scan_date": ctx.scan_date,
            "run_id": ctx.run_id,
            "collected_at": collection.collected_at,
        }
        for r in collection.resources
    ]
    return pa.Table.from_pylist(rows, schema=lake_schema.INVENTORY)


def errors_table(ctx: ScanContext, service: str, errors: list[ScanError]) -> pa.Table:
    rows = [
        {
            "account_id": ctx.account_id,
            "region": e.region,
            "service": service,
            "api": e.api,
            "error_code": e.error_code,
            "message": e.message,
            "scan_date": ctx.scan_date,
            "run_id": ctx.run_id,
            "occurred_at": ctx.scanned_at,
        }
        for e in errors
    ]
    return pa.Table.from_pylist(rows, schema=lake_schema.SCAN_ERRORS)


def load_inventory(ctx: ScanContext, service: str) -> tuple[dict[str, list[Resource]], dt.datetime]:
    """A service's stored inventory for the run's date: {"service.kind": [Resource]}, collected_at."""
    table = ctx.lake.read_partition("inventory", ctx.partition(service))
    if table is None:
        raise InventoryMissing(f"no stored inventory for {service} in account {ctx.account_id} on {ctx.scan_date}")
    by_name: dict[str, list[Resource]] = {}
    collected_at = ctx.scanned_at
    for row in table.to_pylist():
        resource = Resource(
            kind=row["kind"],
            uid=row["resource_uid"],
            id=row["resource_id"],
            region=row["region"],
            tags=dict(row["resource_tags"] or []),
            data=json.loads(row["data"]),
        )
        by_name.setdefault(f"{service}.{row['kind']}", []).append(resource)
        collected_at = row["collected_at"]
    return by_name, collected_at


def group_by_name(collection: Collection) -> dict[str, list[Resource]]:
    grouped: dict[str, list[Resource]] = {}
    for r in collection.resources:
        grouped.setdefault(f"{collection.service}.{r.kind}", []).append(r)
    return grouped


# -- findings ---------------------------------------------------------------------------------


def finding_uid(account_id: str, region: str, check_id: str, resource_uid: str) -> str:
    return hashlib.sha256(f"{account_id}|{region}|{check_id}|{resource_uid}".encode()).hexdigest()[:40]


def finding_row(ctx: ScanContext, chk: Check, result: Result) -> dict:
    res = result.resource
    row = {
        "finding_uid": finding_uid(ctx.account_id, res.region, chk.id, res.uid),
        "check_id": chk.id,
        "check_title": chk.title,
        "severity": (ctx.severities or {}).get(chk.id, chk.severity),
        "status": result.status,
        "status_extended": result.status_extended,
        "account_id": ctx.account_id,
        "region": res.region,
        "service": chk.service,
        "resource_uid": res.uid,
        "resource_id": res.id,
        "resource_type": result.resource_type or chk.resource_type,
        "resource_tags": dict(res.tags),
        "muted": False,
        "mute_reason": None,
        "scan_date": ctx.scan_date,
        "run_id": ctx.run_id,
        "scanned_at": ctx.scanned_at,
        "check_version": chk.version_for(ctx.config),
        **prowler_identity.columns(chk.id, ctx.account_id, res),
    }
    if ctx.mute is not None:
        muted, reason = ctx.mute(row)
        row["muted"], row["mute_reason"] = bool(muted), reason if muted else None
    return row


def evaluate(
    ctx: ScanContext, checks: list[Check], inventory: dict[str, list[Resource]], now: dt.datetime, service: str
) -> tuple[list[dict], list[ScanError]]:
    rows: list[dict] = []
    errors: list[ScanError] = []
    for chk in checks:
        seen: set[str] = set()
        try:
            for result in chk.evaluate(inventory, now, ctx.config):
                row = finding_row(ctx, chk, result)
                if ctx.keep is not None and not ctx.keep(row):
                    continue
                if row["finding_uid"] in seen:
                    raise ValueError(f"check {chk.id} judged {row['resource_uid']} twice")
                seen.add(row["finding_uid"])
                rows.append(row)
        except Exception as err:  # a broken check must not cost the other checks' findings
            log.error("check %s failed: %s", chk.id, traceback.format_exc())
            rows = [r for r in rows if r["check_id"] != chk.id]
            errors.append(ScanError(service, "-", f"check:{chk.id}", type(err).__name__, str(err)[:1000]))
    return rows, errors


def findings_table(rows: list[dict]) -> pa.Table:
    for row in rows:
        row["resource_tags"] = list(row["resource_tags"].items())
    return pa.Table.from_pylist(rows, schema=lake_schema.FINDINGS)


# -- one service, end to end ------------------------------------------------------------------


def _write(ctx: ScanContext, dataset: str, service: str, table: pa.Table) -> None:
    """The one place a service task writes its partitions (inventory, scan_errors, findings, scan_scope).

    A run replaces the rows of its own regions (and its region-less rows: check errors "-", account-wide
    listing gaps "*"); other regions' rows of the day stay. A global service files everything in the
    account's home region whatever the run's regions, so its partition is replaced whole.
    """
    collector = all_collectors().get(service)
    whole = not ctx.regions or (collector is not None and collector.scope == "global")
    regions = None if whole else [*ctx.regions, *scope.ANY_REGION[:3]]
    ctx.lake.write_partition(dataset, ctx.partition(service), table, regions=regions)


def stored_collection_errors(ctx: ScanContext, service: str) -> list[ScanError]:
    """The collection errors a past run recorded (a backfill keeps them: the inventory still lacks that data)."""
    table = ctx.lake.read_partition("scan_errors", ctx.partition(service))
    rows = [] if table is None else table.to_pylist()
    return [
        ScanError(service, r["region"], r["api"], r["error_code"], r["message"])
        for r in rows
        if not str(r["api"]).startswith("check:")
    ]


def _stored_regions(ctx: ScanContext, service: str, inventory: dict[str, list[Resource]]) -> list[str]:
    """The regions a backfilled day covered: its scope rows, else the run's regions, else the inventory's."""
    rows = [r for r in scope.read_service(ctx.lake, ctx.account_id, ctx.scan_date, service)
            if r["status"] != scope.NOT_SCANNED]
    if rows:
        return sorted({r["region"] for r in rows})
    if ctx.regions:
        return list(ctx.regions)
    return sorted({r.region for records in inventory.values() for r in records} - set(scope.ANY_REGION))


def _derived_regions(ctx: ScanContext, sources: list[str]) -> list[str]:
    """A service without a collector covers the regions its source services covered that day."""
    regions: set[str] = set()
    for source in sources:
        regions |= {r["region"] for r in scope.read_service(ctx.lake, ctx.account_id, ctx.scan_date, source)
                    if r["status"] != scope.NOT_SCANNED}
    return sorted(regions) if regions else list(ctx.regions)


def _not_scanned(ctx: ScanContext, service: str, result: ServiceResult, why: str) -> ServiceResult:
    """No inventory to judge: write no findings, and record the day as not scanned for the service.

    A day that already has findings or scope rows for it (scanned earlier, its
    inventory since deleted) keeps them: a backfill never erases a real scan.
    """
    result.skipped, result.message = True, why
    partition = ctx.partition(service)
    if not ctx.lake.partition_exists(scope.DATASET, partition) and not ctx.lake.partition_exists("findings", partition):
        regions = [scope.RegionStatus(r, scope.NOT_SCANNED) for r in (ctx.regions or [scope.ALL_REGIONS])]
        _write(ctx, scope.DATASET, service,
               scope.scope_table(ctx.account_id, ctx.scan_date, ctx.run_id, service, regions, ctx.scanned_at))
    result.regions = {r: scope.NOT_SCANNED for r in ctx.regions}
    return result


def scan_service(
    ctx: ScanContext,
    service: str,
    access: AwsAccess | None,
    collect: bool = True,
    on_check: Callable[[str], None] | None = None,
) -> ServiceResult:
    """Collect (or, with ``collect=False``, reload) one service and evaluate its checks.

    Writes the service's inventory, scan_errors, findings and scan_scope
    partitions. With ``collect=False`` (a backfill) nothing is called in AWS
    and the stored inventory is re-evaluated. Whenever there is no inventory to
    evaluate (its own, or for a service without a collector, that of every
    service it reads) nothing but a ``not_scanned`` scope row is written and
    the result says so.
    """
    checks = [c for c in all_checks().values() if c.service == service and (ctx.checks is None or ctx.checks(c.id))]
    collectors = all_collectors()
    sources = sorted(service_dependencies().get(service, set()))
    errors: list[ScanError] = []
    result = ServiceResult(service)

    if collect and service in collectors:
        if access is None:
            raise ValueError("collecting needs AWS access")
        collection = run_collector(
            collectors[service], access, ctx.account_id, ctx.regions, now=ctx.scanned_at, config=ctx.config,
            home=ctx.home_region,
        )
        errors.extend(collection.errors)
        _write(ctx, "inventory", service, inventory_table(ctx, collection))
        inventory = group_by_name(collection)
        now = collection.collected_at
        regions = list(collection.regions)
        result.resources = len(collection.resources)
    elif service in collectors:
        try:
            inventory, now = load_inventory(ctx, service)
        except InventoryMissing as err:
            return _not_scanned(ctx, service, result, str(err))
        errors.extend(stored_collection_errors(ctx, service))
        regions = _stored_regions(ctx, service, inventory)
        result.resources = sum(len(v) for v in inventory.values())
    else:
        inventory, now, regions = {}, ctx.scanned_at, []

    foreign: dict[str, dict[str, list[Resource]] | None] = {}
    for source in sources:
        try:
            foreign[source] = load_inventory(ctx, source)[0]
        except InventoryMissing:
            foreign[source] = None
    if service not in collectors and not any(foreign.values()):
        return _not_scanned(
            ctx, service, result,
            f"no stored inventory of {', '.join(sources) or 'any source'} for {service} "
            f"in account {ctx.account_id} on {ctx.scan_date}",
        )
    if service not in collectors:
        regions = _derived_regions(ctx, [s for s in sources if foreign[s]])

    runnable: list[Check] = []
    for chk in checks:
        missing = sorted(s for s in chk.read_services - {service} if not foreign.get(s))
        if missing:
            errors.append(
                ScanError(service, "-", f"check:{chk.id}", "InventoryMissing", f"needs inventory of {', '.join(missing)}")
            )
            continue
        runnable.append(chk)
    for foreign_inventory in foreign.values():
        if foreign_inventory:
            inventory = {**foreign_inventory, **inventory}

    rows: list[dict] = []
    for chk in runnable:
        chk_rows, chk_errors = evaluate(ctx, [chk], inventory, now, service)
        rows.extend(chk_rows)
        errors.extend(chk_errors)
        if on_check:
            on_check(chk.id)

    # Every region a finding was filed in is part of the scope (and a backfill of "all" regions on a
    # lake that predates scan_scope learns its regions from the findings).
    regions = sorted(set(regions) | {r["region"] for r in rows})
    # A failed listing of a source service hides resources from this service's checks too.
    gaps = scope.listing_gaps(inventory, service) if service in collectors else []
    statuses = scope.region_statuses(regions, errors, gaps)
    for source in sources:
        if foreign.get(source):
            source_gaps = scope.listing_gaps(foreign[source], source)
            for region, status in scope.region_statuses(statuses, [], source_gaps, prefix=f"{source}.").items():
                for kind in status.incomplete_kinds:
                    statuses[region].taint(kind)

    _write(ctx, "scan_errors", service, errors_table(ctx, service, errors))
    _write(ctx, "findings", service, findings_table(rows))
    _write(ctx, scope.DATASET, service,
           scope.scope_table(ctx.account_id, ctx.scan_date, ctx.run_id, service, statuses.values(), ctx.scanned_at))

    result.findings = len(rows)
    result.passed = sum(1 for r in rows if r["status"] == "PASS" and not r["muted"])
    result.failed = sum(1 for r in rows if r["status"] == "FAIL" and not r["muted"])
    result.muted = sum(1 for r in rows if r["muted"])
    result.errors = len(errors)
    result.regions = {region: status.status for region, status in sorted(statuses.items())}
    return result


def scan_account(
    ctx: ScanContext,
    services: Iterable[str],
    access: AwsAccess | None,
    collect: bool = True,
    on_service: Callable[[str, ServiceResult], None] | None = None,
    on_check: Callable[[str], None] | None = None,
) -> list[ServiceResult]:
    """Scan services in dependency order (what the DAG does, without Airflow)."""
    results = []
    for service in execution_order(with_dependencies(services)):
        result = scan_service(ctx, service, access, collect=collect, on_check=on_check)
        if access is not None:
            # one service's botocore models in memory at a time: the next service makes its own clients
            access.release_clients()
        results.append(result)
        if on_service:
            on_service(service, result)
    return results
