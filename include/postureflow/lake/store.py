"""Reading and writing the findings lake, on a local folder or S3, with one code path.

Physical layout (the logical contract, partition columns and schemas, is unchanged):

    <lake>/<dataset>/scan_date=YYYY-MM-DD/b<bucket>-<id>.parquet        data files
    <lake>/<dataset>/scan_date=YYYY-MM-DD/_manifest/bucket=NNN/v….json  commit log

Only ``scan_date`` is a folder; ``service`` and ``account_id`` are columns inside
the files, so a day holds a bounded number of files whatever the number of
accounts and services (docs/lake.md has the numbers and the Iceberg comparison).
A write replaces exactly its *scope*, (account, service) and optionally a set of
regions, and commits through the bucket's manifest (``postureflow.lake.manifest``):
concurrent writers on any number of machines serialise on that commit, readers
read one committed version, and small files are merged as they accumulate.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import random
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Iterable

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from postureflow.lake import manifest as mf
from postureflow.lake import schema as lake_schema
from postureflow.lake.storage import AlreadyExists, Storage, is_temp

log = logging.getLogger(__name__)

PART_FILE = "part-0.parquet"  # the file name of the layout before manifests (docs/lake.md: migrating)
DIR_COLUMNS = ("scan_date",)  # the only partition column that is a folder
BUCKETS = 32  # manifests (and small-file sets) per dataset and day: spreads commit contention
MAX_SMALL_FILES = 8  # a bucket with more small files than this merges them in the next commit
TARGET_ROWS = 500_000  # a file this large is left alone by merges
ROW_GROUP_ROWS = 64 * 1024
ORPHAN_GRACE_S = 15 * 60  # files no manifest names, younger than this, may belong to a writer still at work
COMMIT_ATTEMPTS = 200


def default_lake_uri() -> str:
    """POSTUREFLOW_LAKE, else a `lake` folder in AIRFLOW_HOME, else in ~/.postureflow."""
    if os.environ.get("POSTUREFLOW_LAKE"):
        return os.environ["POSTUREFLOW_LAKE"]
    base = os.environ.get("AIRFLOW_HOME") or os.path.join(os.path.expanduser("~"), ".postureflow")
    return os.path.join(base, "lake")


def _text(value: Any) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        value = value.isoformat()[:10]
    value = str(value)
    if not value or "/" in value or "|" in value or value.startswith("."):
        raise ValueError(f"bad partition value {value!r}")
    return value


@dataclass(frozen=True)
class Layout:
    """Where one dataset's partition columns live: folders (scan_date) or scope keys (the rest)."""

    dataset: str
    schema: pa.Schema
    partition_by: tuple[str, ...]

    @classmethod
    def of(cls, dataset: str) -> "Layout":
        schema, partition_by = lake_schema.DATASETS[dataset]
        return cls(dataset, schema, partition_by)

    @property
    def dir_columns(self) -> tuple[str, ...]:
        return tuple(c for c in self.partition_by if c in DIR_COLUMNS)

    @property
    def key_columns(self) -> tuple[str, ...]:
        return tuple(c for c in self.partition_by if c not in DIR_COLUMNS)

    @property
    def buckets(self) -> int:
        return BUCKETS if "account_id" in self.key_columns else 1

    @property
    def has_region(self) -> bool:
        return "region" in self.schema.names

    @property
    def file_schema(self) -> pa.Schema:
        return pa.schema([f for f in self.schema if f.name not in self.dir_columns])

    def check(self, values: dict[str, Any]) -> None:
        missing = [c for c in self.partition_by if c not in values]
        if missing:
            raise ValueError(f"{self.dataset}: partition values missing {missing}")

    def day_dir(self, values: dict[str, Any]) -> str:
        return "/".join([self.dataset, *(f"{c}={_text(values[c])}" for c in self.dir_columns)])

    def key(self, values: dict[str, Any]) -> tuple[str, ...]:
        return tuple(_text(values[c]) for c in self.key_columns)

    def bucket(self, values: dict[str, Any]) -> int:
        return mf.bucket_of(values.get("account_id"), self.buckets)

    def key_filter(self, keys: Iterable[tuple[str, ...]]) -> pc.Expression | None:
        """Rows whose scope key is one of ``keys``."""
        expr = None
        for key in keys:
            term = None
            for column, value in zip(self.key_columns, key):
                eq = pc.field(column) == value
                term = eq if term is None else term & eq
            if term is None:
                return None
            expr = term if expr is None else expr | term
        return expr


