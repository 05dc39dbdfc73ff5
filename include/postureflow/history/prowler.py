"""Import Prowler's own outputs into the lake, so history, drift and trends run across the switch.

Prowler writes one file per scan: OCSF JSON (``-M json-ocsf``, a list of Detection Findings) or CSV
(``-M csv``, ``;``-separated). Each finding lands in the ``findings`` dataset at its scan date (the
date of Prowler's timestamp), with postureflow's ``finding_uid`` for the same account, region, check
and resource, so a finding imported from Prowler and the same finding scanned later by postureflow are
one history. Each (service, region) an import holds is recorded in ``scan_scope`` as scanned
completely that day: Prowler scanned it, and the views may compare against it.

An import replaces exactly the (date, service, account) partitions it holds, so importing the same
file twice changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

import pyarrow as pa

from postureflow.engine import finding_uid
from postureflow.lake import schema as lake_schema
from postureflow.lake.store import Lake

STATUSES = {"PASS", "FAIL", "MANUAL"}
SEVERITIES = {"critical", "high", "medium", "low", "informational"}


class ImportError_(ValueError):
    """A file that is not a Prowler output we can read; the message names the file and the entry."""


@dataclass
class ImportResult:
    findings: int = 0
    days: set[dt.date] = field(default_factory=set)
    accounts: set[str] = field(default_factory=set)
    partitions: int = 0


def read_findings(path: Path) -> Iterator[dict]:
    """Prowler findings of one file as plain dicts (one shape for OCSF and CSV)."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() == ".json" or text.lstrip().startswith(("[", "{")):
        yield from _from_ocsf(path, text)
    else:
        yield from _from_csv(path, text)


def _from_ocsf(path: Path, text: str) -> Iterator[dict]:
    try:
        items = json.loads(text)
    except ValueError as err:
        raise ImportError_(f"{path}: not JSON ({err})") from None
    if isinstance(items, dict):
        items = [items]
    for index, item in enumerate(items):
        try:
            resource = (item.get("resources") or [{}])[0]
            yield {
                "check_id": item["metadata"]["event_code"],
                "check_title": (item.get("finding_info") or {}).get("title") or "",
                "status": item["status_code"],
                "status_extended": item.get("status_detail") or item.get("message") or "",
                "severity": str(item.get("severity") or "").lower(),
                "muted": str(item.get("status") or "").lower() == "suppressed",
                "account_id": str(item["cloud"]["account"]["uid"]),
                "region": resource.get("region") or "global",
                "service": (resource.get("group") or {}).get("name") or "",
                "resource_uid": resource.get("uid") or "",
                "resource_id": resource.get("name") or resource.get("uid") or "",
                "resource_type": resource.get("type") or "Other",
                "resource_tags": _labels(resource.get("labels") or []),
                "time": item.get("time_dt") or item.get("time"),
                "prowler_version": ((item.get("metadata") or {}).get("product") or {}).get("version") or "",
            }
        except (KeyError, TypeError, IndexError) as err:
            raise ImportError_(f"{path}: finding #{index + 1} lacks {err}") from None


def _from_csv(path: Path, text: str) -> Iterator[dict]:
    reader = csv.DictReader(text.splitlines(), delimiter=";")
    missing = {"CHECK_ID", "STATUS", "ACCOUNT_UID", "TIMESTAMP"} - set(reader.fieldnames or [])
    if missing:
        raise ImportError_(f"{path}: not a Prowler CSV (no column {', '.join(sorted(missing))})")
    for row in reader:
        yield {
            "check_id": row["CHECK_ID"],
            "check_title": row.get("CHECK_TITLE") or "",
            "status": row["STATUS"],
            "status_extended": row.get("STATUS_EXTENDED") or "",
            "severity": (row.get("SEVERITY") or "").lower(),
            "muted": str(row.get("MUTED")).lower() == "true",
            "account_id": row["ACCOUNT_UID"],
            "region": row.get("REGION") or "global",
            "service": row.get("SERVICE_NAME") or "",
            "resource_uid": row.get("RESOURCE_UID") or "",
            "resource_id": row.get("RESOURCE_NAME") or row.get("RESOURCE_UID") or "",
            "resource_type": row.get("RESOURCE_TYPE") or "Other",
            "resource_tags": _unrolled(row.get("RESOURCE_TAGS") or ""),
            "time": row["TIMESTAMP"],
            "prowler_version": row.get("PROWLER_VERSION") or "",
        }


def _labels(labels: Iterable[str]) -> dict[str, str]:
    pairs = (str(label).split(":", 1) for label in labels)
    return {p[0].strip(): (p[1].strip() if len(p) > 1 else "") for p in pairs if p[0].strip()}


def _unrolled(text: str) -> dict[str, str]:
    """Prowler's ``key=value | key=value`` tags."""
    pairs = (part.split("=", 1) for part in text.split(" | ") if part.strip())
    return {p[0].strip(): (p[1].strip() if len(p) > 1 else "") for p in pairs}


def _when(value) -> dt.datetime:
    if isinstance(value, (int, float)):
        return dt.datetime.fromtimestamp(value, dt.timezone.utc)
    parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


def to_rows(findings: Iterable[dict], source: str) -> list[dict]:
    """Finding records in the lake's shape; checks postureflow knows keep its service, so the
    partitions line up with postureflow's own scans."""
    from postureflow.checks import all_checks

    known = all_checks()
    rows = []
    for number, finding in enumerate(findings, start=1):
        if finding["status"] not in STATUSES:
            raise ImportError_(f"{source}: finding #{number} has status {finding['status']!r}")
        when = _when(finding["time"])
        check = known.get(finding["check_id"])
        severity = finding["severity"] if finding["severity"] in SEVERITIES else (check.severity if check else "medium")
        region = finding["region"]
        rows.append(
            {
                "finding_uid": finding_uid(finding["account_id"], region, finding["check_id"], finding["resource_uid"]),
                "check_id": finding["check_id"],
                "check_title": finding["check_title"] or (check.title if check else finding["check_id"]),
                "severity": severity,
                "status": finding["status"],
                "status_extended": finding["status_extended"],
                "account_id": finding["account_id"],
                "region": region,
                "service": check.service if check else finding["service"] or finding["check_id"].split("_", 1)[0],
                "resource_uid": finding["resource_uid"],
                "resource_id": finding["resource_id"],
                "resource_type": finding["resource_type"],
                "resource_tags": list(finding["resource_tags"].items()),
                "muted": bool(finding["muted"]),
                "mute_reason": "muted in Prowler" if finding["muted"] else None,
                "scan_date": when.date(),
                "run_id": f"prowler-import:{source}",
                "scanned_at": when,
                "check_version": f"prowler-{finding['prowler_version'] or 'unknown'}",
            }
        )
    return rows


def import_files(lake: Lake, paths: Iterable[Path]) -> ImportResult:
    """Read every file first (a bad file writes nothing), then replace the partitions they hold."""
    rows: list[dict] = []
    for path in paths:
        rows.extend(to_rows(read_findings(path), path.name))
    result = ImportResult(findings=len(rows))
    partitions: dict[tuple[dt.date, str, str], list[dict]] = defaultdict(list)
    for row in rows:
        partitions[(row["scan_date"], row["service"], row["account_id"])].append(row)
    recorded_at = dt.datetime.now(dt.timezone.utc)
    for (day, service, account), items in sorted(partitions.items()):
        values = {"scan_date": day, "service": service, "account_id": account}
        lake.write_partition("findings", values, pa.Table.from_pylist(items, schema=lake_schema.FINDINGS))
        scope = [
            {"account_id": account, "service": service, "region": region, "status": "complete", "errors": 0,
             "incomplete_kinds": [], "scan_date": day, "run_id": items[0]["run_id"], "recorded_at": recorded_at}
            for region in sorted({row["region"] for row in items})
        ]  # fmt: skip
        lake.write_partition("scan_scope", values, pa.Table.from_pylist(scope, schema=lake_schema.SCAN_SCOPE))
        result.days.add(day)
        result.accounts.add(account)
        result.partitions += 1
    return result
