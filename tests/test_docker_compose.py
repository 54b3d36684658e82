"""The production deployment described by docker-compose.yml, checked as data.

No Docker engine runs where the tests run, so the compose file is never started here. These
tests read it (and .env.example and uv.lock) and check what a reviewer would: every service is
there and healthy before others rely on it, secrets only come from `.env`, the images install
the versions the lock file pins, and Airflow runs on Celery with Redis and PostgreSQL.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
ENV_EXAMPLE = REPO_ROOT / ".env.example"
LOCK_FILE = REPO_ROOT / "uv.lock"
# Where the images put the repository.
IMAGE_REPO_ROOT = "/opt/sefton"
DATA_DIR = "/data"

AIRFLOW_SERVICES = {
    "airflow-init",
    "airflow-api-server",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-worker",
}
SUPERSET_SERVICES = {"superset-init", "superset", "superset-worker"}
REQUIRED_SERVICES = {"postgres", "redis"} | AIRFLOW_SERVICES | SUPERSET_SERVICES
ONE_OFF_SERVICES = {"airflow-init", "superset-init"}
# Left empty, these switch a feature off (e-mail alerts) rather than break a service.
OPTIONAL_VARIABLES = {"AIRFLOW_CONN_SMTP_DEFAULT", "UNDERSTOOD_ALERT_EMAIL"}

# Build arguments that pin a package, and the package each pins in uv.lock.
VERSION_ARGS = {
    "AIRFLOW_VERSION": "apache-airflow",
    "COSMOS_VERSION": "astronomer-cosmos",
    "DBT_CORE_VERSION": "dbt-core",
    "DBT_DUCKDB_VERSION": "dbt-duckdb",
    "DUCKDB_VERSION": "duckdb",
    "SUPERSET_VERSION": "apache-superset",
    "DUCKDB_ENGINE_VERSION": "duckdb-engine",
}
# What each image must pin, at least.
PINNED_IN_IMAGE = {
    "airflow": {"apache-airflow", "dbt-core", "dbt-duckdb", "duckdb"},
    "superset": {"apache-superset", "duckdb-engine", "duckdb"},
}
# The dependency groups each image installs (the images' virtualenvs are named after them).
GROUPS_IN_IMAGE = {"airflow": {"airflow", "dbt"}, "superset": {"superset"}}
POSTGRES_DRIVERS = {"psycopg2-binary", "psycopg2", "psycopg"}

# Names of variables that hold a secret (a variable naming a file that holds one is a path).
SECRET_NAME = re.compile(r"^(?!.*_FILE$).*(PASSWORD|SECRET|FERNET|TOKEN|_KEY$|_AUTH$)")
# `$$` is compose's escape for a literal `$`; `${NAME}`, `${NAME:-default}`, `${NAME:?error}`
# are interpolations; anything else after a `$` is a mistake.
DOLLAR = re.compile(
    r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?[-?+])?(?P<arg>[^}]*)\}|\$(?P<bad>.?)"
)
URL_PASSWORD = re.compile(r"[a-z0-9+]+://[^:/@\s]*:(?P<password>[^@\s]+)@")


# --- reading the files -------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


@pytest.fixture(scope="module")
def lock() -> dict[str, Any]:
    with LOCK_FILE.open("rb") as file:
        return tomllib.load(file)


@pytest.fixture(scope="module")
def locked_versions(lock: dict[str, Any]) -> dict[str, set[str]]:
    versions: dict[str, set[str]] = {}
    for package in lock["package"]:
        versions.setdefault(package["name"], set()).add(package.get("version", ""))
    return versions


@pytest.fixture(scope="module")
def locked_groups(lock: dict[str, Any]) -> dict[str, set[str]]:
    """The project's dependency groups in uv.lock: group name -> package names."""
    with (REPO_ROOT / "pyproject.toml").open("rb") as file:
        project_name = tomllib.load(file)["project"]["name"]
    (project,) = [p for p in lock["package"] if p["name"] == project_name]
    return {
        group: {dependency["name"] for dependency in dependencies}
        for group, dependencies in project.get("dev-dependencies", {}).items()
    }


@pytest.fixture(scope="module")
def env_example() -> dict[str, str]:
    return dict(_env_example_entries())


