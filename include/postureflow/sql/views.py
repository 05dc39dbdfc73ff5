"""SQL over the lake: a DuckDB connection with the lake's tables and derived views.

Tables (one view per lake dataset): ``findings``, ``inventory``, ``scan_errors``,
``scan_scope``, ``compliance``.

A finding is only ever called resolved where its service and region were
scanned **completely** that day (``scan_scope`` status ``complete``: no scan
error, no failed listing there) and, when present, the check gave a verdict.
Anywhere else (a run killed early, a later ``--services iam`` scan, a narrower
region list, a denied read, a MANUAL "No verdict" row) the finding is "not
observed" and keeps its last state. History is kept per (account, service,
region), never per account.

Derived views:

``scans``             (account_id, scan_date, services, complete): every day an
                      account was scanned (some service not ``not_scanned``);
                      ``complete`` when every service and region of it was.
``scope``             (account_id, scan_date, service, region, status): the
                      scan scope, also for lakes written before ``scan_scope``
                      existed (a service's findings then count as its scope).
``latest_findings``   per finding, its latest known row: the last row with a
                      verdict, unless a later complete scan of its service and
                      region no longer had it (then it is gone). Dates differ per
                      (account, service, region).
``compliance_trend``  per account, framework and day: the score and the
                      requirement counts by status.
``finding_changes``   per finding, at each scan of its service and region that
                      observed it (scan_date; previous_scan_date is that
                      service and region's previous scan): ``new`` (failing
                      now, not at its previous observation), ``resolved``
                      (failing at its previous observation, now passing or
                      gone in a complete scan), ``still_failing``. "Failing"
                      means status FAIL and not muted. ``first_seen`` is the
                      first scan of the current failing streak, ``last_seen``
                      the last scan it was failing.
``mttr``              per severity: resolved findings, mean / median / max days
                      from first FAIL (first_seen) to the scan that resolved it.
"""

from __future__ import annotations

import duckdb

import postureflow.compliance  # noqa: F401  (registers the compliance dataset)
from postureflow.lake.query import create_dataset_view
from postureflow.lake.store import Lake
from postureflow.sql.inventory_views import add_inventory_views
from postureflow.scope import verdict_sql

TABLES = ("findings", "inventory", "scan_errors", "scan_scope", "compliance")

