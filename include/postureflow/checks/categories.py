"""Prowler's check categories (``Categories`` in each check's metadata: encryption, internet-exposed, ...).

They are facts about Prowler's check ids, read from Prowler's metadata files when
this package is built and kept in ``categories.json`` beside this module; nothing
is read from Prowler at run time. Regenerate with::

    python -m postureflow.checks.categories <prowler git dir or checkout> > include/postureflow/checks/categories.json

A check that is not Prowler's (or that Prowler files under no category) has none.
"""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from pathlib import Path

DATA = Path(__file__).with_name("categories.json")
METADATA_ROOT = "prowler/providers/aws/services"


@functools.cache
def _table() -> dict[str, tuple[str, ...]]:
    document = json.loads(DATA.read_text(encoding="utf-8"))
    return {check_id: tuple(names) for check_id, names in document["checks"].items()}


def categories_of(check_id: str) -> tuple[str, ...]:
    """The categories Prowler files ``check_id`` under (empty when none)."""
    return _table().get(check_id, ())


def known_categories() -> list[str]:
    return sorted({name for names in _table().values() for name in names})


# -- build time: from Prowler's metadata files ---------------------------------------------------------


def _metadata_files(source: Path) -> dict[str, str]:
    """path -> text of every AWS check metadata file, from a checkout or a bare git directory (HEAD)."""
    root = source / METADATA_ROOT
    if root.is_dir():
        return {str(p): p.read_text(encoding="utf-8") for p in sorted(root.glob("*/*/*.metadata.json"))}
    git = ["git", f"--git-dir={source}"]
    names = subprocess.run([*git, "ls-tree", "-r", "--name-only", "HEAD", METADATA_ROOT],
                           check=True, capture_output=True, text=True).stdout.split()  # fmt: skip
    return {
        name: subprocess.run([*git, "show", f"HEAD:{name}"], check=True, capture_output=True, text=True).stdout
        for name in names
        if name.endswith(".metadata.json")
    }


def generate(source: Path) -> dict:
    checks: dict[str, list[str]] = {}
    for text in _metadata_files(source).values():
        metadata = json.loads(text)
        names = [str(c).strip() for c in metadata.get("Categories") or [] if str(c).strip()]
        if names:
            checks[metadata["CheckID"]] = sorted(set(names))
    return {"source": "Prowler check metadata (Categories)", "checks": dict(sorted(checks.items()))}


if __name__ == "__main__":
    json.dump(generate(Path(sys.argv[1])), sys.stdout, indent=1, sort_keys=False)
    sys.stdout.write("\n")