def partition_path(dataset: str, values: dict[str, Any]) -> str:
    """The folder of a partition's day (its other partition values are columns in the files)."""
    layout = Layout.of(dataset)
    layout.check(values)
    return layout.day_dir(values)


@dataclass
class Lake:
    """The lake at ``uri``: a local folder or ``s3://bucket/prefix``.

    ``conn_id`` (or ``POSTUREFLOW_LAKE_CONN_ID``) names an Airflow AWS connection for S3 credentials.
    """

    uri: str
    conn_id: str | None = None
    storage: Storage = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.storage = Storage(self.uri, self.conn_id)
        self.fs = self.storage.fs
        self.root = self.storage.root
        self.is_local = self.storage.is_local

    @classmethod
    def default(cls) -> "Lake":
        return cls(default_lake_uri())

    def path(self, relative: str) -> str:
        return self.storage.path(relative)

    def location(self, relative: str = "") -> str:
        """A path a user can paste: the folder, or the s3:// URI."""
        return self.storage.location(self.path(relative) if relative else self.root)

    # -- writing ---------------------------------------------------------------------------

    def write_partition(
        self, dataset: str, values: dict[str, Any], table: pa.Table, regions: Iterable[str] | None = None
    ) -> str:
        """Replace one partition's rows with ``table`` (full-table schema, partition columns included).

        ``regions``: the write's region scope. Given, only the partition's rows in those regions (and
        in the regions ``table`` holds) are replaced; rows of other regions stay. None replaces the
        whole partition. Returns the day folder written.
        """
        self.write_partitions(dataset, [(values, table)], regions=regions)
        return self.path(partition_path(dataset, values))

    def write_partitions(
        self,
        dataset: str,
        parts: list[tuple[dict[str, Any], pa.Table]],
        regions: Iterable[str] | None = None,
    ) -> None:
        """Replace several partitions; those of one day and bucket go in one file and one commit."""
        layout = Layout.of(dataset)
        groups: dict[tuple[str, int], list[tuple[tuple[str, ...], pa.Table]]] = {}
        for values, table in parts:
            layout.check(values)
            table = self._validated(layout, values, table)
            groups.setdefault((layout.day_dir(values), layout.bucket(values)), []).append(
                (layout.key(values), table)
            )
        scope_regions = None if regions is None or not layout.has_region else sorted(set(regions))
        for (day_dir, bucket), items in groups.items():
            _Commit(self.storage, layout, day_dir, bucket, items, scope_regions).run()

    def write_day(self, dataset: str, day: dt.date, table: pa.Table) -> None:
        """Bulk replace: every (account, service) key present in ``table`` (one scan_date) is replaced
        by its rows there, one file and one commit per bucket (org-wide jobs, benchmarks, migrations)."""
        layout = Layout.of(dataset)
        table = lake_schema.validate(dataset, table)
        if set(table.column("scan_date").to_pylist()) - {day}:
            raise ValueError(f"{dataset}: rows of other days in a write of {day}")
        day_dir = layout.day_dir({"scan_date": day})
        accounts = pc.unique(table.column("account_id")).to_pylist() if "account_id" in layout.key_columns else [None]
        bucket_of = {a: mf.bucket_of(a, layout.buckets) for a in accounts}
        for bucket in sorted(set(bucket_of.values())):
            part = table
            if accounts != [None]:
                part = table.filter(pc.field("account_id").isin([a for a, b in bucket_of.items() if b == bucket]))
            keys = {tuple(str(v) for v in row) for row in
                    zip(*(part.column(c).to_pylist() for c in layout.key_columns))} if layout.key_columns else {()}
            placeholder = layout.schema.empty_table()  # "replace this key"; the rows come in one file below
            _Commit(self.storage, layout, day_dir, bucket, [(k, placeholder) for k in sorted(keys)], None,
                    bulk=part).run()

    @staticmethod
    def _validated(layout: Layout, values: dict[str, Any], table: pa.Table) -> pa.Table:
        table = lake_schema.validate(layout.dataset, table)
        for column in layout.partition_by:
            expected = values[column]
            if isinstance(expected, dt.datetime):
                expected = expected.date()
            found = set(table.column(column).to_pylist())
            if found - {expected}:
                raise ValueError(
                    f"{layout.dataset}: rows with {column}={sorted(map(str, found))} in partition {expected}"
                )
        return table

    def delete_partition(self, dataset: str, values: dict[str, Any]) -> None:
        """Remove one partition's rows and its record of having been written."""
        layout = Layout.of(dataset)
        layout.check(values)
        _Commit(self.storage, layout, layout.day_dir(values), layout.bucket(values), [(layout.key(values), None)],
                None).run()

    def delete_day(self, dataset: str, day: dt.date) -> int:
        """Drop a whole scan_date of ``dataset`` (retention); returns the files removed."""
        day_dir = f"{dataset}/scan_date={_text(day)}"  # tables, and file folders like reports/
        if dataset in lake_schema.DATASETS and "scan_date" not in Layout.of(dataset).dir_columns:
            raise ValueError(f"{dataset} is not partitioned by scan_date")
        directory = self.path(day_dir)
        if not self.storage.exists(directory):
            return 0
        # manifests first: from then on readers see an empty day, never a day with missing files
        for bucket in mf.buckets_present(self.storage, day_dir):
            for info in self.storage.list(mf.manifest_dir(self.storage, day_dir, bucket)):
                self.storage.delete(info.path)
        infos = self.fs.get_file_info(pafs.FileSelector(directory, recursive=True))
        removed = sum(1 for info in infos if info.type == pafs.FileType.File and "/_manifest/" not in info.path)
        self.fs.delete_dir(directory)
        return removed

    # -- reading ---------------------------------------------------------------------------

    def days(self, dataset: str) -> list[dt.date]:
        """Every scan_date with a folder, oldest first."""
        found = []
        for info in self.storage.list(self.path(dataset)):
            name = info.base_name
            if info.type == info.type.Directory and name.startswith("scan_date="):
                try:
                    found.append(dt.date.fromisoformat(name[len("scan_date="):]))
                except ValueError:
                    continue
        return sorted(found)

    def _day_dirs(self, layout: Layout, scan_dates: Iterable[dt.date] | None) -> list[str]:
        if not layout.dir_columns:
            return [layout.dataset]
        days = self.days(layout.dataset) if scan_dates is None else scan_dates
        return [layout.day_dir({"scan_date": d}) for d in days]

    def _buckets(self, layout: Layout, day_dir: str, account_ids: Iterable[str] | None) -> list[int]:
        if account_ids is None or "account_id" not in layout.key_columns:
            return mf.buckets_present(self.storage, day_dir)
        return sorted({mf.bucket_of(a, layout.buckets) for a in account_ids})

    def snapshots(
        self, dataset: str, scan_dates: Iterable[dt.date] | None = None, account_ids: Iterable[str] | None = None
    ) -> list[tuple[str, mf.Manifest]]:
        """(day folder, committed manifest) of every bucket that may hold rows of ``account_ids``."""
        layout = Layout.of(dataset)
        accounts = None if account_ids is None else list(account_ids)
        out = []
        for day_dir in self._day_dirs(layout, scan_dates):
            for bucket in self._buckets(layout, day_dir, accounts):
                manifest = mf.latest(self.storage, day_dir, bucket)
                if manifest.version:
                    out.append((day_dir, manifest))
        return out

    def files(
        self, dataset: str, scan_dates: Iterable[dt.date] | None = None, account_ids: Iterable[str] | None = None
    ) -> list[str]:
        """The live data files of ``dataset`` (full paths), restricted to days and accounts when given."""
        layout = Layout.of(dataset)
        wanted = None if account_ids is None else {str(a) for a in account_ids}
        index = layout.key_columns.index("account_id") if "account_id" in layout.key_columns else None
        paths = []
        for day_dir, manifest in self.snapshots(dataset, scan_dates, wanted):
            for entry in manifest.files:
                if wanted is None or index is None or any(k[index] in wanted for k in entry.keys):
                    paths.append(self.path(f"{day_dir}/{entry.name}"))
        return paths

    def partitions(
        self, dataset: str, scan_dates: Iterable[dt.date] | None = None, account_ids: Iterable[str] | None = None
    ) -> list[dict[str, Any]]:
        """The partition values written (zero-row writes included), e.g. which services a day scanned."""
        layout = Layout.of(dataset)
        wanted = None if account_ids is None else {str(a) for a in account_ids}
        out = []
        for day_dir, manifest in self.snapshots(dataset, scan_dates, wanted):
            dir_values = _dir_values(day_dir)
            for key in manifest.scopes:
                values = {**dir_values, **dict(zip(layout.key_columns, key))}
                if wanted is None or values.get("account_id", next(iter(wanted))) in wanted:
                    out.append(values)
        return out

    def partition_exists(self, dataset: str, values: dict[str, Any]) -> bool:
        layout = Layout.of(dataset)
        layout.check(values)
        manifest = mf.latest(self.storage, layout.day_dir(values), layout.bucket(values))
        return layout.key(values) in manifest.scopes

    def read_partition(self, dataset: str, values: dict[str, Any]) -> pa.Table | None:
        """One partition with its partition columns, or None if it was never written."""
        layout = Layout.of(dataset)
        layout.check(values)
        day_dir = layout.day_dir(values)
        key = layout.key(values)

        def attempt() -> pa.Table | None:
            manifest = mf.latest(self.storage, day_dir, layout.bucket(values))
            if key not in manifest.scopes:
                return None
            paths = [self.path(f"{day_dir}/{e.name}") for e in manifest.files_with(key)]
            return self._read(layout, paths, layout.key_filter([key]) if key else None)

        return _retry_vanished(attempt)

    def read(
        self, dataset: str, scan_dates: Iterable[dt.date] | None = None, account_ids: Iterable[str] | None = None,
        columns: list[str] | None = None,
    ) -> pa.Table:
        """Rows of ``dataset`` for those days and accounts (all when None), partition columns included."""
        layout = Layout.of(dataset)
        accounts = None if account_ids is None else [str(a) for a in account_ids]
        flt = None
        if accounts is not None and "account_id" in layout.key_columns:
            flt = pc.field("account_id").isin(accounts)
        table = _retry_vanished(lambda: self._read(layout, self.files(dataset, scan_dates, accounts), flt))
        return table.select(columns) if columns else table

    def _read(self, layout: Layout, paths: list[str], flt: pc.Expression | None) -> pa.Table:
        from postureflow.lake.errors import CorruptLakeFile, read_table, skip_corrupt_default

        tables = []
        for path in paths:
            try:
                tables.append(read_table(self.storage, layout, path, flt))
            except CorruptLakeFile as err:
                if not skip_corrupt_default():
                    raise
                log.warning("skipping %s", err)
        if not tables:
            return layout.schema.empty_table()
        return pa.concat_tables(tables).select(layout.schema.names).cast(layout.schema)

    def dataset(self, dataset: str) -> ds.Dataset | None:
        """The whole table as a pyarrow dataset over the live files (scan_date typed), or None if empty."""
        layout = Layout.of(dataset)
        paths = self.files(dataset)
        if not paths:
            return None
        partitioning = None
        if layout.dir_columns:
            partitioning = ds.partitioning(pa.schema([layout.schema.field(c) for c in layout.dir_columns]),
                                           flavor="hive")
        return ds.dataset(paths, filesystem=self.fs, format="parquet", partitioning=partitioning,
                          partition_base_dir=self.path(dataset), schema=layout.schema)


