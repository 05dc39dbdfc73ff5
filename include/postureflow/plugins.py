"""Checks and collectors from other installed packages, found through entry points.

A package declares, in its pyproject.toml::

    [project.entry-points."postureflow.checks"]
    acme = "acme_posture.checks"          # a module whose @check functions register on import
    [project.entry-points."postureflow.collectors"]
    acme = "acme_posture.collectors"      # a module whose @collector functions register on import

and, once installed beside postureflow (the Airflow workers' environment too), its checks run like
postureflow's own: same evaluation, lake, compliance and mutelist.
"""

from __future__ import annotations

import functools
import importlib
from importlib.metadata import entry_points

CHECKS_GROUP = "postureflow.checks"
COLLECTORS_GROUP = "postureflow.collectors"


@functools.lru_cache(maxsize=None)
def load(group: str) -> tuple[str, ...]:
    """Import the modules installed packages declare under ``group`` (once per process)."""
    loaded = []
    for entry in entry_points(group=group):
        importlib.import_module(entry.value.split(":", 1)[0])
        loaded.append(entry.name)
    return tuple(loaded)
