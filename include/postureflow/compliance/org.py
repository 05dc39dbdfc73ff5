"""Org-wide compliance: every account's requirement status for a day, rolled up per framework.

Written to ``org_compliance/scan_date=YYYY-MM-DD/part-0.parquet`` by the org rollup
DAG, which Airflow schedules on the account DAGs' compliance assets.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow as pa

from postureflow.compliance import schema as _compliance_schema  # noqa: F401 - registers "compliance"
from postureflow.lake import Lake
from postureflow.lake.query import create_dataset_view
from postureflow.lake.schema import UTC_TIMESTAMP, register_dataset

ORG_COMPLIANCE = pa.schema(
    [
        ("framework", pa.string()),
        ("version", pa.string()),
        ("label", pa.string()),
        ("accounts", pa.int64()),  # accounts with a compliance partition that day
        ("requirements", pa.int64()),  # requirement x account pairs
        ("passed", pa.int64()),
        ("failed", pa.int64()),
        ("manual", pa.int64()),
        ("not_evaluated", pa.int64()),
        ("failing_accounts", pa.int64()),  # accounts with at least one failed requirement
        ("score", pa.float64()),  # percent: passed / (passed + failed); null when nothing was judged
        ("scan_date", pa.date32()),
        ("computed_at", UTC_TIMESTAMP),
    ]
)

register_dataset("org_compliance", ORG_COMPLIANCE, ("scan_date",))


def org_compliance_table(lake: Lake, scan_date: dt.date, now: dt.datetime | None = None) -> pa.Table:
    con = duckdb.connect()
    create_dataset_view(con, lake, "compliance", scan_dates=[scan_date])  # that day's files, not every day's
    table = con.sql(
        """
        SELECT framework, version, label,
               count(DISTINCT account_id) AS accounts,
               count(*) AS requirements,
               count(*) FILTER (WHERE status = 'PASS') AS passed,
               count(*) FILTER (WHERE status = 'FAIL') AS failed,
               count(*) FILTER (WHERE status = 'MANUAL') AS manual,
               count(*) FILTER (WHERE status = 'NOT_EVALUATED') AS not_evaluated,
               count(DISTINCT account_id) FILTER (WHERE status = 'FAIL') AS failing_accounts,
               CASE WHEN count(*) FILTER (WHERE status IN ('PASS', 'FAIL')) = 0 THEN NULL
                    ELSE round(100.0 * count(*) FILTER (WHERE status = 'PASS')
                               / count(*) FILTER (WHERE status IN ('PASS', 'FAIL')), 2) END AS score
        FROM compliance WHERE scan_date = $day
        GROUP BY framework, version, label ORDER BY label
        """,
        params={"day": scan_date.isoformat()},
    ).to_arrow_table()
    count = table.num_rows
    table = table.append_column("scan_date", pa.array([scan_date] * count, pa.date32()))
    table = table.append_column(
        "computed_at", pa.array([now or dt.datetime.now(dt.timezone.utc)] * count, UTC_TIMESTAMP)
    )
    return table.cast(ORG_COMPLIANCE)


def write_org_compliance(lake: Lake, scan_date: dt.date) -> dict:
    """Replace the day's org rollup; returns {label: score} (small, for XCom)."""
    table = org_compliance_table(lake, scan_date)
    lake.write_partition("org_compliance", {"scan_date": scan_date}, table)
    return {
        "scan_date": scan_date.isoformat(),
        "scores": dict(zip(table.column("label").to_pylist(), table.column("score").to_pylist())),
        "accounts": max(table.column("accounts").to_pylist() or [0]),
    }
