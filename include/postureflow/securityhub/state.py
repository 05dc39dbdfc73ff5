"""The forwarding state kept in the lake: what Security Hub was last sent, per finding.

``securityhub_state`` is partitioned by account only: one file per account,
replaced atomically (Lake.write_partition) after each forwarding run. A row
exists for every finding Security Hub accepted at least once; it advances only
when Security Hub accepts a finding, so anything rejected or skipped is sent
again by the next run.

``securityhub_errors`` records, per (scan date, account), what could not be
forwarded in the latest run for that day: findings Security Hub rejected after
the retries, findings that could not be built, and regions that were skipped.
"""

from __future__ import annotations

import pyarrow as pa

from postureflow.lake import schema as lake_schema
from postureflow.lake.store import Lake

UTC_TIMESTAMP = lake_schema.UTC_TIMESTAMP

STATE_DATASET = "securityhub_state"
ERRORS_DATASET = "securityhub_errors"

STATE = pa.schema(
    [
        ("finding_uid", pa.string()),
        ("region", pa.string()),
        ("service", pa.string()),
        ("check_id", pa.string()),
        ("resource_uid", pa.string()),
        ("resource_type", pa.string()),
        ("check_title", pa.string()),
        ("severity", pa.string()),
        ("last_status", pa.string()),  # the finding's status (FAIL/PASS/MANUAL) in what was last sent
        ("last_record_state", pa.string()),  # ACTIVE or ARCHIVED
        ("content_hash", pa.string()),  # sha256 of the sent ASFF document without its timestamps
        ("first_observed_at", UTC_TIMESTAMP),
        ("last_observed_at", UTC_TIMESTAMP),
        ("last_scan_date", pa.date32()),  # the scan date whose finding row was last sent
        ("last_sent_at", UTC_TIMESTAMP),
        ("account_id", pa.string()),
    ]
)

ERRORS = pa.schema(
    [
        ("region", pa.string()),
        ("finding_uid", pa.string()),  # null for a region-level problem (Security Hub off, access denied)
        ("check_id", pa.string()),
        ("record_state", pa.string()),  # what we tried to send: ACTIVE or ARCHIVED
        ("error_code", pa.string()),
        ("message", pa.string()),
        ("attempts", pa.int64()),
        ("run_id", pa.string()),
        ("occurred_at", UTC_TIMESTAMP),
        ("scan_date", pa.date32()),
        ("account_id", pa.string()),
    ]
)


def register() -> None:
    """Declare the two datasets (idempotent); called on import of postureflow.securityhub."""
    lake_schema.register_dataset(STATE_DATASET, STATE, ("account_id",))
    lake_schema.register_dataset(ERRORS_DATASET, ERRORS, ("scan_date", "account_id"))


register()


def read_state(lake: Lake, account_id: str) -> pa.Table:
    table = lake.read_partition(STATE_DATASET, {"account_id": account_id})
    return table if table is not None else STATE.empty_table()


def write_state(lake: Lake, account_id: str, rows: list[dict]) -> str:
    table = pa.Table.from_pylist(rows, schema=STATE)
    return lake.write_partition(STATE_DATASET, {"account_id": account_id}, table)


def write_errors(lake: Lake, account_id: str, scan_date, rows: list[dict]) -> str:
    table = pa.Table.from_pylist(rows, schema=ERRORS)
    return lake.write_partition(ERRORS_DATASET, {"scan_date": scan_date, "account_id": account_id}, table)
