"""OCSF 1.x Detection Findings (class 2004), built and validated with py-ocsf-models.

One event per finding record, as Prowler's own OCSF output does: the check is
the detection, ``status_code`` keeps PASS/FAIL/MANUAL, ``status_detail`` the
sentence, and a muted finding is ``status_id = Suppressed``.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Iterator

from py_ocsf_models.events.findings.activity_id import ActivityID
from py_ocsf_models.events.findings.detection_finding import DetectionFinding
from py_ocsf_models.events.findings.detection_finding_type_id import DetectionFindingTypeID
from py_ocsf_models.events.findings.severity_id import SeverityID
from py_ocsf_models.events.findings.status_id import StatusID
from py_ocsf_models.objects.account import Account, TypeID
from py_ocsf_models.objects.cloud import Cloud
from py_ocsf_models.objects.finding_info import FindingInformation
from py_ocsf_models.objects.group import Group
from py_ocsf_models.objects.metadata import Metadata
from py_ocsf_models.objects.product import Product
from py_ocsf_models.objects.remediation import Remediation
from py_ocsf_models.objects.resource_details import ResourceDetails

from postureflow import __version__
from postureflow.reports.data import CheckInfo, RunData

SEVERITY_IDS = {
    "informational": SeverityID.Informational,
    "low": SeverityID.Low,
    "medium": SeverityID.Medium,
    "high": SeverityID.High,
    "critical": SeverityID.Critical,
}

PRODUCT = Product(name="postureflow", vendor_name="postureflow", uid="postureflow", version=__version__)


def _millis(when: dt.datetime | None) -> int:
    """OCSF timestamp_t: milliseconds since the epoch."""
    if when is None:
        return 0
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    return int(when.timestamp() * 1000)


def _partition(resource_uid: str) -> str | None:
    parts = (resource_uid or "").split(":")
    return parts[1] if len(parts) > 2 and parts[0] == "arn" and parts[1] else None


def detection_finding(row: dict, info: CheckInfo, frameworks: list[str]) -> DetectionFinding:
    scanned_at = row.get("scanned_at")
    if isinstance(scanned_at, dt.datetime) and scanned_at.tzinfo is None:
        scanned_at = scanned_at.replace(tzinfo=dt.timezone.utc)
    severity = SEVERITY_IDS.get(row["severity"], SeverityID.Unknown)
    status = StatusID.Suppressed if row["muted"] else StatusID.New
    tags = row.get("resource_tags") or {}
    unmapped = {
        "scan_date": row["scan_date"].isoformat() if row.get("scan_date") else None,
        "run_id": row.get("run_id"),
        "check_version": row.get("check_version"),
        "muted": bool(row["muted"]),
        "mute_reason": row.get("mute_reason"),
        "compliance": frameworks or None,
    }
    return DetectionFinding(
        activity_id=ActivityID.Create,
        activity_name=ActivityID.Create.name,
        type_uid=DetectionFindingTypeID.Create,
        type_name=f"Detection Finding: {ActivityID.Create.name}",
        time=_millis(scanned_at),
        time_dt=scanned_at,
        message=row["status_extended"],
        severity_id=severity,
        severity=severity.name,
        status_id=status,
        status=status.name,
        status_code=row["status"],
        status_detail=row["status_extended"],
        risk_details=info.risk or None,
        remediation=Remediation(desc=info.remediation) if info.remediation else None,
        metadata=Metadata(
            event_code=row["check_id"],
            product=PRODUCT,
            profiles=["cloud", "datetime"],
            uid=row["finding_uid"],
        ),
        finding_info=FindingInformation(
            uid=row["finding_uid"],
            title=row["check_title"] or row["check_id"],
            created_time=_millis(scanned_at),
            created_time_dt=scanned_at,
            types=[row["service"]] if row.get("service") else None,
        ),
        resources=[
            ResourceDetails(
                uid=row["resource_uid"],
                name=row["resource_id"],
                type=row["resource_type"],
                region=row["region"],
                cloud_partition=_partition(row["resource_uid"]),
                group=Group(name=row["service"]),
                labels=[f"{k}:{v}" for k, v in sorted(tags.items())] or None,
            )
        ],
        cloud=Cloud(
            provider="aws",
            region=row["region"],
            account=Account(uid=row["account_id"], name=row["account_id"], type_id=TypeID.AWS_Account, type="AWS Account"),
        ),
        unmapped={k: v for k, v in unmapped.items() if v is not None},
    )


def ocsf_events(data: RunData) -> Iterator[DetectionFinding]:
    """One validated Detection Finding per finding row, lazily (a large run never holds them all)."""
    for row in data.findings:
        info = data.checks.get(row["check_id"], CheckInfo())
        yield detection_finding(row, info, data.frameworks_by_check.get(row["check_id"], []))


def render_ocsf(data: RunData) -> bytes:
    """A JSON array of OCSF Detection Findings, one per line."""
    lines = [event.model_dump_json(exclude_none=True) for event in ocsf_events(data)]
    if not lines:
        return b"[]\n"
    return ("[\n" + ",\n".join(lines) + "\n]\n").encode("utf-8")


def parse_ocsf(body: bytes | str) -> list[DetectionFinding]:
    """Read a file written by render_ocsf back into validated models (the round-trip the tests use)."""
    return [DetectionFinding.model_validate(item) for item in json.loads(body)]
