"""Superset configuration for Sefton Understood.

Loaded by Superset through ``SUPERSET_CONFIG_PATH`` (``superset/bootstrap.py`` sets it).
Everything secret or machine-specific comes from the environment:

SUPERSET_SECRET_KEY          required; signs sessions and encrypts stored credentials
SUPERSET_METADATA_URI        metadata database (default: SQLite under the data directory)
SUPERSET_REDIS_URL           optional; when set, Redis holds Superset's caches
SUPERSET_SESSION_COOKIE_SECURE  ``true`` when Superset is served over HTTPS
SUPERSET_PROXY_FIX           ``true`` behind a reverse proxy (trust X-Forwarded-*)
SUPERSET_EMBEDDED            ``true`` to allow embedding dashboards with guest tokens; then
                             SUPERSET_GUEST_TOKEN_SECRET (signs them) and
                             SUPERSET_EMBED_ORIGINS (space-separated origins that may frame)
UNDERSTOOD_DATA_DIR          the project's data directory (default: ``data/`` in the repo)
SUPERSET_HOME                Superset's own state: metadata, logs, pid file
                             (default: ``$UNDERSTOOD_DATA_DIR/superset``)

The warehouse connection
------------------------
Superset reads ``warehouse/warehouse.duckdb``, which the nightly run replaces with
``os.replace``. DuckDB caches one database instance per path inside a process: while any
connection to the old file is open, a new connection to the same path gets the old file's
database. Superset makes a new SQLAlchemy engine with ``NullPool`` for every query
(``Database.get_sqla_engine`` defaults to ``nullpool=True``) and ``_harden_duckdb`` below
pins ``NullPool`` and the read-only settings for every DuckDB connection, whatever the
stored connection says, so editing the connection in the UI cannot undo them.

Opening the 5 GB warehouse and closing it again cost 30-40 ms of every chart request, so
the DuckDB connection of a query is not a new database but a cursor (DuckDB's own
per-query connection) of the published file's database that the worker keeps open
(``_WarehouseDatabases``). Before every query the file is looked at (``os.stat``): once a
publish has replaced it, the old database is closed as soon as its running queries end
and the next query opens the new file. Queries that start while old ones still run get a
connection of their own and, exactly as with ``NullPool``, still see the old file. A
database nobody queried for a minute is closed, which gives back its memory and the space
of a replaced file. Each query's cursor is closed when the query ends, so temporary tables
and session settings die with it; the database-wide settings cannot be changed
(``lock_configuration``).
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import sqlite3
import sys
import threading
import time
import weakref
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb
from duckdb_engine import ConnectionWrapper
from duckdb_engine.config import get_core_config
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.engine.url import URL
from sqlalchemy.pool import NullPool, QueuePool

REPO_ROOT = Path(__file__).resolve().parent.parent
UNDERSTOOD_DATA_DIR = Path(os.environ.get("UNDERSTOOD_DATA_DIR") or REPO_ROOT / "data")
SUPERSET_STATE_DIR = Path(os.environ.get("SUPERSET_HOME") or UNDERSTOOD_DATA_DIR / "superset")
SUPERSET_STATE_DIR.mkdir(parents=True, exist_ok=True)


def _flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


SECRET_KEY = os.environ.get("SUPERSET_SECRET_KEY", "")
if not SECRET_KEY:
    raise RuntimeError(
        "SUPERSET_SECRET_KEY is not set. Superset signs sessions and encrypts the stored "
        "connection with it. Generate one (python -c 'import secrets; "
        "print(secrets.token_urlsafe(42))'), export it as SUPERSET_SECRET_KEY and keep it: "
        "changing it makes the stored connection unreadable."
    )

# Superset's own files (log file, default SQLite) stay under the data directory,
# never in the home directory.
DATA_DIR = str(SUPERSET_STATE_DIR)
SQLALCHEMY_DATABASE_URI = os.environ.get("SUPERSET_METADATA_URI") or (
    f"sqlite:///{SUPERSET_STATE_DIR / 'superset.db'}?check_same_thread=false"
)

# The SQLite metadata database (the default; docker-compose uses PostgreSQL). Superset's
# event logger writes six rows to its ``logs`` table for every chart data request, each in
# a transaction of its own, and SQLAlchemy 1.4 opens a new SQLite connection for every
# session (NullPool, which re-reads the schema each time). With SQLite's default rollback
# journal every commit waits for several fsyncs: 70 ms of a ~200 ms chart request went
# there. Write-ahead logging keeps the full durability (synchronous stays FULL: a commit
# is on disk when it returns) with one fsync per commit, and a pool of connections (the
# default of SQLAlchemy 2.0 for SQLite files) keeps them open between requests. WAL needs
# the database on a local disk (SUPERSET_HOME is), and the -wal file beside superset.db
# belongs to it: copy the database with ``sqlite3 superset.db ".backup ..."``.
if SQLALCHEMY_DATABASE_URI.startswith("sqlite"):
    if "check_same_thread=false" in SQLALCHEMY_DATABASE_URI:
        # pooled connections move between gunicorn's threads
        SQLALCHEMY_ENGINE_OPTIONS = {"poolclass": QueuePool}

    @event.listens_for(Engine, "connect")
    def _sqlite_write_ahead_log(dbapi_connection: Any, _record: Any) -> None:
        if not isinstance(dbapi_connection, sqlite3.Connection):
            return
        if dbapi_connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
            return
        # persists in the file; if another process holds the file, a later connection
        # switches it
        with contextlib.suppress(sqlite3.OperationalError):
            dbapi_connection.execute("PRAGMA journal_mode=WAL")


# --- security -------------------------------------------------------------------------
# Forms and the REST API's state-changing calls need a CSRF token (API clients fetch one
# from /api/v1/security/csrf_token/). The session cookie is out of reach of scripts, is not
# sent on cross-site requests, and only over HTTPS once SUPERSET_SESSION_COOKIE_SECURE is set
# (serving over plain HTTP with it set would make logging in impossible).
WTF_CSRF_ENABLED = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = _flag("SUPERSET_SESSION_COOKIE_SECURE")
REMEMBER_COOKIE_HTTPONLY = True
REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
# Behind a reverse proxy that terminates TLS, trust its X-Forwarded-* headers.
ENABLE_PROXY_FIX = _flag("SUPERSET_PROXY_FIX")
# Accounts are made by superset/bootstrap.py from access.yml, never by self-registration,
# and anonymous visitors get nothing (the Public role stays empty).
AUTH_USER_REGISTRATION = False
PUBLIC_ROLE_LIKE = None
# Slow down password guessing on the login form and the API login.
AUTH_RATE_LIMITED = True
AUTH_RATE_LIMIT = "5 per second"
RATELIMIT_ENABLED = True
# Only sqlite and shillelagh are refused by default; keep the guard on.
PREVENT_UNSAFE_DB_CONNECTIONS = True
# Errors name what failed, never Python's stack.
SHOW_STACKTRACE = False
DEBUG = False

# Security headers (flask-talisman). The content security policy allows this server only:
# Superset's defaults also allow map tiles, a telemetry pixel and web fonts from other
# hosts, which the dashboards here do not use.
TALISMAN_ENABLED = True
TALISMAN_CONFIG = {
    "content_security_policy": {
        "base-uri": ["'self'"],
        "default-src": ["'self'"],
        "img-src": ["'self'", "blob:", "data:"],
        "worker-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "object-src": "'none'",
        "style-src": ["'self'", "'unsafe-inline'"],
        "font-src": ["'self'", "data:"],
        "script-src": ["'self'", "'strict-dynamic'"],
        "frame-ancestors": ["'self'"],
    },
    "content_security_policy_nonce_in": ["script-src"],
    "force_https": False,  # TLS is the proxy's job; SUPERSET_SESSION_COOKIE_SECURE marks it
    "session_cookie_secure": SESSION_COOKIE_SECURE,
    "frame_options": "SAMEORIGIN",
    "strict_transport_security": SESSION_COOKIE_SECURE,
}

# Row-level security needs no feature flag: it is always on (rules in superset/access.yml).
# Embedding dashboards in a partner's own site is off unless SUPERSET_EMBEDDED is set: it
# opens the guest-token endpoint. Guests get the Partner Viewer role, so the OFFICIAL-rows
# rule applies to them as well, and the guest token's own rules narrow it further.
EMBEDDED = _flag("SUPERSET_EMBEDDED")
FEATURE_FLAGS: dict[str, bool] = {
    "EMBEDDED_SUPERSET": EMBEDDED,
    # Partners never have SQL Lab and the roles that do are not row-restricted.
    "RLS_IN_SQLLAB": False,
    # Jinja in SQL would let SQL Lab users template queries; nothing here needs it.
    "ENABLE_TEMPLATE_PROCESSING": False,
}
GUEST_ROLE_NAME = "Partner Viewer"
GUEST_TOKEN_JWT_SECRET = os.environ.get("SUPERSET_GUEST_TOKEN_SECRET", "")
if EMBEDDED and len(GUEST_TOKEN_JWT_SECRET) < 32:
    raise RuntimeError(
        "SUPERSET_EMBEDDED is set: export SUPERSET_GUEST_TOKEN_SECRET (32 characters or more) "
        "to sign guest tokens."
    )
if EMBEDDED:
    TALISMAN_CONFIG["content_security_policy"]["frame-ancestors"] = [
        "'self'",
        *os.environ.get("SUPERSET_EMBED_ORIGINS", "").split(),
    ]
    TALISMAN_CONFIG["frame_options"] = None
if not GUEST_TOKEN_JWT_SECRET:
    # Never Superset's published default; guest tokens are refused while embedding is off.
    GUEST_TOKEN_JWT_SECRET = SECRET_KEY + "-guest"

# --- caches -----------------------------------------------------------------------------
# Chart data is cached for an hour at most, so a nightly publish shows within the hour
# even when a cached result exists. Without Redis nothing is cached: DuckDB answers the
# dashboard's queries in milliseconds.
DATA_CACHE_TIMEOUT = int(timedelta(hours=1).total_seconds())
REDIS_URL = os.environ.get("SUPERSET_REDIS_URL", "")


def _redis_cache(prefix: str, timeout: int) -> dict[str, Any]:
    return {
        "CACHE_TYPE": "RedisCache",
        "CACHE_REDIS_URL": REDIS_URL,
        "CACHE_KEY_PREFIX": f"understood_superset_{prefix}_",
        "CACHE_DEFAULT_TIMEOUT": timeout,
    }


if REDIS_URL:
    CACHE_CONFIG = _redis_cache("meta", int(timedelta(days=1).total_seconds()))
    DATA_CACHE_CONFIG = _redis_cache("data", DATA_CACHE_TIMEOUT)
    FILTER_STATE_CACHE_CONFIG = _redis_cache("filter", int(timedelta(days=90).total_seconds()))
    EXPLORE_FORM_DATA_CACHE_CONFIG = _redis_cache("explore", int(timedelta(days=7).total_seconds()))
    RATELIMIT_STORAGE_URI = REDIS_URL
else:
    CACHE_CONFIG = {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 300}
    DATA_CACHE_CONFIG = {"CACHE_TYPE": "NullCache"}
    # Filter and explore state keep Superset's default: the metadata database.

# --- the DuckDB warehouse -----------------------------------------------------------------
# Settings every DuckDB connection gets. read_only alone still lets SQL read and write
# files (read_csv, COPY ... TO, ATTACH); enable_external_access=false stops that and
# lock_configuration=true stops a query from switching it back on.
DUCKDB_ENFORCED_SETTINGS = {
    "access_mode": "read_only",
    "enable_external_access": "false",
    "lock_configuration": "true",
}


# A database nobody has queried for this long is closed (see the module docstring).
DUCKDB_IDLE_SECONDS = 60


class _Cursor(ConnectionWrapper):
    """duckdb_engine's connection wrapper around one query's DuckDB connection; tells the
    pool when it is closed (or, should SQLAlchemy drop it unclosed, garbage-collected)."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, release: Callable[[], None]):
        super().__init__(connection)
        self._release = weakref.finalize(self, release)

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._release()


