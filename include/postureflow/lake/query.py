"""DuckDB over the lake: one view per dataset, the same SQL for a local folder or S3."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from postureflow.lake import schema as lake_schema
from postureflow.lake.store import Lake

_DUCK_TYPES = {
    pa.string(): "VARCHAR",
    pa.date32(): "DATE",
    pa.bool_(): "BOOLEAN",
    pa.int64(): "BIGINT",
    pa.float64(): "DOUBLE",
}


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _has_files(lake: Lake, dataset: str) -> bool:
    import pyarrow.fs as pafs

    base = lake.path(dataset)
    if lake.fs.get_file_info(base).type == pafs.FileType.NotFound:
        return False
    selector = pafs.FileSelector(base, recursive=True)
    return any(info.path.endswith("/part-0.parquet") for info in lake.fs.get_file_info(selector))


def create_dataset_view(con: duckdb.DuckDBPyConnection, lake: Lake, dataset: str, view: str | None = None) -> None:
    """Define ``view`` (default: the dataset's name) over every partition of ``dataset``."""
    view = view or dataset
    schema, partition_by = lake_schema.DATASETS[dataset]
    columns = ", ".join(f'"{n}"' for n in schema.names)
    if not _has_files(lake, dataset):
        empty = pa.Table.from_batches([], schema=schema)
        con.register(f"__empty_{view}", empty)
        con.execute(f'CREATE OR REPLACE VIEW "{view}" AS SELECT {columns} FROM "__empty_{view}"')
        return
    if lake.is_local:
        hive_types = ", ".join(f"'{c}': {_DUCK_TYPES[schema.field(c).type]}" for c in partition_by)
        con.execute(
            f'CREATE OR REPLACE VIEW "{view}" AS SELECT {columns} FROM read_parquet('
            f"{_quote(lake.parquet_glob(dataset))}, hive_partitioning = true, "
            f"hive_types = {{{hive_types}}}, union_by_name = true)"
        )
    else:
        # DuckDB cannot fetch its httpfs extension here; pyarrow reads S3 and DuckDB scans the arrow dataset.
        con.register(f"__arrow_{view}", lake.dataset(dataset))
        con.execute(f'CREATE OR REPLACE VIEW "{view}" AS SELECT {columns} FROM "__arrow_{view}"')


def connect(lake: Lake, datasets: list[str] | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with a view per lake dataset."""
    con = duckdb.connect(":memory:")
    for dataset in datasets or list(lake_schema.DATASETS):
        create_dataset_view(con, lake, dataset)
    return con
