"""Checks: one module per AWS service, each check one decorated function."""

from __future__ import annotations

import importlib
import pkgutil

from postureflow import plugins
from postureflow.checks.base import CHECKS, Check


def all_checks() -> dict[str, Check]:
    """Import every check module in this package and in installed plug-in packages; the registry, by id."""
    for module in pkgutil.iter_modules(__path__):
        if module.name != "base":
            importlib.import_module(f"{__name__}.{module.name}")
    plugins.load(plugins.CHECKS_GROUP)
    return dict(sorted(CHECKS.items()))


def checks_for_service(service: str) -> list[Check]:
    return [c for c in all_checks().values() if c.service == service]
