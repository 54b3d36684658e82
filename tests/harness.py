"""Helpers the tests share: where things are, and running Makefile targets as a user would.

(A module of its own rather than conftest.py: several test folders have a conftest.py, and
``from conftest import ...`` would pick whichever came first on ``sys.path``.)
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
VENV = REPO_ROOT / ".venv"
SAMPLES_DIR = REPO_ROOT / "data" / "samples"


def user_env() -> dict[str, str]:
    """The environment of a user running make: none of this session's Airflow or project
    settings, and Superset looked for on a port where none listens, so that a demo serving on
    8088 while the tests run is never refreshed by a test's nightly run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "UNDERSTOOD"))}
    env["SUPERSET_PORT"] = str(free_port())
    return env


def make(*targets: str, data_dir: Path | None = None, **env: str) -> subprocess.CompletedProcess:
    """Run Makefile targets as a user would, optionally against another data directory."""
    run_env = user_env()
    if data_dir is not None:
        run_env["UNDERSTOOD_DATA_DIR"] = str(data_dir)
    run_env.update(env)
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(REPO_ROOT), *targets],
        env=run_env,
        capture_output=True,
        text=True,
        check=False,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def redis_server() -> Iterator[str]:
    """A Redis server of the caller's own, on a free port, without persistence: its URL.

    Redis comes from Debian's packages (``.ci/run`` installs ``redis-server``).
    """
    import redis

    executable = shutil.which("redis-server") or "/usr/bin/redis-server"
    assert Path(executable).exists(), "redis-server is needed: apt-get install redis-server"
    port = free_port()
    root = Path(tempfile.mkdtemp(prefix="understood-redis-"))
    log = root / "redis.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [executable, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(root)],
            stdout=output, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        client = redis.Redis(port=port)
        deadline = time.monotonic() + 20
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                assert process.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(root, ignore_errors=True)
