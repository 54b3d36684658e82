"""Fixtures for the Superset tests: a warehouse to serve and one real Superset server.

The tests run from the Airflow environment, which does not have Superset: the server and
the bootstrap run as subprocesses of ``.venv/superset``. They serve a copy of the warehouse
that the real nightly pipeline published from the bundled samples, plus two restricted
(OFFICIAL-SENSITIVE) probe rows, so row-level security has something to hide.

Three users: the admin, and the demo analyst and partner viewer that ``bootstrap.py init``
creates from superset/access.yml with names and passwords from the environment.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest
import requests
from access_probes import add_restricted_rows
from browser import CHROMIUM, CHROMIUM_ARGS
from harness import free_port, redis_server

REPO_ROOT = Path(__file__).resolve().parents[2]
SUPERSET_DIR = REPO_ROOT / "superset"
SUPERSET_PYTHON = REPO_ROOT / ".venv" / "superset" / "bin" / "python"
BOOTSTRAP = SUPERSET_DIR / "bootstrap.py"


@dataclass
class SupersetServer:
    url: str
    admin_user: str
    admin_password: str
    warehouse: Path
    env: dict[str, str]
    # role -> (username, password): "admin", "analyst", "partner"
    users: dict[str, tuple[str, str]] = field(default_factory=dict)

    def api_session(self, role: str = "admin") -> requests.Session:
        """A requests session logged in through the REST API, with a CSRF token."""
        username, password = self.users.get(role, (self.admin_user, self.admin_password))
        session = requests.Session()
        response = session.post(
            f"{self.url}/api/v1/security/login",
            json={
                "username": username,
                "password": password,
                "provider": "db",
                "refresh": False,
            },
            timeout=30,
        )
        response.raise_for_status()
        session.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
        csrf = session.get(f"{self.url}/api/v1/security/csrf_token/", timeout=30)
        csrf.raise_for_status()
        session.headers["X-CSRFToken"] = csrf.json()["result"]
        session.headers["Referer"] = self.url
        return session

    def publish_with_probe_row(self, code: str) -> None:
        """Publish a warehouse with one extra scorecard row, the way the pipeline does:
        build a copy beside the served file, then ``os.replace`` it."""
        building = self.warehouse.with_name("warehouse.next.duckdb")
        shutil.copyfile(self.warehouse, building)
        with duckdb.connect(str(building)) as con:
            con.execute(
                "insert into marts.published_scorecard select * replace ("
                "'probe' as scorecard_row_id, ? as indicator_code, 'Publish probe' as "
                "indicator_title) from marts.published_scorecard limit 1",
                [code],
            )
        os.replace(building, self.warehouse)

    def run_bootstrap(self, *args: str, timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(SUPERSET_PYTHON), str(BOOTSTRAP), *args],
            env=self.env,
            check=True,
            timeout=timeout,
            capture_output=True,
            text=True,
        )


@pytest.fixture(scope="session")
def superset_server(
    tmp_path_factory: pytest.TempPathFactory, nightly_run: tuple[Path, str]
) -> Iterator[SupersetServer]:
    """Bootstrap a fresh metadata database, serve it, and stop the server at the end.

    The server serves a copy of the warehouse the real nightly pipeline published from the
    bundled samples (``nightly_run`` in the root conftest.py), in a data directory of its
    own, so tests can swap the file the way a publish does without touching the original.
    """
    state = tmp_path_factory.mktemp("superset")
    data_dir = state / "data"
    warehouse = data_dir / "warehouse" / "warehouse.duckdb"
    warehouse.parent.mkdir(parents=True)
    shutil.copyfile(nightly_run[0] / "warehouse" / "warehouse.duckdb", warehouse)
    add_restricted_rows(warehouse)

    env = {
        **os.environ,
        "UNDERSTOOD_DATA_DIR": str(data_dir),
        "SUPERSET_HOME": str(state / "home"),
        "SUPERSET_SECRET_KEY": secrets.token_urlsafe(42),
        "SUPERSET_METADATA_URI": f"sqlite:///{state / 'superset.db'}?check_same_thread=false",
        "SUPERSET_ADMIN_USER": "admin",
        "SUPERSET_ADMIN_PASSWORD": secrets.token_urlsafe(16),
        "SUPERSET_ANALYST_USER": "analyst",
        "SUPERSET_ANALYST_PASSWORD": secrets.token_urlsafe(16),
        "SUPERSET_PARTNER_USER": "police_viewer",
        "SUPERSET_PARTNER_PASSWORD": secrets.token_urlsafe(16),
    }
    env.pop("SUPERSET_CONFIG_PATH", None)
    port = free_port()
    server = SupersetServer(
        url=f"http://127.0.0.1:{port}",
        admin_user=env["SUPERSET_ADMIN_USER"],
        admin_password=env["SUPERSET_ADMIN_PASSWORD"],
        warehouse=warehouse,
        env=env,
        users={
            role: (env[f"SUPERSET_{key}_USER"], env[f"SUPERSET_{key}_PASSWORD"])
            for role, key in (("admin", "ADMIN"), ("analyst", "ANALYST"), ("partner", "PARTNER"))
        },
    )
    # Redis holds Superset's caches, as in production: chart results are cached, so the tests
    # see what a partner sees between a publish and the refresh that follows it.
    with redis_server() as redis_url:
        env["SUPERSET_REDIS_URL"] = redis_url
        server.run_bootstrap("init")
        try:
            server.run_bootstrap("serve", "--port", str(port), "--workers", "2", timeout=300)
            yield server
        finally:
            server.run_bootstrap("stop")
            _wait_closed(port)


def _wait_closed(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) != 0:
                return
        time.sleep(0.5)


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (Debian's package; ``.ci/run`` installs it), one per test module."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed (apt-get install -y chromium)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()
