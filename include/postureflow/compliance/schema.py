"""The ``compliance`` dataset: one row per framework requirement, per account and scan date.

Partitioned by (scan_date, account_id):
``compliance/scan_date=YYYY-MM-DD/account_id=<12 digits>/part-0.parquet``.
"""

from __future__ import annotations

import pyarrow as pa

from postureflow.lake.schema import UTC_TIMESTAMP, register_dataset

STATUSES = ("PASS", "FAIL", "MANUAL", "NOT_EVALUATED")

COMPLIANCE = pa.schema(
    [
        ("framework_key", pa.string()),  # file stem: cis_6.0, pci_dss_4.0, ...
        ("framework", pa.string()),  # CIS, PCI-DSS, ...
        ("version", pa.string()),
        ("label", pa.string()),  # "CIS 6.0"
        ("requirement_id", pa.string()),
        ("section", pa.string()),
        ("title", pa.string()),
        ("profile", pa.string()),
        ("status", pa.string()),  # PASS, FAIL, MANUAL, NOT_EVALUATED
        ("pass_count", pa.int64()),  # non-muted PASS findings of the requirement's checks
        ("fail_count", pa.int64()),  # non-muted FAIL findings
        ("manual_count", pa.int64()),  # non-muted MANUAL findings
        ("muted_count", pa.int64()),  # muted findings (any status): never fail a requirement
        ("checks", pa.list_(pa.string())),  # the requirement's mapped check ids
        ("framework_score", pa.float64()),  # percent: PASS / (PASS + FAIL) requirements; null if none
        ("account_id", pa.string()),
        ("scan_date", pa.date32()),
        ("run_id", pa.string()),
        ("evaluated_at", UTC_TIMESTAMP),
        ("looser_config", pa.list_(pa.string())),  # config keys of its checks looser than Prowler's defaults
    ]
)

register_dataset("compliance", COMPLIANCE, ("scan_date", "account_id"))
