"""Build one scan DAG per account from the accounts file, cheaply enough for thousands of accounts.

Shape of ``posture_scan__<alias>``::

    preflight >> scan_wave_0 [one mapped task instance per service]
              >> scan_wave_1 [services whose checks read wave-0 inventory] >> ...
              >> compliance >> [reports, securityhub] >> summary

Each service is still its own task instance (retried alone, named by its service in
the UI through ``map_index_template``), but a DAG has about ten operators instead of
one per service. The operators are two plain classes (postureflow.scan_tasks), not
TaskFlow ``@task`` functions, and take their account from the DAG's id when they run:
building a DAG costs about 1.5 ms of CPU, what Airflow takes for the same number of
EmptyOperators plus a third.

The accounts are spread over ``SHARDS`` DAG files (``dags/posture_scan_NN.py``) by a
stable hash of their alias, so a change to one account re-parses one small file.
Every DAG file reads the validated accounts from a cache keyed by the accounts
file's bytes (postureflow.catalog's cache directory); only the first parse after a
change validates the file. Building a DAG touches no AWS and no lake and imports
no check or collector.
"""

from __future__ import annotations

import atexit
import dataclasses
import datetime
import functools
import gc
import hashlib
import json
import re
import zlib
from pathlib import Path
from typing import Any

import pendulum

from postureflow.accounts import Account, AccountsFile, default_accounts_path, load_accounts
from postureflow.catalog import _fingerprint_once, catalog, read_cache, write_cache

# Number of dags/posture_scan_NN.py files (tests/test_dag_factory.py checks they all exist).
SHARDS = 16
ORG_ROLLUP_DAG_ID = "posture_org_rollup"
# postureflow.runs.SECURITYHUB_POOL, spelled out: importing runs at parse time would import the engine.
SECURITYHUB_POOL = "postureflow_securityhub"

DEFAULT_ARGS = {
    "owner": "postureflow",
    "retries": 2,
    "retry_delay": datetime.timedelta(minutes=1),
    "retry_exponential_backoff": True,
}


# -- which file an account lives in ------------------------------------------------------------------


def shard_of(alias: str) -> int:
    """The DAG file (dags/posture_scan_NN.py) of an account: stable across runs and machines."""
    return zlib.crc32(alias.encode()) % SHARDS


def shard_file_name(shard: int) -> str:
    return f"posture_scan_{shard:02d}.py"


def shard_of_file(dag_file: str) -> int:
    match = re.search(r"posture_scan_(\d+)\.py$", str(dag_file))
    if not match or int(match[1]) >= SHARDS:
        raise ValueError(f"{dag_file} is not one of the {SHARDS} shard files posture_scan_00.py ...")
    return int(match[1])


# -- the accounts file, validated once per change ------------------------------------------------------


def _accounts_cache_key(path: Path, text: bytes) -> str:
    """The accounts file's bytes, the files beside it (mutelists, Prowler configs it names),
    the validation code and the check catalogue: any change means validate again."""
    digest = hashlib.sha256(text)
    for neighbour in sorted(path.parent.iterdir()) if path.parent.is_dir() else []:
        if neighbour.is_file() and neighbour != path:
            stat = neighbour.stat()
            digest.update(f"{neighbour.name}:{stat.st_size}:{stat.st_mtime_ns};".encode())
    code = Path(__file__).with_name("accounts.py").stat()
    digest.update(f"{code.st_size}:{code.st_mtime_ns}:{_fingerprint_once()}:{path.resolve()}".encode())
    return digest.hexdigest()


def _tuple_fields() -> set[str]:
    return {f.name for f in dataclasses.fields(Account) if str(f.type).startswith("tuple")}


def _cache_name(path: Path, shard: int | None) -> str:
    stem = f"accounts-{hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16]}"
    return f"{stem}.json" if shard is None else f"{stem}-{shard:02d}.json"


