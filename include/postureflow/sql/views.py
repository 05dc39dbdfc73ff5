"""SQL over the lake: a DuckDB connection with the lake's tables and derived views.

Tables (one view per lake dataset): ``findings``, ``inventory``, ``scan_errors``,
``compliance``.

Derived views:

``scans``             (account_id, scan_date): every day an account was scanned
                      (it has findings or a compliance partition).
``latest_findings``   the findings of each account's last scan date.
``compliance_trend``  per account, framework and day: the score and the
                      requirement counts by status.
``finding_changes``   between an account's consecutive scans (scan_date and
                      previous_scan_date): ``new`` (failing now, not at the
                      previous scan), ``resolved`` (failing at the previous scan,
                      not now: passing or gone), ``still_failing``. "Failing" means
                      status FAIL and not muted. ``first_seen`` is the first scan
                      of the current failing streak, ``last_seen`` the last scan
                      the finding was failing. An account's first scan reports
                      all its failures as new.
``mttr``              per severity: resolved findings, mean / median / max days
                      from first FAIL (first_seen) to the scan that resolved it.
"""

from __future__ import annotations

import duckdb

import postureflow.compliance  # noqa: F401  (registers the compliance dataset)
from postureflow.lake.query import create_dataset_view
from postureflow.lake.store import Lake
from postureflow.sql.inventory_views import add_inventory_views

TABLES = ("findings", "inventory", "scan_errors", "compliance")

DERIVED_VIEWS: dict[str, str] = {
    "scans": """
        SELECT DISTINCT account_id, scan_date FROM findings
        UNION
        SELECT DISTINCT account_id, scan_date FROM compliance
    """,
    "latest_findings": """
        SELECT f.*
        FROM findings f
        JOIN (SELECT account_id, max(scan_date) AS scan_date FROM scans GROUP BY account_id) l
          ON f.account_id = l.account_id AND f.scan_date = l.scan_date
    """,
    "compliance_trend": """
        SELECT scan_date, account_id, framework_key, label, framework, version,
               any_value(framework_score) AS score,
               count(*) FILTER (WHERE status = 'PASS')          AS passed,
               count(*) FILTER (WHERE status = 'FAIL')          AS failed,
               count(*) FILTER (WHERE status = 'MANUAL')        AS manual,
               count(*) FILTER (WHERE status = 'NOT_EVALUATED') AS not_evaluated,
               count(*)                                         AS requirements
        FROM compliance
        GROUP BY scan_date, account_id, framework_key, label, framework, version
    """,
    # numbered scans per account, for streaks and consecutive pairs
    "_scan_sequence": """
        SELECT account_id, scan_date,
               row_number() OVER (PARTITION BY account_id ORDER BY scan_date) AS scan_no,
               lag(scan_date) OVER (PARTITION BY account_id ORDER BY scan_date) AS previous_scan_date
        FROM scans
    """,
    # failing findings with their neighbours in the finding's own failing history (one window pass)
    "_failing": """
        SELECT s.scan_no, s.previous_scan_date, x.account_id, x.scan_date, x.finding_uid, x.check_id,
               x.severity, x.service, x.region, x.resource_uid, x.resource_id,
               lag(s.scan_no) OVER w  AS prev_fail_no,
               lead(s.scan_no) OVER w AS next_fail_no
        FROM findings x
        JOIN _scan_sequence s ON s.account_id = x.account_id AND s.scan_date = x.scan_date
        WHERE x.status = 'FAIL' AND NOT coalesce(x.muted, false)
        WINDOW w AS (PARTITION BY x.account_id, x.finding_uid ORDER BY s.scan_no)
    """,
    # a failing streak starts where the finding was not failing at the account's previous scan
    "finding_changes": """
        WITH f AS MATERIALIZED (
            SELECT *,
                   max(CASE WHEN prev_fail_no IS DISTINCT FROM scan_no - 1 THEN scan_date END)
                       OVER (PARTITION BY account_id, finding_uid ORDER BY scan_no
                             ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS streak_start
            FROM _failing
        )
        SELECT account_id, scan_date, previous_scan_date, finding_uid,
               CASE WHEN prev_fail_no = scan_no - 1 THEN 'still_failing' ELSE 'new' END AS change,
               check_id, severity, service, region, resource_uid, resource_id,
               streak_start AS first_seen, scan_date AS last_seen
        FROM f
        UNION ALL
        SELECT f.account_id, n.scan_date, f.scan_date AS previous_scan_date, f.finding_uid,
               'resolved' AS change,
               f.check_id, f.severity, f.service, f.region, f.resource_uid, f.resource_id,
               f.streak_start AS first_seen, f.scan_date AS last_seen
        FROM f
        JOIN _scan_sequence n ON n.account_id = f.account_id AND n.scan_no = f.scan_no + 1
        WHERE f.next_fail_no IS DISTINCT FROM f.scan_no + 1
    """,
    "mttr": """
        SELECT severity,
               count(*)                                      AS resolved,
               avg(scan_date - first_seen)                   AS mean_days,
               median(scan_date - first_seen)                AS median_days,
               max(scan_date - first_seen)                   AS max_days
        FROM finding_changes
        WHERE change = 'resolved'
        GROUP BY severity
    """,
}


def add_views(con: duckdb.DuckDBPyConnection) -> None:
    """Create the derived views on a connection that already has the lake tables."""
    for name, sql in DERIVED_VIEWS.items():
        con.execute(f'CREATE OR REPLACE VIEW "{name}" AS {sql}')


def connect(lake: Lake, database: str = ":memory:") -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with the lake's tables and the derived views over them."""
    con = duckdb.connect(database)
    for dataset in TABLES:
        create_dataset_view(con, lake, dataset)
    add_views(con)
    add_inventory_views(con)  # s3_buckets, ec2_instances, ... (postureflow.sql.inventory_views)
    return con
