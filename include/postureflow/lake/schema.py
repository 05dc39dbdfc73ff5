"""The lake's tables: one pyarrow schema each, in one place, checked on write.

Partition columns (scan_date, service, account_id) live in the Hive-style path,
not inside the Parquet files; readers get them back from the path.
"""

from __future__ import annotations

import pyarrow as pa

UTC_TIMESTAMP = pa.timestamp("us", tz="UTC")

FINDINGS = pa.schema(
    [
        ("finding_uid", pa.string()),
        ("check_id", pa.string()),
        ("check_title", pa.string()),
        ("severity", pa.string()),
        ("status", pa.string()),
        ("status_extended", pa.string()),
        ("account_id", pa.string()),
        ("region", pa.string()),
        ("service", pa.string()),
        ("resource_uid", pa.string()),
        ("resource_id", pa.string()),
        ("resource_type", pa.string()),
        ("resource_tags", pa.map_(pa.string(), pa.string())),
        ("muted", pa.bool_()),
        ("mute_reason", pa.string()),
        ("scan_date", pa.date32()),
        ("run_id", pa.string()),
        ("scanned_at", UTC_TIMESTAMP),
        ("check_version", pa.string()),
        # Prowler's form of the resource's identity where it differs from ours (null: the same); see
        # postureflow.prowler_identity. Files written before these columns read them as null.
        ("prowler_resource_uid", pa.string()),
        ("prowler_resource_name", pa.string()),
        ("prowler_region", pa.string()),
    ]
)

INVENTORY = pa.schema(
    [
        ("account_id", pa.string()),
        ("region", pa.string()),
        ("service", pa.string()),
        ("kind", pa.string()),
        ("resource_uid", pa.string()),
        ("resource_id", pa.string()),
        ("resource_tags", pa.map_(pa.string(), pa.string())),
        ("data", pa.string()),  # JSON: the facts the checks read
        ("scan_date", pa.date32()),
        ("run_id", pa.string()),
        ("collected_at", UTC_TIMESTAMP),
    ]
)

SCAN_ERRORS = pa.schema(
    [
        ("account_id", pa.string()),
        ("region", pa.string()),
        ("service", pa.string()),
        ("api", pa.string()),
        ("error_code", pa.string()),
        ("message", pa.string()),
        ("scan_date", pa.date32()),
        ("run_id", pa.string()),
        ("occurred_at", UTC_TIMESTAMP),
    ]
)

# What the alerts sent (and the state transitions they rest on): one row per rule and subject
# (a finding, a scan error, the run) that changed state in a run (postureflow.alerts).
ALERTS = pa.schema(
    [
        ("account_id", pa.string()),
        ("rule", pa.string()),
        ("key", pa.string()),  # finding_uid, scan-error key, or "run"
        ("event", pa.string()),  # new, regression, still_failing, scan_error, scan_failed, resolved, baseline, digest
        ("state", pa.string()),  # open or resolved
        ("severity", pa.string()),
        ("check_id", pa.string()),
        ("service", pa.string()),
        ("region", pa.string()),
        ("resource_uid", pa.string()),
        ("summary", pa.string()),
        ("destinations", pa.list_(pa.string())),  # where it was delivered ([] for state-only rows)
        ("scan_date", pa.date32()),
        ("run_id", pa.string()),
        ("recorded_at", UTC_TIMESTAMP),
    ]
)

# What a run covered: one row per (service, region) it was asked to scan, and whether collection
# there was complete (no scan error, no failed listing), incomplete, or not done at all
# (not_scanned: no inventory for the day, e.g. a backfill of a day that was never scanned).
SCAN_SCOPE = pa.schema(
    [
        ("account_id", pa.string()),
        ("service", pa.string()),
        ("region", pa.string()),
        ("status", pa.string()),  # complete, incomplete or not_scanned
        ("errors", pa.int64()),  # scan errors that touch this service there
        ("incomplete_kinds", pa.list_(pa.string())),  # inventory kinds whose listing failed there
        ("scan_date", pa.date32()),
        ("run_id", pa.string()),
        ("recorded_at", UTC_TIMESTAMP),
    ]
)

# dataset name -> (schema, partition columns in path order)
DATASETS: dict[str, tuple[pa.Schema, tuple[str, ...]]] = {
    "findings": (FINDINGS, ("scan_date", "service", "account_id")),
    "inventory": (INVENTORY, ("scan_date", "service", "account_id")),
    "scan_errors": (SCAN_ERRORS, ("scan_date", "service", "account_id")),
    "alerts": (ALERTS, ("scan_date", "account_id")),
    "scan_scope": (SCAN_SCOPE, ("scan_date", "service", "account_id")),
}


def register_dataset(name: str, schema: pa.Schema, partition_by: tuple[str, ...]) -> None:
    """Later parts (compliance, forwarding state, ...) declare their tables here."""
    DATASETS[name] = (schema, partition_by)


def file_schema(dataset: str) -> pa.Schema:
    """The schema of the Parquet files themselves: the table minus its partition columns."""
    schema, partition_by = DATASETS[dataset]
    return pa.schema([f for f in schema if f.name not in partition_by])


def validate(dataset: str, table: pa.Table) -> pa.Table:
    """Cast ``table`` to the dataset's schema; raise naming the column if it does not fit."""
    schema, _ = DATASETS[dataset]
    missing = [n for n in schema.names if n not in table.column_names]
    extra = [n for n in table.column_names if n not in schema.names]
    if missing or extra:
        raise ValueError(f"{dataset}: columns missing {missing}, unexpected {extra}")
    table = table.select(schema.names)
    try:
        return table.cast(schema)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as err:
        raise ValueError(f"{dataset}: rows do not fit the schema: {err}") from err
