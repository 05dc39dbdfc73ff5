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

Loading validates every file (the shape with the pydantic :class:`FrameworkModel`,
errors naming the file, the requirement and the field): a mapped check that postureflow does not implement
is an error naming the file and the requirement, unless the requirement (or the
file) lists it under ``not_implemented``. A requirement with no checks is
manual. ``scripts/import_frameworks.py --sync`` refreshes the not_implemented
lists after checks are added.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Iterable, Literal, Optional

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

FRAMEWORK_DIR = Path(__file__).resolve().parent



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


def _text(value: Any) -> Any:
    """YAML reads ``version: 6.0`` as a number; framework files mean text. Empty means missing."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    return None if value == "" else value


Text = Annotated[str, BeforeValidator(_text)]
OptionalText = Annotated[Optional[str], BeforeValidator(_text)]


class RequirementModel(BaseModel):
    """One requirement of a framework file (shape only; check ids are cross-checked after)."""

    model_config = ConfigDict(extra="forbid")

    id: Text
    section: OptionalText = None
    title: OptionalText = None
    profile: OptionalText = None
    assessment: Optional[Literal["automated", "manual"]] = None
    checks: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list)
    not_implemented: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list)
    description: OptionalText = None

    _lists = field_validator("checks", "not_implemented", mode="before")(classmethod(lambda cls, v: [] if v is None else v))


class FrameworkModel(BaseModel):
    """A framework file: requirement ids mapped to postureflow check ids."""

    model_config = ConfigDict(extra="forbid")

    framework: Text
    version: Text
    label: OptionalText = None
    name: OptionalText = None
    source: OptionalText = None
    not_implemented: list[Annotated[str, Field(min_length=1)]] = Field(default_factory=list)
    requirements: list[RequirementModel] = Field(min_length=1)

    _lists = field_validator("not_implemented", mode="before")(classmethod(lambda cls, v: [] if v is None else v))


def _shape_error(err: ValidationError, where: str, document: Any) -> FrameworkError:
    """The first pydantic error as ``<file>: requirement <id>: ...`` (the old messages, kept)."""
    item = err.errors()[0]
    loc = list(item["loc"])
    at = where
    if loc[:1] == ["requirements"] and len(loc) > 1 and isinstance(loc[1], int):
        raw = (document.get("requirements") or [])[loc[1]]
        rid = raw.get("id") if isinstance(raw, dict) else None
        at = f"{where}: requirement {rid}" if rid not in (None, "") else f"{where}: requirement #{loc[1] + 1}"
        loc = loc[2:]
    name = ".".join(str(part) for part in loc)
    if item["type"] == "missing":
        return FrameworkError(f"{at}: '{name}' is required")
    if item["type"] == "extra_forbidden":
        return FrameworkError(f"{at}: unknown key(s) {[name]}")
    if item["type"] == "too_short" and name == "requirements":
        return FrameworkError(f"{at}: 'requirements' must be a non-empty list")
    if item["type"] == "model_type" and not name:
        return FrameworkError(f"{at}: must be a mapping")
    return FrameworkError(f"{at}: field '{name}': {item['msg']} (got {item.get('input')!r})")


def parse_framework(document, path: Path, known_checks: Iterable[str]) -> Framework:
    """Validate one framework document (pydantic for the shape) against the set of implemented check ids."""
    known = set(known_checks)
    where = str(path)
    if not isinstance(document, dict):
        raise FrameworkError(f"{where}: expected a mapping at the top level")
    try:
        model = FrameworkModel.model_validate(document)
    except ValidationError as err:
        raise _shape_error(err, where, document) from None
    label = model.label or f"{model.framework} {model.version}"
    file_pending = set(model.not_implemented)

    requirements: list[Requirement] = []
    seen: set[str] = set()
    for item in model.requirements:
        at = f"{where}: requirement {item.id}"
        if item.id in seen:
            raise FrameworkError(f"{at}: duplicate requirement id")
        seen.add(item.id)
        checks = item.checks
        if len(set(checks)) != len(checks):
            raise FrameworkError(f"{at}: a check is listed twice")
        pending = set(item.not_implemented)
        stray = pending - set(checks)
        if stray:
            raise FrameworkError(f"{at}: not_implemented lists {sorted(stray)}, which are not in its checks")
        for check_id in checks:
            if check_id not in known and check_id not in pending and check_id not in file_pending:
                raise FrameworkError(
                    f"{at}: check {check_id!r} is not a postureflow check "
                    "(fix the id, or list it under not_implemented if it is planned)"
                )
        section = item.section or ""
        requirements.append(
            Requirement(
                id=item.id,
                section=section,
                title=item.title or f"{section} {item.id}".strip(),
                checks=tuple(checks),
                not_implemented=frozenset((pending | file_pending) & set(checks)),
                profile=item.profile,
                assessment=item.assessment or ("automated" if checks else "manual"),
            )
        )
    return Framework(
        key=path.stem,
        framework=model.framework,
        version=model.version,
        label=label,
        name=model.name or label,
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