def _write_caches(path: Path, key: str, loaded: AccountsFile) -> None:
    """The whole file's validated accounts, and each shard's in a file of its own: a shard file
    reads its ~1/SHARDS of them, not every account (10 ms per file at 1,000 accounts)."""
    common = {"errors": loaded.errors, "warnings": loaded.warnings}
    names = [f.name for f in dataclasses.fields(Account)]
    # shallow: json writes the tuples as lists and the mappings as they are (asdict deep-copies: 60 ms)
    raws = [{name: getattr(a, name) for name in names} for a in loaded.accounts]
    by_shard: dict[int, list[dict]] = {k: [] for k in range(SHARDS)}
    for raw in raws:
        by_shard[shard_of(raw["alias"])].append(raw)
    for shard, accounts in by_shard.items():
        write_cache(_cache_name(path, shard), key, {"accounts": accounts, **common})
    write_cache(_cache_name(path, None), key, {"accounts": raws, **common})


def load_accounts_cached(path: str | Path | None = None, shard: int | None = None) -> AccountsFile:
    """load_accounts, answered from the cache while the file (and its neighbours) did not change.

    ``shard``: only the accounts of that DAG file (the others are not built: a shard file of
    1,000 accounts needs about 60 of them). Errors and warnings are the whole file's."""
    path = Path(path) if path else default_accounts_path()
    try:
        text = path.read_bytes()
    except OSError:
        return load_accounts(path)  # says why, as an error
    key = _accounts_cache_key(path, text)
    cached = read_cache(_cache_name(path, shard), key)
    if cached is not None:
        tuples = _tuple_fields()
        accounts = [
            Account(**{k: tuple(v) if k in tuples and v is not None else v for k, v in raw.items()})
            for raw in cached["accounts"]
        ]
        return AccountsFile(path, accounts, cached["errors"], cached["warnings"])
    loaded = load_accounts(path)
    _write_caches(path, key, loaded)
    if shard is not None:
        loaded.accounts = [a for a in loaded.accounts if shard_of(a.alias) == shard]
    return loaded


# -- assets ----------------------------------------------------------------------------------------------


def _lake_asset(name: str, uri: str):
    """An Asset of the lake, built without Airflow's URI normalisation.

    Airflow normalises an asset URI through the providers' URI handlers, and looking those up
    the first time in a process imports every provider's asset module (the Amazon one imports
    boto3): ~0.13 s in every DAG file, a heavy import at parse time. ``postureflow://`` URIs
    have no handler and are written normalised (no trailing slash, query or fragment), so the
    asset is built with a URI Airflow leaves alone (an ``x-`` scheme) and given the real one.
    """
    from airflow.sdk import Asset

    asset = Asset(name=name, uri=f"x-{uri}", group="postureflow")
    object.__setattr__(asset, "uri", uri)  # attrs' own setattr would run the normalisation again
    return asset


def findings_asset(account: Account):
    return _lake_asset(f"postureflow_findings__{account.alias}",
                       f"postureflow://lake/findings/account_id={account.account_id}")


def compliance_asset(account: Account):
    return _lake_asset(f"postureflow_compliance__{account.alias}",
                       f"postureflow://lake/compliance/account_id={account.account_id}")


@functools.cache
def compliance_feed():
    """The one asset every account's compliance task updates; its events carry account_id and
    scan_date in their extra, so the org rollup needs neither the accounts list nor API look-ups."""
    return _lake_asset("postureflow_compliance", "postureflow://lake/compliance")


# -- the account's DAG -----------------------------------------------------------------------------------


def wave_task_id(wave: int) -> str:
    return f"scan_wave_{wave}"


def scan_task_states(states: dict[str, Any], waves: list[list[str]]) -> dict[str, Any]:
    """Task states as get_task_states returns them, mapped scan instances renamed ``scan_<service>``."""
    named = {}
    for task_id, state in states.items():
        for k, wave in enumerate(waves):
            prefix = f"{wave_task_id(k)}_"
            index = task_id[len(prefix):] if task_id.startswith(prefix) else ""
            if index.isdigit() and int(index) < len(wave):
                task_id = f"scan_{wave[int(index)]}"
                break
        named[task_id] = state
    return named


