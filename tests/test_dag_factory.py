"""The DAG files: one DAG per valid account, import errors for bad ones, no AWS at parse time."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from postureflow.dagfactory import SHARDS, scan_task_states, shard_file_name, shard_of

DAGS = Path(__file__).resolve().parents[1] / "dags"

ACCOUNTS = """
accounts:
  - {alias: prod, account_id: "123456789012", aws_conn_id: aws_prod, regions: [us-east-1, eu-west-1], schedule: "0 3 * * *"}
  - {alias: dev, account_id: "210987654321", aws_conn_id: aws_dev, services: {include: [cloudwatch]}, max_active_tasks: 3}
"""


@pytest.fixture
def dagbag(tmp_path, monkeypatch):
    monkeypatch.setenv("POSTUREFLOW_CACHE_DIR", str(tmp_path / "cache"))

    def load(text: str):
        from airflow.dag_processing.dagbag import DagBag

        path = tmp_path / "accounts.yaml"
        path.write_text(text)
        monkeypatch.setenv("POSTUREFLOW_ACCOUNTS", str(path))

        def no_aws(*args, **kwargs):
            raise AssertionError("a DAG file called AWS while being parsed")

        monkeypatch.setattr("botocore.client.BaseClient._make_api_call", no_aws)
        return DagBag(dag_folder=str(DAGS))

    return load


def ours(bag) -> list[str]:
    """The DAGs this factory builds (other DAG files live in dags/ too)."""
    return sorted(d for d in bag.dag_ids if d.startswith("posture_scan__") or d == "posture_org_rollup")


def scanned(dag) -> list[list[str]]:
    """The services of each scan wave (mapped task) of an account's DAG, in order."""
    waves = []
    while f"scan_wave_{len(waves)}" in dag.task_ids:
        waves.append(list(dag.get_task(f"scan_wave_{len(waves)}").expand_input.value["service"]))
    return waves


def test_one_dag_per_account_with_one_scan_per_service(dagbag):
    bag = dagbag(ACCOUNTS)
    assert bag.import_errors == {}
    assert ours(bag) == ["posture_org_rollup", "posture_scan__dev", "posture_scan__prod"]
    prod = bag.dags["posture_scan__prod"]
    assert prod.max_active_runs == 1 and prod.catchup is False
    assert prod.params["regions"] == ["us-east-1", "eu-west-1"]
    assert {"preflight", "compliance", "reports", "securityhub", "summary"} <= set(prod.task_ids)
    waves = scanned(prod)
    every = [s for wave in waves for s in wave]
    assert {"s3", "iam", "ec2", "cloudwatch"} <= set(every) and len(every) == len(set(every))
    assert prod.params["services"] is None  # the account's services, named in the description
    assert ", ".join(sorted(every)) in prod.params.get_param("services").description
    # cloudwatch's checks read CloudTrail and SNS inventory, which CloudTrail's read S3's: later waves.
    wave_of = {s: k for k, wave in enumerate(waves) for s in wave}
    assert wave_of["s3"] < wave_of["cloudtrail"] < wave_of["cloudwatch"] and wave_of["sns"] < wave_of["cloudwatch"]
    assert prod.get_task("scan_wave_0").upstream_task_ids == {"preflight"}
    assert prod.get_task("scan_wave_1").upstream_task_ids == {"scan_wave_0"}
    assert prod.get_task(f"scan_wave_{len(waves) - 1}").downstream_task_ids == {"compliance"}
    # a small DAG: it parses in milliseconds whatever the number of services
    assert len(prod.task_ids) <= 12


def test_max_active_tasks_comes_from_the_accounts_file(dagbag):
    bag = dagbag(ACCOUNTS)
    assert bag.dags["posture_scan__dev"].max_active_tasks == 3
    assert bag.dags["posture_scan__prod"].max_active_tasks == 8  # the default


def test_included_service_brings_its_dependencies(dagbag):
    dev = dagbag(ACCOUNTS).dags["posture_scan__dev"]
    assert scanned(dev) == [["s3", "sns"], ["cloudtrail"], ["cloudwatch"]]


