"""The production configuration, proven here: the same DAGs under a real scheduler.

PostgreSQL holds Airflow's metadata; `airflow scheduler`, `airflow dag-processor` and
`airflow api-server` run as processes (and, for the CeleryExecutor, Redis as the broker and one
`airflow celery worker`), with the settings docker-compose.yml gives them. The nightly DAG is
triggered through the REST API as an operator or a script would, and must succeed and publish
the warehouse from the bundled samples. Every process is stopped afterwards, also on failure.

Each test prints the run's wall time broken down by task (`pytest -s` shows it).
"""

from __future__ import annotations

import json
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import duckdb
import pytest
import requests
from airflow_testbed import (
    AIRFLOW,
    airflow_env,
    free_port,
    land_samples,
    running,
    stop_processes,
)
from harness import redis_server

pytestmark = pytest.mark.slow

PG_BIN = Path("/usr/lib/postgresql/15/bin")
RUN_TIMEOUT = 240


@dataclass
class Postgres:
    port: int
    root: Path

    def url(self, database: str, driver: str = "postgresql+psycopg2") -> str:
        return f"{driver}://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> None:
        self._as_postgres(
            PG_BIN / "psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
            "-c", f"create database {name}",
        )  # fmt: skip

    def _as_postgres(self, *args: object) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *map(str, args)],
            check=True, capture_output=True, text=True, timeout=60,
        )  # fmt: skip


@pytest.fixture(scope="module")
def postgres() -> Iterator[Postgres]:
    """A PostgreSQL 15 server of the tests' own, as the ``postgres`` user, on a free port."""
    assert (PG_BIN / "initdb").exists(), f"PostgreSQL 15 server binaries are needed in {PG_BIN}"
    root = Path(tempfile.mkdtemp(prefix="understood-pg-"))
    shutil.chown(root, "postgres", "postgres")
    server = Postgres(port=free_port(), root=root)
    server._as_postgres(PG_BIN / "initdb", "-D", root / "data", "--auth=trust", "-U", "postgres")
    options = f"-p {server.port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    server._as_postgres(
        PG_BIN / "pg_ctl", "-D", root / "data", "-l", root / "server.log", "-o", options,
        "-w", "start",
    )  # fmt: skip
    try:
        yield server
    finally:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", str(PG_BIN / "pg_ctl"), "-D", str(root / "data"),
             "-m", "immediate", "-w", "stop"],
            check=False, capture_output=True, timeout=60,
        )  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)


@dataclass
class Deployment:
    url: str
    data_dir: Path
    logs: Path
    session: requests.Session

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        return self.session.request(method, f"{self.url}{path}", timeout=30, **kwargs)

    def log_tails(self, lines: int = 40) -> str:
        tails = []
        for log in sorted(self.logs.glob("*.log")):
            text = log.read_text(errors="replace").splitlines()[-lines:]
            tails.append(f"--- {log.name}\n" + "\n".join(text))
        return "\n".join(tails)


def deploy(
    stack: ExitStack,
    postgres: Postgres,
    executor: str,
    tmp_path: Path,
    database: str,
    **extra: str,
) -> Deployment:
    """Migrate a fresh metadata database, start the Airflow components, log in over REST."""
    data_dir = Path(tempfile.mkdtemp(prefix=f"understood-{executor.lower()}-"))
    stack.callback(shutil.rmtree, data_dir, True)
    stack.callback(stop_processes, data_dir)  # anything left once the components are stopped
    land_samples(data_dir)
    postgres.create_database(database)
    port = free_port()
    password = secrets.token_urlsafe(12)
    env = airflow_env(
        data_dir,
        AIRFLOW__CORE__EXECUTOR=executor,
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=postgres.url(database),
        AIRFLOW__API__PORT=str(port),
        AIRFLOW__API__BASE_URL=f"http://localhost:{port}",
        AIRFLOW__CORE__EXECUTION_API_SERVER_URL=f"http://localhost:{port}/execution/",
        AIRFLOW__API__SECRET_KEY=secrets.token_urlsafe(16),
        AIRFLOW__API_AUTH__JWT_SECRET=secrets.token_urlsafe(32),
        AIRFLOW__LOGGING__LOGGING_LEVEL="WARNING",
        # Only the run triggered over REST: no run for the latest 02:00 on first start.
        AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE="False",
        **extra,
    )
    home = Path(env["AIRFLOW_HOME"])
    home.mkdir(parents=True)
    Path(env["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"]).write_text(
        json.dumps({"admin": password})
    )
    migrated = subprocess.run(
        [str(AIRFLOW), "db", "migrate"], env=env, capture_output=True, text=True, timeout=180
    )
    assert migrated.returncode == 0, migrated.stdout[-3000:] + migrated.stderr[-3000:]

    logs = tmp_path / f"logs-{executor.lower()}"
    commands = {
        "api-server": [str(AIRFLOW), "api-server", "--port", str(port)],
        "scheduler": [str(AIRFLOW), "scheduler"],
        "dag-processor": [str(AIRFLOW), "dag-processor"],
    }
    if executor == "CeleryExecutor":
        commands["celery-worker"] = [str(AIRFLOW), "celery", "worker"]
    for name, args in commands.items():
        stack.enter_context(running(args, env, logs / f"{name}.log"))

    deployment = Deployment(f"http://127.0.0.1:{port}", data_dir, logs, requests.Session())
    deadline = time.monotonic() + 120
    while True:
        try:
            health = requests.get(f"{deployment.url}/api/v2/monitor/health", timeout=5).json()
            if health["scheduler"]["status"] == "healthy":
                break
        except (requests.RequestException, ValueError, KeyError):
            pass
        assert time.monotonic() < deadline, "Airflow is not healthy:\n" + deployment.log_tails()
        time.sleep(2)
    token = requests.post(
        f"{deployment.url}/auth/token",
        json={"username": "admin", "password": password},
        timeout=30,
    )
    assert token.ok, token.text
    deployment.session.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
    return deployment


