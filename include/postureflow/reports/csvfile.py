"""The CSV report: one row per finding, with Prowler's column names where they mean the same.

Semicolon-separated like Prowler's CSV. A cell that a spreadsheet would run as
a formula (starting with = + - @, a tab or a carriage return) is prefixed with
a single quote, as OWASP advises for CSV files that people open in Excel.
"""

from __future__ import annotations

import csv
import io

from postureflow import __version__
from postureflow.reports.data import CheckInfo, RunData

COLUMNS = (
    "TIMESTAMP",
    "SCAN_DATE",
    "RUN_ID",
    "PROVIDER",
    "ACCOUNT_UID",
    "FINDING_UID",
    "CHECK_ID",
    "CHECK_TITLE",
    "STATUS",
    "STATUS_EXTENDED",
    "MUTED",
    "MUTE_REASON",
    "SERVICE_NAME",
    "SEVERITY",
    "RESOURCE_TYPE",
    "RESOURCE_UID",
    "RESOURCE_NAME",
    "RESOURCE_TAGS",
    "PARTITION",
    "REGION",
    "RISK",
    "REMEDIATION_RECOMMENDATION_TEXT",
    "COMPLIANCE",
    "CHECK_VERSION",
    "POSTUREFLOW_VERSION",
)

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    if value is None:
        return ""
    text = str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def csv_rows(data: RunData):
    for row in data.findings:
        info = data.checks.get(row["check_id"], CheckInfo())
        uid = row["resource_uid"] or ""
        parts = uid.split(":")
        partition = parts[1] if len(parts) > 2 and parts[0] == "arn" else ""
        tags = row.get("resource_tags") or {}
        scanned_at = row.get("scanned_at")
        yield {
            "TIMESTAMP": scanned_at.isoformat() if scanned_at else "",
            "SCAN_DATE": row["scan_date"].isoformat() if row.get("scan_date") else "",
            "RUN_ID": row.get("run_id"),
            "PROVIDER": "aws",
            "ACCOUNT_UID": row["account_id"],
            "FINDING_UID": row["finding_uid"],
            "CHECK_ID": row["check_id"],
            "CHECK_TITLE": row["check_title"],
            "STATUS": row["status"],
            "STATUS_EXTENDED": row["status_extended"],
            "MUTED": "True" if row["muted"] else "False",
            "MUTE_REASON": row.get("mute_reason"),
            "SERVICE_NAME": row["service"],
            "SEVERITY": row["severity"],
            "RESOURCE_TYPE": row["resource_type"],
            "RESOURCE_UID": uid,
            "RESOURCE_NAME": row["resource_id"],
            "RESOURCE_TAGS": " | ".join(f"{k}={v}" for k, v in sorted(tags.items())),
            "PARTITION": partition,
            "REGION": row["region"],
            "RISK": info.risk,
            "REMEDIATION_RECOMMENDATION_TEXT": info.remediation,
            "COMPLIANCE": " | ".join(data.frameworks_by_check.get(row["check_id"], [])),
            "CHECK_VERSION": row.get("check_version"),
            "POSTUREFLOW_VERSION": __version__,
        }


def render_csv(data: RunData) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=COLUMNS, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writeheader()
    for row in csv_rows(data):
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return out.getvalue().encode("utf-8")
