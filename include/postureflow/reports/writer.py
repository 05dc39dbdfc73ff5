"""Write one report file into the lake atomically, locally or on S3."""

from __future__ import annotations

import os
import uuid

from postureflow.lake import Lake

CONTENT_TYPES = {
    ".json": "application/json",
    ".csv": "text/csv; charset=utf-8",
    ".html": "text/html; charset=utf-8",
}


def write_atomic(lake: Lake, relative: str, body: bytes) -> str:
    """Replace ``<lake>/<relative>`` with ``body``; readers see the old file or the new one, never a part.

    Locally: a hidden temporary file in the same folder, then a rename over the
    target. On S3: one upload (a single PUT, or one multipart upload that S3
    publishes whole on completion). Returns the path or s3:// URI.
    """
    target = lake.path(relative)
    directory, _, name = target.rpartition("/")
    if lake.is_local:
        lake.fs.create_dir(directory, recursive=True)  # S3 has no folders: no marker objects there
        tmp = f"{directory}/.{name}.{uuid.uuid4().hex}.tmp"
        try:
            with open(tmp, "wb") as handle:
                handle.write(body)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    else:
        extension = os.path.splitext(name)[1]
        metadata = {"Content-Type": CONTENT_TYPES.get(extension, "application/octet-stream")}
        with lake.fs.open_output_stream(target, metadata=metadata) as stream:
            stream.write(body)
    return lake.location(relative)
