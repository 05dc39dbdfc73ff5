"""Where the lake's bytes live: a local folder or an S3 prefix, behind one small interface.

The lake needs four primitives beyond reading and writing whole files: list a
folder, delete a file, the age of a file, and *create a file only if it does
not exist yet*. The last one is the commit point of every write (see
``postureflow.lake.manifest``): locally it is ``os.link`` of a finished
temporary file (atomic, and it fails when the name is taken, also on NFS); on
S3 it is a PUT with ``If-None-Match: *`` (S3 answers 412 when the key exists).

S3 credentials come from one boto3 session: the Airflow AWS connection named
by ``POSTUREFLOW_LAKE_CONN_ID`` when set (so workers on other machines need no
environment variables), else boto3's default chain. pyarrow's S3 filesystem is
handed the same frozen credentials.
"""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.fs as pafs

LAKE_CONN_ENV = "POSTUREFLOW_LAKE_CONN_ID"


class AlreadyExists(Exception):
    """create_exclusive found the name taken (another writer committed first)."""


def _endpoint() -> str | None:
    return os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")


def _region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


def boto3_session(conn_id: str | None = None):
    """The session every S3 call of the lake uses (an Airflow connection's, or boto3's default chain)."""
    conn_id = conn_id or os.environ.get(LAKE_CONN_ENV)
    if conn_id:
        from airflow.providers.amazon.aws.hooks.base_aws import AwsBaseHook

        return AwsBaseHook(aws_conn_id=conn_id, client_type="s3").get_session(region_name=_region())
    import boto3

    return boto3.session.Session(region_name=_region())


def _connection_endpoint(conn_id: str | None) -> str | None:
    """An Airflow AWS connection may name the S3 endpoint (extra endpoint_url), e.g. moto_server or MinIO."""
    conn_id = conn_id or os.environ.get(LAKE_CONN_ENV)
    if not conn_id:
        return None
    from airflow.sdk import BaseHook

    extra = BaseHook.get_connection(conn_id).extra_dejson
    return extra.get("endpoint_url") or (extra.get("service_config") or {}).get("s3", {}).get("endpoint_url")


@dataclass
class Storage:
    """Files under ``root`` (a local absolute folder, or ``bucket/prefix`` on S3)."""

    uri: str
    conn_id: str | None = None
    is_local: bool = field(init=False)
    root: str = field(init=False)
    fs: pafs.FileSystem = field(init=False)

    def __post_init__(self) -> None:
        if self.uri.startswith("s3://"):
            self.is_local = False
            self.root = self.uri[len("s3://"):].rstrip("/")
            self._session = boto3_session(self.conn_id)
            self._endpoint = _connection_endpoint(self.conn_id) or _endpoint()
            self.fs = self._s3_filesystem()
            self._client = None
        else:
            self.is_local = True
            self.root = str(Path(self.uri).expanduser().resolve())
            self.fs = pafs.LocalFileSystem()

    def _s3_filesystem(self) -> pafs.S3FileSystem:
        kwargs: dict[str, Any] = {"region": self._session.region_name or _region()}
        if self._endpoint:
            scheme, _, host = self._endpoint.partition("://")
            kwargs.update(endpoint_override=host or scheme, scheme=scheme if host else "https")
        credentials = self._session.get_credentials()
        if credentials is not None:
            frozen = credentials.get_frozen_credentials()
            kwargs.update(access_key=frozen.access_key, secret_key=frozen.secret_key, session_token=frozen.token)
        # allow_delayed_open: small objects go up in one PUT (atomic), not a multipart upload.
        return pafs.S3FileSystem(allow_delayed_open=True, **kwargs)

    @property
    def client(self):
        if self._client is None:
            self._client = self._session.client("s3", endpoint_url=self._endpoint)
        return self._client

    def path(self, relative: str) -> str:
        return f"{self.root}/{relative}" if relative else self.root

    def location(self, full_path: str) -> str:
        """A path a user can paste: the file, or its s3:// URI."""
        return full_path if self.is_local else f"s3://{full_path}"

    # -- primitives ----------------------------------------------------------------------------

    def read_bytes(self, path: str) -> bytes:
        with self.fs.open_input_stream(path) as stream:
            return stream.read()

    def write_bytes(self, path: str, data: bytes) -> None:
        """Replace ``path`` whole (local: temporary file + rename; S3: one PUT)."""
        if self.is_local:
            directory = os.path.dirname(path)
            os.makedirs(directory, exist_ok=True)
            tmp = temp_name(path)
            try:
                with open(tmp, "wb") as handle:
                    handle.write(data)
                os.replace(tmp, path)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
        else:
            with self.fs.open_output_stream(path) as stream:
                stream.write(data)

    def create_exclusive(self, path: str, data: bytes) -> None:
        """Write ``path`` only if no file has that name; raise AlreadyExists otherwise."""
        if self.is_local:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            tmp = temp_name(path)
            try:
                with open(tmp, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                try:
                    os.link(tmp, path)
                except FileExistsError as err:
                    raise AlreadyExists(path) from err
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
            return
        bucket, _, key = path.partition("/")
        try:
            self.client.put_object(Bucket=bucket, Key=key, Body=data, IfNoneMatch="*")
        except self.client.exceptions.ClientError as err:
            code = err.response.get("Error", {}).get("Code")
            if code in ("PreconditionFailed", "ConditionalRequestConflict") or \
                    err.response.get("ResponseMetadata", {}).get("HTTPStatusCode") in (409, 412):
                raise AlreadyExists(path) from err
            raise

    def list(self, directory: str) -> list[pafs.FileInfo]:
        """Entries directly in ``directory`` (none when it does not exist)."""
        return self.fs.get_file_info(pafs.FileSelector(directory, allow_not_found=True, recursive=False))

    def exists(self, path: str) -> bool:
        return self.fs.get_file_info(path).type != pafs.FileType.NotFound

    def delete(self, path: str) -> None:
        if not self.is_local:
            # boto3, not pyarrow: pyarrow leaves an empty "folder/" marker object behind on S3
            bucket, _, key = path.partition("/")
            self.client.delete_object(Bucket=bucket, Key=key)
            return
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass

    def move(self, source: str, target: str) -> None:
        self.fs.create_dir(os.path.dirname(target), recursive=True)
        self.fs.move(source, target) if self.is_local else self.fs.copy_file(source, target)
        if not self.is_local:
            self.delete(source)

    @staticmethod
    def age_seconds(info: pafs.FileInfo) -> float:
        if info.mtime is None:
            return float("inf")
        return time.time() - info.mtime.timestamp()


TEMP_SUFFIX = ".tmp"


def temp_name(path: str) -> str:
    """A hidden sibling that readers (and Athena, which skips names starting with '.' or '_') ignore."""
    directory, name = os.path.split(path)
    return f"{directory}/.{name}.{uuid.uuid4().hex}{TEMP_SUFFIX}"


def is_temp(name: str) -> bool:
    return name.startswith(".") and name.endswith(TEMP_SUFFIX)
