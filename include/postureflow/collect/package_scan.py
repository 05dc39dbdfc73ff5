"""Secret scanning of downloaded customer files (a Lambda zip, an image layer's tar, repository files),
bounded, keeping hits only.

A :class:`PackageScan` takes files one at a time and keeps, per file, where a secret-looking line is and
its kind (``postureflow.secrets.scan_text``): never the content. Files it could not scan in full (over
the per-file cap, past the package's file or byte budget) are named in ``unscanned``, so a clean result
with gaps is "not fully scanned" (no verdict), never "no secrets". Binary files are not text to scan.
"""

from __future__ import annotations

import io
import tarfile
import zipfile
from dataclasses import dataclass, field
from typing import IO

from postureflow.secrets import scan_text

SHOWN_UNSCANNED = 20  # names kept of the files that were not scanned (the count is kept too)


@dataclass
class PackageScan:
    max_file_bytes: int
    max_total_bytes: int
    max_files: int
    hits: list[dict[str, str]] = field(default_factory=list)
    unscanned: list[str] = field(default_factory=list)
    unscanned_count: int = 0
    files: int = 0
    total_bytes: int = 0

    def skip(self, name: str) -> None:
        self.unscanned_count += 1
        if len(self.unscanned) < SHOWN_UNSCANNED:
            self.unscanned.append(name)

    def room_for(self, name: str, size: int) -> bool:
        """Whether a file of ``size`` bytes fits the caps (counted when it does, named when not)."""
        if size > self.max_file_bytes or self.files >= self.max_files or self.total_bytes + size > self.max_total_bytes:
            self.skip(name)
            return False
        self.files += 1
        self.total_bytes += size
        return True

    def add(self, name: str, data: bytes, location: str | None = None) -> None:
        """Scan one file already within the caps; ``location`` prefixes its hits (default: the name)."""
        if b"\x00" in data[:8192]:
            return  # binary
        for hit in scan_text(data.decode("utf-8", "replace"), filename=name):
            self.hits.append({**hit, "location": f"{location or name} {hit['location']}"})

    def add_zip(self, package: bytes) -> None:
        with zipfile.ZipFile(io.BytesIO(package)) as archive:
            for member in archive.infolist():
                if not member.is_dir() and self.room_for(member.filename, member.file_size):
                    with archive.open(member) as handle:
                        self.add(member.filename, handle.read(self.max_file_bytes + 1))

    def add_tar(self, stream: IO[bytes], prefix: str = "") -> None:
        """Regular files of a (possibly gzip-compressed) tar stream, read sequentially."""
        with tarfile.open(fileobj=stream, mode="r|*") as archive:
            for member in archive:
                if not member.isfile():
                    continue
                name = member.name.removeprefix("./").lstrip("/")
                if self.room_for(name, member.size):
                    handle = archive.extractfile(member)
                    if handle is not None:
                        self.add(name, handle.read(self.max_file_bytes + 1), f"{prefix}{name}")

    def result(self) -> dict:
        return {"hits": self.hits, "unscanned": self.unscanned, "unscanned_count": self.unscanned_count}
