"""The dashboard's FastAPI app: middleware, rendering, error pages, static files; the routes are
routers in ``routes`` with their query parameters declared in ``queries``.

Scripts, styles and the chart are files of this package served by the app
itself: no CDN, nothing fetched at runtime, so the dashboard works offline.
Any error is a readable page (JSON under /api) with its status: 400 for bad
input, 404 for what the lake does not have, 500 naming what failed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from pathlib import Path
from typing import Any, Sequence
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware

from postureflow.dashboard.data import SEVERITIES, STATUSES, LakeReader, NotFound, reader_for
from postureflow.dashboard.routes import export_router, finding_path, pages_router, triage_router
from postureflow.lake.store import Lake, default_lake_uri

log = logging.getLogger(__name__)
TITLES = {400: "Bad request", 401: "Not authenticated", 403: "Forbidden", 404: "Not found", 409: "Not possible",
          500: "The dashboard could not answer"}

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


def validation_message(err: RequestValidationError) -> str:
    """'page: Input should be a valid integer, ...' naming each bad parameter."""
    parts = []
    for e in err.errors():
        loc = [str(p) for p in e.get("loc", ()) if p not in ("query", "path", "body")]
        message = str(e.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{'.'.join(loc)}: {message}" if loc else message)
    return "; ".join(parts) or "invalid request"


def failure_message(lake: Lake | None, err: Exception) -> str:
    """What a 500 says: the corrupt lake file behind a read error (DuckDB's own message, e.g. "don't know
    what type", names none), else the error. Only a local lake's files are verified: on S3 that would
    read every object while the request waits."""
    from postureflow.lake.errors import CorruptLakeFile
    from postureflow.lake.query import corrupt_behind

    corrupt = corrupt_behind(lake, err) if lake is not None and lake.is_local else []
    if corrupt:
        path, reason = corrupt[0]
        return str(CorruptLakeFile(lake.storage.location(path), reason))
    return f"{type(err).__name__}: {err}"


def same_origin(request: Request) -> None:
    """A form POST must come from the dashboard's own pages (no cross-site form can write the pending file)."""
    origin = request.headers.get("origin")
    if request.headers.get("sec-fetch-site") not in (None, "same-origin") or (
        origin and origin.split("://", 1)[-1] != request.headers.get("host")
    ):
        raise HTTPException(403, "Forbidden: cross-site request")


def create_app(
    lake: Lake | str | None = None,
    *,
    auth: str = "none",
    allowed_hosts: Sequence[str] | None = tuple(LOCAL_HOSTS),
    ttl: float = 10.0,
) -> FastAPI:
    """The dashboard over ``lake`` (default: $POSTUREFLOW_LAKE or the embedded default, resolved on first use).

    ``auth="airflow"``: every route requires an Airflow user allowed to read the
    ``Postureflow`` view (the plugin); proposing a mute also needs edit rights.
    ``auth="none"``: no authentication, for ``postureflow dashboard`` on the loopback
    interface; ``allowed_hosts`` then refuses requests whose Host header is not a
    local name (DNS rebinding).
    """
    if auth not in ("none", "airflow"):
        raise ValueError(f"auth must be 'none' or 'airflow', got {auth!r}")
    dependencies = []
    write_dependencies = [Depends(same_origin)]
    if auth == "airflow":
        from postureflow.dashboard.auth import require_airflow_editor, require_airflow_user

        dependencies.append(Depends(require_airflow_user))
        write_dependencies.append(Depends(require_airflow_editor))
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

    def prefix_of(request: Request) -> str:
        return request.scope.get("root_path", "").rstrip("/")

    def render(request: Request, template: str, context: dict, status_code: int = 200) -> HTMLResponse:
        prefix = prefix_of(request)

        def url(path: str, params: Any = None, **kwargs: Any) -> str:
            items: list[tuple[str, str]] = []
            if params:
                items.extend(params.items() if isinstance(params, dict) else params)
            items.extend((k, v) for k, v in kwargs.items())
            query = urlencode([(k, str(v)) for k, v in items if v is not None and v != ""])
            return f"{prefix}{path}" + (f"?{query}" if query else "")

        def static_url(name: str) -> str:
            return f"{prefix}/static/{name}?v={static[name][2]}"

        catalog = state["reader"].peek_catalog() if "reader" in state else None  # never list the lake here
        listed_at = (
            dt.datetime.fromtimestamp(catalog.listed_at, dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
            if catalog else "–"
        )
        values = {
            "request": request,
            "url": url,
            "static": static_url,
            "finding_path": finding_path,
            "lake": state["reader"].lake.location() if "reader" in state else "",
            "listed_at": listed_at,
            "user": getattr(request.state, "postureflow_user", None),
            "severities": SEVERITIES,
            "statuses": STATUSES,
        }
        values.update(context)
        body = templates.get_template(template).render(values)
        return HTMLResponse(body, status_code=status_code)

    def error(request: Request, code: int, message: str, headers: dict | None = None) -> Response:
        if request.url.path.startswith(prefix_of(request) + "/api/"):
            return JSONResponse({"detail": message}, status_code=code, headers=headers)
        try:
            return render(request, "error.html", {"title": TITLES.get(code, "Error"), "code": code,
                                                  "message": message}, status_code=code)
        except Exception:  # noqa: BLE001 - the error page itself must not fail
            log.exception("rendering the error page failed")
            return Response(f"{code} {message}", status_code=code, media_type="text/plain", headers=headers)

    app.state.reader = reader
    app.state.render = render

    @app.exception_handler(NotFound)
    async def not_found(request: Request, err: NotFound):
        return error(request, 404, str(err))

    @app.exception_handler(ValueError)
    async def bad_request(request: Request, err: ValueError):
        return error(request, 400, str(err))

    @app.exception_handler(RequestValidationError)
    async def bad_parameters(request: Request, err: RequestValidationError):
        return error(request, 400, validation_message(err))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, err: StarletteHTTPException):
        if err.status_code in (401, 403):
            # Airflow's own answer to a missing or refused token: JSON, as the core API gives it
            return JSONResponse({"detail": err.detail}, status_code=err.status_code, headers=err.headers)
        return error(request, err.status_code, str(err.detail), headers=err.headers)

    @app.exception_handler(Exception)
    async def server_error(request: Request, err: Exception):
        # A corrupt or unreadable lake file, a DuckDB error: say what failed, never a bare 500.
        log.exception("dashboard request %s failed", request.url.path)
        lake_read = state["reader"].lake if "reader" in state else None
        return error(request, 500, await run_in_threadpool(failure_message, lake_read, err))

    app.include_router(pages_router())
    app.include_router(export_router())
    app.include_router(triage_router(write_dependencies))

    @app.get("/static/{name}", name="static")
    def static_file(name: str) -> Response:
        if name not in static:
            raise HTTPException(404, f"no static file {name!r}")
        body, media_type, _ = static[name]
        return Response(body, media_type=media_type, headers={"Cache-Control": "private, max-age=86400"})

    return app
