"""DuckDB over the lake: one view per dataset, the same SQL for a local folder or S3.

A view reads exactly the files the lake's manifests name (never a glob, which
would also see files a killed writer left uncommitted). A query that hits an
unreadable file raises ``CorruptLakeFile`` naming it (``run``); with
``skip_corrupt`` (or ``POSTUREFLOW_SKIP_CORRUPT=1``) the file is left out with a
warning and the query runs over the others.
"""

from __future__ import annotations

import datetime as dt
import logging
import warnings
from typing import Iterable

import duckdb
import pyarrow as pa

from postureflow.lake import schema as lake_schema
from postureflow.lake.errors import CorruptLakeFile, skip_corrupt_default, verify
from postureflow.lake.store import Lake, Layout

log = logging.getLogger(__name__)

_DUCK_TYPES = {
    pa.string(): "VARCHAR",
    pa.date32(): "DATE",
    pa.bool_(): "BOOLEAN",
    pa.int64(): "BIGINT",
    pa.float64(): "DOUBLE",
}


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def source_sql(
    con: duckdb.DuckDBPyConnection,
    lake: Lake,
    dataset: str,
    files: list[str],
    name: str | None = None,
) -> str:
    """A FROM item over exactly ``files`` of ``dataset``, every column of its schema, in schema order."""
    layout = Layout.of(dataset)
    schema = layout.schema
    columns = ", ".join(f'"{n}"' for n in schema.names)
    name = name or f"__lake_{dataset}"
    if not files:
        con.register(f"__empty_{name}", schema.empty_table())
        return f'(SELECT {columns} FROM "__empty_{name}")'
    if lake.is_local:
        paths = ", ".join(_quote(p) for p in files)
        if layout.dir_columns:
            hive_types = ", ".join(f"'{c}': {_DUCK_TYPES[schema.field(c).type]}" for c in layout.dir_columns)
            options = f"hive_partitioning = true, hive_types = {{{hive_types}}}"
        else:
            options = "hive_partitioning = false"
        # Files written before a nullable column was added lack it (the Prowler identity columns of
        # findings): read by name and union with the empty typed table, so such a column reads as NULL.
        con.register(f"__empty_{name}", schema.empty_table())
        return (
            f'(SELECT {columns} FROM (SELECT * FROM "__empty_{name}" UNION ALL BY NAME '
            f"SELECT * FROM read_parquet([{paths}], {options}, union_by_name = true)))"
        )
    # DuckDB cannot fetch its httpfs extension here; pyarrow reads S3 and DuckDB scans the arrow dataset.
    import pyarrow.dataset as ds

    partitioning = None
    if layout.dir_columns:
        partitioning = ds.partitioning(pa.schema([schema.field(c) for c in layout.dir_columns]), flavor="hive")
    con.register(name, ds.dataset(files, filesystem=lake.fs, format="parquet", partitioning=partitioning,
                                  partition_base_dir=lake.path(dataset), schema=schema))
    return f'(SELECT {columns} FROM "{name}")'


def create_dataset_view(
    con: duckdb.DuckDBPyConnection,
    lake: Lake,
    dataset: str,
    view: str | None = None,
    exclude: Iterable[str] = (),
    scan_dates: Iterable[dt.date] | None = None,
) -> list[str]:
    """Define ``view`` (default: the dataset's name) over the live files of ``dataset``; returns them."""
    view = view or dataset
    skip = set(exclude)
    files = [f for f in lake.files(dataset, scan_dates) if f not in skip]
    try:
        con.execute(f'CREATE OR REPLACE VIEW "{view}" AS SELECT * FROM {source_sql(con, lake, dataset, files, view)}')
    except duckdb.Error as err:
        if isinstance(err, _SQL_ERRORS) or not lake.is_local:
            raise
        # Reading by name binds every file's footer, so one unreadable footer would fail every query,
        # even those of other days. Such a file becomes a branch that fails only a query that reaches
        # its partition (DuckDB prunes it by the directory values) and names the file there.
        corrupt = dict(find_corrupt(lake, files, str(err)))
        if not corrupt:
            raise
        readable = [f for f in files if f not in corrupt]
        branches = [_unreadable_branch(lake, dataset, path, reason) for path, reason in corrupt.items()]
        source = source_sql(con, lake, dataset, readable, view)
        columns = ", ".join(f'"{n}"' for n in Layout.of(dataset).schema.names)
        union = " UNION ALL BY NAME ".join([f"SELECT * FROM {source}", *branches])
        con.execute(f'CREATE OR REPLACE VIEW "{view}" AS SELECT {columns} FROM ({union})')
    return files