DERIVED_VIEWS: dict[str, str] = {
    # scan_scope, plus: a service with findings but no scope rows (a lake older than scan_scope) was
    # scanned in the regions of its findings, completely unless a scan error touched the region.
    "scope": """
        SELECT account_id, scan_date, service, region, status FROM scan_scope
        UNION ALL
        SELECT f.account_id, f.scan_date, f.service, f.region,
               CASE WHEN EXISTS (
                   SELECT 1 FROM scan_errors e
                   WHERE e.account_id = f.account_id AND e.scan_date = f.scan_date AND e.service = f.service
                     AND (e.region = f.region OR e.region IN ('-', '', '*'))
               ) THEN 'incomplete' ELSE 'complete' END AS status
        FROM (SELECT DISTINCT account_id, scan_date, service, region FROM findings) f
        WHERE NOT EXISTS (
            SELECT 1 FROM scan_scope s
            WHERE s.account_id = f.account_id AND s.scan_date = f.scan_date AND s.service = f.service
        )
    """,
    "scans": """
        SELECT account_id, scan_date, count(DISTINCT service) AS services,
               bool_and(status = 'complete') AS complete
        FROM scope WHERE status <> 'not_scanned'
        GROUP BY account_id, scan_date
    """,
    # the scans of each (account, service, region), numbered by their previous scan
    "_scope_sequence": """
        SELECT account_id, service, region, scan_date, status = 'complete' AS complete,
               lag(scan_date) OVER (PARTITION BY account_id, service, region ORDER BY scan_date) AS previous_scan_date
        FROM scope WHERE status <> 'not_scanned'
    """,
    # each finding row with what it says: fail, ok (a verdict that is not a failure, where that counts),
    # or NULL (not observed: no verdict, or a pass where the scan was incomplete)
    "_observed": f"""
        SELECT f.*, s.complete, s.previous_scan_date,
               CASE WHEN f.status = 'FAIL' AND NOT coalesce(f.muted, false) THEN 'fail'
                    WHEN NOT ({verdict_sql("f")}) THEN NULL
                    WHEN coalesce(f.muted, false) OR s.complete THEN 'ok'
               END AS state
        FROM findings f
        JOIN _scope_sequence s
          ON s.account_id = f.account_id AND s.service = f.service AND s.region = f.region
         AND s.scan_date = f.scan_date
    """,
    # every finding that ever failed, at every scan of its service and region from its first failure on:
    # present (its row's state) or absent (ok where the scan was complete, else not observed)
    "_failing_timeline": """
        WITH failed AS (
            SELECT account_id, service, region, finding_uid, min(scan_date) AS first_fail,
                   arg_max(check_id, scan_date) AS check_id, arg_max(severity, scan_date) AS severity,
                   arg_max(resource_uid, scan_date) AS resource_uid, arg_max(resource_id, scan_date) AS resource_id
            FROM _observed WHERE state = 'fail'
            GROUP BY account_id, service, region, finding_uid
        ),
        timeline AS (
            SELECT x.*, s.scan_date, s.previous_scan_date,
                   CASE WHEN o.finding_uid IS NOT NULL THEN o.state WHEN s.complete THEN 'ok' END AS state
            FROM failed x
            JOIN _scope_sequence s
              ON s.account_id = x.account_id AND s.service = x.service AND s.region = x.region
             AND s.scan_date >= x.first_fail
            LEFT JOIN _observed o
              ON o.account_id = x.account_id AND o.finding_uid = x.finding_uid AND o.scan_date = s.scan_date
        ),
        known AS (
            SELECT *, lag(state) OVER w AS previous_state, lag(scan_date) OVER w AS previous_observed
            FROM timeline WHERE state IS NOT NULL
            WINDOW w AS (PARTITION BY account_id, finding_uid ORDER BY scan_date)
        )
        SELECT *,
               max(CASE WHEN state = 'fail' AND previous_state IS DISTINCT FROM 'fail' THEN scan_date END)
                   OVER (PARTITION BY account_id, finding_uid ORDER BY scan_date
                         ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS streak_start
        FROM known
    """,
    "finding_changes": """
        SELECT account_id, scan_date, previous_scan_date, finding_uid,
               CASE WHEN state = 'fail' AND previous_state = 'fail' THEN 'still_failing'
                    WHEN state = 'fail' THEN 'new'
                    ELSE 'resolved' END AS change,
               check_id, severity, service, region, resource_uid, resource_id,
               streak_start AS first_seen,
               CASE WHEN state = 'fail' THEN scan_date ELSE previous_observed END AS last_seen
        FROM _failing_timeline
        WHERE state = 'fail' OR previous_state = 'fail'
    """,
    "latest_findings": """
        WITH ranked AS (
            SELECT o.* EXCLUDE (complete, previous_scan_date, state),
                   row_number() OVER (PARTITION BY o.account_id, o.finding_uid
                                      ORDER BY (o.state IS NOT NULL) DESC, o.scan_date DESC) AS pick
            FROM _observed o
        ),
        last_complete AS (
            SELECT account_id, service, region, max(scan_date) AS scan_date
            FROM _scope_sequence WHERE complete GROUP BY account_id, service, region
        )
        SELECT r.* EXCLUDE (pick)
        FROM ranked r
        LEFT JOIN last_complete c ON c.account_id = r.account_id AND c.service = r.service AND c.region = r.region
        LEFT JOIN (SELECT account_id, finding_uid, scan_date FROM findings) g
          ON g.account_id = r.account_id AND g.finding_uid = r.finding_uid AND g.scan_date = c.scan_date
        WHERE r.pick = 1 AND (c.scan_date IS NULL OR r.scan_date >= c.scan_date OR g.finding_uid IS NOT NULL)
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