class _Database:
    """The open database of one published file: its root connection, the file it is
    (device, inode, size, modification time), and the queries using it."""

    def __init__(self, root: duckdb.DuckDBPyConnection, identity: tuple[int, ...]) -> None:
        self.root = root
        self.identity = identity
        self.in_use = 0
        self.last_used = time.monotonic()
        self.replaced = False


class _WarehouseDatabases:
    """Per process: one open DuckDB database per (file, settings), handing every query a
    cursor of it, and reopening the file once a publish has replaced it.

    DuckDB gives a new connection to a path the database that is still open for that path,
    so a new one is opened only when no connection to a replaced file is left: until then
    queries get a connection of their own (what NullPool gave every query)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[tuple[Any, ...], _Database] = {}
        self._on_replaced: Counter[tuple[Any, ...]] = Counter()  # connections to old files
        self._closer: threading.Thread | None = None

    def connect(self, path: str, settings: dict[str, str]) -> _Cursor:
        key = (path, tuple(sorted(settings.items())))
        try:
            stat = os.stat(path)
            identity = (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)
        except OSError:
            identity = None  # no file (yet): DuckDB says so
        with self._lock:
            database = self._open.get(key)
            if database is not None and database.identity != identity:
                self._retire(key, database)
                database = None
            if database is None:
                if identity is None or self._on_replaced[key]:
                    self._on_replaced[key] += 1
                    try:
                        connection = duckdb.connect(path, config=settings)
                    except BaseException:
                        self._on_replaced[key] -= 1
                        raise
                    return _Cursor(connection, functools.partial(self._release_own, key))
                database = _Database(duckdb.connect(path, config=settings), identity)
                self._open[key] = database
                self._start_closer()
            cursor = database.root.cursor()
            database.in_use += 1
            database.last_used = time.monotonic()
            return _Cursor(cursor, functools.partial(self._release, key, database))

    def _retire(self, key: tuple[Any, ...], database: _Database) -> None:
        del self._open[key]
        database.replaced = True
        self._on_replaced[key] += database.in_use
        if not database.in_use:
            database.root.close()

    def _release(self, key: tuple[Any, ...], database: _Database) -> None:
        with self._lock:
            database.in_use -= 1
            database.last_used = time.monotonic()
            if database.replaced:
                self._on_replaced[key] -= 1
                if not database.in_use:
                    database.root.close()

    def _release_own(self, key: tuple[Any, ...]) -> None:
        with self._lock:
            self._on_replaced[key] -= 1

    def close_all(self) -> None:
        """Close every open database (at exit: DuckDB's objects then go before Python's)."""
        with self._lock:
            for database in self._open.values():
                database.root.close()
            self._open.clear()

    def _start_closer(self) -> None:
        if self._closer is None or not self._closer.is_alive():
            self._closer = threading.Thread(
                target=self._close_idle, name="duckdb-idle-closer", daemon=True
            )
            self._closer.start()

    def _close_idle(self) -> None:
        while True:
            time.sleep(DUCKDB_IDLE_SECONDS / 4)
            with self._lock:
                for key, database in list(self._open.items()):
                    idle = time.monotonic() - database.last_used
                    if not database.in_use and idle > DUCKDB_IDLE_SECONDS:
                        del self._open[key]
                        database.root.close()


_WAREHOUSE_DATABASES = _WarehouseDatabases()
atexit.register(_WAREHOUSE_DATABASES.close_all)


def _harden_duckdb(
    url: URL,
    params: dict[str, Any],
    username: str | None,
    security_manager: Any,
    source: Any,
) -> tuple[URL, dict[str, Any]]:
    """Force read-only and no file access on every DuckDB connection; connections come from
    ``_WAREHOUSE_DATABASES`` (SQLAlchemy's own pooling stays off: NullPool)."""
    if url.get_backend_name() != "duckdb":
        return url, params
    url = url.update_query_dict(DUCKDB_ENFORCED_SETTINGS)
    connect_args = params.setdefault("connect_args", {})
    config = connect_args.setdefault("config", {})
    for key in DUCKDB_ENFORCED_SETTINGS:
        config.pop(key, None)
    params["poolclass"] = NullPool
    settings = {**config, **url.query}  # the enforced settings last: they win
    if (
        # the web server's workers only: a command (bootstrap.py init) opens the file once and
        # exits, and a database still open at exit makes DuckDB's bindings report leaks
        "gunicorn" in sys.modules
        and url.database
        and url.database != ":memory:"
        and set(connect_args) == {"config"}  # else duckdb_engine's own connect does more
        and all(isinstance(value, str) for value in settings.values())
        and set(settings) <= get_core_config()  # else duckdb_engine SETs them after connecting
    ):
        params["creator"] = functools.partial(_WAREHOUSE_DATABASES.connect, url.database, settings)
    return url, params


DB_CONNECTION_MUTATOR = _harden_duckdb

# SQL Lab runs queries in the web process (no Celery worker in the embedded setup).
SQLLAB_TIMEOUT = 60
SUPERSET_WEBSERVER_TIMEOUT = 60
