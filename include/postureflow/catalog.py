"""What the DAG files need to know about checks and collectors, without importing them.

Parsing a DAG file must stay cheap: importing every check and collector module
costs about half a second, paid again by every DAG file in every parse. The
catalogue (the services, the other services each one's checks read, the check
ids) is therefore computed once by importing them and kept in a small JSON
cache keyed by the size and modification time of every source file it depends
on. A DAG file parse stats those files and reads the cache; a changed or added
check invalidates it, and the next parse recomputes it.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

PACKAGE = Path(__file__).resolve().parent
# The modules whose import defines the catalogue.
SOURCES = ("checks", "collect", "engine.py", "catalog.py")


@dataclass(frozen=True)
class Catalog:
    services: tuple[str, ...]
    reads: dict[str, tuple[str, ...]]  # service -> services whose inventory its checks read
    check_ids: frozenset[str]

    def select(self, include: Iterable[str] | None = None, exclude: Iterable[str] = ()) -> list[str]:
        """The chosen services plus every service their checks read, transitively, sorted."""
        excluded = set(exclude)
        chosen = [s for s in (include or self.services) if s not in excluded]
        wanted: set[str] = set()
        stack = list(chosen)
        while stack:
            service = stack.pop()
            if service in wanted:
                continue
            if service not in self.reads:
                raise ValueError(f"unknown service {service!r}; known: {', '.join(self.services)}")
            wanted.add(service)
            stack.extend(self.reads[service])
        return sorted(wanted)

    def waves(self, services: Iterable[str]) -> list[list[str]]:
        """``services`` in waves: a service's wave comes after the waves of every service it reads."""
        depth: dict[str, int] = {}

        def level(service: str, path: tuple[str, ...]) -> int:
            if service in path:
                raise ValueError(f"cyclic inventory reads: {' -> '.join([*path, service])}")
            if service not in depth:
                depth[service] = 1 + max((level(d, (*path, service)) for d in self.reads.get(service, ())), default=-1)
            return depth[service]

        chosen = sorted(services)
        for service in chosen:
            level(service, ())
        count = 1 + max((depth[s] for s in chosen), default=-1)
        return [[s for s in chosen if depth[s] == k] for k in range(count)]


def compute() -> Catalog:
    """Import every check and collector (slow) and describe them."""
    from postureflow.checks import all_checks
    from postureflow.engine import all_services, service_dependencies

    reads = service_dependencies()
    return Catalog(
        services=tuple(all_services()),
        reads={s: tuple(sorted(d)) for s, d in sorted(reads.items())},
        check_ids=frozenset(all_checks()),
    )


def fingerprint() -> str:
    """Changes whenever a source file the catalogue comes from is added, removed or edited."""
    digest = hashlib.sha256()
    for name in SOURCES:
        path = PACKAGE / name
        entries = sorted(os.scandir(path), key=lambda e: e.name) if path.is_dir() else [path]
        for entry in entries:
            entry_path = Path(entry)
            if entry_path.suffix != ".py":
                continue
            stat = entry_path.stat()
            digest.update(f"{name}/{entry_path.name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    return digest.hexdigest()[:32]


def cache_dir() -> Path:
    """POSTUREFLOW_CACHE_DIR, else AIRFLOW_HOME/.postureflow-cache, else the temp dir."""
    if os.environ.get("POSTUREFLOW_CACHE_DIR"):
        return Path(os.environ["POSTUREFLOW_CACHE_DIR"])
    if os.environ.get("AIRFLOW_HOME"):
        return Path(os.environ["AIRFLOW_HOME"]) / ".postureflow-cache"
    return Path(tempfile.gettempdir()) / f"postureflow-cache-{os.getuid()}"


def read_cache(name: str, key: str) -> dict | None:
    try:
        data = json.loads((cache_dir() / name).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get("key") == key else None


def write_cache(name: str, key: str, data: dict) -> None:
    """Best effort (a read-only home only costs the recomputation); atomic for concurrent parsers."""
    directory = cache_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=directory, prefix=f".{name}.", delete=False) as tmp:
            tmp.write(json.dumps({**data, "key": key}))  # one C encoding pass; json.dump writes in pieces
        os.replace(tmp.name, directory / name)
    except OSError:
        pass


@lru_cache(maxsize=4)
def _catalog(key: str) -> Catalog:
    cached = read_cache("catalog.json", key)
    if cached is not None:
        return Catalog(
            services=tuple(cached["services"]),
            reads={s: tuple(d) for s, d in cached["reads"].items()},
            check_ids=frozenset(cached["check_ids"]),
        )
    found = compute()
    write_cache(
        "catalog.json",
        key,
        {"services": list(found.services), "reads": found.reads, "check_ids": sorted(found.check_ids)},
    )
    return found


@lru_cache(maxsize=1)
def _fingerprint_once() -> str:
    return fingerprint()


def catalog() -> Catalog:
    """The catalogue of the checks and collectors on disk when this process first asked (each
    DAG file parse is a fresh process; see the module doc)."""
    return _catalog(_fingerprint_once())