def run_task_states(context, account: Account, waves: list[list[str]], *task_ids: str) -> dict[str, Any]:
    """This run's states of ``task_ids`` and of every scan, the scans named ``scan_<service>``."""
    run_id = context["run_id"]
    states = context["ti"].get_task_states(
        dag_id=account.dag_id, run_ids=[run_id], task_ids=[*task_ids, *(wave_task_id(k) for k in range(len(waves)))]
    ).get(run_id, {})
    return scan_task_states(states, waves)


@functools.lru_cache(maxsize=256)
def _scan_plan(include: tuple[str, ...], exclude: tuple[str, ...]) -> tuple[list[str], list[list[str]]]:
    """(services, waves) of a service selection: most accounts share a few selections, so a
    DAG file computes each once."""
    services = catalog().select(include or None, exclude)
    return tuple(services), tuple(tuple(wave) for wave in catalog().waves(services))


# The params' JSON schemas name draft 7: Airflow validates every param of every DAG it builds
# (jsonschema checks the schema against its meta-schema first), and draft 7's meta-schema costs
# a third of the default 2020-12 one. The keywords used here mean the same in both.
_PARAM_SCHEMA = "http://json-schema.org/draft-07/schema#"
# One schema object per param, shared by every DAG and copy (nothing mutates a schema): the
# validation memo below is keyed by it.
REGIONS_SCHEMA = {"$schema": _PARAM_SCHEMA, "type": ["array", "string"]}
SERVICES_SCHEMA = {"$schema": _PARAM_SCHEMA, "type": ["null", "array", "string"]}
# (schema id, value as JSON) pairs that passed validation in this process.
_VALID_PARAMS: set[tuple[int, str]] = set()


def _param(default, description: str, schema: dict):
    """A DAG Param that copies and validates cheaply.

    Airflow deep-copies the DAG's params for every operator it builds, once per class in the
    operator's hierarchy (about 45 copies for one account's DAG): with copy.deepcopy's generic
    walk over each Param's attributes that was a third of the DAG's build time. The copy here
    is the same, made directly: a new Param with its own copy of the value, the schema (which
    nothing mutates) shared. Every DAG also validates its params' defaults, and jsonschema checks
    the schema against its meta-schema each time: a default that passed its schema once in this
    process passes again. Airflow serialises a Param from its attributes (value, description,
    schema, source), so the instance's ``__deepcopy__`` and ``resolve`` change nothing else.
    """
    from airflow.sdk import Param

    return _cheap(Param(default, description=description, schema=schema))


def _cheap(param):
    param.__deepcopy__ = functools.partial(_copy_param, param)
    param.resolve = functools.partial(_resolve_param, param)
    return param


def _copy_param(param, memo=None):
    # The same attributes (value, description, schema, source) without Param.__init__, whose JSON
    # check of the value was done when the original was made.
    copied = object.__new__(type(param))
    copied.__dict__.update(param.__dict__)
    if isinstance(copied.value, list):
        copied.value = list(copied.value)
    return _cheap(copied)


_DEFAULT = object()  # resolve() without a value: validate the Param's own


def _resolve_param(param, value=_DEFAULT, suppress_exception: bool = False):
    """Param.resolve, remembering the defaults that passed their schema (a given value is checked)."""
    from airflow.sdk import Param
    from airflow.sdk.exceptions import ParamValidationError

    if value is not _DEFAULT:
        return Param.resolve(param, value, suppress_exception)
    key = (id(param.schema), json.dumps(param.value, sort_keys=True))
    if key in _VALID_PARAMS:
        return param.value
    try:
        resolved = Param.resolve(param)
    except ParamValidationError:
        if suppress_exception:
            return None
        raise
    _VALID_PARAMS.add(key)
    return resolved


