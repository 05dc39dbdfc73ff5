"""The dashboard's FastAPI app: HTML pages, their JSON twins under /api, a CSV export.

Every route is a plain ``def``: FastAPI runs it in its thread pool, so a DuckDB
query never holds the server's event loop (inside Airflow, the API server's).
Scripts, styles and the chart are files of this package served by the app
itself: no CDN, nothing fetched at runtime, so the dashboard works offline.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Any, Callable, Sequence
from urllib.parse import quote, urlencode

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.middleware.trustedhost import TrustedHostMiddleware

from postureflow.dashboard.data import (
    DEFAULT_PAGE_SIZE,
    PAGE_SIZES,
    REQUIREMENT_STATUSES,
    SEVERITIES,
    STATUSES,
    FindingFilter,
    LakeReader,
    NotFound,
    reader_for,
)
from postureflow.lake.store import Lake, default_lake_uri

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
TEMPLATE_DIR = HERE / "templates"
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
LOCAL_HOSTS = ["127.0.0.1", "localhost"]

# Pages and scripts only ever load from the app itself.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
)


SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"SAMEORIGIN"),  # the Airflow UI shows the dashboard in a same-origin frame
    (b"referrer-policy", b"same-origin"),
]


class SecurityHeaders:
    """Pure ASGI middleware (streams pass through untouched): the headers every response carries;
    findings are not cached unless the route says otherwise (static files)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend((k, v) for k, v in SECURITY_HEADERS if k not in present)
                if b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def _load_static() -> dict[str, tuple[bytes, str, str]]:
    """name -> (content, media type, short hash), read once: the package's own JS and CSS."""
    files = {}
    for path in sorted(STATIC_DIR.iterdir()):
        if path.suffix in STATIC_TYPES:
            body = path.read_bytes()
            files[path.name] = (body, STATIC_TYPES[path.suffix], hashlib.sha256(body).hexdigest()[:12])
    return files


def _templates() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["num"] = lambda n: "" if n is None else f"{n:,}"
    env.filters["pct"] = lambda x: "–" if x is None else f"{x:.1f}%"
    env.filters["pair"] = lambda value, name: (name, value)
    env.filters["signed"] = lambda x: "" if x is None else (f"+{x:.1f}" if x > 0 else f"{x:.1f}")
    return env


def _one(request: Request, name: str) -> str | None:
    value = request.query_params.get(name)
    return value.strip() if value and value.strip() else None


def _many(request: Request, name: str) -> list[str]:
    return [v.strip() for v in request.query_params.getlist(name) if v.strip()]


def _bool(request: Request, name: str) -> bool | None:
    value = _one(request, name)
    if value is None or value == "any":
        return None
    if value.lower() in ("true", "yes", "1"):
        return True
    if value.lower() in ("false", "no", "0"):
        return False
    raise ValueError(f"{name} must be true, false or any, got {value!r}")


