"""Collectors: one module per AWS service, each registering itself with ``@collector``."""

from __future__ import annotations

import importlib
import pkgutil

from postureflow import plugins
from postureflow.collect.base import COLLECTORS, Collector


def all_collectors() -> dict[str, Collector]:
    """Import every collector module in this package and in installed plug-in packages; the registry."""
    for module in pkgutil.iter_modules(__path__):
        if module.name != "base":
            importlib.import_module(f"{__name__}.{module.name}")
    plugins.load(plugins.COLLECTORS_GROUP)
    return COLLECTORS
