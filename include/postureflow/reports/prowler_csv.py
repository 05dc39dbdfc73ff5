"""The CSV of ``postureflow scan -M csv``: Prowler 5's columns, in Prowler's order, ``;``-separated.

A spreadsheet, SIEM parser or script built for Prowler's CSV reads this file
unchanged. Columns postureflow has no data for (account e-mail, organization,
sub-service, check type, ...) are present and empty. The metadata columns come
from the check: CATEGORIES are Prowler's; DESCRIPTION, RELATED_URL and the
remediation URL and code are those a custom checks metadata file gives, and
DESCRIPTION falls back to the check title (the closest postureflow text to
Prowler's one-line description; the risk has its own column). Cells are
protected against formula injection like the lake's CSV report.

Resources are named as Prowler names them (``postureflow.prowler_identity``):
RESOURCE_UID, RESOURCE_NAME and REGION are Prowler's forms, and FINDING_UID is
Prowler's ``prowler-aws-<check>-<account>-<region>-<resource name>``, so a
reader keyed on Prowler's identities finds the same findings.
"""

from __future__ import annotations

import csv
import io

from postureflow import __version__, prowler_identity
from postureflow.arn import partition_of
from postureflow.reports.csvfile import _cell
from postureflow.reports.data import CheckInfo, RunData

# Prowler 5.x, prowler/lib/outputs/csv/csv.py (CSV.transform), in its order.
COLUMNS = (
    "AUTH_METHOD", "TIMESTAMP", "ACCOUNT_UID", "ACCOUNT_NAME", "ACCOUNT_EMAIL", "ACCOUNT_ORGANIZATION_UID",
    "ACCOUNT_ORGANIZATION_NAME", "ACCOUNT_TAGS", "FINDING_UID", "PROVIDER", "CHECK_ID", "CHECK_TITLE", "CHECK_TYPE",
    "STATUS", "STATUS_EXTENDED", "MUTED", "SERVICE_NAME", "SUBSERVICE_NAME", "SEVERITY", "RESOURCE_TYPE",
    "RESOURCE_UID", "RESOURCE_NAME", "RESOURCE_DETAILS", "RESOURCE_TAGS", "PARTITION", "REGION", "DESCRIPTION",
    "RISK", "RELATED_URL", "REMEDIATION_RECOMMENDATION_TEXT", "REMEDIATION_RECOMMENDATION_URL",
    "REMEDIATION_CODE_NATIVEIAC", "REMEDIATION_CODE_TERRAFORM", "REMEDIATION_CODE_CLI", "REMEDIATION_CODE_OTHER",
    "COMPLIANCE", "CATEGORIES", "DEPENDS_ON", "RELATED_TO", "NOTES", "PROWLER_VERSION",
)

# Remediation: Code: <key> of Prowler's metadata -> its column
CODE_COLUMNS = {"NativeIaC": "REMEDIATION_CODE_NATIVEIAC", "Terraform": "REMEDIATION_CODE_TERRAFORM",
                "CLI": "REMEDIATION_CODE_CLI", "Other": "REMEDIATION_CODE_OTHER"}  # fmt: skip


def prowler_rows(data: RunData, auth_method: str = ""):
    for row in data.findings:
        info = data.checks.get(row["check_id"], CheckInfo())
        ident = prowler_identity.of_row(row)
        uid = ident.uid
        parts = uid.split(":")
        scanned_at = row.get("scanned_at")
        yield {
            "AUTH_METHOD": auth_method,
            "TIMESTAMP": scanned_at.isoformat() if scanned_at else "",
            "ACCOUNT_UID": row["account_id"],
            "FINDING_UID": prowler_identity.prowler_finding_uid(row),
            "PROVIDER": "aws",
            "CHECK_ID": row["check_id"],
            "CHECK_TITLE": row["check_title"],
            "STATUS": row["status"],
            "STATUS_EXTENDED": row["status_extended"],
            "MUTED": "True" if row["muted"] else "False",
            "SERVICE_NAME": row["service"],
            "SEVERITY": row["severity"],
            "RESOURCE_TYPE": row["resource_type"],
            "RESOURCE_UID": uid,
            "RESOURCE_NAME": ident.name,
            # Prowler's unroll_dict: "key=value | key=value"
            "RESOURCE_TAGS": " | ".join(f"{k}={v}" for k, v in sorted((row.get("resource_tags") or {}).items())),
            "PARTITION": parts[1] if len(parts) > 2 and parts[0] == "arn" else partition_of(ident.region),
            "REGION": ident.region,
            "DESCRIPTION": info.description or row["check_title"],
            "RISK": info.risk,
            "RELATED_URL": info.related_url,
            "REMEDIATION_RECOMMENDATION_TEXT": info.remediation,
            "REMEDIATION_RECOMMENDATION_URL": info.remediation_url,
            **{column: info.remediation_code.get(key, "") for key, column in CODE_COLUMNS.items()},
            "COMPLIANCE": " | ".join(data.frameworks_by_check.get(row["check_id"], [])),
            "CATEGORIES": " | ".join(info.categories),  # Prowler's unroll_list
            "NOTES": row.get("mute_reason") or "",
            "PROWLER_VERSION": f"postureflow {__version__}",
        }


def render_prowler_csv(data: RunData, auth_method: str = "") -> bytes:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=COLUMNS, delimiter=";", restval="", lineterminator="\r\n")
    writer.writeheader()
    for row in prowler_rows(data, auth_method):
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return out.getvalue().encode("utf-8")
