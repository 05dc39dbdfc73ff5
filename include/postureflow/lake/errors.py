"""Read errors that name the file: a corrupt Parquet file is reported as ``CorruptLakeFile(path)``.

Every reader of the lake (the store, the DuckDB views, ``postureflow lake check``)
turns an unreadable file into this one exception type, so callers (the CLI, the
dashboard's error page) can say *which* file is broken and what to do about it.
"""

from __future__ import annotations

import datetime as dt
import os

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

SKIP_CORRUPT_ENV = "POSTUREFLOW_SKIP_CORRUPT"


class CorruptLakeFile(Exception):
    """A lake file could not be read. ``path`` is what a user can paste (folder path or s3:// URI)."""

    def __init__(self, path: str, reason: str = ""):
        self.path = path
        self.reason = reason
        super().__init__(
            f"corrupt lake file {path}: {reason or 'unreadable'} "
            "(run `postureflow lake check --quarantine` to set it aside, "
            f"or set {SKIP_CORRUPT_ENV}=1 to skip unreadable files with a warning)"
        )


def skip_corrupt_default() -> bool:
    return os.environ.get(SKIP_CORRUPT_ENV, "").strip().lower() in ("1", "true", "yes", "on")


def read_table(storage, layout, path: str, flt: pc.Expression | None, with_dir_columns: bool = True) -> pa.Table:
    """One data file (optionally filtered), its folder partition columns restored; CorruptLakeFile on failure."""
    try:
        table = pq.read_table(path, filesystem=storage.fs, filters=flt, schema=layout.file_schema)
    except FileNotFoundError:
        raise
    except (OSError, pa.ArrowException, ValueError) as err:
        raise CorruptLakeFile(storage.location(path), f"{type(err).__name__}: {err}") from err
    if with_dir_columns:
        for part in path.rsplit("/", 2)[-2:-1]:
            column, _, value = part.partition("=")
            if column in layout.dir_columns:
                field = layout.schema.field(column)
                typed = dt.date.fromisoformat(value) if field.type == pa.date32() else value
                table = table.append_column(column, pa.array([typed] * table.num_rows, field.type))
    return table


def verify(storage, path: str) -> str | None:
    """Why ``path`` is not a fully readable Parquet file, or None when every page decodes."""
    try:
        with storage.fs.open_input_file(path) as handle:
            parquet = pq.ParquetFile(handle)
            for index in range(parquet.num_row_groups):
                parquet.read_row_group(index)
    except (OSError, pa.ArrowException, ValueError, EOFError) as err:
        return f"{type(err).__name__}: {err}"
    return None
