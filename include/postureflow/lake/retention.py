"""Retention: delete the scan days a dataset no longer needs to keep.

The policy is per dataset, in days, from the accounts file's ``defaults.retention``
laid over ``DEFAULT_RETENTION`` (reports and inventory age out; findings,
compliance and every other table are kept forever unless configured). A day is
deleted whole (every account), manifests first, so readers never see half a day.
Applying the same policy twice deletes nothing the second time (idempotent), and
every deletion is logged with the dataset, the day and the number of files.

    defaults:
      retention: {reports: 30, inventory: 90, scan_errors: 365, findings: null}
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path
from typing import Mapping

from postureflow.lake import schema as lake_schema
from postureflow.lake.store import Lake

log = logging.getLogger(__name__)

# days to keep; None keeps forever. Reports are ~97% of a day's bytes and can be rebuilt from findings.
DEFAULT_RETENTION: dict[str, int | None] = {"reports": 30, "inventory": 90, "findings": None, "compliance": None}
FILE_DATASETS = ("reports",)  # folders of files under <dataset>/scan_date=<day>/, not tables


# modules that register the lake's other datasets when imported (compliance: 400 in the accounts file)
_DATASET_MODULES = ("postureflow.compliance.schema", "postureflow.compliance.org", "postureflow.securityhub.state")


def known_datasets() -> list[str]:
    """Datasets with days to age out: those partitioned by scan_date, and the report folders."""
    import importlib

    for module in _DATASET_MODULES:
        importlib.import_module(module)
    days = {name for name, (_, partition_by) in lake_schema.DATASETS.items() if "scan_date" in partition_by}
    return sorted({*days, *FILE_DATASETS})


def make_policy(overrides: Mapping[str, int | None] | None = None) -> dict[str, int | None]:
    policy = dict(DEFAULT_RETENTION)
    for dataset, days in (overrides or {}).items():
        if dataset not in known_datasets():
            raise ValueError(f"retention: unknown dataset {dataset!r}; known: {', '.join(known_datasets())}")
        if days is not None and (isinstance(days, bool) or not isinstance(days, int) or days < 1):
            raise ValueError(f"retention.{dataset}: a number of days >= 1, or null to keep forever; got {days!r}")
        policy[dataset] = days
    scope_days, findings_days = policy.get("scan_scope"), policy.get("findings")
    if scope_days is not None and (findings_days is None or scope_days < findings_days):
        # a day without scope rows is inferred from its findings: its absences could read as resolved
        raise ValueError(f"retention.scan_scope ({scope_days} days) must keep at least as long as findings "
                         f"({findings_days or 'forever'})")
    return policy


def policy_from_accounts(path: str | Path | None = None) -> dict[str, int | None]:
    """The accounts file's ``defaults.retention`` over the defaults (the file is validated first)."""
    import yaml

    from postureflow.accounts import default_accounts_path, load_accounts

    source = Path(path) if path else default_accounts_path()
    if not source.exists():
        log.info("retention: no accounts file at %s, default policy", source)
        return make_policy()
    load_accounts(source).raise_for_errors()
    data = yaml.safe_load(source.read_text()) or {}
    return make_policy(((data.get("defaults") or {}).get("retention")) or {})


def expired_days(lake: Lake, dataset: str, keep_days: int | None, today: dt.date) -> list[dt.date]:
    """Days of ``dataset`` older than ``keep_days`` before ``today`` (today counts as day 1)."""
    if keep_days is None:
        return []
    cutoff = today - dt.timedelta(days=keep_days - 1)
    return [d for d in lake.days(dataset) if d < cutoff]


def apply_retention(lake: Lake, policy: Mapping[str, int | None], today: dt.date, dry_run: bool = False) -> dict:
    """Delete expired days of every dataset with a limit; returns {"deleted": {dataset: [days]}, "files": n}."""
    deleted: dict[str, list[str]] = {}
    files = 0
    for dataset, keep_days in sorted(policy.items()):
        days = expired_days(lake, dataset, keep_days, today)
        deleted[dataset] = [d.isoformat() for d in days]
        for day in days:
            if dry_run:
                log.info("retention: would delete %s scan_date=%s (keep %s days)", dataset, day, keep_days)
                continue
            removed = lake.delete_day(dataset, day)
            files += removed
            log.info("retention: deleted %s scan_date=%s, %d files (keep %s days)", dataset, day, removed, keep_days)
    return {"today": today.isoformat(), "policy": dict(policy), "deleted": deleted, "files": files,
            "dry_run": dry_run}
