"""include/athena/tables.sql: its tables, columns and partitions match the lake's pyarrow schemas."""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa
import pytest

import postureflow.compliance  # noqa: F401  (registers the compliance dataset)
from postureflow.lake import schema as lake_schema
from postureflow.lake.store import Layout

DDL = Path(__file__).resolve().parents[1] / "include" / "athena" / "tables.sql"
TABLES = ("findings", "inventory", "scan_errors", "scan_scope", "compliance")

# the Athena (Hive DDL) spelling of each arrow type the lake uses
EXPECTED_TYPE = {
    pa.string(): "string",
    pa.bool_(): "boolean",
    pa.int64(): "bigint",
    pa.float64(): "double",
    pa.date32(): "date",
    pa.timestamp("us", tz="UTC"): "timestamp",
    pa.map_(pa.string(), pa.string()): "map<string,string>",
    pa.list_(pa.string()): "array<string>",
}

STATEMENT = re.compile(
    r"CREATE EXTERNAL TABLE IF NOT EXISTS postureflow\.(\w+) \((.*?)\)\s*"
    r"PARTITIONED BY \((.*?)\)\s*STORED AS PARQUET\s*LOCATION '([^']+)'\s*TBLPROPERTIES \((.*?)\);",
    re.S,
)


def _columns(block: str) -> list[tuple[str, str]]:
    columns = []
    for line in block.strip().splitlines():
        match = re.fullmatch(r"\s*`(\w+)`\s+(\w+(?:<[\w<>,]+>)?),?\s*", line)
        assert match, f"cannot parse column line {line!r}"
        columns.append((match.group(1), match.group(2)))
    return columns


def _parse() -> dict[str, dict]:
    text = DDL.read_text()
    tables = {}
    for name, cols, parts, location, props in STATEMENT.findall(text):
        tables[name] = {
            "columns": _columns(cols),
            "partitions": _columns(parts),
            "location": location,
            "properties": dict(re.findall(r"'([^']+)'\s*=\s*'([^']*)'", props)),
        }
    assert text.count("CREATE EXTERNAL TABLE") == len(tables), "a CREATE statement did not parse"
    return tables


def test_every_table_is_declared():
    assert set(_parse()) == set(TABLES)


@pytest.mark.parametrize("dataset", TABLES)
def test_columns_and_partitions_match_the_lake_layout(dataset):
    """Folders hold scan_date only; every other column, service and account_id included, is in the files."""
    table = _parse()[dataset]
    schema, _ = lake_schema.DATASETS[dataset]
    assert Layout.of(dataset).dir_columns == ("scan_date",)
    expected_columns = [(f.name, EXPECTED_TYPE[f.type]) for f in schema if f.name != "scan_date"]
    assert table["columns"] == expected_columns
    assert table["partitions"] == [("scan_date", "date")]


@pytest.mark.parametrize("dataset", TABLES)
def test_partition_projection_follows_the_layout(dataset):
    table = _parse()[dataset]
    props = table["properties"]
    assert table["location"] == f"${{LAKE}}/{dataset}/"
    assert props["projection.enabled"] == "true"
    assert props["storage.location.template"] == f"${{LAKE}}/{dataset}/scan_date=${{scan_date}}/"
    assert props["projection.scan_date.type"] == "date"
    assert props["projection.scan_date.format"] == "yyyy-MM-dd"
    assert props["projection.scan_date.range"].endswith(",NOW")
    projected = {k.split(".")[1] for k in props if k.startswith("projection.") and k.count(".") >= 2}
    assert projected == {"scan_date"}


def test_data_files_sit_where_the_location_template_points(tmp_path):
    """What Athena lists under scan_date=<day>/ is exactly the live data files (manifests hide under _)."""
    import datetime as dt

    from postureflow.lake import Lake
    from postureflow.sql.sample import finding, write_findings

    lake = Lake(str(tmp_path))
    days = [dt.date(2026, 11, 21), dt.date(2026, 11, 22)]
    write_findings(lake, [finding(a, d, s, f"{s}_check", f"r{i}") for a in ("111111111111", "222222222222")
                          for d in days for s in ("s3", "iam") for i in range(3)])
    write_findings(lake, [finding("111111111111", days[1], "s3", "s3_check", "r9")])  # a re-run: replaces
    assert lake.days("findings") == days
    for day in lake.days("findings"):
        folder = tmp_path / "findings" / f"scan_date={day.isoformat()}"
        visible = sorted(str(p) for p in folder.iterdir() if p.is_file() and not p.name.startswith(("_", ".")))
        assert visible == sorted(lake.files("findings", [day]))
        assert isinstance(day, dt.date)


def test_file_is_up_to_date():
    from postureflow.sql.athena import render

    assert DDL.read_text() == render(), "run: python -m postureflow.sql.athena > include/athena/tables.sql"
