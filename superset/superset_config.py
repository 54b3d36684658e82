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
