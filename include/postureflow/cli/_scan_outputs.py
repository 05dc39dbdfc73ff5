"""The output files of `postureflow scan -M ... -o ... -F ...`, named and shaped like Prowler's.

``<dir>/<name>.csv`` (Prowler's columns, ``;``), ``.ocsf.json``, ``.asff.json`` (a JSON array of
Security Hub findings, like Prowler's json-asff) and ``.html``. They hold the account's findings of
the scan date from the lake, narrowed by ``--status``; the lake itself keeps every finding. With ``csv``,
``<dir>/compliance/<name>_<framework>.csv`` per framework (``--compliance`` narrows), like Prowler's.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

from postureflow.cli._scan_options import OUTPUT_FORMATS, flat, prowler_framework_names, resolve_frameworks
from postureflow.lake import Lake

DEFAULT_FORMATS = ("csv", "json-ocsf", "html")  # Prowler's default -M


def _asff(data, now: dt.datetime) -> bytes:
    from postureflow.securityhub.asff import build_asff, load_check_info

    info = load_check_info()
    docs = [
        build_asff(row, record_state="ACTIVE", workflow_status="SUPPRESSED" if row["muted"] else "NEW",
                   first_observed_at=row.get("scanned_at") or now, updated_at=now, info=info.get(row["check_id"]))
        for row in data.findings
    ]
    return json.dumps(docs, indent=2, default=str).encode()


def write_outputs(lake: Lake, account_id: str, scan_date: dt.date, args: argparse.Namespace, now: dt.datetime,
                  auth_method: str = "") -> list[str]:
    """Write the requested files; return their paths."""
    from postureflow.reports import load_run, render_html, render_ocsf
    from postureflow.reports.prowler_csv import render_prowler_csv

    data = load_run(lake, account_id, scan_date)
    if args.status:
        data.findings = [row for row in data.findings if row["status"] in set(args.status)]
    formats = list(dict.fromkeys(args.output_formats or DEFAULT_FORMATS))
    folder = Path(args.output_directory or "output")
    name = args.output_filename or f"postureflow-output-{account_id}-{now.strftime('%Y%m%d%H%M%S')}"
    folder.mkdir(parents=True, exist_ok=True)
    siblings = [f"{name}{OUTPUT_FORMATS[f]}" for f in formats if f != "html"]
    renderers = {
        "csv": lambda: render_prowler_csv(data, auth_method),
        "json-ocsf": lambda: render_ocsf(data),
        "json-asff": lambda: _asff(data, now),
        "html": lambda: render_html(data, siblings=siblings),
    }
    written = []
    for fmt in formats:
        path = folder / f"{name}{OUTPUT_FORMATS[fmt]}"
        path.write_bytes(renderers[fmt]())
        written.append(str(path))
    if "csv" in formats:
        written += _compliance_csvs(data.findings, folder / "compliance", name, args, now)
    return written


def _compliance_csvs(findings: list[dict], folder: Path, name: str, args: argparse.Namespace,
                     now: dt.datetime) -> list[str]:
    from postureflow.compliance.frameworks import load_frameworks
    from postureflow.reports.prowler_compliance_csv import render_compliance_csv

    frameworks = load_frameworks()
    asked = flat(args.compliance) if getattr(args, "compliance", None) else None
    keys = resolve_frameworks(asked) if asked else sorted(frameworks)
    prowler_names = prowler_framework_names()
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for key in keys:
        path = folder / f"{name}_{prowler_names.get(key, key)}.csv"
        path.write_bytes(render_compliance_csv(frameworks[key], findings, now))
        written.append(str(path))
    return written