def _retry_vanished(read, attempts: int = 5):
    """Run ``read`` again when a file it listed was superseded (and deleted) by a commit meanwhile."""
    for attempt in range(attempts):
        try:
            return read()
        except FileNotFoundError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.01 * (attempt + 1))


def _dir_values(day_dir: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for part in day_dir.split("/")[1:]:
        column, _, value = part.partition("=")
        values[column] = dt.date.fromisoformat(value) if column == "scan_date" else value
    return values


class _Commit:
    """One replace of scope keys in one (dataset, day, bucket), retried until it wins the commit."""

    def __init__(self, storage: Storage, layout: Layout, day_dir: str, bucket: int,
                 items: list[tuple[tuple[str, ...], pa.Table | None]], regions: list[str] | None,
                 bulk: pa.Table | None = None):
        self.storage, self.layout, self.day_dir, self.bucket = storage, layout, day_dir, bucket
        self.bulk = bulk
        self.items, self.regions = items, regions
        self.keys = [key for key, _ in items]
        self.created: list[str] = []  # files this attempt wrote (deleted if the attempt loses)

    def _name(self) -> str:
        return f"b{self.bucket:03d}-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:12]}.parquet"

    def _write_file(self, table: pa.Table) -> mf.FileEntry:
        """A new data file (hidden temporary name, then renamed; one PUT on S3), sorted by scope key."""
        body = table.drop_columns([c for c in self.layout.dir_columns if c in table.column_names])
        sort_keys = [(c, "ascending") for c in self.layout.key_columns]
        if sort_keys and body.num_rows:
            body = body.sort_by(sort_keys)
        name = self._name()
        path = self.storage.path(f"{self.day_dir}/{name}")
        buffer = io.BytesIO()
        pq.write_table(body, buffer, compression="zstd", row_group_size=ROW_GROUP_ROWS)
        self.storage.write_bytes(path, buffer.getvalue())
        self.created.append(path)
        keys = sorted({tuple(str(v) for v in row) for row in
                       zip(*(body.column(c).to_pylist() for c in self.layout.key_columns))}) \
            if self.layout.key_columns else [()]
        return mf.FileEntry(name, body.num_rows, keys)

    def _read_file(self, entry: mf.FileEntry) -> pa.Table:
        from postureflow.lake.errors import read_table

        return read_table(self.storage, self.layout, self.storage.path(f"{self.day_dir}/{entry.name}"), None,
                          with_dir_columns=False)

    def _replaced(self, key: tuple[str, ...], new: pa.Table | None) -> pc.Expression | None:
        """Rows of ``key`` that this write supersedes (None: every row of the key)."""
        if self.regions is None or new is None:
            return None
        regions = set(self.regions) | set(new.column("region").to_pylist())
        expr = pc.field("region").isin([r for r in regions if r is not None])
        if None in regions:
            expr = expr | pc.field("region").is_null()
        return expr

    def _attempt(self, current: mf.Manifest, new_entries: list[mf.FileEntry]) -> tuple[mf.Manifest, list[str]]:
        layout = self.layout
        touched = {id(f): f for key in self.keys for f in current.files_with(key)}
        files = [f for f in current.files if id(f) not in touched]
        removed = [f.name for f in touched.values()]
        for entry in touched.values():
            table = self._read_file(entry)
            drop = None
            for key, new in self.items:
                if key not in entry.keys:
                    continue
                # no key columns (a dataset partitioned by scan_date alone): the key is every row
                term = layout.key_filter([key]) if key else pc.scalar(True)
                scoped = self._replaced(key, new)
                if scoped is not None:
                    term = term & scoped
                drop = term if drop is None else drop | term
            kept = table.filter(~drop) if drop is not None else table
            if kept.num_rows:
                files.append(self._write_file(kept))
        files.extend(new_entries)
        scopes = dict(current.scopes)
        for key, new in self.items:
            if new is None:
                scopes.pop(key, None)
            elif self.regions is None:
                scopes[key] = None
            else:
                before = scopes.get(key, [])
                scopes[key] = None if key in scopes and before is None else sorted(
                    set(before or []) | set(self.regions))
        files, merged = self._merge_small(files)
        return mf.Manifest(current.version + 1, files, scopes), removed + merged

    def _merge_small(self, files: list[mf.FileEntry]) -> tuple[list[mf.FileEntry], list[str]]:
        """Keep the bucket's file count bounded: merge its small files once there are too many."""
        small = [f for f in files if f.rows < TARGET_ROWS]
        if len(small) <= MAX_SMALL_FILES:
            return files, []
        merged = self._write_file(pa.concat_tables([self._read_file(f) for f in small]))
        return [f for f in files if f.rows >= TARGET_ROWS] + [merged], [f.name for f in small]

    def run(self) -> None:
        # the new rows are written once; only the merge with the current state is redone on a lost race
        new_entries = [self._write_file(table) for _, table in self.items if table is not None and table.num_rows]
        if self.bulk is not None and self.bulk.num_rows:
            new_entries.append(self._write_file(self.bulk))
        fresh = list(self.created)
        try:
            for attempt in range(COMMIT_ATTEMPTS):
                current = mf.latest(self.storage, self.day_dir, self.bucket)
                self.created = list(fresh)
                try:
                    manifest, superseded = self._attempt(current, new_entries)
                    mf.commit(self.storage, self.day_dir, self.bucket, manifest)
                except (AlreadyExists, FileNotFoundError):  # another writer committed (and removed a file) first
                    for path in self.created[len(fresh):]:
                        self.storage.delete(path)
                    time.sleep(min(1.0, 0.005 * (2 ** min(attempt, 8))) * random.random())
                    continue
                self.created = []
                self._after_commit(superseded)
                return
            raise RuntimeError(f"{self.day_dir}: could not commit after {COMMIT_ATTEMPTS} attempts")
        finally:
            for path in self.created:  # a failed or lost write leaves nothing behind
                self.storage.delete(path)

    def _after_commit(self, superseded: list[str]) -> None:
        """Delete what the commit superseded, old manifest versions, and leftovers of killed writes."""
        for name in superseded:
            self.storage.delete(self.storage.path(f"{self.day_dir}/{name}"))
        mf.prune(self.storage, self.day_dir, self.bucket)
        remove_stale(self.storage, self.day_dir, bucket=self.bucket)


def remove_stale(storage: Storage, day_dir: str, bucket: int | None = None,
                 grace_s: float = ORPHAN_GRACE_S, delete: bool = True) -> list[str]:
    """Temporary files and data files no manifest names, older than ``grace_s`` (killed writes).

    With ``bucket``, only that bucket's data files are considered (a write knows its own bucket);
    ``delete=False`` only lists them.
    """
    live: set[str] = set()
    buckets = [bucket] if bucket is not None else mf.buckets_present(storage, day_dir)
    for b in buckets:
        live |= {f.name for f in mf.latest(storage, day_dir, b).files}
    prefix = None if bucket is None else f"b{bucket:03d}-"
    removed = []
    for info in storage.list(storage.path(day_dir)):
        if info.type != info.type.File:
            continue
        name = info.base_name
        stale_temp = is_temp(name)
        orphan = name.endswith(".parquet") and not name.startswith((".", "_")) and name not in live and (
            prefix is None or name.startswith(prefix))
        if (stale_temp and (prefix is None or name[1:].startswith(prefix))) or orphan:
            if storage.age_seconds(info) >= grace_s:
                if delete:
                    storage.delete(info.path)
                    log.info("lake: removed stale file %s", storage.location(info.path))
                removed.append(info.path)
    return removed
