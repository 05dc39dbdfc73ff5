"""Inventory you can query: one SQL view per (service, kind) of the stored inventory, with a typed
column per field the collectors wrote.

Nothing here is written per service. The views are generated from the inventory itself: the JSON
keys actually present in each (service, kind)'s latest records become columns, typed from their
JSON values (BOOLEAN, BIGINT, DOUBLE, TIMESTAMPTZ for ISO timestamps, VARCHAR, else JSON). A new
collector field is a new column on the next connection, with no change here.

``<service>_<kind>`` (``s3_buckets``, ``ec2_instances``, ``iam_users``, ...) holds each account's
latest inventory of that service, one row per resource:

- ``account_id, region, resource_uid, resource_id, tags, scan_date`` and the fields;
- ``unread_fields``: fields the collector could not read (``{field: api}``; their column is NULL);
- ``failing_checks``: the resource's failing (not muted) check ids at the account's latest scan;
- ``public``: one of those checks says the resource itself is reachable from the internet (see
  :data:`EXPOSURE_CHECK`: its id says ``public``, ``exposed_to_internet`` or ``internet_facing``, and it is
  not about a setting that would block or log it, like a bucket without its own public access block).

``latest_inventory`` is the table they read (each account's and service's latest scan).
Secrets never reach the inventory (collectors keep names, flags and hashes), so the views show none.
"""

from __future__ import annotations

import re

import duckdb

LATEST_INVENTORY = """
    SELECT i.* FROM inventory i
    JOIN (SELECT account_id, service, max(scan_date) AS scan_date FROM inventory GROUP BY ALL) l
      USING (account_id, service, scan_date)
"""

_FIELD_TYPES = """
    WITH latest AS (SELECT service, kind, data FROM latest_inventory WHERE NOT starts_with(kind, '_')),
    fields AS (SELECT service, kind, unnest(json_keys(data)) AS field, data FROM latest)
    SELECT service, kind, field,
           list(DISTINCT json_type(data -> field)) FILTER (WHERE json_type(data -> field) <> 'NULL') AS types,
           bool_and(TRY_CAST(data ->> field AS TIMESTAMPTZ) IS NOT NULL)
               FILTER (WHERE json_type(data -> field) = 'VARCHAR') AS all_timestamps
    FROM fields
    GROUP BY ALL
    ORDER BY service, kind, field
"""

# SQL over a check id ``c``: a failing check of this kind means "exposed", not "could be hardened".
EXPOSURE_CHECK = (
    "(contains(c, 'public') OR contains(c, 'exposed_to_internet') OR contains(c, 'internet_facing'))"
    " AND NOT regexp_matches(c, 'block|logging|separate|by_default|publishing')"
)

IDENTIFIER = re.compile(r"[^a-z0-9_]+")
RESERVED_COLUMNS = {"account_id", "region", "resource_uid", "resource_id", "tags", "scan_date", "unread_fields",
                    "failing_checks", "public"}


def view_name(service: str, kind: str) -> str:
    return IDENTIFIER.sub("_", f"{service}_{kind}".lower()).strip("_")


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def column_sql(field: str, types: list[str] | None, all_timestamps: bool | None) -> tuple[str, str]:
    """(SQL expression over ``data``, type name) for one JSON field."""
    kinds = set(types or [])
    path = _quote(field)
    if kinds == {"BOOLEAN"}:
        return f"TRY_CAST(data ->> {path} AS BOOLEAN)", "BOOLEAN"
    if kinds and kinds <= {"BIGINT", "UBIGINT"}:
        return f"TRY_CAST(data ->> {path} AS BIGINT)", "BIGINT"
    if kinds and kinds <= {"BIGINT", "UBIGINT", "DOUBLE"}:
        return f"TRY_CAST(data ->> {path} AS DOUBLE)", "DOUBLE"
    if kinds == {"VARCHAR"} and all_timestamps:
        return f"TRY_CAST(data ->> {path} AS TIMESTAMPTZ)", "TIMESTAMPTZ"
    if kinds <= {"VARCHAR"}:
        return f"data ->> {path}", "VARCHAR"
    return f"data -> {path}", "JSON"


def inventory_fields(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], list[tuple[str, str, str]]]:
    """(service, kind) -> [(field, SQL expression, type)] from the latest inventory."""
    out: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
    for service, kind, field, types, all_ts in con.execute(_FIELD_TYPES).fetchall():
        expression, type_name = column_sql(field, types, all_ts)
        out.setdefault((service, kind), []).append((field, expression, type_name))
    # kinds whose records are all empty objects still get a view
    for service, kind in con.execute(
        "SELECT DISTINCT service, kind FROM latest_inventory WHERE NOT starts_with(kind, '_')"
    ).fetchall():
        out.setdefault((service, kind), [])
    return out


def view_sql(service: str, kind: str, fields: list[tuple[str, str, str]]) -> str:
    columns = []
    seen = set(RESERVED_COLUMNS)
    for field, expression, _ in fields:
        if field == "_unread":
            continue
        name = IDENTIFIER.sub("_", field.lower()).strip("_") or "field"
        if name in seen:
            name = f"data_{name}"
        seen.add(name)
        columns.append(f'{expression} AS "{name}"')
    field_columns = (",\n           " + ",\n           ".join(columns)) if columns else ""
    return f"""
    SELECT i.account_id, i.region, i.resource_uid, i.resource_id, i.resource_tags AS tags, i.scan_date{field_columns},
           i.data -> '_unread' AS unread_fields,
           coalesce(f.failing_checks, []) AS failing_checks,
           coalesce(list_bool_or(list_transform(f.failing_checks, lambda c: {EXPOSURE_CHECK})), false) AS public
    FROM latest_inventory i
    LEFT JOIN (SELECT account_id, resource_uid, list(DISTINCT check_id ORDER BY check_id) AS failing_checks
               FROM latest_findings WHERE status = 'FAIL' AND NOT coalesce(muted, false) GROUP BY ALL) f
      USING (account_id, resource_uid)
    WHERE i.service = {_quote(service)} AND i.kind = {_quote(kind)}
    """


def add_inventory_views(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Create ``latest_inventory`` and one view per (service, kind) on a connection that has the lake's
    ``inventory`` table and the ``latest_findings`` view; the names of the views made."""
    con.execute(f"CREATE OR REPLACE VIEW latest_inventory AS {LATEST_INVENTORY}")
    taken = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    made = []
    for (service, kind), fields in sorted(inventory_fields(con).items()):
        name = view_name(service, kind)
        if not name or (name in taken and name not in made):
            continue  # never shadow a lake table or another view
        con.execute(f'CREATE OR REPLACE VIEW "{name}" AS {view_sql(service, kind, fields)}')
        made.append(name)
    return made


def inventory_catalog(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """The inventory views and their columns (for docs, the CLI and the dashboard's search)."""
    return [
        {"view": view_name(service, kind), "service": service, "kind": kind,
         "fields": [{"name": f, "type": t} for f, _, t in fields if f != "_unread"]}
        for (service, kind), fields in sorted(inventory_fields(con).items())
    ]
