"""Verdict coverage: which statuses (FAIL / PASS / MANUAL) each check gave during the tests.

Loaded by tests/conftest.py only when ``POSTUREFLOW_VERDICT_COVERAGE=<dir>`` is set. Each process that runs
tests (each xdist worker, or the lone pytest process) writes ``<dir>/verdicts-<worker>.json``;
``scripts/verdict_coverage.py <dir>`` merges them and names the statuses no test produced.

The seam is ``Check.evaluate``: the engine turns its results into findings, tests that judge hand-made
records call it directly, and the results it yields are final (a verdict on unread data is already MANUAL).
A result counts once the check's evaluation ran to the end: a check that raises loses all its findings in
the engine, so its partial results were never verdicts.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path

from postureflow.checks.base import Check

ENV = "POSTUREFLOW_VERDICT_COVERAGE"
PREFIX = "verdicts-"
EXAMPLES = 3  # tests named per (check, status): enough to find one, small enough to merge

_counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
_tests: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
_original = Check.evaluate


def _current_test() -> str:
    # set by pytest for setup, call and teardown alike, so module-scoped scan fixtures are attributed too
    return os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" ", 1)[0]


def _record(check_id: str, status: str) -> None:
    _counts[check_id][status] += 1
    tests = _tests[check_id][status]
    test = _current_test()
    if test and len(tests) < EXAMPLES and test not in tests:
        tests.append(test)


def _recording_evaluate(self, *args, **kwargs):
    results = list(_original(self, *args, **kwargs))
    for result in results:
        _record(self.id, result.status)
    yield from results


def _worker_id(config) -> str | None:
    """This process's name, or None for an xdist controller (it runs no tests)."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        return workerinput["workerid"]
    if config.pluginmanager.hasplugin("dsession"):
        return None
    return "main"


def pytest_configure(config) -> None:
    out = Path(os.environ[ENV])
    out.mkdir(parents=True, exist_ok=True)
    if getattr(config, "workerinput", None) is None:
        # the controller (or lone process) starts before any worker: a fresh run, no stale files to merge
        for stale in out.glob(f"{PREFIX}*.json"):
            stale.unlink()
    Check.evaluate = _recording_evaluate


def pytest_unconfigure(config) -> None:
    Check.evaluate = _original
    worker = _worker_id(config)
    if worker is None:
        return
    payload = {
        "worker": worker,
        "verdicts": {
            check_id: {status: {"count": count, "tests": _tests[check_id][status]} for status, count in sorted(by_status.items())}
            for check_id, by_status in sorted(_counts.items())
        },
    }
    (Path(os.environ[ENV]) / f"{PREFIX}{worker}.json").write_text(json.dumps(payload, indent=1, sort_keys=True))