# The accounts whose DAG this process built, by DAG id: the tasks (postureflow.scan_tasks) find
# their account here when they run (the task's process parses its DAG file first).
_BUILT: dict[str, Account] = {}


def account_of(dag_id: str) -> Account:
    """The account of a scan DAG this process built (or, failing that, of the accounts file)."""
    account = _BUILT.get(dag_id)
    if account is None:
        account = next((a for a in load_accounts_cached().accounts if a.dag_id == dag_id), None)
        if account is None:
            raise LookupError(f"no account in the accounts file has the DAG {dag_id}")
    return account


def scan_plan(account: Account) -> tuple[list[str], list[list[str]]]:
    """(services, waves) of an account's DAG: lists of its own."""
    services, waves = _scan_plan(account.include_services, account.exclude_services)
    return list(services), [list(wave) for wave in waves]


@functools.lru_cache(maxsize=64)
def _start_date(text: str):
    return pendulum.parse(text, tz="UTC")


@functools.cache
def _dag_config() -> dict[str, Any]:
    """DAG arguments Airflow reads from its configuration for every DAG that leaves them out,
    read once per process: each read walks the configuration's sources (environment, file,
    defaults). The same values, passed explicitly (keyed by DAG argument)."""
    from airflow.sdk.configuration import conf

    return {
        "max_consecutive_failed_dag_runs": conf.getint("core", "max_consecutive_failed_dag_runs_per_dag"),
        "disable_bundle_versioning": conf.getboolean("dag_processor", "disable_bundle_versioning"),
    }


def build_dag(account: Account):
    """The account's DAG: its tasks are postureflow.scan_tasks' two operator classes."""
    from airflow.sdk import DAG

    from postureflow.scan_tasks import AccountStep, ServiceScan

    services, waves = scan_plan(account)
    params = {
        "regions": _param(
            list(account.regions) if account.regions else "all",
            description='Regions to scan: a list, or "all" for every enabled region.',
            schema=REGIONS_SCHEMA,
        ),
        # Airflow deep-copies and validates the DAG's params for every task it builds: a list
        # (and enum) of 60 service names there was most of a DAG's parse time. Empty means the
        # account's services, named in the description; the preflight refuses unknown names.
        "services": _param(
            None,
            description="Services to scan (their inventory dependencies are added), a list or 'a,b'; "
            f"empty: the account's {len(services)} services ({', '.join(services)}).",
            schema=SERVICES_SCHEMA,
        ),
    }
    _BUILT[account.dag_id] = account
    with DAG(
        dag_id=account.dag_id,
        description=f"Security posture scan of AWS account {account.alias} ({account.account_id})",
        schedule=account.schedule,
        start_date=_start_date(account.start_date),
        **_dag_config(),
        catchup=account.catchup,
        max_active_runs=1,
        max_active_tasks=account.max_active_tasks,
        default_args=DEFAULT_ARGS,
        tags=["postureflow", f"account:{account.account_id}"],
        params=params,
        doc_md=f"Scans account `{account.account_id}` through connection `{account.aws_conn_id}`.",
    ) as dag:
        # Every step returns a dict, pushed key by key as well (multiple_outputs), as TaskFlow's
        # ``-> dict`` tasks did.
        upstream = AccountStep(task_id="preflight", retries=1, multiple_outputs=True)
        findings = findings_asset(account)
        for k, wave in enumerate(waves):
            # A later wave runs even if a service it reads failed: its checks then find no
            # inventory and give no verdict, which the scan scope records.
            scans = ServiceScan.partial(
                task_id=wave_task_id(k), trigger_rule="none_failed" if k == 0 else "all_done",
                outlets=[findings], map_index_template="{{ service }}", multiple_outputs=True,
            ).expand(service=wave)
            upstream >> scans
            upstream = scans
        scored = AccountStep(task_id="compliance", trigger_rule="all_done", multiple_outputs=True,
                             outlets=[compliance_asset(account), compliance_feed()])
        forwarded = AccountStep(task_id="securityhub", trigger_rule="all_done", pool=SECURITYHUB_POOL,
                                multiple_outputs=True)
        reported = AccountStep(task_id="reports", trigger_rule="all_done", multiple_outputs=True)
        done = AccountStep(task_id="summary", trigger_rule="all_done", retries=0, multiple_outputs=True)
        upstream >> scored >> [forwarded, reported]
        [reported, forwarded] >> done
        if account.alerts:  # postureflow.alerts: rules over this run, after compliance, even if a scan failed
            from postureflow.alerts.tasks import alerts_task

            scored >> alerts_task(account, services)
    return dag


