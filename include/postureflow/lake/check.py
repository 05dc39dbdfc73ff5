"""`postureflow lake check`: read every live file, name the corrupt ones, set them aside, clean leftovers.

- Every file a manifest names is read in full (all row groups): a garbled page is
  found, not only a bad footer. A named file that is missing is reported too.
- ``quarantine``: a corrupt file is moved to ``<lake>/_quarantine/<dataset>/<day>/``
  and committed out of its manifest together with its scope keys, so the
  (account, service) it held reads as *not scanned*, never as "no findings".
- ``repair``: temporary files and uncommitted data files of killed writes,
  older than ``grace_s``, are deleted; without it they are listed (``stale``).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from postureflow.lake import manifest as mf
from postureflow.lake import schema as lake_schema
from postureflow.lake.errors import verify
from postureflow.lake.storage import AlreadyExists
from postureflow.lake.store import ORPHAN_GRACE_S, Lake, Layout, remove_stale

log = logging.getLogger(__name__)

QUARANTINE = "_quarantine"


@dataclass
class CheckReport:
    files: int = 0
    corrupt: list[tuple[str, str]] = field(default_factory=list)  # (location, reason)
    missing: list[str] = field(default_factory=list)
    quarantined: list[str] = field(default_factory=list)  # where each corrupt file went
    removed: list[str] = field(default_factory=list)  # stale temporary / orphan files deleted
    stale: list[str] = field(default_factory=list)  # the same, found without repair: left in place

    @property
    def ok(self) -> bool:
        return not (self.corrupt or self.missing) or len(self.quarantined) == len(self.corrupt) + len(self.missing)

    def as_dict(self) -> dict:
        return {"files": self.files, "corrupt": [{"file": f, "reason": r} for f, r in self.corrupt],
                "missing": self.missing, "quarantined": self.quarantined, "removed": self.removed, "stale": self.stale, "ok": self.ok}


def _drop_from_manifest(lake: Lake, day_dir: str, bucket: int, name: str) -> None:
    """Commit the bucket's state without ``name`` and without the scope keys it held."""
    while True:
        current = mf.latest(lake.storage, day_dir, bucket)
        entry = next((f for f in current.files if f.name == name), None)
        if entry is None:
            return
        scopes = {k: v for k, v in current.scopes.items() if k not in entry.keys}
        files = [f for f in current.files if f.name != name]
        try:
            mf.commit(lake.storage, day_dir, bucket, mf.Manifest(current.version + 1, files, scopes))
            return
        except AlreadyExists:
            time.sleep(0.01)


def check(lake: Lake, datasets: list[str] | None = None, repair: bool = False, quarantine: bool = False,
          grace_s: float = ORPHAN_GRACE_S, verify_files: bool = True) -> CheckReport:
    report = CheckReport()
    for dataset in datasets or list(lake_schema.DATASETS):
        if dataset not in lake_schema.DATASETS:
            raise ValueError(f"unknown dataset {dataset!r}; known: {', '.join(sorted(lake_schema.DATASETS))}")
        layout = Layout.of(dataset)
        day_dirs = [layout.dataset] if not layout.dir_columns else [
            layout.day_dir({"scan_date": d}) for d in lake.days(dataset)]
        for day_dir in day_dirs:
            for bucket in mf.buckets_present(lake.storage, day_dir) if verify_files else []:
                for entry in mf.latest(lake.storage, day_dir, bucket).files:
                    path = lake.path(f"{day_dir}/{entry.name}")
                    report.files += 1
                    if not lake.storage.exists(path):
                        report.missing.append(lake.storage.location(path))
                        problem = True
                    else:
                        reason = verify(lake.storage, path)
                        problem = reason is not None
                        if problem:
                            report.corrupt.append((lake.storage.location(path), reason))
                            log.error("lake: corrupt file %s: %s", lake.storage.location(path), reason)
                    if problem and quarantine:
                        target = lake.path(f"{QUARANTINE}/{day_dir}/{entry.name}")
                        if lake.storage.exists(path):
                            lake.storage.move(path, target)
                        _drop_from_manifest(lake, day_dir, bucket, entry.name)
                        report.quarantined.append(lake.storage.location(target))
                        log.warning("lake: quarantined %s", lake.storage.location(target))
            stale = [lake.storage.location(p) for p in remove_stale(lake.storage, day_dir, grace_s=grace_s,
                                                                        delete=repair)]
            (report.removed if repair else report.stale).extend(stale)
    return report
