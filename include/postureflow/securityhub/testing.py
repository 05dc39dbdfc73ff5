"""Helpers for the Security Hub tests and bench: synthetic finding rows, moto's hub, call counting."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import boto3
import pyarrow as pa

from postureflow import scope
from postureflow.engine import finding_uid
from postureflow.lake import schema as lake_schema

ACCOUNT = "123456789012"


def row(
    resource: str,
    status: str = "FAIL",
    *,
    check_id: str = "s3_bucket_no_mfa_delete",
    day: dt.date = dt.date(2026, 11, 20),
    region: str = "us-east-1",
    service: str = "s3",
    severity: str = "medium",
    muted: bool = False,
    status_extended: str | None = None,
    tags: dict | None = None,
    resource_uid: str | None = None,
    account: str = ACCOUNT,
) -> dict:
    uid = resource_uid or f"arn:aws:s3:::{resource}"
    return {
        "finding_uid": finding_uid(account, region, check_id, uid),
        "check_id": check_id,
        "check_title": f"Title of {check_id}",
        "severity": severity,
        "status": status,
        "status_extended": status_extended or f"Resource {resource} is {status}.",
        "account_id": account,
        "region": region,
        "service": service,
        "resource_uid": uid,
        "resource_id": resource,
        "resource_type": "AwsS3Bucket",
        "resource_tags": list((tags or {}).items()),
        "muted": muted,
        "mute_reason": "accepted risk" if muted else None,
        "scan_date": day,
        "run_id": f"run-{day}",
        "scanned_at": dt.datetime.combine(day, dt.time(6, 0), dt.timezone.utc),
        "check_version": "test",
    }


def write_day(
    lake,
    day: dt.date,
    rows: list[dict],
    service: str = "s3",
    errors: list[dict] | None = None,
    account: str = ACCOUNT,
    regions: tuple[str, ...] = ("us-east-1",),
) -> None:
    """Write one day's findings, scan errors and scan scope partitions for ``service``, as a scan task would.

    The scope covers ``regions`` and the rows' regions; a region is complete unless an error touches it."""
    rows = [dict(r, scan_date=day, scanned_at=dt.datetime.combine(day, dt.time(6, 0), dt.timezone.utc)) for r in rows]
    partition = {"scan_date": day, "service": service, "account_id": account}
    lake.write_partition("findings", partition, pa.Table.from_pylist(rows, schema=lake_schema.FINDINGS))
    error_rows = [
        {
            "account_id": account,
            "service": service,
            "scan_date": day,
            "run_id": "r",
            "occurred_at": dt.datetime.combine(day, dt.time(6, 0), dt.timezone.utc),
            "error_code": "AccessDenied",
            "message": "denied",
            **e,
        }
        for e in errors or []
    ]
    lake.write_partition("scan_errors", partition, pa.Table.from_pylist(error_rows, schema=lake_schema.SCAN_ERRORS))
    touched = [SimpleNamespace(region=e["region"]) for e in error_rows]
    statuses = scope.region_statuses([*regions, *(r["region"] for r in rows)], touched)
    when = dt.datetime.combine(day, dt.time(6, 0), dt.timezone.utc)
    lake.write_partition(scope.DATASET, partition,
                         scope.scope_table(account, day, f"run-{day}", service, statuses.values(), when))


def enable_hub(*regions: str) -> None:
    for region in regions:
        boto3.client("securityhub", region_name=region).enable_security_hub(EnableDefaultStandards=False)


def hub_findings(region: str) -> dict[str, dict]:
    """Every finding moto's Security Hub holds in ``region``, by Id."""
    client = boto3.client("securityhub", region_name=region)
    found: dict[str, dict] = {}
    kwargs: dict = {"MaxResults": 100}
    while True:
        page = client.get_findings(**kwargs)
        found.update({f["Id"]: f for f in page["Findings"]})
        if not page.get("NextToken"):
            return found
        kwargs["NextToken"] = page["NextToken"]


def import_calls(access) -> int:
    return sum(n for (service, _, op), n in access.call_log.calls.items() if op == "BatchImportFindings")


def capture_imports(access, region: str) -> list[list[dict]]:
    """Record the Findings of every BatchImportFindings request sent in ``region``."""
    sent: list[list[dict]] = []

    def remember(params, **_):
        sent.append([dict(d) for d in params["Findings"]])

    access.client("securityhub", region).meta.events.register(
        "before-parameter-build.securityhub.BatchImportFindings", remember
    )
    return sent


def reject(access, region: str, ids: set[str], times: int | None = None) -> dict:
    """Make Security Hub (moto) list ``ids`` in FailedFindings, for the first ``times`` requests that
    carry them (None: always). The documents reach moto without resources, which it rejects."""
    seen = {"rejections": 0}

    def spoil(params, **_):
        if times is not None and seen["rejections"] >= times:
            return
        if any(d["Id"] in ids for d in params["Findings"]):
            seen["rejections"] += 1
            params["Findings"] = [dict(d, Resources=[]) if d["Id"] in ids else d for d in params["Findings"]]

    access.client("securityhub", region).meta.events.register(
        "before-parameter-build.securityhub.BatchImportFindings", spoil
    )
    return seen
