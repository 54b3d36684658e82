"""What the orchestration tests share: Airflow's environment, a mail catcher, warehouse
fingerprints, and processes that are always stopped.

Airflow commands run as the Makefile runs them (the same exported variables), against a data
directory of the test's own. Every process a test starts is found again by the data directory
in its environment, so it can be stopped by its id even when it started a session of its own
(cosmos runs dbt with ``setsid``).
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import hashlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from email.message import EmailMessage
from pathlib import Path

import duckdb
from harness import REPO_ROOT, SAMPLES_DIR, VENV

AIRFLOW = VENV / "airflow" / "bin" / "airflow"
DBT = VENV / "dbt" / "bin" / "dbt"
TEST_PSEUDONYMISATION_KEY = "test-only-pseudonymisation-key-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def airflow_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """The environment `make nightly` gives Airflow (see the Makefile's exports)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "UNDERSTOOD"))}
    home = data_dir / "airflow"
    env.update(
        UNDERSTOOD_DATA_DIR=str(data_dir),
        UNDERSTOOD_WAREHOUSE_PATH=str(data_dir / "warehouse" / "warehouse.next.duckdb"),
        UNDERSTOOD_DBT_EXECUTABLE=str(DBT),
        PYTHONUNBUFFERED="1",
        DO_NOT_TRACK="1",
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(REPO_ROOT / "dags"),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION="False",
        AIRFLOW__CORE__PARALLELISM="4",
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="admin:admin",
        AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE=str(home / "passwords.json"),
        AIRFLOW__LOGGING__LOGGING_LEVEL="INFO",
        AIRFLOW__COSMOS__ENABLE_TELEMETRY="False",
        AIRFLOW__COSMOS__CACHE_DIR=str(home / "cosmos_cache"),
    )
    # `make nightly` reads the secrets (the pseudonymisation key among them) from the data
    # directory's demo credentials; without that file, tests bring a key of their own.
    credentials = data_dir / "demo_credentials.env"
    if credentials.exists():
        for line in credentials.read_text().splitlines():
            name, sep, value = line.partition("=")
            if sep and name.strip():
                env[name.strip()] = value
    env.setdefault("UNDERSTOOD_PSEUDONYMISATION_KEY", TEST_PSEUDONYMISATION_KEY)
    env.update(extra)
    return env


def land_samples(data_dir: Path) -> None:
    """`make samples`: the bundled sample submissions (``<partner>/<dataset>/<file>``) copied
    into the landing zone."""
    for path in sorted(SAMPLES_DIR.glob("*/*/*")):
        if path.is_file() and path.name != "README.md":
            target = data_dir / "landing" / path.relative_to(SAMPLES_DIR)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)


def latest_run_id(data_dir: Path) -> str:
    """The id of the newest nightly run in a data directory's Airflow metadata (SQLite)."""
    with sqlite3.connect(data_dir / "airflow" / "airflow.db") as con:
        (run_id,) = con.execute(
            "select run_id from dag_run where dag_id = 'sefton_nightly' "
            "order by start_date desc limit 1"
        ).fetchone()
    return run_id


def copy_data_dir(source: Path, target: Path) -> Path:
    """A copy of a data directory (landing, raw, manifests, warehouse, Airflow home).

    Airflow writes absolute paths (its SQLite database among them) into ``airflow.cfg``: the
    copy's configuration points at the copy, so the original is never touched.
    """
    shutil.copytree(source, target, symlinks=True)
    config = target / "airflow" / "airflow.cfg"
    if config.exists():
        config.write_text(config.read_text().replace(str(source), str(target)))
    return target


def airflow(data_dir: Path, *args: str, timeout: float = 300, **extra: str):
    """Run an `airflow` command against ``data_dir``; returns the completed process."""
    return subprocess.run(
        [str(AIRFLOW), *args],
        env=airflow_env(data_dir, **extra),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


# --- the warehouse -------------------------------------------------------------------------------


def fingerprint(warehouse: Path) -> dict[str, tuple[int, str]]:
    """Every table and view of a DuckDB file: (row count, SHA-256 of its sorted rows and columns).

    Opened read-only with a fresh connection, as Superset and analysts open it.
    """
    with duckdb.connect(str(warehouse), read_only=True) as con:
        relations = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = current_database() order by 1, 2"
        ).fetchall()
        result = {}
        for schema, name in relations:
            cursor = con.execute(f'select * from "{schema}"."{name}"')
            columns = [(d[0], str(d[1])) for d in cursor.description]
            rows = sorted(repr(row) for row in cursor.fetchall())
            digest = hashlib.sha256(repr(columns).encode())
            for row in rows:
                digest.update(row.encode())
            result[f"{schema}.{name}"] = (len(rows), digest.hexdigest())
    return result


