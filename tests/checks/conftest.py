"""Fixtures for check tests."""

from __future__ import annotations

import functools
from unittest import mock

import pytest

from postureflow import testing
from postureflow.config import audit_config
from postureflow.engine import ScanContext


def _scan_with_config(lake, services, regions, config, **kwargs) -> testing.ScanRun:
    """scan_in_moto with its ScanContext carrying ``audit_config(config)`` (scan_in_moto uses Prowler's defaults)."""
    context = functools.partial(ScanContext, config=audit_config(config))
    with mock.patch.object(testing, "ScanContext", context):
        return testing.scan_in_moto(lake, services, regions, **kwargs)


@pytest.fixture(scope="session")
def scan_with_config():
    """scan_with_config(lake, services, regions, {audit-config key: value}, access=...) -> ScanRun."""
    return _scan_with_config