def _int(request: Request, name: str, default: int) -> int:
    value = _one(request, name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError as err:
        raise ValueError(f"{name} must be a whole number, got {value!r}") from err


def _date(request: Request, name: str = "date") -> dt.date | None:
    value = _one(request, name)
    if value is None or value == "latest":
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as err:
        raise ValueError(f"{name} must be YYYY-MM-DD or latest, got {value!r}") from err


def finding_filter(request: Request) -> FindingFilter:
    return FindingFilter(
        account=_many(request, "account"),
        region=_many(request, "region"),
        service=_many(request, "service"),
        severity=_many(request, "severity"),
        status=_many(request, "status"),
        check=_many(request, "check"),
        muted=_bool(request, "muted"),
        q=_one(request, "q") or "",
        date=_date(request),
    )


def finding_path(row: dict) -> str:
    return f"/findings/{row['account_id']}/{row['service']}/{quote(row['finding_uid'], safe='')}"


def create_app(
    lake: Lake | str | None = None,
    *,
    auth: str = "none",
    allowed_hosts: Sequence[str] | None = tuple(LOCAL_HOSTS),
    ttl: float = 10.0,
) -> FastAPI:
    """The dashboard over ``lake`` (default: $POSTUREFLOW_LAKE or the embedded default, resolved on first use).

    ``auth="airflow"``: every route requires an Airflow user allowed to read the
    ``Postureflow`` view (the plugin). ``auth="none"``: no authentication, for
    ``postureflow dashboard`` on the loopback interface; ``allowed_hosts`` then
    refuses requests whose Host header is not a local name (DNS rebinding).
    """
    if auth not in ("none", "airflow"):
        raise ValueError(f"auth must be 'none' or 'airflow', got {auth!r}")
    dependencies = []
    if auth == "airflow":
        from postureflow.dashboard.auth import require_airflow_user

        dependencies.append(Depends(require_airflow_user))
    app = FastAPI(
        title="postureflow dashboard",
        dependencies=dependencies,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,  # an OpenAPI route would not carry the app's dependencies
    )
    app.add_middleware(SecurityHeaders)
    if allowed_hosts:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))
    static = _load_static()
    templates = _templates()
    state: dict[str, Any] = {}

    def reader() -> LakeReader:
        if "reader" not in state:
            chosen = lake if isinstance(lake, Lake) else Lake(lake or default_lake_uri())
            state["reader"] = reader_for(chosen, ttl=ttl)
        return state["reader"]

    app.state.reader = reader

    @app.exception_handler(NotFound)
    async def not_found(request: Request, err: NotFound):
        return _error(request, 404, str(err))

    @app.exception_handler(ValueError)
    async def bad_request(request: Request, err: ValueError):
        return _error(request, 400, str(err))

    def _error(request: Request, code: int, message: str) -> Response:
        if request.url.path.startswith(_prefix(request) + "/api/"):
            return JSONResponse({"detail": message}, status_code=code)
        return render(request, "error.html", {"title": "Not found" if code == 404 else "Bad request",
                                              "code": code, "message": message}, status_code=code)

    def _prefix(request: Request) -> str:
        return request.scope.get("root_path", "").rstrip("/")

    def render(request: Request, template: str, context: dict, status_code: int = 200) -> HTMLResponse:
        prefix = _prefix(request)

        def url(path: str, params: Any = None, **kwargs: Any) -> str:
            items: list[tuple[str, str]] = []
            if params:
                items.extend(params.items() if isinstance(params, dict) else params)
            items.extend((k, v) for k, v in kwargs.items())
            query = urlencode([(k, str(v)) for k, v in items if v is not None and v != ""])
            return f"{prefix}{path}" + (f"?{query}" if query else "")

        def static_url(name: str) -> str:
            return f"{prefix}/static/{name}?v={static[name][2]}"

        rd = reader()
        catalog = rd.peek_catalog()  # error pages render on the event loop: never list the lake here
        listed_at = (
            dt.datetime.fromtimestamp(catalog.listed_at, dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
            if catalog else "–"
        )
        values = {
            "request": request,
            "url": url,
            "static": static_url,
            "finding_path": finding_path,
            "lake": rd.lake.location(),
            "listed_at": listed_at,
            "user": getattr(request.state, "postureflow_user", None),
            "severities": SEVERITIES,
            "statuses": STATUSES,
        }
        values.update(context)
        body = templates.get_template(template).render(values)
        return HTMLResponse(body, status_code=status_code)

    def page(path: str, template: str, title: str, build: Callable[[Request], dict], api: bool = True):
        """An HTML page and, under /api, the same data as JSON."""

        def html_route(request: Request) -> HTMLResponse:
            data = build(request)
            return render(request, template, {"title": title, "active": template.split(".")[0], **data})

        html_route.__name__ = f"page_{template.split('.')[0]}"
        app.add_api_route(path, html_route, methods=["GET"], response_class=HTMLResponse)
        if api:
            def api_route(request: Request) -> JSONResponse:
                data = build(request)
                return JSONResponse(json.loads(json.dumps(data, default=_json_default)))

            api_route.__name__ = f"api_{template.split('.')[0]}"
            app.add_api_route("/api" + (path if path != "/" else "/overview"), api_route, methods=["GET"])

    # -- pages -----------------------------------------------------------------------------

    def overview(request: Request) -> dict:
        return reader().overview()

    def compliance(request: Request) -> dict:
        rd = reader()
        account = _one(request, "account")
        summary = rd.compliance_summary()
        accounts = sorted({r["account_id"] for r in summary["latest"]})
        chart_account = account if account in accounts else (accounts[0] if accounts else None)
        if account and account not in accounts:
            raise NotFound(f"no compliance results for account {account}")
        latest = [r for r in summary["latest"] if account is None or r["account_id"] == account]
        trend = [s for s in summary["trend"] if s["account_id"] == chart_account]
        return {"latest": latest, "trend": trend, "accounts": accounts, "account": account,
                "chart_account": chart_account}

    def framework(request: Request) -> dict:
        key = request.path_params["framework_key"]
        data = reader().framework(key, _one(request, "account"), _date(request))
        wanted = _many(request, "status")
        bad = [s for s in wanted if s not in REQUIREMENT_STATUSES]
        if bad:
            raise ValueError(f"status must be one of {', '.join(REQUIREMENT_STATUSES)}, got {', '.join(bad)}")
        if wanted:
            data["requirements"] = [r for r in data["requirements"] if r["status"] in wanted]
        data["status_filter"] = wanted
        data["requirement_statuses"] = list(REQUIREMENT_STATUSES)
        return data

    def findings(request: Request) -> dict:
        rd = reader()
        flt = finding_filter(request)
        size = _int(request, "page_size", DEFAULT_PAGE_SIZE)
        result = rd.findings(flt, page=_int(request, "page", 1), page_size=size)
        result["filters"] = {
            "account": flt.account, "region": flt.region, "service": flt.service, "severity": flt.severity,
            "status": flt.status, "check": flt.check,
            "muted": None if flt.muted is None else ("true" if flt.muted else "false"),
            "q": flt.q, "date": flt.date.isoformat() if flt.date else None,
        }
        result["query"] = flt.query_items()
        result["facets"] = rd.facets(flt)
        result["page_sizes"] = list(PAGE_SIZES)
        for row in result["rows"]:
            row["href"] = finding_path(row)
        return result

    def finding(request: Request) -> dict:
        p = request.path_params
        return reader().finding(p["account_id"], p["service"], p["finding_uid"])

    def changes(request: Request) -> dict:
        rd = reader()
        account = _one(request, "account")
        accounts = rd.catalog().accounts
        if account is None:
            # One account at a time by default: "since the previous scan" is a per-account question.
            account = accounts[0] if len(accounts) > 1 else None
        elif account == "all":
            account = None
        result = rd.changes(account, _date(request))
        for row in result["new"] + result["resolved"]:
            row["href"] = finding_path(row)
        result["account"] = account
        result["all_accounts"] = accounts
        day = _date(request)
        result["date"] = day.isoformat() if day else None
        return result

    page("/", "overview.html", "Overview", overview)
    page("/compliance", "compliance.html", "Compliance", compliance)
    page("/compliance/{framework_key}", "framework.html", "Framework", framework)
    page("/findings", "findings.html", "Findings", findings)
    page("/changes", "changes.html", "Changes", changes)
    page("/findings/{account_id}/{service}/{finding_uid:path}", "finding.html", "Finding", finding)

    @app.get("/findings.csv", name="findings_csv")
    def findings_csv(request: Request) -> StreamingResponse:
        flt = finding_filter(request)
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        return StreamingResponse(
            reader().findings_csv(flt),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="postureflow-findings-{stamp}.csv"'},
        )

    @app.get("/static/{name}", name="static")
    def static_file(name: str) -> Response:
        if name not in static:
            raise HTTPException(404, f"no static file {name!r}")
        body, media_type, _ = static[name]
        return Response(body, media_type=media_type, headers={"Cache-Control": "private, max-age=86400"})

    return app


def _json_default(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(f"not JSON serializable: {type(value).__name__}")