def built_from_manifests(dbt_manifest: Path) -> set[str]:
    """The relations dbt builds from the submission manifests (``schema.name``).

    Every delivery is recorded, duplicates and rejections included, so landing the same files
    again adds to these (and only these): the rest of the warehouse must not change.
    """
    project = json.loads(dbt_manifest.read_text())
    todo = [key for key in project["sources"] if key.endswith(".ingestion.manifests")]
    found: set[str] = set()
    while todo:
        for child in project["child_map"].get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    nodes = project["nodes"]
    return {
        f"{nodes[key]['schema']}.{nodes[key]['name']}"
        for key in found
        if key in nodes and nodes[key]["resource_type"] == "model"
    }


def same_but_deliveries(
    before: dict[str, tuple[int, str]], after: dict[str, tuple[int, str]], deliveries: set[str]
) -> list[str]:
    """The relations that differ between two fingerprints, the delivery record aside."""
    return [
        f"{name}: {before.get(name)} -> {after.get(name)}"
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name) and name not in deliveries
    ]


# --- processes -----------------------------------------------------------------------------------


def processes_of(data_dir: Path) -> list[int]:
    """The ids of running processes whose environment names ``data_dir`` as the data directory."""
    marker = f"UNDERSTOOD_DATA_DIR={data_dir}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        with suppress(OSError):
            if marker in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
    return found


def command_line(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def stop_processes(data_dir: Path, grace: float = 10) -> None:
    """SIGTERM every process started for ``data_dir``, then SIGKILL what is left."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5)):
        pids = processes_of(data_dir)
        if not pids:
            return
        for pid in pids:
            with suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and processes_of(data_dir):
            time.sleep(0.2)


# --- a mail catcher ------------------------------------------------------------------------------


class SmtpSink:
    """A local SMTP server that keeps what it receives (enough SMTP for smtplib, no TLS).

    ``with SmtpSink() as sink:`` serves on ``sink.port`` in a thread; ``sink.messages`` holds the
    parsed e-mails. ``connection`` is the Airflow connection (as JSON) that points at it.
    """

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._server: asyncio.AbstractServer | None = None

    @property
    def connection(self) -> str:
        extra = '{"disable_ssl": true, "disable_tls": true, "retry_limit": 0, "timeout": 10}'
        return (
            f'{{"conn_type": "smtp", "host": "127.0.0.1", "port": {self.port}, "extra": {extra}}}'
        )

    def wait_for(self, count: int, timeout: float = 30) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        return list(self.messages)

    def __enter__(self) -> SmtpSink:
        self._thread.start()
        self._ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(
            asyncio.start_server(self._session, "127.0.0.1", 0)
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()
        self._server.close()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async def reply(line: str) -> None:
            writer.write(f"{line}\r\n".encode())
            await writer.drain()

        await reply("220 sink ESMTP")
        while line := await reader.readline():
            verb = line.decode(errors="replace").strip().split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                await reply("250-sink\r\n250 8BITMIME" if verb == "EHLO" else "250 sink")
            elif verb == "DATA":
                await reply("354 end with <CRLF>.<CRLF>")
                lines = []
                while (data := await reader.readline()) not in (b".\r\n", b".\n", b""):
                    lines.append(data[1:] if data.startswith(b"..") else data)
                self.messages.append(
                    email.message_from_bytes(b"".join(lines), policy=email.policy.default)
                )
                await reply("250 queued")
            elif verb == "QUIT":
                await reply("221 bye")
                break
            else:  # MAIL, RCPT, RSET, NOOP
                await reply("250 ok")
        writer.close()


def body_text(message: EmailMessage) -> str:
    """The text of an e-mail's HTML body and its attachments, decoded."""
    parts = []
    for part in message.walk():
        if part.get_content_maintype() == "multipart":
            continue
        content = part.get_content()
        parts.append(content.decode() if isinstance(content, bytes) else content)
    return "\n".join(parts)


@contextmanager
def running(args: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    """A background process in a session of its own, logging to ``log``; stopped on exit."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        process = subprocess.Popen(
            args, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield process
    finally:
        for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
            with suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
            with suppress(subprocess.TimeoutExpired):
                process.wait(wait)
                break
