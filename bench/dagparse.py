#!/usr/bin/env python
"""How long parsing postureflow's DAG files takes for 1, 100, 1,000 and 5,000 accounts.

Measured the way Airflow's DAG processor parses: one process with Airflow already
imported forks a child per DAG file, and the child imports and runs the file
(DagBag.process_file). Airflow's own import is therefore excluded; postureflow's
imports, the accounts file and building the DAGs are included, for every file. As in
the DAG processor manager, the parent's heap is frozen (gc.freeze) before it forks and
the parent has imported nothing of postureflow.

Times are the child's CPU time (time.process_time): on a shared machine, wall time
measures the neighbours. For each number of accounts it prints (medians of --reps):

- folder:   the sum over every DAG file of this repository's dags/ (the accounts
            file unchanged since the last parse: the steady state, re-parsed every
            min_file_process_interval);
- largest:  the slowest single file of that parse;
- changed:  the file an edited account lives in, parsed first after the edit (it
            validates the accounts file again; goal < 0.5 s at 1,000 accounts);
- ratio:    folder / folder at the first number of accounts (1), taken within each rep: a rep
            parses every number of accounts in turn (goal <= 3 at 1,000 accounts, and < 5 s);
- floor:    the same number of DAG files, DAGs and tasks per DAG made of EmptyOperators with no
            postureflow code (``--floor``): what Airflow itself costs for that many DAGs, which
            no change to postureflow can go below;
- at floor: the ratio postureflow's folder would have if each of its DAGs cost what the
            floor's do: (folder at 1 account + floor - floor at 1 account) / folder at 1 account.

    .venv/bin/python bench/dagparse.py
    .venv/bin/python bench/dagparse.py --accounts 1 1000 --reps 5

The accounts get one region and their default services. The catalogue cache is
warmed first (the first parse after a code change computes it once), and the bytecode of
include/ and dags/ is compiled first, as a deployment has it: with stale or missing
``__pycache__`` files (PYTHONDONTWRITEBYTECODE, or a file edited since) every parse compiles
postureflow's modules again, which inflates the fixed cost of a file and flatters the ratio.
"""

from __future__ import annotations

import argparse
import compileall
import gc
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DAGS = ROOT / "dags"


def write_accounts(path: Path, count: int, schedule: str = "@daily") -> None:
    lines = ["accounts:"]
    for i in range(count):
        lines.append(
            f'  - {{alias: acct{i:05d}, account_id: "{100000000000 + i}", aws_conn_id: aws_acct{i:05d}, '
            f'regions: [us-east-1], schedule: "{schedule if i == 0 else "@daily"}"}}'
        )
    path.write_text("\n".join(lines) + "\n")


def in_child(work):
    """Fork, run ``work()`` in the child, return its JSON result: the parent imports nothing of
    postureflow, as Airflow's DAG processor manager has none of it when it forks a parser."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: work, report, leave without cleanup
        os.close(read)
        try:
            os.write(write, json.dumps(work()).encode())
        finally:
            os._exit(0)
    os.close(write)
    data = b""
    while chunk := os.read(read, 65536):
        data += chunk
    os.close(read)
    os.waitpid(pid, 0)
    return json.loads(data)


def parse_in_child(dag_file: Path) -> tuple[float, int]:
    """Import the DAG file in a forked child (as the DAG processor does), return (seconds, DAG count)."""

    def parse():
        from airflow.dag_processing.dagbag import DagBag

        bag = DagBag(dag_folder="/nonexistent-postureflow-bench")
        started = time.process_time()
        bag.process_file(str(dag_file))
        elapsed = time.process_time() - started
        tasks = max((len(dag.tasks) for dag in bag.dags.values()), default=0)
        return [elapsed, len(bag.dags), len(bag.import_errors), tasks]

    elapsed, dags, errors, tasks = in_child(parse)
    if errors:
        raise SystemExit(f"{dag_file.name}: import errors while parsing")
    parse_in_child.most_tasks = max(getattr(parse_in_child, "most_tasks", 0), tasks)
    return elapsed, dags


def warm_catalog() -> str:
    """Fill the catalogue cache (as the first parse after a deployment does); the DAG file of acct00000."""
    from postureflow.catalog import catalog
    from postureflow.dagfactory import shard_file_name, shard_of

    catalog()
    return shard_file_name(shard_of("acct00000"))


FLOOR_FILE = """
from airflow.sdk import DAG, chain
from airflow.providers.standard.operators.empty import EmptyOperator
import pendulum
for i in range({dags}):
    with DAG(f"floor_{shard}_{{i}}", schedule="@daily", start_date=pendulum.datetime(2026, 1, 1), catchup=False) as dag:
        chain(*[EmptyOperator(task_id=f"t{{k}}") for k in range({tasks})])
    globals()[dag.dag_id] = dag
