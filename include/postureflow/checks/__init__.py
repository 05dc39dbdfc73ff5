"""Checks: one module per AWS service, each check one decorated function."""

from __future__ import annotations

import functools
import importlib
import pkgutil

from postureflow import plugins
from postureflow.checks.base import CHECKS, Check


def all_checks() -> dict[str, Check]:
    """Import every check module in this package and in installed plug-in packages; the registry, by id."""
    _import_modules()
    plugins.load(plugins.CHECKS_GROUP)
    return dict(sorted(CHECKS.items()))


def checks_for_service(service: str) -> list[Check]:
    return [c for c in all_checks().values() if c.service == service]


@functools.cache
def _import_modules() -> None:
    # once per process: the engine asks for the registry hundreds of times a scan, and walking the
    # package folder each time cost ~2.5 s of a 10 s scan
    for module in pkgutil.iter_modules(__path__):
        if module.name != "base":
            importlib.import_module(f"{__name__}.{module.name}")
