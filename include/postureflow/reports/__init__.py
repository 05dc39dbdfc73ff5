"""Per-run reports: OCSF JSON, CSV and a self-contained HTML page, written into the lake.

``write_reports(lake, account_id, scan_date)`` reads the account's findings for
that scan date from the lake (the same data whichever run or retry wrote them)
and replaces::

    <lake>/reports/scan_date=YYYY-MM-DD/account_id=<id>/postureflow-<id>-<date>.ocsf.json
                                                       /postureflow-<id>-<date>.csv
                                                       /postureflow-<id>-<date>.html
"""

from __future__ import annotations

import datetime as dt

from postureflow.lake import Lake
from postureflow.reports.csvfile import render_csv
from postureflow.reports.data import NoScanData, RunData, as_date, check_account, load_run, overview
from postureflow.reports.html import render_html
from postureflow.reports.ocsf import parse_ocsf, render_ocsf
from postureflow.reports.writer import write_atomic

FORMATS = {"ocsf": ".ocsf.json", "csv": ".csv", "html": ".html"}

__all__ = [
    "FORMATS",
    "NoScanData",
    "RunData",
    "load_run",
    "parse_ocsf",
    "render_csv",
    "render_html",
    "render_ocsf",
    "report_dir",
    "report_paths",
    "write_reports",
]


def report_dir(account_id: str, scan_date: dt.date | str) -> str:
    """The reports folder of one account and scan date, relative to the lake root."""
    return f"reports/scan_date={as_date(scan_date).isoformat()}/account_id={check_account(account_id)}"


def report_paths(account_id: str, scan_date: dt.date | str) -> dict[str, str]:
    """format -> path relative to the lake root."""
    day = as_date(scan_date).isoformat()
    folder = report_dir(account_id, scan_date)
    return {fmt: f"{folder}/postureflow-{account_id}-{day}{suffix}" for fmt, suffix in FORMATS.items()}


def write_reports(
    lake: Lake,
    account_id: str,
    scan_date: dt.date | str,
    run_id: str | None = None,
    formats: tuple[str, ...] = tuple(FORMATS),
) -> dict[str, str]:
    """Write the run's reports into the lake; return format -> written path (or s3:// URI).

    Reads the findings of ``account_id`` on ``scan_date`` from the lake (raises
    NoScanData if no service wrote any). ``run_id`` names the run in the HTML
    header when given; otherwise the run ids found in the findings are shown.
    Each file is replaced atomically, so a retry rewrites the same files.
    """
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"unknown report format(s) {unknown}; known: {', '.join(FORMATS)}")
    data = load_run(lake, account_id, scan_date)
    data.requested_run_id = run_id
    paths = report_paths(account_id, data.scan_date)
    names = [paths[f].rsplit("/", 1)[-1] for f in formats if f != "html"]
    renderers = {
        "ocsf": lambda: render_ocsf(data),
        "csv": lambda: render_csv(data),
        "html": lambda: render_html(data, siblings=names),
    }
    return {fmt: write_atomic(lake, paths[fmt], renderers[fmt]()) for fmt in formats}


def report_summary(lake: Lake, account_id: str, scan_date: dt.date | str) -> dict:
    """Counts for a terminal line or XCom: total, failed, passed, manual, muted (and percentages)."""
    return overview(load_run(lake, account_id, scan_date).findings)
