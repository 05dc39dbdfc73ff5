"""Reading and writing the findings lake, on a local folder or S3, with one code path.

Each partition (for example findings/scan_date=2026-11-22/service=s3/account_id=...)
holds exactly one file, ``part-0.parquet``. Writing a partition replaces that
file atomically: locally by writing a hidden temporary file and renaming it
over the old one, on S3 by a single PUT (S3 objects appear whole). Readers
therefore never see a half-written file or two generations side by side, and
re-running a task rewrites the same rows instead of adding to them.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from postureflow.lake import schema as lake_schema

PART_FILE = "part-0.parquet"


def default_lake_uri() -> str:
    """POSTUREFLOW_LAKE, else a `lake` folder in AIRFLOW_HOME, else in ~/.postureflow."""
    if os.environ.get("POSTUREFLOW_LAKE"):
        return os.environ["POSTUREFLOW_LAKE"]
    base = os.environ.get("AIRFLOW_HOME") or os.path.join(os.path.expanduser("~"), ".postureflow")
    return os.path.join(base, "lake")


def _s3_filesystem() -> pafs.S3FileSystem:
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    kwargs: dict[str, Any] = {
        "region": os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1",
    }
    if endpoint:
        scheme, _, host = endpoint.partition("://")
        kwargs.update(endpoint_override=host or scheme, scheme=scheme if host else "https")
    if os.environ.get("AWS_ACCESS_KEY_ID"):
        kwargs.update(
            access_key=os.environ["AWS_ACCESS_KEY_ID"],
            secret_key=os.environ.get("AWS_SECRET_ACCESS_KEY"),
            session_token=os.environ.get("AWS_SESSION_TOKEN"),
        )
    # allow_delayed_open: small objects go up in one PUT (atomic), not a multipart upload.
    return pafs.S3FileSystem(allow_delayed_open=True, **kwargs)


def partition_path(dataset: str, values: dict[str, Any]) -> str:
    _, partition_by = lake_schema.DATASETS[dataset]
    missing = [c for c in partition_by if c not in values]
    if missing:
        raise ValueError(f"{dataset}: partition values missing {missing}")
    parts = []
    for column in partition_by:
        value = values[column]
        if isinstance(value, (dt.date, dt.datetime)):
            value = value.isoformat()[:10]
        value = str(value)
        if not value or "/" in value or value.startswith("."):
            raise ValueError(f"{dataset}: bad partition value {column}={value!r}")
        parts.append(f"{column}={value}")
    return "/".join([dataset, *parts])


@dataclass
class Lake:
    """The lake at ``uri``: a local folder or ``s3://bucket/prefix``."""

    uri: str

    def __post_init__(self) -> None:
        if self.uri.startswith("s3://"):
            self.fs: pafs.FileSystem = _s3_filesystem()
            self.root = self.uri[len("s3://") :].rstrip("/")
            self.is_local = False
        else:
            self.fs = pafs.LocalFileSystem()
            self.root = str(Path(self.uri).expanduser().resolve())
            self.is_local = True

    @classmethod
    def default(cls) -> "Lake":
        return cls(default_lake_uri())

    def path(self, relative: str) -> str:
        return f"{self.root}/{relative}"

    def location(self, relative: str = "") -> str:
        """A path a user can paste: the folder, or the s3:// URI."""
        full = self.path(relative) if relative else self.root
        return full if self.is_local else f"s3://{full}"

    # -- writing ---------------------------------------------------------------------------

    def write_partition(self, dataset: str, values: dict[str, Any], table: pa.Table) -> str:
        """Replace one partition with ``table`` (full-table schema, partition columns included)."""
        table = lake_schema.validate(dataset, table)
        _, partition_by = lake_schema.DATASETS[dataset]
        for column in partition_by:
            expected = values[column]
            if isinstance(expected, dt.datetime):
                expected = expected.date()
            found = set(table.column(column).to_pylist())
            if found - {expected}:
                raise ValueError(f"{dataset}: rows with {column}={sorted(map(str, found))} in partition {expected}")
        body = table.drop_columns(list(partition_by))
        directory = self.path(partition_path(dataset, values))
        target = f"{directory}/{PART_FILE}"
        if self.is_local:
            self.fs.create_dir(directory, recursive=True)
            tmp = f"{directory}/.{PART_FILE}.{uuid.uuid4().hex}.tmp"
            try:
                pq.write_table(body, tmp, filesystem=self.fs, compression="zstd")
                os.replace(tmp, target)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
        else:
            pq.write_table(body, target, filesystem=self.fs, compression="zstd")
        return target

    def delete_partition(self, dataset: str, values: dict[str, Any]) -> None:
        directory = self.path(partition_path(dataset, values))
        if self.fs.get_file_info(directory).type != pafs.FileType.NotFound:
            self.fs.delete_dir(directory)

    # -- reading ---------------------------------------------------------------------------

    def partition_exists(self, dataset: str, values: dict[str, Any]) -> bool:
        target = f"{self.path(partition_path(dataset, values))}/{PART_FILE}"
        return self.fs.get_file_info(target).type == pafs.FileType.File

    def read_partition(self, dataset: str, values: dict[str, Any]) -> pa.Table | None:
        """One partition with its partition columns restored, or None if it was never written."""
        if not self.partition_exists(dataset, values):
            return None
        target = f"{self.path(partition_path(dataset, values))}/{PART_FILE}"
        body = pq.read_table(target, filesystem=self.fs)
        schema, partition_by = lake_schema.DATASETS[dataset]
        for column in partition_by:
            value = values[column]
            if schema.field(column).type == pa.date32() and not isinstance(value, dt.date):
                value = dt.date.fromisoformat(str(value))
            elif isinstance(value, dt.datetime):
                value = value.date()
            body = body.append_column(column, pa.array([value] * body.num_rows, schema.field(column).type))
        return body.select(schema.names).cast(schema)

    def dataset(self, dataset: str) -> ds.Dataset | None:
        """The whole table as a pyarrow dataset (hive partitions typed), or None if empty."""
        schema, partition_by = lake_schema.DATASETS[dataset]
        base = self.path(dataset)
        if self.fs.get_file_info(base).type == pafs.FileType.NotFound:
            return None
        partitioning = ds.partitioning(pa.schema([schema.field(c) for c in partition_by]), flavor="hive")
        return ds.dataset(
            base,
            filesystem=self.fs,
            format="parquet",
            partitioning=partitioning,
            schema=schema,
            exclude_invalid_files=False,
            ignore_prefixes=[".", "_"],
        )

    def parquet_glob(self, dataset: str) -> str:
        """A glob DuckDB's read_parquet understands (local lakes only)."""
        _, partition_by = lake_schema.DATASETS[dataset]
        return f"{self.path(dataset)}/" + "/".join("*" for _ in partition_by) + f"/{PART_FILE}"
