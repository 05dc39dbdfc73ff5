"""The terminal summary of one account's scan, in the shape Prowler users know.

Overview (FAIL / PASS / MUTED with percentages), then per service the FAIL
counts by severity, then (where compliance has been computed) one status
line per framework, then the scan errors per service and region (access
denied, endpoint unreachable, ...) and any scope that was not read in full. Read from the lake, so the CLI, the Airflow task log and
a later `postureflow summary` all print the same thing.
"""

from __future__ import annotations

import datetime as dt
import io

from rich import box
from rich.console import Console
from rich.table import Table

from postureflow.lake import Lake
from postureflow.lake.query import create_dataset_view
from postureflow.lake.schema import DATASETS

SEVERITY_COLUMNS = ("critical", "high", "medium", "low", "informational")


def _percent(part: int, total: int) -> str:
    return f"{(100.0 * part / total) if total else 0.0:.1f}%"


def summary_data(lake: Lake, account_id: str, scan_date: dt.date, services: list[str] | None = None) -> dict:
    """The day's summary; ``services``: only these (a CLI run's, not the day's other runs')."""
    import duckdb

    con = duckdb.connect()
    create_dataset_view(con, lake, "findings")
    where = "WHERE account_id = $account AND scan_date = $day AND ($all OR list_contains($services, service))"
    params = {"account": account_id, "day": scan_date.isoformat(), "all": services is None,
              "services": list(services or [])}
    overview = con.execute(
        f"""SELECT count(*) FILTER (WHERE status = 'FAIL' AND NOT muted),
                   count(*) FILTER (WHERE status = 'PASS' AND NOT muted),
                   count(*) FILTER (WHERE muted),
                   count(*)
            FROM findings {where}""",
        params,
    ).fetchone()
    by_service = con.execute(
        f"""SELECT service,
                   count(*) FILTER (WHERE status = 'FAIL' AND NOT muted) AS failed,
                   count(*) FILTER (WHERE status = 'PASS' AND NOT muted) AS passed,
                   {", ".join(f"count(*) FILTER (WHERE status = 'FAIL' AND NOT muted AND severity = '{s}') AS {s}" for s in SEVERITY_COLUMNS)},
                   count(*) FILTER (WHERE muted) AS muted
            FROM findings {where} GROUP BY service ORDER BY service""",
        params,
    ).fetchall()
    compliance = []
    try:
        import postureflow.compliance.schema  # noqa: F401 - registers the compliance dataset
    except ImportError:
        pass
    if "compliance" in DATASETS:
        create_dataset_view(con, lake, "compliance")
        try:
            compliance = con.execute(
                """SELECT framework, version,
                          count(*) FILTER (WHERE status = 'PASS') AS passed,
                          count(*) FILTER (WHERE status = 'FAIL') AS failed,
                          count(*) FILTER (WHERE status = 'MANUAL') AS manual,
                          count(*) FILTER (WHERE status = 'NOT_EVALUATED') AS not_evaluated
                   FROM compliance WHERE account_id = $account AND scan_date = $day
                   GROUP BY framework, version ORDER BY framework, version""",
                {"account": account_id, "day": scan_date.isoformat()},
            ).fetchall()
        except Exception:  # noqa: BLE001 - compliance columns differ: print the rest
            compliance = []
    errors = scan_error_counts(con, lake, params)
    from postureflow import scope

    incomplete = sorted(
        (r["service"], r["region"], r["status"])
        for r in scope.read_day(lake, account_id, scan_date)
        if r["status"] != scope.COMPLETE and (services is None or r["service"] in services)
    )
    failed, passed, muted, total = overview
    return {
        "account_id": account_id,
        "scan_date": scan_date.isoformat(),
        "failed": failed,
        "passed": passed,
        "muted": muted,
        "total": total,
        "services": [
            dict(zip(("service", "failed", "passed", *SEVERITY_COLUMNS, "muted"), row)) for row in by_service
        ],
        "compliance": [
            dict(zip(("framework", "version", "passed", "failed", "manual", "not_evaluated"), row)) for row in compliance
        ],
        "errors": errors,
        "incomplete": [dict(zip(("service", "region", "status"), row)) for row in incomplete],
    }