# -- the org rollup --------------------------------------------------------------------------------------


def days_from_events(triggering_asset_events) -> set:
    """The scan dates the triggering compliance events name in their extra (no API call per event)."""
    import datetime as dt

    days = set()
    for events in (triggering_asset_events or {}).values():
        for event in events:
            day = (getattr(event, "extra", None) or {}).get("scan_date")
            if day:
                days.add(dt.date.fromisoformat(str(day)[:10]))
    return days


def build_org_rollup():
    """Org-wide compliance per day, recomputed for the days whose account compliance changed.

    Scheduled on the one compliance feed every account updates: it waits for no set of
    accounts, needs no accounts list to parse, and reads the days from the events' extra."""
    from airflow.sdk import dag, get_current_context, task

    @dag(
        dag_id=ORG_ROLLUP_DAG_ID,
        description="Org-wide compliance per framework per day, over every account",
        schedule=[compliance_feed()],
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        tags=["postureflow", "org"],
    )
    def posture_org_rollup():
        @task
        def rollup() -> list[dict]:
            from postureflow.compliance.org import write_org_compliance
            from postureflow.lake import Lake

            context = get_current_context()
            days = days_from_events(context.get("triggering_asset_events"))
            if not days:  # a manual run: the day it is run for
                when = context.get("logical_date") or context["dag_run"].run_after
                days.add(when.date())
            lake = Lake.default()
            return [write_org_compliance(lake, day) for day in sorted(days)]

        rollup()

    return posture_org_rollup()


# -- the DAG files ----------------------------------------------------------------------------------------


@functools.cache
def _unfreeze_at_exit() -> None:
    atexit.register(gc.unfreeze)


def _freeze_until_exit() -> None:
    """Leave the objects built so far out of the collector's walks until the process exits.

    The DAGs live as long as the process (the DAG file's module holds them), so the first
    collection after the build would walk them all to free nothing: ~5% of a shard file's parse.
    Unfrozen at exit, so the interpreter's last collection still frees them (native extensions
    such as DuckDB's report objects left behind)."""
    _unfreeze_at_exit()
    gc.freeze()


def build_shard(namespace: dict[str, Any], dag_file: str, path: str | None = None) -> list[str]:
    """Define in ``namespace`` the DAG of every valid account whose alias hashes to this file.

    Invalid accounts are left out here and reported as the import error of
    dags/posture_accounts.py, so one bad account never stops the others from loading.
    """
    shard = shard_of_file(dag_file)
    built = []
    # No garbage collection while the DAGs are built: each collection would walk every object
    # made so far (the DAGs, all still in use) to free nothing; ~10% of a shard file's parse.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for account in load_accounts_cached(path, shard).accounts:
            namespace[account.dag_id] = build_dag(account)
            built.append(account.dag_id)
    finally:
        if collecting:
            _freeze_until_exit()
            gc.enable()
    return built


def build_all(namespace: dict[str, Any], path: str | None = None) -> list[str]:
    """Every account's DAG and the org rollup in one namespace (one process, e.g. a script)."""
    built = []
    for shard in range(SHARDS):
        built += build_shard(namespace, shard_file_name(shard), path)
    namespace[ORG_ROLLUP_DAG_ID] = build_org_rollup()
    return [*built, ORG_ROLLUP_DAG_ID]
