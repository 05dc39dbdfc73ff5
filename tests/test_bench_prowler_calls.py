"""bench/prowler_calls.yaml (Prowler's API calls as formulas) names only what postureflow has.

Fast: reads the table and the collector sources, runs no scan.
"""

from __future__ import annotations

import importlib.util
import re
from collections import Counter
from pathlib import Path

from postureflow.collect import all_collectors
from postureflow.engine import all_services

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = ("per_account", "per_region", "per_resource", "per_region_and_resource")


def _bench():
    spec = importlib.util.spec_from_file_location("bench_api_calls", ROOT / "bench" / "api_calls.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_table_names_only_services_postureflow_scans():
    table = _bench().load_prowler_table()
    assert table, "the Prowler formula table is empty"
    assert sorted(set(table) - set(all_services())) == []


def test_every_kind_in_a_formula_is_one_the_services_collector_records():
    table = _bench().load_prowler_table()
    collectors = all_collectors()
    for service, entry in table.items():
        assert set(entry) <= {*SECTIONS, "prowler", "not_counted"}, service
        source = Path(collectors[service].fn.__code__.co_filename).read_text()
        recorded = set(re.findall(r"""["']([a-z_0-9]+)["']""", source))
        for section in ("per_resource", "per_region_and_resource"):
            for kinds in (entry.get(section) or {}):
                for kind in kinds.split("+"):
                    assert kind in recorded, f"{service}: no {kind!r} in {collectors[service].fn.__code__.co_filename}"


def test_a_formula_counts_accounts_regions_and_resources():
    bench = _bench()
    entry = {
        "per_account": ["a:List"],
        "per_region": ["a:ListX", {"call": "a:Lookup", "times": 3}],
        "per_resource": {"things": ["a:Get1", "a:Get2"], "x+y": ["a:Tag"]},
        "per_region_and_resource": {"things": ["a:Sub"]},
    }
    kinds = Counter({"things": 3, "x": 1, "y": 2})
    # 1 + 2 regions x (1 + 3) + 3 things x 2 + (1 + 2) x 1 + 2 regions x 3 things x 1
    assert bench.prowler_calls(entry, 2, kinds) == 1 + 8 + 6 + 3 + 6
    assert bench.formula(entry) == "1 + regions x 4 + things x 2 + x+y x 1 + regions x things x 1"