def _env_example_entries() -> Iterator[tuple[str, str]]:
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, separator, value = line.partition("=")
            assert separator, f".env.example: not NAME=value: {line!r}"
            yield name.strip(), value.strip()


def _strings(node: Any) -> Iterator[str]:
    """Every string in the compose file (keys and values), where compose interpolates."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(key)
            yield from _strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item)


def _interpolations(text: str) -> Iterator[re.Match[str]]:
    return (m for m in DOLLAR.finditer(text) if m.group(0) != "$$")


def _without_interpolations(text: str) -> str:
    return DOLLAR.sub(lambda m: "$" if m.group(0) == "$$" else "placeholder", text)


def _is_required_interpolation(value: str) -> bool:
    match = DOLLAR.fullmatch(value.strip())
    return bool(match and match.group("name") and match.group("op") == ":?")


def _environment(service: dict[str, Any]) -> dict[str, str]:
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.partition("=")[::2] for item in environment)
    return {key: str(value) for key, value in environment.items()}


def _image_of(service: dict[str, Any]) -> str:
    """`airflow` or `superset`: which of the repository's images a service runs."""
    return service["image"].split("/")[-1].split(":")[0]


def _builds(services: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {_image_of(s): s["build"] for s in services.values() if "build" in s}


def _command(service: dict[str, Any]) -> str:
    command = service.get("command", "")
    return command if isinstance(command, str) else " ".join(command)


def _healthcheck_command(service: dict[str, Any]) -> str:
    test = service["healthcheck"]["test"]
    return test if isinstance(test, str) else " ".join(test)


def _mounts(service: dict[str, Any]) -> dict[str, tuple[str, bool]]:
    """Container path -> (source, read-only) for each volume of a service."""
    mounts = {}
    for volume in service.get("volumes", []):
        if isinstance(volume, str):
            source, target, *mode = volume.split(":")
            mounts[target] = (source, "ro" in mode)
        else:
            mounts[volume["target"]] = (volume.get("source", ""), volume.get("read_only", False))
    return mounts


def _published_container_ports(service: dict[str, Any]) -> set[int]:
    ports = set()
    for port in service.get("ports", []):
        if isinstance(port, dict):
            ports.add(int(port["target"]))
        else:
            ports.add(int(str(port).split("/")[0].rsplit(":", 1)[-1]))
    return ports


# --- services -------------------------------------------------------------------------------


def test_every_service_of_the_deployment_is_described(services: dict[str, Any]) -> None:
    assert services.keys() >= REQUIRED_SERVICES, REQUIRED_SERVICES - services.keys()


def test_long_running_services_have_healthchecks_and_restart(services: dict[str, Any]) -> None:
    for name, service in services.items():
        if name in ONE_OFF_SERVICES:
            assert service.get("restart", "no") == "no", f"{name} runs once and must not restart"
            assert "healthcheck" not in service, name
            continue
        assert service.get("healthcheck", {}).get("test"), f"{name} has no healthcheck"
        assert not service["healthcheck"].get("disable"), name
        assert service.get("restart") in {"always", "unless-stopped"}, name


def test_services_wait_until_what_they_need_is_ready(services: dict[str, Any]) -> None:
    for name, service in services.items():
        depends_on = service.get("depends_on", {})
        assert isinstance(depends_on, dict), f"{name}: depends_on without conditions"
        for dependency, spec in depends_on.items():
            expected = (
                "service_completed_successfully"
                if dependency in ONE_OFF_SERVICES
                else "service_healthy"
            )
            assert spec.get("condition") == expected, f"{name} -> {dependency}"
            if expected == "service_healthy":
                assert "healthcheck" in services[dependency], dependency
        if name in AIRFLOW_SERVICES | SUPERSET_SERVICES:
            assert {"postgres", "redis"} <= depends_on.keys(), name
        if name in AIRFLOW_SERVICES - ONE_OFF_SERVICES:
            assert "airflow-init" in depends_on, name
        if name in SUPERSET_SERVICES - ONE_OFF_SERVICES:
            assert "superset-init" in depends_on, name
    # Celery workers run tasks through the api-server's execution API.
    assert "airflow-api-server" in services["airflow-worker"]["depends_on"]


def test_the_web_interfaces_are_published(services: dict[str, Any]) -> None:
    assert 8080 in _published_container_ports(services["airflow-api-server"])
    assert 8088 in _published_container_ports(services["superset"])
    assert "/api/v2/monitor/health" in _healthcheck_command(services["airflow-api-server"])
    assert "/health" in _healthcheck_command(services["superset"])


def test_superset_is_served_by_gunicorn(services: dict[str, Any]) -> None:
    command = shlex.split(_command(services["superset"]))
    assert command[0] == "gunicorn"
    assert "--bind=0.0.0.0:8088" in command
    assert command[-1] == "superset.app:create_app()"
    init = shlex.split(_command(services["superset-init"]))
    assert init[:2] == ["python", "superset/bootstrap.py"]


# --- secrets and the .env file -----------------------------------------------------------------


def test_secrets_come_from_the_environment_never_from_the_file(
    compose: dict[str, Any], services: dict[str, Any]
) -> None:
    for name, service in services.items():
        assert "env_file" not in service, f"{name} would receive every secret in the file"
        for key, value in _environment(service).items():
            if SECRET_NAME.search(key):
                assert _is_required_interpolation(value), f"{name}: {key}={value!r}"
    # Passwords inside connection URLs, anywhere in the file (commands, configs, Dockerfiles).
    for text in _strings(compose):
        for match in URL_PASSWORD.finditer(text):
            assert _is_required_interpolation(match.group("password")), text
    # A secret is never given a default value.
    for text in _strings(compose):
        for match in _interpolations(text):
            if match.group("name") and SECRET_NAME.search(match.group("name")):
                assert match.group("op") == ":?", match.group(0)


def test_every_variable_is_listed_in_env_example(
    compose: dict[str, Any], env_example: dict[str, str]
) -> None:
    used = set()
    for text in _strings(compose):
        for match in _interpolations(text):
            assert match.group("name"), (
                f"write ${{NAME}}, or $$ for a literal dollar: {match.group(0)!r} in {text!r}"
            )
            used.add(match.group("name"))
    assert used - env_example.keys() == set(), "used in docker-compose.yml, not in .env.example"
    assert env_example.keys() - used == set(), "in .env.example, unused by docker-compose.yml"


def test_env_example_explains_each_variable_and_holds_no_secret(
    env_example: dict[str, str],
) -> None:
    paragraphs = ENV_EXAMPLE.read_text(encoding="utf-8").split("\n\n")
    for paragraph in paragraphs:
        lines = [line.strip() for line in paragraph.splitlines() if line.strip()]
        if any(not line.startswith("#") for line in lines):
            assert any(line.startswith("#") for line in lines), f"no comment for:\n{paragraph}"
    for name, value in env_example.items():
        assert value or name in OPTIONAL_VARIABLES, f"{name} has no placeholder value"
        if SECRET_NAME.search(name):
            assert value.startswith("change-me"), f"{name} must be a placeholder, not a secret"


# --- images and the lock file -----------------------------------------------------------------


def test_images_pin_the_versions_in_the_lock_file(
    services: dict[str, Any], locked_versions: dict[str, set[str]]
) -> None:
    builds = _builds(services)
    assert builds.keys() == PINNED_IN_IMAGE.keys()
    for image, build in builds.items():
        pinned = {
            VERSION_ARGS[arg]: str(v) for arg, v in build["args"].items() if arg in VERSION_ARGS
        }
        assert PINNED_IN_IMAGE[image] <= pinned.keys(), image
        for package, version in pinned.items():
            locked = locked_versions.get(package)
            assert locked == {version}, f"{image} pins {package}=={version}, uv.lock has {locked}"
        # The build fails if what uv installed differs from the pin.
        for arg, package in VERSION_ARGS.items():
            if arg in build["args"]:
                assert f"{package}==$${{{arg}}}" in build["dockerfile_inline"], (image, arg)


def test_images_install_from_the_lock_file_with_uv(
    services: dict[str, Any], lock: dict[str, Any], locked_groups: dict[str, set[str]]
) -> None:
    python = re.fullmatch(r"==(\d+\.\d+)\.\*", lock["requires-python"]).group(1)
    for image, build in _builds(services).items():
        dockerfile = build["dockerfile_inline"]
        assert re.search(rf"^FROM python:{re.escape(python)}-slim-bookworm$", dockerfile, re.M)
        assert re.fullmatch(r"\d+\.\d+\.\d+", str(build["args"]["UV_VERSION"])), image
        assert 'pip install --no-cache-dir "uv==$${UV_VERSION}"' in dockerfile, image
        syncs = re.findall(
            r"UV_PROJECT_ENVIRONMENT=/opt/venv/(\S+) uv sync ([^\n\\&]*)", dockerfile
        )
        assert syncs, image
        installed = set()
        for venv, options in syncs:
            assert "--frozen" in options.split(), f"{image}: uv sync without --frozen"
            groups = re.findall(r"--(?:only-)?group (\S+)", options)
            assert groups == [venv], f"{image}: /opt/venv/{venv} from {groups}"
            assert venv in locked_groups, f"group {venv} is not in uv.lock"
            installed.add(venv)
        assert installed == GROUPS_IN_IMAGE[image]


def test_the_airflow_group_locks_the_celery_executor_clients(
    locked_groups: dict[str, set[str]],
) -> None:
    airflow = locked_groups["airflow"]
    assert "apache-airflow-providers-celery" in airflow
    assert "redis" in airflow
    assert airflow & POSTGRES_DRIVERS, "no PostgreSQL driver for Airflow's metadata database"


def test_the_superset_group_locks_a_postgresql_driver(locked_groups: dict[str, set[str]]) -> None:
    assert locked_groups["superset"] & POSTGRES_DRIVERS, (
        "SUPERSET_METADATA_URI is postgresql+psycopg2: add psycopg2-binary to the superset group"
    )


def test_the_files_the_images_use_are_in_the_repository(services: dict[str, Any]) -> None:
    for image, build in _builds(services).items():
        for line in build["dockerfile_inline"].splitlines():
            if line.startswith("COPY ") and "--from" not in line:
                sources = [w for w in line.split()[1:-1] if not w.startswith("--")]
                for source in sources:
                    assert (REPO_ROOT / source).exists(), f"{image} image copies missing {source}"
    for name, service in services.items():
        for key, value in _environment(service).items():
            if value.startswith(f"{IMAGE_REPO_ROOT}/"):
                path = REPO_ROOT / value.removeprefix(f"{IMAGE_REPO_ROOT}/")
                assert path.exists(), f"{name}: {key}={value} is not in the repository"
        for word in shlex.split(_command(service)):
            if word.endswith(".py") and "/" in word:
                assert (REPO_ROOT / word).exists(), f"{name} runs missing {word}"


# --- data, executor and metadata ---------------------------------------------------------------


def test_airflow_workers_and_superset_share_the_data_volume(
    compose: dict[str, Any], services: dict[str, Any]
) -> None:
    worker_source, worker_read_only = _mounts(services["airflow-worker"])[DATA_DIR]
    assert not worker_read_only, "the worker writes the warehouse"
    assert worker_source in compose["volumes"], "data must live in a named volume"
    for name in AIRFLOW_SERVICES | SUPERSET_SERVICES:
        source, read_only = _mounts(services[name])[DATA_DIR]
        assert source == worker_source, name
        assert _environment(services[name])["UNDERSTOOD_DATA_DIR"] == DATA_DIR, name
        if name in SUPERSET_SERVICES:
            assert read_only, f"{name} only reads the published warehouse"


def test_airflow_runs_celery_with_redis_and_postgresql(services: dict[str, Any]) -> None:
    shared = None
    for name in sorted(AIRFLOW_SERVICES):
        env = _environment(services[name])
        airflow_settings = {k: v for k, v in env.items() if k.startswith("AIRFLOW__")}
        # Every component must agree, above all on the secrets that sign their tokens.
        assert shared in (None, airflow_settings), f"{name} differs from the other components"
        shared = airflow_settings
    assert shared["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    broker = urlsplit(_without_interpolations(shared["AIRFLOW__CELERY__BROKER_URL"]))
    assert (broker.scheme, broker.hostname) == ("redis", "redis")
    database = urlsplit(_without_interpolations(shared["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]))
    assert database.scheme.startswith("postgresql")
    assert (database.hostname, database.path) == ("postgres", "/airflow")
    result_backend = urlsplit(_without_interpolations(shared["AIRFLOW__CELERY__RESULT_BACKEND"]))
    assert result_backend.scheme == "db+postgresql+psycopg2"
    assert result_backend.hostname == "postgres"
    expected = {
        "AIRFLOW__CORE__PARALLELISM": "4",
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": f"{IMAGE_REPO_ROOT}/dags",
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
    }
    assert {k: shared.get(k) for k in expected} == expected
    for key in (
        "AIRFLOW__API__BASE_URL",
        "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS",
        "AIRFLOW__CORE__FERNET_KEY",
        "AIRFLOW__API__SECRET_KEY",
        "AIRFLOW__API_AUTH__JWT_SECRET",
    ):
        assert shared.get(key), key
    execution_api = urlsplit(shared["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"])
    assert (execution_api.hostname, execution_api.path) == ("airflow-api-server", "/execution/")
    assert execution_api.port in _published_container_ports(services["airflow-api-server"])
    assert shlex.split(_command(services["airflow-worker"]))[:3] == ["airflow", "celery", "worker"]


def test_airflow_runs_dbt_from_its_own_environment(services: dict[str, Any]) -> None:
    dockerfile = services["airflow-worker"]["build"]["dockerfile_inline"]
    for name in AIRFLOW_SERVICES:
        dbt = _environment(services[name])["UNDERSTOOD_DBT_EXECUTABLE"]
        venv = dbt.removesuffix("/bin/dbt")
        assert f"UV_PROJECT_ENVIRONMENT={venv} uv sync --frozen --only-group dbt" in dockerfile


def test_superset_uses_postgresql_and_redis(services: dict[str, Any]) -> None:
    for name in SUPERSET_SERVICES:
        env = _environment(services[name])
        metadata = urlsplit(_without_interpolations(env["SUPERSET_METADATA_URI"]))
        assert metadata.scheme.startswith("postgresql")
        assert (metadata.hostname, metadata.path) == ("postgres", "/superset")
        redis = urlsplit(_without_interpolations(env["SUPERSET_REDIS_URL"]))
        assert (redis.scheme, redis.hostname) == ("redis", "redis")
        assert env["SUPERSET_CONFIG_PATH"] == f"{IMAGE_REPO_ROOT}/superset/superset_config.py"
        assert _is_required_interpolation(env["SUPERSET_SECRET_KEY"])


def test_postgres_creates_both_metadata_databases(
    compose: dict[str, Any], services: dict[str, Any]
) -> None:
    postgres = services["postgres"]
    assert postgres["image"].split(":")[1].split("-")[0].split(".")[0] == "15"
    assert services["redis"]["image"].split(":")[1].split("-")[0].split(".")[0] == "7"
    assert "pg_isready" in _healthcheck_command(postgres)
    assert "redis-cli ping" in _healthcheck_command(services["redis"])
    (init,) = [c for c in postgres["configs"] if "docker-entrypoint-initdb.d" in c["target"]]
    script = compose["configs"][init["source"]]["content"]
    assert set(re.findall(r"CREATE DATABASE (\w+) OWNER (\w+)", script)) == {
        ("airflow", "airflow"),
        ("superset", "superset"),
    }
    # The roles' passwords reach the script through the container's environment only.
    assert "PASSWORD :'" in script
    for variable in ("AIRFLOW_DB_PASSWORD", "SUPERSET_DB_PASSWORD"):
        assert f'"$${variable}"' in script
        assert _is_required_interpolation(_environment(postgres)[variable])


def test_the_celery_executor_imports_in_the_locked_airflow_environment(
    services: dict[str, Any], tmp_path: Path
) -> None:
    """The worker's healthcheck names Airflow's Celery app; it must load from the lock."""
    match = re.search(r"--app[= ](\S+)\.app\b", _healthcheck_command(services["airflow-worker"]))
    assert match, "the worker healthcheck does not name the Celery app"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env |= {"AIRFLOW_HOME": str(tmp_path), "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor"}
    result = subprocess.run(
        [sys.executable, "-c", f"import {match.group(1)} as m; assert m.app"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
