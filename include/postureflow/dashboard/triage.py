"""Triage on a finding's page: the resource's inventory record (secrets redacted), its other findings,
and the Prowler-format mutelist entry that would mute the finding.

Nothing is ever muted from here. The entry is shown to copy into the account's mutelist, or appended
to a *pending* file (``POSTUREFLOW_MUTELIST_PENDING``) that a person reviews and merges; findings are
muted only by the mutelist the scans load, on the next run, with the entry's description as reason.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import threading
from pathlib import Path
from typing import Any

import yaml

from postureflow.secrets import scan_key_values, scan_value

REDACTED = "[redacted]"
_PENDING_LOCK = threading.Lock()


def redact(value: Any, key: str = "") -> Any:
    """A copy of ``value`` with every secret-looking string (by value, or by its key's name) replaced."""
    if isinstance(value, dict):
        return {k: redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v, key) for v in value]
    if isinstance(value, str) and value:
        if scan_value(value) or (key and scan_key_values({key: value})):
            return REDACTED
    return value


def parse_record(row: dict) -> dict:
    """An inventory row as the page shows it: fields parsed and redacted, tags redacted."""
    try:
        data = json.loads(row.get("data") or "{}")
    except ValueError:
        data = {"_unparsed": True}
    unread = data.pop("_unread", None) or {}
    tags = row.get("resource_tags") or {}
    if isinstance(tags, list):
        tags = dict(tags)
    return {
        "kind": row.get("kind"),
        "scan_date": row["scan_date"].isoformat() if hasattr(row.get("scan_date"), "isoformat") else row.get("scan_date"),
        "region": row.get("region"),
        "resource_uid": row.get("resource_uid"),
        "resource_id": row.get("resource_id"),
        "tags": redact(dict(sorted(tags.items()))),
        "fields": redact(dict(sorted(data.items()))),
        "unread": unread,
    }


def mute_entry(finding: dict, reason: str = "") -> dict:
    """The Prowler mutelist document muting exactly this finding (account, check, region, resource)."""
    description = reason.strip() or f"accepted risk: {finding['check_id']} on {finding['resource_id']}"
    return {"Mutelist": {"Accounts": {finding["account_id"]: {"Checks": {finding["check_id"]: {
        "Regions": [finding["region"]],
        # anchored: Prowler searches the pattern anywhere, so bucket "logs" would also mute "logs-archive"
        "Resources": [f"^{re.escape(finding['resource_uid'] or finding['resource_id'])}$"],
        "Description": description,
    }}}}}}


def mute_yaml(finding: dict, reason: str = "") -> str:
    return yaml.safe_dump(mute_entry(finding, reason), sort_keys=False, default_flow_style=False)


def pending_path() -> Path | None:
    value = os.environ.get("POSTUREFLOW_MUTELIST_PENDING")
    return Path(value) if value else None


def append_pending(path: Path, finding: dict, reason: str, user: str | None) -> dict:
    """Merge the finding's entry into the pending mutelist file (Prowler format), for review.

    The description records who asked and when. Returns the entry written.
    """
    from postureflow.mutelist import Mutelist

    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    entry = mute_entry(finding, f"{reason.strip() or 'accepted risk'} (requested by {user or 'unknown'}, {stamp})")
    with _PENDING_LOCK:
        document = yaml.safe_load(path.read_text()) if path.exists() else None
        document = document or {"Mutelist": {"Accounts": {}}}
        accounts = document.setdefault("Mutelist", {}).setdefault("Accounts", {})
        checks = accounts.setdefault(finding["account_id"], {}).setdefault("Checks", {})
        new = entry["Mutelist"]["Accounts"][finding["account_id"]]["Checks"][finding["check_id"]]
        old = checks.get(finding["check_id"])
        if old:
            old["Regions"] = sorted(set(old.get("Regions", [])) | set(new["Regions"]))
            old["Resources"] = sorted(set(old.get("Resources", [])) | set(new["Resources"]))
            old["Description"] = f"{old.get('Description', '')}; {new['Description']}".strip("; ")
        else:
            checks[finding["check_id"]] = new
        text = yaml.safe_dump(document, sort_keys=False)
        Mutelist.loads(text, str(path))  # never write a file the scans would refuse
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(text)
        os.replace(tmp, path)
    return entry
