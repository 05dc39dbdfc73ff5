"""Reads outside the AWS APIs, bounded in size and time: code packages and image layers from the
presigned S3 URLs AWS hands out, and code-host lookups (is a repository public?).

The one place collectors fetch a URL. Every read has a byte cap and a wall-clock deadline for the
whole transfer (a socket timeout alone lets a slow sender trickle forever), and anything that goes
wrong comes back as a failed :class:`Outcome` with a scan-error row: never "nothing found".

Customer data (function code, image layers, repository files) is read only when the audit config
says ``read_customer_data: true`` (postureflow's own key, default false): :func:`customer_data_allowed`.
"""

from __future__ import annotations

import socket
import tarfile
import time
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from typing import Any, Callable

from postureflow.collect.base import ERROR, OK, UNAVAILABLE, Outcome, RegionScope

CHUNK = 64 * 1024
LOOPBACK_HOSTS = {"127.0.0.1", "::1", "localhost"}
# The switch (audit config) that lets collectors download customer data.
CUSTOMER_DATA_KEY = "read_customer_data"


class DownloadError(ValueError):
    """A transfer refused by its bounds (too large, too slow) or answered without the data."""


def customer_data_allowed(scope: RegionScope, api: str) -> Outcome | None:
    """None when the audit config allows reading customer data; else the outcome to store instead: the
    field is unread (its checks give no verdict), with the setting as the reason and no scan-error row
    (nothing failed; the operator chose not to read it)."""
    if (scope.config or {}).get(CUSTOMER_DATA_KEY):
        return None
    return Outcome(UNAVAILABLE, None, api, f"{CUSTOMER_DATA_KEY}=false")


def is_loopback(url: str) -> bool:
    return (urllib.parse.urlsplit(url).hostname or "") in LOOPBACK_HOSTS


def is_presigned(url: str) -> bool:
    """An https URL signed by AWS (Signature V4 or V2), or a loopback URL (an emulator on this machine):
    the only locations downloaded. moto hands out unsigned placeholders on amazonaws.com hosts, which
    are never fetched."""
    if is_loopback(url):
        return True
    query = urllib.parse.urlsplit(url).query
    return url.startswith("https://") and ("X-Amz-Signature=" in query or "Signature=" in query)


def http_get(url: str, *, max_bytes: int, timeout: float, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """(HTTP status, body) of a GET; the body is refused beyond ``max_bytes`` and the transfer once
    ``timeout`` seconds have passed (checked between chunks; each socket read also times out after
    ``timeout``). Network failures raise OSError; HTTP error statuses are returned."""
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(url, headers=headers or {})
    try:
        response = urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 (https or loopback only, see callers)
    except urllib.error.HTTPError as err:
        with err:
            return err.code, b""
    with response:
        declared = int(response.headers.get("Content-Length") or 0)
        if declared > max_bytes:
            raise DownloadError(f"{declared} bytes is over the {max_bytes}-byte limit")
        body = bytearray()
        while True:
            if time.monotonic() > deadline:
                raise DownloadError(f"transfer took longer than {timeout} s")
            chunk = response.read(min(CHUNK, max_bytes + 1 - len(body)))
            if not chunk:
                return response.status, bytes(body)
            body += chunk
            if len(body) > max_bytes:
                raise DownloadError(f"over the {max_bytes}-byte limit")


def download(url: str, *, max_bytes: int, timeout: float) -> bytes:
    """The body at a presigned (or loopback) URL; anything but 200 is an error."""
    if not is_presigned(url):
        raise DownloadError("not a presigned https location")
    status, body = http_get(url, max_bytes=max_bytes, timeout=timeout)
    if status != 200:
        raise DownloadError(f"HTTP {status}")
    return body


# What a bounded read of untrusted bytes can raise: network, bounds, corrupt archives.
READ_ERRORS = (OSError, ValueError, EOFError, zipfile.BadZipFile, tarfile.TarError, socket.timeout)


def read_outcome(scope: RegionScope, api: str, read: Callable[[], Any]) -> Outcome:
    """``read()`` as an ok outcome, or a failed one with its scan-error row (never an empty answer)."""
    try:
        return Outcome(OK, read(), api)
    except READ_ERRORS as err:
        return scope.failed(api, type(err).__name__, str(err)[:300])


def read_presigned(scope: RegionScope, api: str, url: str, read: Callable[[bytes], Any], *, max_bytes: int,
                   timeout: float) -> Outcome:  # fmt: skip
    """``read(body)`` of the download at ``url`` as an outcome. A location that is not presigned (moto's
    placeholders; AWS never answers that way) is not fetched: a failed read without a scan-error row."""
    if not is_presigned(url):
        return Outcome(ERROR, None, api, "NoSignedPackageLocation")
    return read_outcome(scope, api, lambda: read(download(url, max_bytes=max_bytes, timeout=timeout)))
