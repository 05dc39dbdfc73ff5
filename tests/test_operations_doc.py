"""docs/operations.md works as written: every shell block is exercised.

Each ```bash block in the doc is preceded by a marker saying how:

- ``run``: executed, in order, as one shell session (an operator following the
  doc on a fresh machine): a real Airflow home, moto_server on a free loopback
  port instead of 5000, the demo account seeded, a DAG run, SQL over the lake;
- ``e2e``: long-running components and scheduler work, which
  tests/e2e/test_scheduler_backfill.py runs the same way; here every airflow
  command and option is checked against that Airflow's own ``--help``;
- ``compose``: docker compose commands: the services and profiles named must
  exist in docker-compose.yaml, and the airflow / postureflow commands run
  inside the containers are checked like the others;
- ``parse``: postureflow commands that need AWS Organizations: parsed by the
  real command-line parser (every option must exist).
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import pytest
import yaml

from postureflow.moto_server import free_port

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "operations.md"
MARKED = re.compile(r"<!-- doc-test: (\w+) -->\n```bash\n(.*?)```", re.S)
KINDS = {"run", "e2e", "compose", "parse"}


def blocks(kind: str) -> list[str]:
    return [body for marker, body in MARKED.findall(DOC.read_text()) if marker == kind]


def commands(text: str) -> list[list[str]]:
    """The commands of a block: continuation lines joined, heredoc bodies and background '&' dropped."""
    out, lines, heredoc = [], iter(text.splitlines()), None
    for line in lines:
        if heredoc:
            heredoc = None if line.strip() == heredoc else heredoc
            continue
        while line.rstrip().endswith("\\") or line.count("'") % 2:
            line = line.rstrip().rstrip("\\") + " " + next(lines)
        if "<<'" in line:
            heredoc = line.split("<<'", 1)[1].split("'", 1)[0]
            line = line.split("<<", 1)[0]
        words = shlex.split(line.split(" > ", 1)[0].split(" &", 1)[0].rstrip("&"), comments=True)
        while words and "=" in words[0] and not words[0].startswith("-"):
            words = words[1:]  # VAR=value before a command
        if words:
            out.append(words)
    return out


def test_every_shell_block_is_marked_with_how_it_is_tested():
    text = DOC.read_text()
    assert text.count("```bash") == len(MARKED.findall(text))
    assert {m for m, _ in MARKED.findall(text)} <= KINDS
    assert not any(words[:3] == ["airflow", "backfill", "list"] for _, body in MARKED.findall(text)
                   for words in commands(body))


@lru_cache(maxsize=None)
def airflow_help(*words: str) -> str:
    env = dict(os.environ, AIRFLOW__CORE__LOAD_EXAMPLES="False")
    airflow = str(Path(sys.executable).with_name("airflow"))
    proc = subprocess.run([airflow, *words, "--help"], capture_output=True, text=True, env=env, timeout=300,
                          cwd=ROOT)
    assert proc.returncode == 0, f"airflow {' '.join(words)} does not exist:\n{proc.stderr[-2000:]}"
    return proc.stdout


def check_airflow(words: list[str]) -> None:
    """The subcommand exists in this Airflow, and so does every option used."""
    path = [words[1]]
    if len(words) > 2 and not words[2].startswith("-") and re.search(
        rf"^\s+{re.escape(words[2])}\s", airflow_help(words[1]), re.M
    ):
        path.append(words[2])
    text = airflow_help(*path)
    for option in (w.split("=", 1)[0] for w in words if w.startswith("--")):
        assert option in text, f"airflow {' '.join(path)} has no option {option}"


def check_postureflow(words: list[str]) -> None:
    from postureflow.cli import build_parser

    try:
        build_parser().parse_args(words)
    except SystemExit as exit:  # argparse exits on an unknown option or command
        pytest.fail(f"postureflow {' '.join(words)}: not a valid command line ({exit})")


@pytest.mark.parametrize("kind", ["e2e", "compose", "parse"])
def test_commands_exist_as_written(kind):
    assert blocks(kind)
    compose = yaml.safe_load((ROOT / "docker-compose.yaml").read_text())
    services, profiles = set(compose["services"]), {p for s in compose["services"].values() for p in s.get("profiles", [])}
    for block in blocks(kind):
        for words in commands(block):
            if words[:2] == ["docker", "compose"]:
                rest = words[2:]
                for flag in ("--profile",):
                    if flag in rest:
                        assert rest[rest.index(flag) + 1] in profiles
                named = [w for w in rest if w in services or w.startswith("airflow-")]
                assert all(w.split("=")[0] in services for w in named), named
                if "--rm" in rest:  # the command run inside the container
                    words = rest[rest.index("--rm") + 2:]
                else:
                    continue
            if words[0] == "airflow":
                check_airflow(words)
            elif words[0] == "postureflow":
                check_postureflow(words[1:])
            elif words[:3] == ["python", "-m", "postureflow.cli"]:
                check_postureflow(words[3:])
            elif words[0] == "bash":
                assert (ROOT / words[1]).is_file(), words
            elif words[:3] == ["until", "curl", "-sf"]:  # waiting for the api-server the block starts
                assert re.fullmatch(r"http://127\.0\.0\.1:8080/api/v2/monitor/health", words[3]), words
            else:
                pytest.fail(f"untested command in a {kind} block: {' '.join(words)}")


def test_the_e2e_blocks_are_what_the_scheduler_test_runs():
    e2e = (ROOT / "tests" / "e2e" / "conftest.py").read_text() + (ROOT / "tests" / "e2e" / "test_scheduler_backfill.py").read_text()
    for component in ("api-server", "scheduler", "dag-processor"):
        assert f'"{component}"' in e2e
    assert '"backfill", "create"' in e2e and '"--reprocess-behavior", "completed"' in e2e


@pytest.mark.airflow
def test_the_operator_path_runs_as_written(tmp_path):
    """The "run" blocks in order, as an operator on a fresh machine: exit 0 and the expected output."""
    port = free_port()
    script = "\n".join(blocks("run")).replace("127.0.0.1:5000", f"127.0.0.1:{port}").replace("-p 5000", f"-p {port}")
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("AIRFLOW", "POSTUREFLOW", "AWS_"))}
    env.update(HOME=str(home), PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]))
    wrapper = "set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n" + script
    proc = subprocess.run(["bash", "-c", wrapper], cwd=ROOT, env=env, capture_output=True, text=True, timeout=1500)
    airflow_home = home / "postureflow-airflow"
    log = (airflow_home / "dags-test.log")
    detail = f"{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}\n{log.read_text()[-3000:] if log.exists() else ''}"
    assert proc.returncode == 0, detail
    out = proc.stdout
    assert "Demo account 111122223333 seeded" in out
    assert re.search(r"summary\s*\|\s*success|summary.*success", out), detail
    assert "scope" not in proc.stderr or "error" not in proc.stderr.lower(), detail
    assert f"postureflow: lake {airflow_home / 'lake'}" in proc.stderr
    assert "critical" in out or "high" in out  # the FAIL counts by severity came back
    assert '"Statement"' in out  # the lake policy was printed

    # postureflow demo lists task states the same way: from the metadata database, not log lines
    import datetime as dt

    from postureflow.cli.demo import task_state_lines

    states = task_state_lines(dict(env, AIRFLOW_HOME=str(airflow_home),
                                   AIRFLOW__CORE__DAGS_FOLDER=str(ROOT / "dags"),
                                   POSTUREFLOW_ACCOUNTS=str(airflow_home / "accounts.yaml")),
                              "posture_scan__demo", dt.date(2026, 11, 22))
    assert any(line.split() == ["summary", "success"] for line in states), states
    assert any(line.split()[0] == "preflight" for line in states), states


def _views(lake_path: Path) -> dict[str, list[str]]:
    from postureflow.lake import Lake
    from postureflow.sql.views import connect as views

    con = views(Lake(str(lake_path)))
    # scanned_at is when a finding was evaluated: a backfill re-evaluating a scanned day sets it, nothing else
    return {view: sorted(map(str, con.execute(f"SELECT * EXCLUDE (scanned_at) FROM {view}" if view == "latest_findings"
                                              else f"SELECT * FROM {view}").fetchall()))
            for view in ("scans", "finding_changes", "mttr", "latest_findings")}


def _runs(env: dict[str, str]) -> list[dict]:
    import json

    airflow = str(Path(sys.executable).with_name("airflow"))
    proc = subprocess.run([airflow, "dags", "list-runs", "posture_scan__demo", "-o", "json"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    return next((json.loads(line) for line in proc.stdout.splitlines() if line.startswith("[")), [])


def _wait_until_every_run_is_done(env: dict[str, str], count: int, what: str, logs: Path, timeout: float) -> list:
    import time

    deadline, runs = time.monotonic() + timeout, []
    while time.monotonic() < deadline:
        runs = _runs(env)
        if len(runs) >= count and all(r["state"] in ("success", "failed") for r in runs):
            return runs
        time.sleep(10)
    tails = "\n".join(f"--- {p.name}\n{p.read_text(errors='replace')[-2000:]}" for p in sorted(logs.glob("*.log")))
    pytest.fail(f"timed out waiting for {what}: {runs}\n{tails}")


@pytest.mark.airflow
@pytest.mark.e2e
def test_the_components_and_the_backfill_run_as_written(tmp_path):
    """Every block in order, as an operator: the "run" blocks, then the "e2e" ones for real: api-server,
    scheduler, dag-processor and triggerer as separate processes (loopback only, the api-server on a free
    port and the base URL with it), the DAG unpaused and triggered, then the backfill of 2026-11-20..22 of
    which two days were never scanned: every run succeeds and no view changes."""
    import signal

    moto, api = free_port(), free_port()
    text = DOC.read_text()
    first_e2e = text.index("<!-- doc-test: e2e -->")
    components, backfill = blocks("e2e")
    script = "\n".join(body for marker, body in MARKED.findall(text[:first_e2e]) if marker == "run") + components
    script = (script.replace("127.0.0.1:5000", f"127.0.0.1:{moto}").replace("-p 5000", f"-p {moto}")
              .replace("127.0.0.1:8080", f"127.0.0.1:{api}").replace("--port 8080", f"--port {api}"))
    home = tmp_path / "home"
    home.mkdir()
    airflow_home = home / "postureflow-airflow"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "POSTUREFLOW", "AWS_"))}
    env.update(HOME=str(home), PATH=os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")]))
    dump = f'\n{sys.executable} -c "import json, os; print(json.dumps(dict(os.environ)))" > "$AIRFLOW_HOME/env.json"\n'
    # the components stay up after the shell exits (in its process group, stopped below): their output goes
    # to a file, not a pipe the test would wait on
    output = tmp_path / "operator.log"
    with open(output, "w") as log:
        shell = subprocess.Popen(["bash", "-c", "set -euo pipefail\n" + script + dump], cwd=ROOT, env=env,
                                 stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        assert shell.wait(timeout=1500) == 0, output.read_text()[-6000:]
        import json

        operator = json.loads((airflow_home / "env.json").read_text())
        # unpause makes today's scheduled run; the trigger a manual one: both succeed under the scheduler
        runs = _wait_until_every_run_is_done(operator, 3, "the scheduled and the triggered run", airflow_home / "logs",
                                             timeout=2400)
        assert all(r["state"] == "success" for r in runs), runs
        lake = airflow_home / "lake"
        views_before = _views(lake)
        proc = subprocess.run(["bash", "-c", "set -euo pipefail\n" + backfill], cwd=ROOT, env=operator,
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
        # the backfill's runs exist once the command returns (2026-11-22's own run is re-run in place)
        runs = _wait_until_every_run_is_done(operator, 5, "the backfill", airflow_home / "logs", timeout=1800)
        assert all(r["state"] == "success" for r in runs), runs
        days = {str(r["logical_date"])[:10] for r in runs}
        assert {"2026-11-20", "2026-11-21", "2026-11-22"} <= days, runs
        assert _views(lake) == views_before
        import datetime as dt

        from postureflow import scope
        from postureflow.lake import Lake

        for day in (dt.date(2026, 11, 20), dt.date(2026, 11, 21)):
            assert {r["status"] for r in scope.read_day(Lake(str(lake)), "111122223333", day)} == {scope.NOT_SCANNED}
            assert not (lake / "compliance" / f"scan_date={day}").exists()
            assert not (lake / "reports" / f"scan_date={day}").exists()
    finally:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(shell.pid, sig)
            except ProcessLookupError:
                break
            if sig == signal.SIGTERM:
                import time

                time.sleep(20)
