"""The dashboard's routes, as routers. Each page is a *build* function (its query parameters declared
by a model in ``queries``) served twice: as HTML, and as the same data in JSON under ``/api``.

Every route is a plain ``def``: FastAPI runs it in its thread pool, so a DuckDB query never holds the
server's event loop (inside Airflow, the API server's).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from typing import Annotated, Any, Callable
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response, StreamingResponse

from postureflow.dashboard import triage
from postureflow.dashboard.data import PAGE_SIZES, REQUIREMENT_STATUSES, LakeReader, NotFound
from postureflow.dashboard.queries import (
    AccountQuery,
    ChangesQuery,
    ExplorerQuery,
    FindingQuery,
    FrameworkQuery,
    InventoryQuery,
    MuteForm,
)


def finding_path(row: dict) -> str:
    return f"/findings/{row['account_id']}/{row['service']}/{quote(row['finding_uid'], safe='')}"


def get_reader(request: Request) -> LakeReader:
    return request.app.state.reader()


Reader = Annotated[LakeReader, Depends(get_reader)]


def _json_default(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


def add_page(router: APIRouter, path: str, template: str, title: str, build: Callable, api: bool = True) -> None:
    """An HTML page at ``path`` and, under /api, the same data as JSON; ``build`` is a FastAPI dependency."""
    name = template.split(".")[0]

    # Depends as a default value: the closure's ``build`` is not a module global a string annotation could name.
    def html_route(request: Request, data: dict = Depends(build)) -> HTMLResponse:
        return request.app.state.render(request, template, {"title": title, "active": name, **data})

    html_route.__name__ = f"page_{name}"
    router.add_api_route(path, html_route, methods=["GET"], response_class=HTMLResponse)
    if api:
        def api_route(data: dict = Depends(build)) -> JSONResponse:
            return JSONResponse(json.loads(json.dumps(data, default=_json_default)))

        api_route.__name__ = f"api_{name}"
        router.add_api_route("/api" + (path if path != "/" else "/overview"), api_route, methods=["GET"])


# -- build functions ---------------------------------------------------------------------------------


def overview(reader: Reader) -> dict:
    return reader.overview()


def compliance(reader: Reader, query: Annotated[AccountQuery, Query()]) -> dict:
    """Scores per framework; the chart shows one account, or (all accounts) each framework's mean score
    over the accounts scanned that day."""
    account = query.account
    summary = reader.compliance_summary()
    accounts = sorted({r["account_id"] for r in summary["latest"]})
    if account and account not in accounts:
        raise NotFound(f"no compliance results for account {account}")
    latest = [r for r in summary["latest"] if account is None or r["account_id"] == account]
    if account or len(accounts) <= 1:
        chart_account = account or (accounts[0] if accounts else None)
        trend = [s for s in summary["trend"] if s["account_id"] == chart_account]
    else:
        chart_account = f"all {len(accounts)} accounts (mean score)"
        trend = aggregate_trend(summary["trend"])
    return {"latest": latest, "trend": trend, "accounts": accounts, "account": account,
            "chart_account": chart_account}


def aggregate_trend(series: list[dict]) -> list[dict]:
    """One series per framework: per day, the mean score of the accounts scanned that day."""
    by_framework: dict[str, dict] = {}
    for s in series:
        entry = by_framework.setdefault(s["framework_key"], {"framework_key": s["framework_key"], "label": s["label"],
                                                             "account_id": "all", "days": {}, "accounts": set()})
        entry["accounts"].add(s["account_id"])
        for day, score in s["points"]:
            if score is not None:
                entry["days"].setdefault(day, []).append(score)
    out = []
    for entry in by_framework.values():
        points = [[day, round(sum(v) / len(v), 1)] for day, v in sorted(entry["days"].items())]
        out.append({"framework_key": entry["framework_key"], "label": entry["label"], "account_id": "all",
                    "accounts": len(entry["accounts"]), "points": points})
    return sorted(out, key=lambda s: s["label"])


def framework(reader: Reader, framework_key: str, query: Annotated[FrameworkQuery, Query()]) -> dict:
    data = reader.framework(framework_key, query.account, query.day)
    if query.status:
        data["requirements"] = [r for r in data["requirements"] if r["status"] in query.status]
    data["status_filter"] = query.status
    data["requirement_statuses"] = list(REQUIREMENT_STATUSES)
    return data


def findings(reader: Reader, query: Annotated[ExplorerQuery, Query()]) -> dict:
    flt = query.filter()
    result = reader.findings(flt, page=query.page, page_size=query.page_size)
    result["filters"] = {
        "account": flt.account, "region": flt.region, "service": flt.service, "severity": flt.severity,
        "status": flt.status, "check": flt.check,
        "muted": None if flt.muted is None else ("true" if flt.muted else "false"),
        "q": flt.q, "date": flt.date.isoformat() if flt.date else None,
    }
    result["query"] = flt.query_items()
    result["facets"] = reader.facets(flt)
    result["page_sizes"] = list(PAGE_SIZES)
    for row in result["rows"]:
        row["href"] = finding_path(row)
    if flt.q and query.page == 1:
        # the search also finds resources by inventory fields and tags
        result["resources"] = reader.inventory_search(flt.q, flt.account or None, flt.service or None, limit=20)
    return result


def finding(reader: Reader, account_id: str, service: str, finding_uid: str) -> dict:
    data = reader.finding(account_id, service, finding_uid)
    data["inventory"] = reader.resource_record(account_id, service, data["resource_uid"], data["last_seen"])
    others = reader.resource_findings(account_id, data["resource_uid"], data["last_seen"], exclude=finding_uid)
    for row in others:
        row["href"] = finding_path(row)
    data["other_findings"] = others
    data["mute_yaml"] = triage.mute_yaml(data)
    data["mute_pending"] = str(triage.pending_path()) if triage.pending_path() else None
    return data


def changes(reader: Reader, query: Annotated[ChangesQuery, Query()]) -> dict:
    account = query.account
    accounts = reader.catalog().accounts
    if account is None:
        # One account at a time by default: "since the previous scan" is a per-account question.
        account = accounts[0] if len(accounts) > 1 else None
    elif account == "all":
        account = None
    result = reader.changes(account, query.day)
    for row in result["new"] + result["resolved"]:
        row["href"] = finding_path(row)
    result["account"] = account
    result["all_accounts"] = accounts
    result["date"] = query.day.isoformat() if query.day else None
    return result


def inventory(reader: Reader, query: Annotated[InventoryQuery, Query()]) -> dict:
    result = reader.inventory_search(query.q, query.account or None, query.service or None, limit=200)
    result["facets"] = {"account": reader.catalog().accounts, "service": reader.catalog().services}
    result["filters"] = {"account": query.account, "service": query.service}
    return result


# -- routers -------------------------------------------------------------------------------------------


def pages_router() -> APIRouter:
    router = APIRouter()
    add_page(router, "/", "overview.html", "Overview", overview)
    add_page(router, "/compliance", "compliance.html", "Compliance", compliance)
    add_page(router, "/compliance/{framework_key}", "framework.html", "Framework", framework)
    add_page(router, "/findings", "findings.html", "Findings", findings)
    add_page(router, "/changes", "changes.html", "Changes", changes)
    add_page(router, "/inventory", "inventory.html", "Inventory", inventory)
    add_page(router, "/findings/{account_id}/{service}/{finding_uid:path}", "finding.html", "Finding", finding)
    return router


def export_router() -> APIRouter:
    router = APIRouter()

    @router.get("/findings.csv", name="findings_csv")
    def findings_csv(reader: Reader, query: Annotated[FindingQuery, Query()]) -> StreamingResponse:
        chunks = reader.findings_csv(query.filter())
        # The query runs and its first rows are read before the response starts: an error there is a
        # proper error response, not a 200 with a header and a broken body.
        first = next(chunks)
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        return StreamingResponse(
            itertools.chain([first], chunks),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="postureflow-findings-{stamp}.csv"'},
        )

    return router


def triage_router(write_dependencies: list) -> APIRouter:
    """The mute action: the entry as YAML to copy (GET), or appended to the pending file (POST) for review."""
    router = APIRouter()

    @router.get("/mute/{account_id}/{service}/{finding_uid:path}", response_class=PlainTextResponse)
    def mute_entry(reader: Reader, account_id: str, service: str, finding_uid: str,
                   query: Annotated[MuteForm, Query()]) -> PlainTextResponse:
        data = reader.finding(account_id, service, finding_uid)
        return PlainTextResponse(triage.mute_yaml(data, query.reason), media_type="text/yaml; charset=utf-8")

    @router.post("/mute/{account_id}/{service}/{finding_uid:path}", dependencies=write_dependencies)
    def propose_mute(request: Request, reader: Reader, account_id: str, service: str, finding_uid: str,
                     reason: Annotated[str, Form(max_length=500)] = "") -> Response:
        path = triage.pending_path()
        if path is None:
            raise HTTPException(409, "no pending mutelist file is configured (POSTUREFLOW_MUTELIST_PENDING); "
                                     "copy the entry into the account's mutelist instead")
        data = reader.finding(account_id, service, finding_uid)
        user = getattr(request.state, "postureflow_user", None)
        entry = triage.append_pending(path, data, reason, user)
        return request.app.state.render(request, "muted.html", {
            "title": "Mute proposed", "active": "finding", "finding": data, "path": str(path),
            "entry": triage.yaml.safe_dump(entry, sort_keys=False), "back": finding_path(data)})

    return router