def scan_error_counts(con, lake: Lake, params: dict) -> list[dict]:
    """Scan errors of the day per service, region and kind (Prowler prints an error count; we say where)."""
    create_dataset_view(con, lake, "scan_errors")
    rows = con.execute(
        """SELECT service, region, error_code, count(*) AS n, arg_min(api, api) AS api
           FROM scan_errors WHERE account_id = $account AND scan_date = $day
             AND ($all OR list_contains($services, service))
           GROUP BY service, region, error_code ORDER BY service, region, error_code""",
        params,
    ).fetchall()
    return [dict(zip(("service", "region", "error_code", "count", "api"), row)) for row in rows]


def error_kind(code: str) -> str:
    """A reader's name for a scan error code."""
    from postureflow.collect.base import DENIED_CODES, TRANSIENT_CODES, UNAVAILABLE_CODES

    if code in ("EndpointConnectionError", "ConnectTimeoutError", "ConnectionClosedError", "ReadTimeoutError"):
        return "endpoint unreachable"
    if code in DENIED_CODES:
        return "access denied"
    if code in TRANSIENT_CODES:
        return "throttled or AWS error"
    if code in UNAVAILABLE_CODES:
        return "API not available"
    if code == "InventoryMissing":
        return "inventory missing"
    return code


def render_summary(data: dict, lake_location: str | None = None, color: bool = False) -> str:
    out = io.StringIO()
    console = Console(file=out, width=110, force_terminal=color, color_system="standard" if color else None)
    total = data["total"]
    console.print(f"\nOverview Results (account {data['account_id']}, scan date {data['scan_date']}):")
    overview = Table(box=box.ROUNDED, show_header=False)
    overview.add_row(
        f"[red]{_percent(data['failed'], total)} ({data['failed']}) Failed[/red]",
        f"[green]{_percent(data['passed'], total)} ({data['passed']}) Passed[/green]",
        f"[yellow]{_percent(data['muted'], total)} ({data['muted']}) Muted[/yellow]",
    )
    console.print(overview)
    console.print(f"Account {data['account_id']} Scan Results (severity columns are for fails only):")
    services = Table(box=box.ROUNDED)
    for column in ("Service", "Status", "Critical", "High", "Medium", "Low", "Info", "Muted"):
        services.add_column(column, justify="left" if column in ("Service", "Status") else "right")
    for row in data["services"]:
        status = f"[red]FAIL ({row['failed']})[/red]" if row["failed"] else f"[green]PASS ({row['passed']})[/green]"
        services.add_row(
            row["service"],
            status,
            *(str(row[s]) for s in SEVERITY_COLUMNS),
            str(row["muted"]),
        )
    console.print(services)
    if data["compliance"]:
        console.print("Compliance Status:")
        for fw in data["compliance"]:
            judged = fw["passed"] + fw["failed"]
            console.print(
                f"  {fw['framework']} {fw['version']}: "
                f"[red]{_percent(fw['failed'], judged)} ({fw['failed']}) FAIL[/red]  "
                f"[green]{_percent(fw['passed'], judged)} ({fw['passed']}) PASS[/green]  "
                f"{fw['manual']} manual, {fw['not_evaluated']} not evaluated"
            )
    errors = data.get("errors") or []
    if errors or data.get("incomplete"):
        count = sum(e["count"] for e in errors)
        console.print(
            f"[yellow]Scan errors: {count}. Part of the scope was not read: findings there are not "
            "complete, and nothing missing there counts as resolved.[/yellow]"
        )
        table = Table(box=box.ROUNDED)
        for column in ("Service", "Region", "Errors", "What", "Example"):
            table.add_column(column, justify="right" if column == "Errors" else "left")
        for e in errors:
            table.add_row(e["service"], e["region"], str(e["count"]), f"{error_kind(e['error_code'])} ({e['error_code']})",
                          e["api"])
        errored = {(e["service"], e["region"]) for e in errors}
        for gap in data.get("incomplete") or []:
            if (gap["service"], gap["region"]) not in errored and not any(
                e["service"] == gap["service"] and e["region"] in ("-", "") for e in errors
            ):
                what = "not scanned (no inventory)" if gap["status"] == "not_scanned" else "listing incomplete"
                table.add_row(gap["service"], gap["region"], "0", what, "")
        console.print(table)
    if lake_location:
        console.print(f"Findings lake: {lake_location}")
    return out.getvalue()


def summary_text(lake: Lake, account_id: str, scan_date: dt.date, color: bool = False) -> str:
    return render_summary(summary_data(lake, account_id, scan_date), lake.location(), color=color)
