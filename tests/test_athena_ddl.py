"""include/athena/tables.sql: its tables, columns and partitions match the lake's pyarrow schemas."""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow as pa
import pytest

import postureflow.compliance  # noqa: F401  (registers the compliance dataset)
from postureflow.engine import all_services
from postureflow.lake import schema as lake_schema

DDL = Path(__file__).resolve().parents[1] / "include" / "athena" / "tables.sql"
REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference" / "prowler-5.46" / "aws_checks.csv"
TABLES = ("findings", "inventory", "scan_errors", "compliance")

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
def test_columns_and_partitions_match_the_schema(dataset):
    table = _parse()[dataset]
    schema, partition_by = lake_schema.DATASETS[dataset]
    expected_columns = [(f.name, EXPECTED_TYPE[f.type]) for f in schema if f.name not in partition_by]
    assert table["columns"] == expected_columns
    assert table["partitions"] == [(c, EXPECTED_TYPE[schema.field(c).type]) for c in partition_by]


@pytest.mark.parametrize("dataset", TABLES)
def test_partition_projection_follows_the_hive_layout(dataset):
    table = _parse()[dataset]
    props = table["properties"]
    _, partition_by = lake_schema.DATASETS[dataset]
    assert table["location"] == f"${{LAKE}}/{dataset}/"
    assert props["projection.enabled"] == "true"
    template = "/".join(f"{c}=${{{c}}}" for c in partition_by)
    assert props["storage.location.template"] == f"${{LAKE}}/{dataset}/{template}/"
    assert props["projection.scan_date.type"] == "date"
    assert props["projection.scan_date.format"] == "yyyy-MM-dd"
    assert props["projection.scan_date.range"].endswith(",NOW")
    assert props["projection.account_id.type"] == "injected"
    if "service" in partition_by:
        assert props["projection.service.type"] in ("enum", "injected")
        if props["projection.service.type"] == "enum":
            listed = set(props["projection.service.values"].split(","))
            missing = set(all_services()) - listed
            assert not missing, f"services missing from the enum (regenerate tables.sql): {sorted(missing)}"
    projected = {k.split(".")[1] for k in props if k.startswith("projection.") and k.count(".") >= 2}
    assert projected == set(partition_by)


@pytest.mark.skipif(not REFERENCE.exists(), reason="shared/reference is not beside the repo")
def test_file_is_up_to_date():
    from postureflow.sql.athena import render

    assert DDL.read_text() == render(), "run: python -m postureflow.sql.athena > include/athena/tables.sql"
