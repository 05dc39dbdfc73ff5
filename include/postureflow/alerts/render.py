"""Alert messages and the digest: plain text and HTML from one template each (templates/*.html,
rendered with ``html`` false or true; HTML escapes every value, the text form is sent as is).

Messages are rendered here, once, and handed to the notifiers as finished strings: a notifier
never renders them again, so a ``{{ ... }}`` in a resource name or tag stays text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined

TEMPLATES = Path(__file__).resolve().parent / "templates"
MAX_ITEMS = 50  # per message; the rest is counted ("and N more")


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    html: str
    data: dict  # the same content as JSON, for webhooks


def _env(html: bool) -> Environment:
    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=html, trim_blocks=True,
                       lstrip_blocks=True, undefined=StrictUndefined, keep_trailing_newline=True)


_ENVS = {False: _env(False), True: _env(True)}


def render(template: str, **values) -> tuple[str, str]:
    """(text, html) of ``template`` with ``values``."""
    return tuple(_ENVS[html].get_template(template).render(html=html, **values) for html in (False, True))


def finding_link(dashboard_url: str | None, account_id: str, service: str | None, finding_uid: str) -> str | None:
    if not dashboard_url or not service:
        return None
    return f"{dashboard_url.rstrip('/')}/findings/{account_id}/{service}/{quote(finding_uid, safe='')}"


def check_remediation(check_id: str | None) -> str | None:
    if not check_id:
        return None
    from postureflow.checks import all_checks

    check = all_checks().get(check_id)
    return getattr(check, "remediation", None) if check else None
