"""`postureflow sql [QUERY] [--lake DIR] [--format table|csv|json|parquet] [--output FILE]`.

With a query: run it over the lake's views and print (or write) the result.
Without one: a small interactive session; statements end with ';', `.tables`
lists the views, `.quit` (or end of input) leaves.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import decimal
import io
import json
import sys

from postureflow.cli._common import add_lake_option, lake_from

FORMATS = ("table", "csv", "json", "parquet")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "sql",
        help="run SQL over the lake (views: findings, inventory, scan_errors, compliance, latest_findings, ...)",
        description="Run a DuckDB query over the lake's views; with no query, open an interactive session.",
    )
    parser.add_argument("query", nargs="?", help="SQL to run (omit for an interactive session)")
    add_lake_option(parser)
    parser.add_argument("--format", choices=FORMATS, default="table", help="output format (default: table)")
    parser.add_argument("--output", help="write the result to this file instead of standard output")
    parser.add_argument("--max-rows", type=int, default=200, help="rows shown in table format (default: 200)")
    parser.set_defaults(func=run)


def _jsonable(value):
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1e6 else f"{value:.6g}"
    if isinstance(value, (list, dict)):
        return json.dumps(value, default=_jsonable)
    return str(value)


def render(table, fmt: str, out, max_rows: int = 200) -> None:
    """Write an arrow table to the text stream ``out`` as table, csv or json."""
    rows = table.to_pylist()
    if fmt == "json":
        json.dump(rows, out, default=_jsonable, indent=2)
        out.write("\n")
    elif fmt == "csv":
        writer = csv.writer(out)
        writer.writerow(table.column_names)
        for row in rows:
            writer.writerow([_cell(row[c]) for c in table.column_names])
    else:
        from rich.console import Console
        from rich.table import Table

        shown = rows[:max_rows]
        caption = f"{len(rows)} row(s)" + (f", first {max_rows} shown" if len(rows) > max_rows else "")
        grid = Table(caption=caption)
        for name in table.column_names:
            grid.add_column(name, overflow="fold")
        for row in shown:
            grid.add_row(*[_cell(row[c]) for c in table.column_names])
        Console(file=out, width=max(120, min(400, 24 * len(table.column_names)))).print(grid)


def execute(con, query: str):
    """Run ``query``; the arrow result of its last statement, or None if it returns no rows."""
    relation = con.sql(query)
    return None if relation is None else relation.to_arrow_table()


def run(args: argparse.Namespace) -> int:
    from postureflow.lake import query
    from postureflow.sql.views import TABLES, add_inventory_views, add_views, connect

    lake = lake_from(args)
    if args.query is None:
        return interactive(connect(lake), sys.stdin, sys.stdout, args.format, args.max_rows, lake)
    # a corrupt file is named (CorruptLakeFile), or skipped with a warning under POSTUREFLOW_SKIP_CORRUPT
    table = query.run(lake, args.query, list(TABLES), setup=lambda con: (add_views(con), add_inventory_views(con)))
    if table is None:
        return 0
    if args.format == "parquet":
        if not args.output:
            raise ValueError("--format parquet needs --output FILE")
        import pyarrow.parquet as pq

        pq.write_table(table, args.output, compression="zstd")
        print(f"{table.num_rows} row(s) written to {args.output}", file=sys.stderr)
        return 0
    if args.output:
        with open(args.output, "w", encoding="utf-8", newline="") as handle:
            render(table, args.format, handle, args.max_rows)
        print(f"{table.num_rows} row(s) written to {args.output}", file=sys.stderr)
    else:
        render(table, args.format, sys.stdout, args.max_rows)
    return 0


def _error(err: Exception, lake) -> str:
    """A statement's error; a read error names the corrupt file behind it."""
    from postureflow.lake.errors import CorruptLakeFile
    from postureflow.lake.query import corrupt_behind

    corrupt = corrupt_behind(lake, err) if lake is not None and lake.is_local else []
    if corrupt:
        return str(CorruptLakeFile(lake.storage.location(corrupt[0][0]), corrupt[0][1]))
    return str(err)


def interactive(con, stdin, stdout, fmt: str = "table", max_rows: int = 200, lake=None) -> int:
    """Read statements until ';', run each, print its result; `.quit`/`.exit` or EOF ends."""
    if fmt == "parquet":
        fmt = "table"
    tty = stdin.isatty()
    if tty:
        stdout.write("postureflow SQL over the lake. End statements with ';'. .tables lists views, .quit leaves.\n")
    buffer: list[str] = []
    while True:
        if tty:
            stdout.write("sql> " if not buffer else "...> ")
            stdout.flush()
        line = stdin.readline()
        if not line:
            break
        stripped = line.strip()
        if not buffer and stripped in (".quit", ".exit", "\\q"):
            break
        if not buffer and stripped == ".tables":
            names = [r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal "
                                               "AND view_name NOT LIKE '\\_%' ESCAPE '\\' ORDER BY 1").fetchall()]
            stdout.write("\n".join(names) + "\n")
            continue
        if not buffer and not stripped:
            continue
        buffer.append(line)
        if not stripped.endswith(";"):
            continue
        statement = "".join(buffer)
        buffer = []
        try:
            table = execute(con, statement)
        except Exception as err:  # noqa: BLE001 - report and keep the session going
            stdout.write(f"error: {_error(err, lake)}\n")
            continue
        if table is not None:
            text = io.StringIO()
            render(table, fmt, text, max_rows)
            stdout.write(text.getvalue())
        stdout.flush()
    if buffer and "".join(buffer).strip():
        try:
            table = execute(con, "".join(buffer))
            if table is not None:
                render(table, fmt, stdout, max_rows)
        except Exception as err:  # noqa: BLE001
            stdout.write(f"error: {_error(err, lake)}\n")
    return 0
