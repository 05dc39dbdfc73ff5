"""Compliance frameworks as data: one YAML file per framework version in this folder.

A file maps requirement ids to postureflow check ids::

    framework: CIS
    version: "6.0"
    label: CIS 6.0                 # how the framework is named in listings ("CIS 6.0")
    name: CIS AWS Foundations Benchmark v6.0.0
    not_implemented: [...]         # optional, file-wide: mapped checks postureflow lacks yet
    requirements:
      - id: "2.1"
        section: 2 Identity and Access Management
        title: ...                 # ours, short
        profile: Level 1           # where the framework has profiles
        assessment: manual         # the framework's own automated/manual label
        checks: [account_maintain_current_contact_details]
        not_implemented: [account_maintain_current_contact_details]

Loading validates every file: a mapped check that postureflow does not implement
is an error naming the file and the requirement, unless the requirement (or the
file) lists it under ``not_implemented``. A requirement with no checks is
manual. ``scripts/import_frameworks.py --sync`` refreshes the not_implemented
lists after checks are added.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import yaml

FRAMEWORK_DIR = Path(__file__).resolve().parent

_FILE_KEYS = {"framework", "version", "label", "name", "source", "not_implemented", "requirements"}
_REQUIREMENT_KEYS = {"id", "section", "title", "profile", "assessment", "checks", "not_implemented", "description"}


class FrameworkError(ValueError):
    """A framework file that does not load; the message names the file and the entry."""


@dataclass(frozen=True)
class Requirement:
    id: str
    section: str
    title: str
    checks: tuple[str, ...]
    not_implemented: frozenset[str]
    profile: str | None = None
    assessment: str | None = None

    @property
    def automated(self) -> bool:
        """postureflow evaluates a requirement that maps at least one check; one with none is manual."""
        return bool(self.checks)

    def implemented_checks(self, known: Iterable[str]) -> list[str]:
        known = set(known)
        return [c for c in self.checks if c in known]


@dataclass(frozen=True)
class Framework:
    key: str  # file stem, e.g. "cis_6.0"
    framework: str
    version: str
    label: str
    name: str
    path: Path
    requirements: tuple[Requirement, ...]

    def all_checks(self) -> set[str]:
        return {c for r in self.requirements for c in r.checks}

    def not_implemented(self) -> set[str]:
        return {c for r in self.requirements for c in r.not_implemented}


def _string(value, where: str, field: str, required: bool = True) -> str | None:
    if value is None or value == "":
        if required:
            raise FrameworkError(f"{where}: '{field}' is required")
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise FrameworkError(f"{where}: '{field}' must be a string, got {type(value).__name__}")
    return value


def _id_list(value, where: str, field: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise FrameworkError(f"{where}: '{field}' must be a list of check ids")
    return value


def parse_framework(document, path: Path, known_checks: Iterable[str]) -> Framework:
    """Validate one framework document against the set of implemented check ids."""
    known = set(known_checks)
    where = str(path)
    if not isinstance(document, dict):
        raise FrameworkError(f"{where}: expected a mapping at the top level")
    unexpected = set(document) - _FILE_KEYS
    if unexpected:
        raise FrameworkError(f"{where}: unknown key(s) {sorted(unexpected)}")
    framework = _string(document.get("framework"), where, "framework")
    version = _string(document.get("version"), where, "version")
    label = _string(document.get("label"), where, "label", required=False) or f"{framework} {version}"
    name = _string(document.get("name"), where, "name", required=False) or label
    file_pending = set(_id_list(document.get("not_implemented"), where, "not_implemented"))
    items = document.get("requirements")
    if not isinstance(items, list) or not items:
        raise FrameworkError(f"{where}: 'requirements' must be a non-empty list")

    requirements: list[Requirement] = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise FrameworkError(f"{where}: requirement #{index + 1} must be a mapping")
        rid = _string(item.get("id"), f"{where}: requirement #{index + 1}", "id")
        at = f"{where}: requirement {rid}"
        if rid in seen:
            raise FrameworkError(f"{at}: duplicate requirement id")
        seen.add(rid)
        unexpected = set(item) - _REQUIREMENT_KEYS
        if unexpected:
            raise FrameworkError(f"{at}: unknown key(s) {sorted(unexpected)}")
        checks = _id_list(item.get("checks"), at, "checks")
        if len(set(checks)) != len(checks):
            raise FrameworkError(f"{at}: a check is listed twice")
        pending = set(_id_list(item.get("not_implemented"), at, "not_implemented"))
        stray = pending - set(checks)
        if stray:
            raise FrameworkError(f"{at}: not_implemented lists {sorted(stray)}, which are not in its checks")
        for check_id in checks:
            if check_id not in known and check_id not in pending and check_id not in file_pending:
                raise FrameworkError(
                    f"{at}: check {check_id!r} is not a postureflow check "
                    "(fix the id, or list it under not_implemented if it is planned)"
                )
        assessment = _string(item.get("assessment"), at, "assessment", required=False)
        if assessment is not None and assessment not in ("automated", "manual"):
            raise FrameworkError(f"{at}: assessment must be 'automated' or 'manual', got {assessment!r}")
        section = _string(item.get("section"), at, "section", required=False) or ""
        requirements.append(
            Requirement(
                id=rid,
                section=section,
                title=_string(item.get("title"), at, "title", required=False) or f"{section} {rid}".strip(),
                checks=tuple(checks),
                not_implemented=frozenset((pending | file_pending) & set(checks)),
                profile=_string(item.get("profile"), at, "profile", required=False),
                assessment=assessment or ("automated" if checks else "manual"),
            )
        )
    return Framework(
        key=path.stem,
        framework=framework,
        version=version,
        label=label,
        name=name,
        path=path,
        requirements=tuple(requirements),
    )


def load_framework_file(path: Path | str, known_checks: Iterable[str] | None = None) -> Framework:
    path = Path(path)
    if known_checks is None:
        from postureflow.checks import all_checks

        known_checks = all_checks()
    try:
        document = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as err:
        raise FrameworkError(f"{path}: not valid YAML: {err}") from err
    except OSError as err:
        raise FrameworkError(f"{path}: cannot read: {err}") from err
    return parse_framework(document, path, known_checks)


def load_directory(directory: Path | str, known_checks: Iterable[str] | None = None) -> dict[str, Framework]:
    """Every ``*.yaml`` framework in ``directory``, by key (file stem), in file-name order."""
    if known_checks is None:
        from postureflow.checks import all_checks

        known_checks = set(all_checks())
    known = set(known_checks)
    frameworks: dict[str, Framework] = {}
    labels: dict[str, str] = {}
    for path in sorted(Path(directory).glob("*.yaml")):
        fw = load_framework_file(path, known)
        if fw.label in labels:
            raise FrameworkError(f"{path}: label {fw.label!r} is already used by {labels[fw.label]}")
        labels[fw.label] = str(path)
        frameworks[fw.key] = fw
    return frameworks


@functools.lru_cache(maxsize=1)
def load_frameworks() -> dict[str, Framework]:
    """postureflow's shipped frameworks, by key (``cis_6.0``, ``pci_dss_4.0``, ...), loaded once."""
    return load_directory(FRAMEWORK_DIR)


def frameworks_by_check() -> dict[str, list[str]]:
    """check id -> labels of the frameworks that map it (``["AWS FSBP", "CIS 6.0", ...]``)."""
    result: dict[str, set[str]] = {}
    for fw in load_frameworks().values():
        for check_id in fw.all_checks():
            result.setdefault(check_id, set()).add(fw.label)
    return {c: sorted(labels) for c, labels in sorted(result.items())}


def coverage(known_checks: Iterable[str] | None = None) -> list[dict]:
    """Per framework: requirements, automated (maps a check), covered (maps an implemented check)."""
    if known_checks is None:
        from postureflow.checks import all_checks

        known_checks = all_checks()
    known = set(known_checks)
    rows = []
    for fw in load_frameworks().values():
        rows.append(
            {
                "framework": fw.framework,
                "version": fw.version,
                "label": fw.label,
                "key": fw.key,
                "requirements": len(fw.requirements),
                "automated": sum(1 for r in fw.requirements if r.automated),
                "covered": sum(1 for r in fw.requirements if r.implemented_checks(known)),
                "checks_mapped": len(fw.all_checks()),
                "checks_implemented": len(fw.all_checks() & known),
            }
        )
    return rows