"""


def floor(count: int, files: int, tasks: int, workdir: Path, reps: int) -> float:
    """CPU seconds to parse ``files`` files holding ``count`` DAGs of ``tasks`` EmptyOperators."""
    folder = workdir / f"floor-{count}"
    folder.mkdir(exist_ok=True)
    paths = []
    for shard in range(files):
        dags = count // files + (1 if shard < count % files else 0)
        path = folder / f"floor_{shard:02d}.py"
        path.write_text(FLOOR_FILE.format(dags=dags, shard=shard, tasks=tasks))
        paths.append(path)
    return statistics.median(sum(parse_in_child(p)[0] for p in paths) for _ in range(reps))


def parse_folder(count: int, workdir: Path, rep: int, changed_file: Path) -> dict:
    """One rep at ``count`` accounts: the changed account's file, then every DAG file."""
    accounts = workdir / f"accounts-{count}.yaml"
    os.environ["POSTUREFLOW_ACCOUNTS"] = str(accounts)
    # an edit of account 0: the next parse of its file validates the accounts file again
    write_accounts(accounts, count, schedule=f"{rep} 3 * * *")
    changed = parse_in_child(changed_file)[0]
    times = {f.name: parse_in_child(f) for f in sorted(DAGS.glob("*.py"))}
    return {"folder": sum(t for t, _ in times.values()), "largest": max(t for t, _ in times.values()),
            "changed": changed, "dags": sum(n for _, n in times.values()),
            "files": {name: seconds for name, (seconds, _) in times.items()}}


def summarise(count: int, reps: list[dict], base: list[dict]) -> dict:
    """Medians over the reps; the ratio is taken within each rep, then its median."""
    return {
        "accounts": count, "files": len(reps[0]["files"]), "dags": reps[0]["dags"],
        "folder_s": statistics.median(r["folder"] for r in reps),
        "largest_file_s": statistics.median(r["largest"] for r in reps),
        "changed_account_file_s": statistics.median(r["changed"] for r in reps),
        "ratio_to_first": statistics.median(r["folder"] / b["folder"] for r, b in zip(reps, base)),
        "files_s": {name: round(statistics.median(r["files"][name] for r in reps), 4) for name in reps[0]["files"]},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, nargs="+", default=[1, 100, 1000, 5000])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--floor", action="store_true", help="also time the same DAG count built of EmptyOperators")
    parser.add_argument("--files", action="store_true", help="also print each file's CPU seconds (median)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="postureflow-dagparse-") as tmp:
        work = Path(tmp)
        os.environ.setdefault("AIRFLOW_HOME", str(work / "home"))
        os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
        os.environ["POSTUREFLOW_CACHE_DIR"] = str(work / "cache")
        os.environ["POSTUREFLOW_ACCOUNTS"] = str(work / "accounts.yaml")
        sys.path.insert(0, str(ROOT / "include"))
        # Airflow's own import, done once as the DAG processor has it before it forks.
        import airflow.sdk  # noqa: F401
        from airflow.dag_processing.dagbag import DagBag  # noqa: F401

        for folder in (ROOT / "include", DAGS):
            compileall.compile_dir(str(folder), quiet=1)
        changed_file = DAGS / in_child(warm_catalog)
        # DagFileProcessorManager.before_run freezes its heap before it forks the parsers: without
        # this the children's garbage collections walk Airflow's whole import (a third of a file's CPU).
        gc.freeze()
        # Every rep parses each number of accounts in turn, so the machine's drift (a shared VM's CPU
        # changes speed over minutes) weighs on a ratio's two terms alike.
        reps = {count: [] for count in args.accounts}
        for rep in range(args.reps):
            for count in args.accounts:
                reps[count].append(parse_folder(count, work, rep, changed_file))
        print(f"{'accounts':>8} {'files':>5} {'dags':>6} {'folder s':>9} {'largest file s':>15} "
              f"{'changed-account file s':>23} {'ratio to 1':>10}" + (f" {'floor s':>8} {'at floor':>8}" if args.floor else ""))
        results = []
        for count in args.accounts:
            row = summarise(count, reps[count], reps[args.accounts[0]])
            if args.floor:
                shards = len(list(DAGS.glob("posture_scan_*.py")))
                row["tasks_per_dag"] = parse_in_child.most_tasks
                row["floor_s"] = floor(count, shards, row["tasks_per_dag"], work, args.reps)
                first = results[0] if results else row
                row["ratio_at_floor"] = (first["folder_s"] + row["floor_s"] - first["floor_s"]) / first["folder_s"]
            results.append(row)
            print(f"{row['accounts']:>8} {row['files']:>5} {row['dags']:>6} {row['folder_s']:>9.3f} "
                  f"{row['largest_file_s']:>15.3f} {row['changed_account_file_s']:>23.3f} {row['ratio_to_first']:>10.2f}"
                  + (f" {row['floor_s']:>8.3f} {row['ratio_at_floor']:>8.2f}" if args.floor else ""), flush=True)
            if args.files:
                print("   " + ", ".join(f"{name} {s:.3f}" for name, s in row["files_s"].items()), flush=True)
        print(json.dumps({"dagparse": results}))


if __name__ == "__main__":
    main()