def _unreadable_branch(lake: Lake, dataset: str, path: str, reason: str) -> str:
    """One row standing for an unreadable file: its directory (partition) values, and an error
    raised as soon as a query keeps that row or reads any other column of it."""
    layout = Layout.of(dataset)
    failure = f"error({_quote(f'corrupt lake file {lake.storage.location(path)}: {reason}')})"
    values = []
    for name in layout.schema.names:
        value = next((part.split("=", 1)[1] for part in path.split("/") if part.startswith(f"{name}=")), None)
        if name in layout.dir_columns and value is not None:
            values.append(f'CAST({_quote(value)} AS {_DUCK_TYPES[layout.schema.field(name).type]}) AS "{name}"')
        else:
            values.append(f'{failure} AS "{name}"')
    return f"SELECT {', '.join(values)} FROM range(1) WHERE {failure} IS NULL"


def connect(lake: Lake, datasets: list[str] | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with a view per lake dataset."""
    con = duckdb.connect(":memory:")
    for dataset in datasets or list(lake_schema.DATASETS):
        create_dataset_view(con, lake, dataset)
    return con


# -- errors that name the file -----------------------------------------------------------------


def find_corrupt(lake: Lake, files: Iterable[str], message: str = "") -> list[tuple[str, str]]:
    """The files among ``files`` that do not read, with why; a file the error message names is tried first."""
    files = list(files)
    named = [f for f in files if f in message or f.rsplit("/", 1)[-1] in message]
    for path in named:
        reason = verify(lake.storage, path)
        if reason:
            return [(path, reason)]
    found = []
    for path in files:
        reason = verify(lake.storage, path)
        if reason:
            found.append((path, reason))
    return found


# errors in the SQL itself: no file is to blame, so none is looked for
_SQL_ERRORS = (duckdb.ParserException, duckdb.BinderException, duckdb.CatalogException,
               duckdb.SyntaxException, duckdb.ConversionException, duckdb.InterruptException)


def corrupt_behind(lake: Lake, err: Exception, datasets: Iterable[str] | None = None,
                   excluded: Iterable[str] = ()) -> list[tuple[str, str]]:
    """The unreadable files behind a read error (DuckDB's or Arrow's), with why; none for an error in
    the SQL itself. DuckDB's own messages ("don't know what type") name no file."""
    if isinstance(err, _SQL_ERRORS) or not isinstance(err, (duckdb.Error, OSError, pa.ArrowException)):
        return []
    if not isinstance(err, duckdb.Error) and not any(w in str(err).lower() for w in ("parquet", "thrift")):
        return []  # another OS error (disk full, network): verifying every file would not explain it
    excluded = set(excluded)
    files = [f for dataset in datasets or lake_schema.DATASETS for f in lake.files(dataset) if f not in excluded]
    return find_corrupt(lake, files, str(err))


def run(
    lake: Lake,
    sql: str,
    datasets: list[str] | None = None,
    params: dict | list | None = None,
    skip_corrupt: bool | None = None,
    setup=None,
) -> pa.Table:
    """Run ``sql`` over the lake's views (plus whatever ``setup(con)`` defines) and return an arrow table.

    An unreadable file raises CorruptLakeFile naming it; with ``skip_corrupt`` (default:
    POSTUREFLOW_SKIP_CORRUPT) it is left out, with a warning, and the query runs again.
    """
    skip_corrupt = skip_corrupt_default() if skip_corrupt is None else skip_corrupt
    datasets = datasets or list(lake_schema.DATASETS)
    excluded: set[str] = set()
    while True:
        con = duckdb.connect(":memory:")
        try:
            # inside the try: defining a view already reads every file's footer (union_by_name)
            for dataset in datasets:
                create_dataset_view(con, lake, dataset, exclude=excluded)
            if setup is not None:
                setup(con)
            if params is not None:
                return con.execute(sql, params).to_arrow_table()
            relation = con.sql(sql)
            return None if relation is None else relation.to_arrow_table()  # a statement without rows
        except duckdb.Error as err:
            corrupt = corrupt_behind(lake, err, datasets, excluded)
            if not corrupt:
                raise
            if not skip_corrupt:
                path, reason = corrupt[0]
                raise CorruptLakeFile(lake.storage.location(path), reason) from err
            for path, reason in corrupt:
                message = f"skipping corrupt lake file {lake.storage.location(path)}: {reason}"
                log.warning(message)
                warnings.warn(message, stacklevel=2)
                excluded.add(path)
        finally:
            con.close()
