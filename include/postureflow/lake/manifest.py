"""The commit log of one (dataset, day, bucket): which files are live and which scopes were written.

A dataset's day folder (``findings/scan_date=2026-11-22/``) holds a bounded
number of Parquet files, each with the rows of many accounts and services. Its
accounts are spread over ``buckets`` by a hash of the account id; each bucket
has its own log under ``_manifest/bucket=NN/``, one immutable JSON document per
version (``v00000000000000000042.json``) holding the whole state:

- ``files``: the live data files, each with the scope keys (account, service)
  whose rows it holds,
- ``scopes``: every key ever written that day (even with zero rows: "scanned,
  nothing found" differs from "not scanned"), with the regions written.

A writer reads the latest version N, prepares its files, and commits by
creating version N+1 *only if it does not exist* (``Storage.create_exclusive``).
Losing the race means another writer committed first: it re-reads and redoes
its merge. Readers take the latest version and read exactly its files, so they
never see a half-done replace. Old versions beyond ``KEEP_VERSIONS`` are deleted.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field

from postureflow.lake.storage import Storage

MANIFEST_DIR = "_manifest"
KEEP_VERSIONS = 10
VERSION_WIDTH = 20


def bucket_of(account_id: str | None, buckets: int) -> int:
    """Stable across processes and machines (unlike hash())."""
    if not account_id or buckets <= 1:
        return 0
    return zlib.crc32(str(account_id).encode()) % buckets


def _key(text: str) -> tuple[str, ...]:
    """A scope key back from JSON; "" is the empty key of a dataset partitioned by scan_date alone."""
    return tuple(text.split("|")) if text else ()


@dataclass
class FileEntry:
    name: str  # relative to the day folder
    rows: int
    keys: list[tuple[str, ...]]  # scope keys whose rows the file holds

    def as_json(self) -> dict:
        return {"name": self.name, "rows": self.rows, "keys": ["|".join(k) for k in self.keys]}

    @classmethod
    def from_json(cls, data: dict) -> "FileEntry":
        return cls(data["name"], int(data["rows"]), [_key(k) for k in data["keys"]])


@dataclass
class Manifest:
    version: int = 0
    files: list[FileEntry] = field(default_factory=list)
    # scope key ("account|service") -> regions written (None: the whole key, no region scope)
    scopes: dict[tuple[str, ...], list[str] | None] = field(default_factory=dict)

    def to_bytes(self) -> bytes:
        body = {
            "version": self.version,
            "files": [f.as_json() for f in self.files],
            "scopes": {"|".join(k): v for k, v in sorted(self.scopes.items())},
        }
        return json.dumps(body, separators=(",", ":")).encode()

    @classmethod
    def from_bytes(cls, data: bytes) -> "Manifest":
        body = json.loads(data)
        return cls(
            int(body["version"]),
            [FileEntry.from_json(f) for f in body["files"]],
            {_key(k): v for k, v in body["scopes"].items()},
        )

    def files_with(self, key: tuple[str, ...]) -> list[FileEntry]:
        return [f for f in self.files if key in f.keys]


def version_name(version: int) -> str:
    return f"v{version:0{VERSION_WIDTH}d}.json"


def manifest_dir(storage: Storage, day_dir: str, bucket: int) -> str:
    return storage.path(f"{day_dir}/{MANIFEST_DIR}/bucket={bucket:03d}")


def versions(storage: Storage, day_dir: str, bucket: int) -> list[int]:
    found = []
    for info in storage.list(manifest_dir(storage, day_dir, bucket)):
        name = info.base_name
        if name.startswith("v") and name.endswith(".json"):
            try:
                found.append(int(name[1:-5]))
            except ValueError:
                continue
    return sorted(found)


def buckets_present(storage: Storage, day_dir: str) -> list[int]:
    found = []
    for info in storage.list(storage.path(f"{day_dir}/{MANIFEST_DIR}")):
        if info.base_name.startswith("bucket="):
            found.append(int(info.base_name[len("bucket="):]))
    return sorted(found)


def latest(storage: Storage, day_dir: str, bucket: int) -> Manifest:
    """The newest committed state (an empty version 0 when nothing was written)."""
    for _ in range(5):
        listed = versions(storage, day_dir, bucket)
        if not listed:
            return Manifest()
        try:
            return Manifest.from_bytes(
                storage.read_bytes(f"{manifest_dir(storage, day_dir, bucket)}/{version_name(listed[-1])}")
            )
        except FileNotFoundError:
            continue  # pruned between the listing and the read: list again
    raise RuntimeError(f"lake manifest of {day_dir} bucket {bucket} keeps changing under the reader")


def commit(storage: Storage, day_dir: str, bucket: int, manifest: Manifest) -> None:
    """Create version ``manifest.version``; raises AlreadyExists when another writer got there first."""
    directory = manifest_dir(storage, day_dir, bucket)
    storage.create_exclusive(f"{directory}/{version_name(manifest.version)}", manifest.to_bytes())


def prune(storage: Storage, day_dir: str, bucket: int, keep: int = KEEP_VERSIONS) -> None:
    directory = manifest_dir(storage, day_dir, bucket)
    for version in versions(storage, day_dir, bucket)[:-keep]:
        storage.delete(f"{directory}/{version_name(version)}")
