"""Which verdicts no test produced: per check, the statuses (FAIL / PASS / MANUAL) never seen.

    POSTUREFLOW_VERDICT_COVERAGE=/tmp/vcov .venv/bin/python -m pytest -n 2 --dist loadfile tests/checks ...
    .venv/bin/python scripts/verdict_coverage.py /tmp/vcov [--json] [--service S]

Reads the files tests/verdict_coverage.py wrote (one per xdist worker). Our standard: each check has a test
where it FAILs, one where it PASSes, one where its data could not be read (MANUAL). A status a check cannot
give is in IMPOSSIBLE with the reason, and is not counted missing.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from postureflow.checks import all_checks
from postureflow.checks.base import STATUSES

STATUS_ORDER = ("FAIL", "PASS", "MANUAL")
assert set(STATUS_ORDER) == set(STATUSES)

_NO_GOLDEN_LIST = "no list of approved enclave builds is configured, so the check only ever asks for a review (MANUAL)"

# check id -> {status: why no test can produce it}
IMPOSSIBLE: dict[str, dict[str, str]] = {
    "account_security_questions_are_registered_in_the_aws_account": dict.fromkeys(
        ("FAIL", "PASS"), "no API reports the root user's security questions: always MANUAL"),
    "kms_key_enclave_attestation_pcr_mismatch": dict.fromkeys(("FAIL", "PASS"), _NO_GOLDEN_LIST),
    "kms_key_enclave_attestation_unknown_image": dict.fromkeys(("FAIL", "PASS"), _NO_GOLDEN_LIST),
}


def merge(directory: Path) -> dict[str, dict[str, dict]]:
    """check id -> status -> {"count", "tests"} over every worker's file."""
    files = sorted(directory.glob("verdicts-*.json"))
    if not files:
        raise SystemExit(f"no verdicts-*.json in {directory}: run pytest with POSTUREFLOW_VERDICT_COVERAGE={directory}")
    merged: dict[str, dict[str, dict]] = {}
    for path in files:
        for check_id, by_status in json.loads(path.read_text())["verdicts"].items():
            for status, seen in by_status.items():
                into = merged.setdefault(check_id, {}).setdefault(status, {"count": 0, "tests": []})
                into["count"] += seen["count"]
                into["tests"].extend(t for t in seen["tests"] if t not in into["tests"])
    return merged


def report(seen: dict[str, dict[str, dict]], service: str | None = None) -> dict:
    checks = {cid: chk for cid, chk in all_checks().items() if service in (None, chk.service)}
    missing: dict[str, list[str]] = {}
    allowed: dict[str, dict[str, str]] = {}
    for check_id in checks:
        impossible = IMPOSSIBLE.get(check_id, {})
        gaps = [s for s in STATUS_ORDER if s not in seen.get(check_id, {}) and s not in impossible]
        if gaps:
            missing[check_id] = gaps
        if impossible:
            allowed[check_id] = impossible
    return {
        "checks": len(checks),
        "complete": len(checks) - len(missing),
        "missing": {status: sum(status in gaps for gaps in missing.values()) for status in STATUS_ORDER},
        "never_seen": sorted(cid for cid in checks if cid not in seen),
        "gaps": missing,
        "allowed": allowed,
        "unknown_checks": sorted(cid for cid in seen if cid not in all_checks()),
        # an allowed status a test produced after all: the allow-list is wrong
        "allowed_but_seen": sorted(f"{cid}:{s}" for cid, why in allowed.items() for s in why if s in seen.get(cid, {})),
    }


def print_text(summary: dict) -> None:
    for check_id, gaps in summary["gaps"].items():
        print(f"{check_id}: no {', '.join(gaps)}")
    print()
    print(f"checks: {summary['checks']}, none missing: {summary['complete']}")
    for status, count in summary["missing"].items():
        print(f"missing {status}: {count}")
    print(f"no verdict at all: {len(summary['never_seen'])}")
    print(f"statuses allowed missing (IMPOSSIBLE): {sum(len(v) for v in summary['allowed'].values())}")
    for entry in summary["allowed_but_seen"]:
        print(f"allowed missing but seen, fix IMPOSSIBLE: {entry}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--json", action="store_true", help="the whole summary as JSON")
    parser.add_argument("--service", help="only this service's checks")
    args = parser.parse_args(argv)
    summary = report(merge(args.directory), args.service)
    if args.json:
        print(json.dumps(summary, indent=1))
    else:
        print_text(summary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
