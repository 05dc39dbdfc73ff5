"""docker-compose.yaml: valid against the Compose Specification's JSON schema, and right for postureflow.

The schema is the compose-spec schema that check-jsonschema ships (vendored from
compose-spec/compose-go, Apache-2.0); Docker itself is never run. The file is checked as
written and after Compose's variable interpolation (reimplemented here), so a
default that breaks a field's type is caught too.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from importlib import resources
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker-compose.yaml"
DOCKERFILE = ROOT / "docker" / "Dockerfile"
INIT = ROOT / "docker" / "init.sh"

CORE = ["postgres", "airflow-init", "airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer"]
AIRFLOW_DAEMONS = ["airflow-apiserver", "airflow-scheduler", "airflow-dag-processor", "airflow-triggerer"]
SECRETS = ["POSTGRES_PASSWORD", "AIRFLOW_FERNET_KEY", "AIRFLOW_JWT_SECRET", "AIRFLOW_API_SECRET_KEY", "POSTUREFLOW_ADMIN_PASSWORD"]
TEST_ENV = {name: f"test-{name.lower()}" for name in SECRETS}


class InterpolationError(ValueError):
    pass


_VAR = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}|(?P<named>[A-Za-z_][A-Za-z0-9_]*))"
)


def interpolate(value, env: dict[str, str]):
    """Compose's variable substitution: $$, $VAR, ${VAR}, ${VAR:-default}, ${VAR-default},
    ${VAR:?error}, ${VAR?error}, ${VAR:+alternative}, ${VAR+alternative}."""
    if isinstance(value, dict):
        return {k: interpolate(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, env) for v in value]
    if not isinstance(value, str):
        return value

    def one(match: re.Match) -> str:
        if match["escaped"]:
            return "$"
        name = match["braced"] or match["named"]
        op, arg = match["op"], match["arg"] or ""
        present = name in env
        filled = present and env[name] != ""
        if op in (":-", "-"):
            return env[name] if (filled if op == ":-" else present) else arg
        if op in (":?", "?"):
            if not (filled if op == ":?" else present):
                raise InterpolationError(f"required variable {name} is missing a value: {arg}")
            return env[name]
        if op in (":+", "+"):
            return arg if (filled if op == ":+" else present) else ""
        return env.get(name, "")

    return _VAR.sub(one, value)


@pytest.fixture(scope="module")
def raw() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def compose(raw) -> dict:
    return interpolate(raw, TEST_ENV)


@pytest.fixture(scope="module")
def schema_validator() -> Draft202012Validator:
    schema_file = resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
    schema = json.loads(schema_file.read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def errors(validator, document) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]


def published(service: dict) -> list[tuple[str | None, str]]:
    """(host ip, host port) of every published port, short or long syntax."""
    out = []
    for port in service.get("ports", []):
        if isinstance(port, dict):
            if port.get("published") is not None:
                out.append((port.get("host_ip"), str(port["published"])))
            continue
        parts = str(port).split(":")
        if len(parts) == 3:
            out.append((parts[0], parts[1]))
        elif len(parts) == 2:
            out.append((None, parts[0]))
        # a bare container port publishes on a random host port of every interface
        else:
            out.append((None, "random"))
    return out


# -- the specification ----------------------------------------------------------------------------


def test_valid_against_the_compose_specification(raw, compose, schema_validator):
    assert errors(schema_validator, raw) == []
    assert errors(schema_validator, compose) == []


def test_the_schema_check_catches_mistakes(compose, schema_validator):
    broken = json.loads(json.dumps(compose))
    broken["services"]["airflow-scheduler"]["depends_on"]["postgres"]["condition"] = "service_ready"
    broken["services"]["postgres"]["healthcheck"]["intervall"] = "10s"
    broken["services"]["airflow-apiserver"]["restart"] = ["always"]
    found = errors(schema_validator, broken)
    assert any(e.startswith("services/airflow-scheduler/depends_on:") and "service_ready" in e for e in found)
    assert any("postgres/healthcheck" in e and "intervall" in e for e in found)
    assert any("airflow-apiserver/restart" in e for e in found)


def test_required_secrets_have_no_default(raw):
    for name in SECRETS:
        env = {k: v for k, v in TEST_ENV.items() if k != name}
        with pytest.raises(InterpolationError, match=name):
            interpolate(raw, env)
    with pytest.raises(InterpolationError, match="POSTGRES_PASSWORD"):
        interpolate(raw, {**TEST_ENV, "POSTGRES_PASSWORD": ""})


def test_interpolation_rules():
    env = {"SET": "x", "EMPTY": ""}
    assert interpolate("$$HOME ${SET} $SET ${EMPTY:-d} ${EMPTY-d} ${UNSET-d} ${SET:+alt} ${UNSET:+alt}", env) == (
        "$HOME x x d  d alt "
    )


# -- the services --------------------------------------------------------------------------------


def test_core_services_and_celery_run_by_default(compose):
    services = compose["services"]
    for name in [*CORE, "redis", "airflow-worker"]:
        assert name in services and "profiles" not in services[name], name
    assert services["airflow-cli"]["profiles"] == ["cli"]
    commands = {name: services[name].get("command") for name in services}
    assert commands["airflow-apiserver"] == "api-server"
    assert commands["airflow-scheduler"] == "scheduler"
    assert commands["airflow-dag-processor"] == "dag-processor"
    assert commands["airflow-triggerer"] == "triggerer"
    assert commands["airflow-worker"] == "celery worker"
    assert commands["airflow-init"] == ["bash", "/opt/postureflow/docker/init.sh"]


def test_healthchecks_and_start_order(compose):
    services = compose["services"]
    assert services["postgres"]["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    assert "redis-cli" in services["redis"]["healthcheck"]["test"]
    for name in [*AIRFLOW_DAEMONS, "airflow-worker"]:
        service = services[name]
        assert service.get("healthcheck", {}).get("test"), name
        deps = service["depends_on"]
        assert deps["postgres"]["condition"] == "service_healthy", name
        assert deps["airflow-init"]["condition"] == "service_completed_successfully", name
        assert service["restart"] == "always", name
    init = services["airflow-init"]
    assert init["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    assert init["restart"] == "no"
    worker = services["airflow-worker"]["depends_on"]
    assert worker["redis"]["condition"] == "service_healthy"
    assert worker["airflow-apiserver"]["condition"] == "service_healthy"
    assert services["airflow-scheduler"]["depends_on"]["redis"] == {"condition": "service_healthy"}


def test_published_ports_bind_to_loopback_only(compose):
    ports = {name: published(s) for name, s in compose["services"].items() if s.get("ports")}
    assert "airflow-apiserver" in ports
    for name, entries in ports.items():
        for host_ip, _ in entries:
            assert host_ip == "127.0.0.1", f"{name} publishes a port on every interface"
    assert published(compose["services"]["airflow-apiserver"]) == [("127.0.0.1", "8080")]
    assert "ports" not in compose["services"]["postgres"] and "ports" not in compose["services"]["redis"]


def test_named_volumes_are_declared_and_bind_mounts_exist(compose):
    declared = set(compose["volumes"])
    used = set()
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume["source"] if isinstance(volume, dict) else volume.split(":")[0]
            if source.startswith((".", "/")):
                assert (ROOT / source).exists(), f"{name} mounts {source}, which is not in the repository"
            else:
                assert source in declared, f"{name} uses volume {source}, not declared"
                used.add(source)
    assert used == declared
    assert {"postgres-db", "postureflow-lake", "airflow-logs", "airflow-auth"} <= declared


def test_project_is_mounted_where_airflow_and_postureflow_look(compose):
    env = compose["x-airflow-common"]["environment"]
    for name in AIRFLOW_DAEMONS:
        mounts = {v.split(":")[1]: v for v in compose["services"][name]["volumes"]}
        assert mounts[env["AIRFLOW__CORE__DAGS_FOLDER"]].startswith("./dags:")
        assert mounts[env["AIRFLOW__CORE__PLUGINS_FOLDER"]].startswith("./plugins:")
        assert mounts["/opt/postureflow/include"].startswith("./include:")
        assert mounts[env["POSTUREFLOW_LAKE"]].startswith("postureflow-lake:")
        assert env["POSTUREFLOW_ACCOUNTS"].startswith("/opt/postureflow/include/")
    assert Path(env["POSTUREFLOW_ACCOUNTS"]).name == "accounts.yaml"
    # the cli container writes the accounts file (discover); the daemons only read the project
    cli = {v.split(":")[1]: v for v in compose["services"]["airflow-cli"]["volumes"]}
    assert cli["/opt/postureflow/include"] == "./include:/opt/postureflow/include"
    assert all(v.endswith(":ro") for v in compose["services"]["airflow-scheduler"]["volumes"] if v.startswith("./"))
    # the passwords file is on a volume that only init (writes) and the API server (reads) mount
    holders = [n for n, s in compose["services"].items() if any("airflow-auth:" in v for v in s.get("volumes", []))]
    assert sorted(holders) == ["airflow-apiserver", "airflow-init"]


def test_airflow_settings(raw, compose):
    env = compose["x-airflow-common"]["environment"]
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    local = interpolate(raw, {**TEST_ENV, "POSTUREFLOW_EXECUTOR": "LocalExecutor"})
    for name in [*AIRFLOW_DAEMONS, "airflow-worker", "airflow-init"]:
        assert local["services"][name]["environment"]["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor", name
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == (
        f"postgresql+psycopg2://airflow:{TEST_ENV['POSTGRES_PASSWORD']}@postgres:5432/airflow"
    )
    assert env["AIRFLOW__CELERY__BROKER_URL"] == "redis://redis:6379/0"
    assert env["AIRFLOW__CORE__AUTH_MANAGER"].endswith("simple_auth_manager.SimpleAuthManager")
    assert env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"] == "admin:admin"
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://airflow-apiserver:8080/execution/"
    assert env["POSTUREFLOW_LAKE"] == "/opt/postureflow/lake"
    s3 = interpolate(raw, {**TEST_ENV, "POSTUREFLOW_LAKE": "s3://lake-bucket/pf"})
    assert s3["services"]["airflow-scheduler"]["environment"]["POSTUREFLOW_LAKE"] == "s3://lake-bucket/pf"
    # every daemon gets the same settings (the JWT secret must match across components)
    for name in [*AIRFLOW_DAEMONS, "airflow-init", "airflow-worker", "airflow-cli"]:
        service_env = compose["services"][name]["environment"]
        assert {k: service_env[k] for k in env} == env, name
    # the admin password reaches only the init service
    holders = [n for n, s in compose["services"].items() if "POSTUREFLOW_ADMIN_PASSWORD" in (s.get("environment") or {})]
    assert holders == ["airflow-init"]


def test_airflow_options_exist(compose):
    """Every AIRFLOW__SECTION__KEY names a real Airflow 3.3 option (the celery provider's are not installed here)."""
    from airflow.configuration import retrieve_configuration_description

    described = retrieve_configuration_description()
    provider_sections = {"celery"}
    for key in compose["x-airflow-common"]["environment"]:
        if not key.startswith("AIRFLOW__"):
            continue
        _, section, option = key.split("__", 2)
        if section.lower() in provider_sections:
            continue
        assert option.lower() in described.get(section.lower(), {}).get("options", {}), key


def test_securityhub_pool_matches_the_dags():
    from postureflow.runs import SECURITYHUB_POOL

    text = INIT.read_text()
    assert f'POOL_NAME="{SECURITYHUB_POOL}"' in text
    assert 'airflow pools set "${POOL_NAME}"' in text
    assert "airflow db migrate" in text
    assert "SIMPLE_AUTH_MANAGER_PASSWORDS_FILE" in text


@pytest.mark.skipif(shutil.which("bash") is None, reason="no bash")
def test_shell_scripts_parse():
    for script in (INIT, ROOT / "docker" / "make-env.sh"):
        subprocess.run(["bash", "-n", str(script)], check=True)


def test_make_env_writes_every_required_secret_once(tmp_path, raw):
    target = tmp_path / ".env"
    subprocess.run(["bash", str(ROOT / "docker" / "make-env.sh"), str(target)], check=True, capture_output=True)
    values = dict(
        line.split("=", 1) for line in target.read_text().splitlines() if line and not line.startswith("#")
    )
    assert set(SECRETS) <= set(values) and all(values[name] for name in SECRETS)
    assert target.stat().st_mode & 0o077 == 0  # private
    interpolate(raw, values)  # nothing missing
    import base64

    assert len(base64.urlsafe_b64decode(values["AIRFLOW_FERNET_KEY"])) == 32
    again = subprocess.run(["bash", str(ROOT / "docker" / "make-env.sh"), str(target)], capture_output=True, text=True)
    assert again.returncode == 1 and "not touching it" in again.stderr


def test_dockerfile_builds_on_the_pinned_airflow(compose):
    text = DOCKERFILE.read_text()
    pinned = re.search(r"^apache-airflow==(\S+)$", (ROOT / "requirements.txt").read_text(), re.M)[1]
    assert re.search(rf"^ARG AIRFLOW_IMAGE=apache/airflow:{re.escape(pinned)}$", text, re.M)
    assert re.search(r"^FROM \$\{AIRFLOW_IMAGE\}$", text, re.M)
    assert "pip install --no-cache-dir \"apache-airflow==${AIRFLOW_VERSION}\" -r /opt/postureflow/requirements.txt" in text
    for source in re.findall(r"^COPY (?:--\S+ )*(\S+) ", text, re.M):
        assert (ROOT / source).exists(), source
    build = compose["x-airflow-common"]["build"]
    assert (ROOT / build["context"] / build["dockerfile"]).resolve() == DOCKERFILE
    assert compose["x-airflow-common"]["image"].endswith(f":{pinned}")
    ignored = (ROOT / "docker" / "Dockerfile.dockerignore").read_text().split()
    assert ".venv" in ignored and "lake" in ignored and ".env" in ignored


def test_compose_is_the_topology_the_celery_test_runs(compose):
    """docker-compose.yaml and tests/e2e/test_celery_topology.py describe one topology: the same
    executor, the same Airflow processes, as many workers, the same shared settings."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("topology", ROOT / "tests" / "e2e" / "test_celery_topology.py")
    topology = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(topology)
    expected = topology.TOPOLOGY
    services = compose["services"]
    env = compose["x-airflow-common"]["environment"]
    assert env["AIRFLOW__CORE__EXECUTOR"] == expected["executor"]
    for service, command in expected["processes"].items():
        assert services[service]["command"] == command, service
    assert services["airflow-worker"]["deploy"]["replicas"] == expected["workers"]
    for key in expected["env"]:
        assert key in env, f"{key} is set in the topology test but not in docker-compose.yaml"
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].startswith("postgresql+psycopg2://")
    assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://")
    assert env["AIRFLOW__CELERY__RESULT_BACKEND"].startswith("db+postgresql://")
    assert "postgres" in services and services["redis"]["image"].startswith("redis:7")
