"""Superset configuration for Sefton Understood.

Loaded by Superset through ``SUPERSET_CONFIG_PATH`` (``superset/bootstrap.py`` sets it).
Everything secret or machine-specific comes from the environment:

SUPERSET_SECRET_KEY          required; signs sessions and encrypts stored credentials
SUPERSET_METADATA_URI        metadata database (default: SQLite under the data directory)
SUPERSET_REDIS_URL           optional; when set, Redis holds Superset's caches
SUPERSET_SESSION_COOKIE_SECURE  ``true`` when Superset is served over HTTPS
UNDERSTOOD_DATA_DIR          the project's data directory (default: ``data/`` in the repo)
SUPERSET_HOME                Superset's own state: metadata, logs, pid file
                             (default: ``$UNDERSTOOD_DATA_DIR/superset``)

The warehouse connection
------------------------
Superset reads ``warehouse/warehouse.duckdb``, which the nightly run replaces with
``os.replace``. DuckDB caches one database instance per path inside a process, so a
connection held open across a publish would keep serving the old file. Superset opens a
new SQLAlchemy engine with ``NullPool`` for every query (``Database.get_sqla_engine``
defaults to ``nullpool=True``): each connection is closed when its query ends, and the
next query opens the file that is published at that moment. ``_harden_duckdb`` below pins
``NullPool`` and the read-only settings for every DuckDB connection, whatever the stored
connection says, so editing the connection in the UI cannot undo them.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine.url import URL
from sqlalchemy.pool import NullPool

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

# --- security -------------------------------------------------------------------------
WTF_CSRF_ENABLED = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = _flag("SUPERSET_SESSION_COOKIE_SECURE")
# Only sqlite and shillelagh are refused by default; keep the guard on.
PREVENT_UNSAFE_DB_CONNECTIONS = True

# No feature flags beyond Superset's defaults: dashboards are shared by role, and
# DASHBOARD_RBAC is not needed for one dashboard.
FEATURE_FLAGS: dict[str, bool] = {}

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


def _harden_duckdb(
    url: URL,
    params: dict[str, Any],
    username: str | None,
    security_manager: Any,
    source: Any,
) -> tuple[URL, dict[str, Any]]:
    """Force read-only, no file access and no pooling on every DuckDB connection."""
    if url.get_backend_name() != "duckdb":
        return url, params
    url = url.update_query_dict(DUCKDB_ENFORCED_SETTINGS)
    config = params.setdefault("connect_args", {}).setdefault("config", {})
    for key in DUCKDB_ENFORCED_SETTINGS:
        config.pop(key, None)
    params["poolclass"] = NullPool
    return url, params


DB_CONNECTION_MUTATOR = _harden_duckdb

# SQL Lab runs queries in the web process (no Celery worker in the embedded setup).
SQLLAB_TIMEOUT = 60
SUPERSET_WEBSERVER_TIMEOUT = 60