def test_each_account_lives_in_its_shard_file(dagbag):
    assert sorted(p.name for p in DAGS.glob("posture_scan_*.py")) == [shard_file_name(k) for k in range(SHARDS)]
    aliases = [f"acct{i}" for i in range(40)]
    text = "accounts:\n" + "".join(
        f'  - {{alias: {a}, account_id: "{100000000000 + i}", aws_conn_id: c{i}, services: {{include: [s3]}}}}\n'
        for i, a in enumerate(aliases)
    )
    bag = dagbag(text)
    assert bag.import_errors == {}
    for alias in aliases:
        assert Path(bag.dags[f"posture_scan__{alias}"].fileloc).name == shard_file_name(shard_of(alias))
    assert len({shard_of(a) for a in aliases}) > SHARDS // 2  # spread, not piled in one file


def test_bad_account_is_an_import_error_and_others_still_load(dagbag):
    bag = dagbag(ACCOUNTS + '  - {alias: broken, account_id: "42", aws_conn_id: x}\n')
    assert ours(bag) == ["posture_org_rollup", "posture_scan__dev", "posture_scan__prod"]
    errors = {Path(k).name: v for k, v in bag.import_errors.items()}
    assert list(errors) == ["posture_accounts.py"]
    assert "account 'broken'" in errors["posture_accounts.py"] and "account_id" in errors["posture_accounts.py"]


def test_malformed_file_is_one_clear_import_error(dagbag):
    bag = dagbag("accounts: [\n")
    assert [d for d in bag.dag_ids if d.startswith("posture_scan__")] == []
    (message,) = bag.import_errors.values()
    assert "accounts.yaml" in message and "not valid YAML" in message


def test_a_changed_accounts_file_is_parsed_again(dagbag):
    assert "posture_scan__dev" in dagbag(ACCOUNTS).dag_ids
    bag = dagbag(ACCOUNTS.replace("alias: dev", "alias: staging"))
    assert "posture_scan__staging" in bag.dag_ids and "posture_scan__dev" not in bag.dag_ids
    bag = dagbag(ACCOUNTS.replace("max_active_tasks: 3", "max_active_tasks: 0"))
    assert "posture_scan__dev" not in bag.dag_ids
    assert "max_active_tasks" in next(iter(bag.import_errors.values()))


