"""Per-framework compliance CSVs of ``postureflow scan -M csv``, shaped like Prowler's ``output/compliance/``.

Prowler writes, for each compliance framework, ``compliance/<output name>_<framework>.csv``
(``;``-separated): one row per finding of a check the requirement maps (per requirement
attribute), and one ``MANUAL`` row ("Manual check") per requirement that maps no check
(prowler/lib/outputs/compliance/generic/generic.py; CIS frameworks use
prowler/lib/outputs/compliance/cis/models.py's columns). postureflow writes the same
rows from the run's findings and its framework files; resources are named as Prowler
names them (``postureflow.prowler_identity``). Attribute columns postureflow's framework
files do not carry (CIS rationale, audit and remediation procedures, ...) are empty;
``Requirements_Description`` holds postureflow's requirement title.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Iterable

from postureflow import prowler_identity
from postureflow.compliance.frameworks import Framework
from postureflow.reports.csvfile import _cell

# prowler/lib/outputs/compliance/generic/models.py (GenericComplianceModel), in its order
GENERIC_COLUMNS = (
    "Provider", "Description", "AccountId", "Region", "AssessmentDate", "Requirements_Id",
    "Requirements_Description", "Requirements_Attributes_Section", "Requirements_Attributes_SubSection",
    "Requirements_Attributes_SubGroup", "Requirements_Attributes_Service", "Requirements_Attributes_Type",
    "Status", "StatusExtended", "ResourceId", "CheckId", "Muted", "ResourceName", "Framework", "Name",
    "Requirements_Attributes_Comment",
)
# prowler/lib/outputs/compliance/cis/models.py (AWSCISModel), in its order
CIS_COLUMNS = (
    "Provider", "Description", "AccountId", "Region", "AssessmentDate", "Requirements_Id",
    "Requirements_Description", "Requirements_Attributes_Section", "Requirements_Attributes_SubSection",
    "Requirements_Attributes_Profile", "Requirements_Attributes_AssessmentStatus",
    "Requirements_Attributes_Description", "Requirements_Attributes_RationaleStatement",
    "Requirements_Attributes_ImpactStatement", "Requirements_Attributes_RemediationProcedure",
    "Requirements_Attributes_AuditProcedure", "Requirements_Attributes_AdditionalInformation",
    "Requirements_Attributes_DefaultValue", "Requirements_Attributes_References", "Status", "StatusExtended",
    "ResourceId", "ResourceName", "CheckId", "Muted", "Framework", "Name",
)


def columns_for(framework: Framework) -> tuple[str, ...]:
    return CIS_COLUMNS if framework.framework.upper() == "CIS" else GENERIC_COLUMNS


def compliance_rows(framework: Framework, findings: Iterable[dict], assessed_at: dt.datetime) -> list[dict]:
    """Prowler's rows for one framework: findings first (in finding order), then the manual requirements."""
    by_check: dict[str, list] = {}
    for req in framework.requirements:
        for check_id in req.checks:
            by_check.setdefault(check_id, []).append(req)
    common = {"Provider": "aws", "Description": framework.name, "AssessmentDate": str(assessed_at),
              "Framework": framework.framework, "Name": framework.name}

    def requirement_cells(req) -> dict:
        return {
            "Requirements_Id": req.id, "Requirements_Description": req.title,
            "Requirements_Attributes_Section": req.section,
            "Requirements_Attributes_Profile": req.profile or "",
            "Requirements_Attributes_AssessmentStatus": (req.assessment or "").capitalize(),
        }

    rows = []
    for finding in findings:
        ident = prowler_identity.of_row(finding)
        for req in by_check.get(finding["check_id"], []):
            rows.append({
                **common, **requirement_cells(req),
                "AccountId": finding["account_id"], "Region": ident.region,
                "Status": finding["status"], "StatusExtended": finding.get("status_extended") or "",
                "ResourceId": ident.uid, "ResourceName": ident.name, "CheckId": finding["check_id"],
                "Muted": "True" if finding.get("muted") else "False",
            })
    for req in framework.requirements:
        if not req.checks:
            rows.append({
                **common, **requirement_cells(req), "AccountId": "", "Region": "", "Status": "MANUAL",
                "StatusExtended": "Manual check", "ResourceId": "manual_check", "ResourceName": "Manual check",
                "CheckId": "manual", "Muted": "False",
            })
    return rows


def render_compliance_csv(framework: Framework, findings: Iterable[dict], assessed_at: dt.datetime) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=columns_for(framework), delimiter=";", restval="", extrasaction="ignore",
                            lineterminator="\r\n")
    writer.writeheader()
    for row in compliance_rows(framework, findings, assessed_at):
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return out.getvalue().encode("utf-8")
