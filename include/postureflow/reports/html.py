"""The self-contained HTML report: inline CSS and JS, no network access, everything escaped.

Jinja2 autoescaping escapes every value (resource names, tags and status
sentences can be chosen by whoever names a resource); a Content-Security-Policy
meta tag forbids the page from loading anything, so it renders the same offline.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import jinja2
from markupsafe import Markup

from postureflow import __version__
from postureflow.reports.data import SEVERITIES, RunData, by_service, failed_by_check, overview

TEMPLATES = Path(__file__).parent / "templates"


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@lru_cache(maxsize=1)
def _assets() -> tuple[Markup, Markup]:
    css = (TEMPLATES / "report.css").read_text(encoding="utf-8")
    js = (TEMPLATES / "report.js").read_text(encoding="utf-8")
    return Markup(css), Markup(js)


def render_html(data: RunData, siblings: list[str] | None = None) -> bytes:
    css, js = _assets()
    muted = [f for f in data.findings if f["muted"]]
    page = _environment().get_template("report.html").render(
        data=data,
        overview=overview(data.findings),
        services=by_service(data.findings, data.services),
        failed=failed_by_check(data),
        muted=muted,
        severities=SEVERITIES,
        css=css,
        js=js,
        version=__version__,
        siblings=siblings or [],
    )
    return page.encode("utf-8")