def test_each_shard_file_reads_a_cache_of_its_own_accounts(tmp_path, monkeypatch):
    from postureflow.dagfactory import load_accounts_cached

    monkeypatch.setenv("POSTUREFLOW_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "accounts.yaml"
    path.write_text(ACCOUNTS)
    first = load_accounts_cached(path, shard_of("dev"))  # validates, writes every shard's cache
    assert [a.alias for a in first.accounts] == ["dev"]
    assert len(list((tmp_path / "cache").glob("accounts-*.json"))) == SHARDS + 1
    monkeypatch.setattr("postureflow.dagfactory.load_accounts", lambda path: pytest.fail("validated again"))
    again = load_accounts_cached(path, shard_of("dev"))
    assert again.accounts == first.accounts and again.accounts[0].regions == first.accounts[0].regions
    assert [a.alias for a in load_accounts_cached(path).accounts] == ["prod", "dev"]
    empty = next(k for k in range(SHARDS) if k not in {shard_of("dev"), shard_of("prod")})
    assert load_accounts_cached(path, empty).accounts == []


def test_lake_writes_are_assets_and_the_org_rollup_is_scheduled_on_the_compliance_feed(dagbag):
    bag = dagbag(ACCOUNTS)
    prod = bag.dags["posture_scan__prod"]
    outlets = {o.uri for o in prod.get_task("compliance").outlets}
    assert outlets == {"postureflow://lake/compliance/account_id=123456789012", "postureflow://lake/compliance"}
    assert {o.uri for o in prod.get_task("scan_wave_0").outlets} == {"postureflow://lake/findings/account_id=123456789012"}
    rollup = bag.dags["posture_org_rollup"]
    assert {a.uri for a in rollup.timetable.asset_condition.objects} == {"postureflow://lake/compliance"}


def test_params_are_copied_per_task_and_still_validated(dagbag):
    """The cheap Param copies and the memo of validated defaults keep Airflow's behaviour:
    each task owns its params' values, and a value given for a run is checked against the schema."""
    import copy

    from airflow.sdk.exceptions import ParamValidationError

    prod = dagbag(ACCOUNTS).dags["posture_scan__prod"]
    assert prod.params.validate() == {"regions": ["us-east-1", "eu-west-1"], "services": None}
    task_params = prod.get_task("preflight").params
    task_params.get_param("regions").value.append("us-west-2")
    assert prod.params["regions"] == ["us-east-1", "eu-west-1"]
    assert task_params.get_param("regions").source == "dag" and prod.params.get_param("regions").source is None
    run_params = copy.deepcopy(prod.params)
    run_params["services"] = "iam,s3"
    assert run_params["services"] == "iam,s3" and prod.params["services"] is None
    with pytest.raises(ParamValidationError):
        run_params["regions"] = 3
    run_params.get_param("regions").value = 3  # a default that fails its schema is refused, memo or not
    with pytest.raises(ParamValidationError):
        run_params.validate()


def test_the_securityhub_pool_is_the_one_runs_uses(dagbag):
    from postureflow.dagfactory import SECURITYHUB_POOL
    from postureflow.runs import SECURITYHUB_POOL as expected

    assert SECURITYHUB_POOL == expected
    assert dagbag(ACCOUNTS).dags["posture_scan__prod"].get_task("securityhub").pool == expected


def test_scan_states_are_named_by_service():
    waves = [["iam", "s3"], ["cloudtrail"]]
    states = {"preflight": "success", "scan_wave_0_0": "success", "scan_wave_0_1": "failed", "scan_wave_1_0": "upstream_failed"}
    assert scan_task_states(states, waves) == {
        "preflight": "success", "scan_iam": "success", "scan_s3": "failed", "scan_cloudtrail": "upstream_failed",
    }


OWN_DAG_FILES = ["posture_accounts.py", "posture_org_rollup.py", *(shard_file_name(k) for k in range(SHARDS))]


def test_parsing_imports_no_check_collector_or_lake(tmp_path):
    """Parsing the scan, accounts and rollup DAG files (catalogue cached) loads neither checks, collectors, the engine nor pyarrow's lake."""
    accounts = tmp_path / "accounts.yaml"
    accounts.write_text(ACCOUNTS)
    code = (
        "import sys\n"
        "from postureflow.catalog import catalog\n"
        "catalog()\n"  # fills the cache, as the first parse after a code change does
        "for name in [m for m in sys.modules if m.startswith('postureflow')]: del sys.modules[name]\n"
        "before = set(sys.modules)\n"
        "from airflow.dag_processing.dagbag import DagBag\n"
        "bag = DagBag(dag_folder='/nonexistent')\n"
        f"for name in {OWN_DAG_FILES!r}:\n"
        f"    bag.process_file({str(DAGS)!r} + '/' + name)\n"
        "assert 'posture_scan__prod' in bag.dag_ids, bag.import_errors\n"
        "heavy = sorted(m for m in set(sys.modules) - before if m.startswith(('postureflow.checks.', 'postureflow.collect.', 'postureflow.engine', 'postureflow.lake')))\n"
        "print(heavy)\n"
    )
    env = {"POSTUREFLOW_ACCOUNTS": str(accounts), "POSTUREFLOW_CACHE_DIR": str(tmp_path / "cache"),
           "AIRFLOW__CORE__LOAD_EXAMPLES": "False", "PATH": "/usr/bin:/bin"}
    import os

    env["AIRFLOW_HOME"] = os.environ.get("AIRFLOW_HOME", str(tmp_path / "home"))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_each_task_runs_for_the_account_of_its_dag(dagbag, monkeypatch):
    """The tasks are shared classes, not closures: each finds its account by its DAG's id (the
    accounts the DAG file built, else the accounts file) and runs the step its task_id names."""
    from postureflow import dagfactory, scan_tasks

    bag = dagbag(ACCOUNTS)
    ran = []
    monkeypatch.setitem(scan_tasks.STEPS, "reports", lambda account, context: ran.append(account.account_id) or {})
    monkeypatch.setattr(scan_tasks, "scan", lambda account, context, service: ran.append((account.alias, service)) or {})
    dev = bag.dags["posture_scan__dev"]
    dev.get_task("reports").prepare_for_execution().execute({})
    assert ran == ["210987654321"]
    monkeypatch.setattr(dagfactory, "_BUILT", {})  # a process that built other DAGs: the accounts file answers
    dev.get_task("scan_wave_1").unmap({"service": "cloudtrail"}).execute({})
    assert ran[-1] == ("dev", "cloudtrail")
