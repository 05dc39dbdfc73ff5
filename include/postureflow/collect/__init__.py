"""Collectors: one module per AWS service, each registering itself with ``@collector``."""

from __future__ import annotations

import functools
import importlib
import pkgutil

from postureflow import plugins
from postureflow.collect.base import COLLECTORS, Collector


def all_collectors() -> dict[str, Collector]:
    """Import every collector module in this package and in installed plug-in packages; the registry."""
    _import_modules()
    plugins.load(plugins.COLLECTORS_GROUP)
    return COLLECTORS


@functools.cache
def _import_modules() -> None:
    # once per process: the engine asks for the registry hundreds of times a scan, and walking the
    # package folder each time cost ~2.5 s of a 10 s scan
    for module in pkgutil.iter_modules(__path__):
        if module.name != "base":
            importlib.import_module(f"{__name__}.{module.name}")
