"""Framework files: they load, validate check ids, stay honest about what is implemented, and match the reference."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import yaml

from postureflow.checks import all_checks
from postureflow.cli import main
from postureflow.compliance.frameworks import (
    FRAMEWORK_DIR,
    FrameworkError,
    frameworks_by_check,
    load_directory,
    load_framework_file,
    load_frameworks,
)

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO.parent / "shared" / "reference" / "prowler-5.46"
needs_reference = pytest.mark.skipif(not REFERENCE.exists(), reason="shared/reference is not beside the repo")

REQUIRED = {"CIS 3.0", "CIS 4.0.1", "CIS 5.0", "CIS 6.0", "AWS FSBP", "PCI DSS 4.0", "NIST 800-53 r5",
            "ISO 27001:2022", "SOC 2", "HIPAA"}


def _write(tmp_path: Path, document: dict, name: str = "fw.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def _doc(checks, not_implemented=None, file_pending=None) -> dict:
    requirement = {"id": "1.1", "section": "1 Test", "title": "t", "checks": checks}
    if not_implemented is not None:
        requirement["not_implemented"] = not_implemented
    doc = {"framework": "TEST", "version": "1", "requirements": [requirement]}
    if file_pending is not None:
        doc["not_implemented"] = file_pending
    return doc


def test_shipped_frameworks_load_and_include_the_required_ones():
    frameworks = load_frameworks()
    assert REQUIRED <= {fw.label for fw in frameworks.values()}
    for fw in frameworks.values():
        assert fw.requirements, fw.key
        ids = [r.id for r in fw.requirements]
        assert len(ids) == len(set(ids)), fw.key
    assert load_frameworks() is frameworks  # cached


def test_unknown_check_id_is_an_error_naming_file_and_requirement(tmp_path):
    real = next(iter(all_checks()))
    path = _write(tmp_path, _doc([real, "no_such_check_xyz"]))
    with pytest.raises(FrameworkError) as err:
        load_framework_file(path)
    message = str(err.value)
    assert str(path) in message and "requirement 1.1" in message and "no_such_check_xyz" in message


def test_a_check_marked_not_implemented_loads(tmp_path):
    real = next(iter(all_checks()))
    fw = load_framework_file(_write(tmp_path, _doc([real, "planned_check"], ["planned_check"])))
    (req,) = fw.requirements
    assert req.checks == (real, "planned_check") and req.not_implemented == {"planned_check"}
    assert req.implemented_checks(all_checks()) == [real]
    fw = load_framework_file(_write(tmp_path, _doc(["planned_check"], file_pending=["planned_check"])))
    assert fw.requirements[0].not_implemented == {"planned_check"}


def test_bad_entries_are_errors(tmp_path):
    with pytest.raises(FrameworkError, match="not in its checks"):
        load_framework_file(_write(tmp_path, _doc([], ["ghost"])))
    with pytest.raises(FrameworkError, match="duplicate requirement id"):
        doc = _doc([])
        doc["requirements"].append(dict(doc["requirements"][0]))
        load_framework_file(_write(tmp_path, doc))
    with pytest.raises(FrameworkError, match="'version' is required"):
        load_framework_file(_write(tmp_path, {"framework": "X", "requirements": [{"id": "1"}]}))
    with pytest.raises(FrameworkError, match="unknown key"):
        doc = _doc([])
        doc["requirements"][0]["chekcs"] = ["x"]
        load_framework_file(_write(tmp_path, doc))
    bad = tmp_path / "broken.yaml"
    bad.write_text("framework: [unclosed\n")
    with pytest.raises(FrameworkError, match="broken.yaml"):
        load_framework_file(bad)


def test_duplicate_labels_across_files_are_an_error(tmp_path):
    _write(tmp_path, _doc([]), "a.yaml")
    _write(tmp_path, _doc([]), "b.yaml")
    with pytest.raises(FrameworkError, match="already used"):
        load_directory(tmp_path, known_checks=set())


def test_requirement_without_checks_is_manual(tmp_path):
    fw = load_framework_file(_write(tmp_path, _doc([])))
    assert fw.requirements[0].automated is False and fw.requirements[0].assessment == "manual"


def test_files_do_not_mark_implemented_checks_as_not_implemented():
    """Fails when a check was added: run `python scripts/import_frameworks.py --sync`."""
    implemented = set(all_checks())
    stale = {}
    for path in sorted(FRAMEWORK_DIR.glob("*.yaml")):
        document = yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        marked = set(document.get("not_implemented") or [])
        for r in document["requirements"]:
            marked |= set(r.get("not_implemented") or [])
        if marked & implemented:
            stale[path.name] = sorted(marked & implemented)
    assert not stale, f"implemented checks still marked not_implemented (run scripts/import_frameworks.py --sync): {stale}"


@needs_reference
def test_not_implemented_ids_are_real_prowler_check_ids():
    with (REFERENCE / "aws_checks.csv").open(newline="") as handle:
        prowler = {row["check_id"] for row in csv.DictReader(handle)}
    for fw in load_frameworks().values():
        unknown = fw.not_implemented() - prowler
        assert not unknown, f"{fw.path}: {sorted(unknown)}"


@needs_reference
def test_requirements_and_mappings_match_the_reference():
    import importlib.util

    spec = importlib.util.spec_from_file_location("import_frameworks", REPO / "scripts" / "import_frameworks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    frameworks = load_frameworks()
    assert set(module.FRAMEWORKS) <= set(frameworks)
    for key, (source, *_rest) in module.FRAMEWORKS.items():
        reference = json.loads((REFERENCE / "compliance" / source).read_text())["requirements"]
        expected = {str(r["id"]): list(dict.fromkeys(r["checks"])) for r in reference}
        shipped = {r.id: list(r.checks) for r in frameworks[key].requirements}
        assert shipped == expected, key
        for r in frameworks[key].requirements:
            assert r.title and r.id in {str(x["id"]) for x in reference}


def test_frameworks_by_check_lists_every_mapping():
    by_check = frameworks_by_check()
    for fw in load_frameworks().values():
        for check_id in fw.all_checks():
            assert fw.label in by_check[check_id]
    for labels in by_check.values():
        assert labels == sorted(set(labels))


def test_checks_list_shows_frameworks(capsys):
    assert main(["checks", "list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    by_check = frameworks_by_check()
    assert rows and any(r["frameworks"] for r in rows)
    for row in rows:
        assert row["frameworks"] == by_check.get(row["id"], [])


def test_coverage_cli_json(capsys):
    assert main(["compliance", "coverage", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    implemented = set(all_checks())
    frameworks = {fw.label: fw for fw in load_frameworks().values()}
    assert {r["label"] for r in rows} == set(frameworks)
    for row in rows:
        assert {"framework", "version", "requirements", "automated", "covered"} <= set(row)
        fw = frameworks[row["label"]]
        assert row["framework"] == fw.framework and row["version"] == fw.version
        assert row["requirements"] == len(fw.requirements)
        assert row["automated"] == sum(1 for r in fw.requirements if r.checks)
        assert row["covered"] == sum(1 for r in fw.requirements if set(r.checks) & implemented)
        assert row["covered"] <= row["automated"] <= row["requirements"]


def test_coverage_cli_table(capsys):
    assert main(["compliance", "coverage"]) == 0
    out = capsys.readouterr().out
    assert "CIS 6.0" in out and "PCI DSS 4.0" in out