def run_nightly(deployment: Deployment) -> dict:
    """Trigger sefton_nightly over REST once the dag-processor has parsed it; wait for the end."""
    deadline = time.monotonic() + 90
    while deployment.api("GET", "/api/v2/dags/sefton_nightly").status_code != 200:
        assert time.monotonic() < deadline, "the DAG was never parsed:\n" + deployment.log_tails()
        time.sleep(2)
    triggered = deployment.api(
        "POST", "/api/v2/dags/sefton_nightly/dagRuns", json={"logical_date": None}
    )
    assert triggered.ok, triggered.text
    run_id = triggered.json()["dag_run_id"]
    deadline = time.monotonic() + RUN_TIMEOUT
    while True:
        run = deployment.api("GET", f"/api/v2/dags/sefton_nightly/dagRuns/{run_id}").json()
        if run["state"] in ("success", "failed"):
            break
        assert time.monotonic() < deadline, f"run still {run['state']}:\n" + deployment.log_tails()
        time.sleep(3)
    tasks = deployment.api(
        "GET",
        f"/api/v2/dags/sefton_nightly/dagRuns/{run_id}/taskInstances",
        params={"limit": 1000},
    ).json()["task_instances"]
    run["tasks"] = tasks
    print_breakdown(run)
    return run


def print_breakdown(run: dict) -> None:
    """The run's wall time by task: when each (group of) task(s) ran, and for how long."""

    def moment(value: str) -> datetime:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))

    began = moment(run["start_date"])
    wall = (moment(run["end_date"]) - began).total_seconds()
    print(f"\nsefton_nightly {run['state']} in {wall:.1f} s wall (from the run's start, seconds):")
    groups: dict[str, list[dict]] = {}
    for ti in run["tasks"]:
        name = ti["task_id"]
        if name.startswith("dbt.") and name.endswith(("_run", "_seed")):
            name = "dbt.<model>_run / _seed (per-model tasks)"
        groups.setdefault(name, []).append(ti)
    rows = []
    for name, tis in groups.items():
        ran = [ti for ti in tis if ti["start_date"] and ti["end_date"]]
        if not ran:
            continue
        first = min((moment(ti["start_date"]) - began).total_seconds() for ti in ran)
        last = max((moment(ti["end_date"]) - began).total_seconds() for ti in ran)
        busy = sum(ti["duration"] or 0 for ti in ran)
        rows.append((first, last, busy, len(ran), name))
    for first, last, busy, count, name in sorted(rows):
        print(f"  {first:6.1f} -> {last:6.1f}  busy {busy:6.1f}  {name} ({count})")


def assert_published(deployment: Deployment, run: dict) -> None:
    states = {ti["task_id"]: ti["state"] for ti in run["tasks"]}
    assert run["state"] == "success", f"{states}\n{deployment.log_tails()}"
    assert states["publish"] == "success"
    assert states["check_run"] == "skipped"
    warehouse = deployment.data_dir / "warehouse" / "warehouse.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        (rows,) = con.execute("select count(*) from marts.published_scorecard").fetchone()
    assert rows > 0
    reports = list((deployment.data_dir / "reports").glob("nightly-*.md"))
    assert reports and "**Warehouse published**" in reports[0].read_text()


@pytest.mark.timeout(420)
def test_local_executor_with_postgresql(
    postgres: Postgres, dbt_manifest: Path, tmp_path: Path
) -> None:
    with ExitStack() as stack:
        deployment = deploy(stack, postgres, "LocalExecutor", tmp_path, "airflow_local")
        assert_published(deployment, run_nightly(deployment))


@pytest.fixture
def redis() -> Iterator[str]:
    with redis_server() as url:
        yield url


@pytest.mark.timeout(420)
def test_celery_executor_with_redis(
    postgres: Postgres, redis: str, dbt_manifest: Path, tmp_path: Path
) -> None:
    with ExitStack() as stack:
        deployment = deploy(
            stack,
            postgres,
            "CeleryExecutor",
            tmp_path,
            "airflow_celery",
            AIRFLOW__CELERY__BROKER_URL=redis,
            AIRFLOW__CELERY__RESULT_BACKEND=postgres.url(
                "airflow_celery", "db+postgresql+psycopg2"
            ),
            AIRFLOW__CELERY__WORKER_CONCURRENCY="4",
        )
        assert_published(deployment, run_nightly(deployment))
