"""Telling Superset that a new warehouse is published, so no dashboard shows yesterday's cache.

Superset needs no restart to see a publish: it opens the warehouse afresh for every query
(``superset/superset_config.py``). But with a data cache configured (Redis, in production) a
chart keeps answering from its cached result until that expires. Superset's cache keys include
the dataset's ``changed_on``: a change to the dataset makes every cached result of its charts
unreachable, for every user, at once. (Superset's own ``/api/v1/cachekey/invalidate`` endpoint
deletes from its metadata cache, not from the data cache where chart results live, so it cannot
do this job.)

:func:`refresh_superset` therefore compares, for each Superset dataset on the warehouse, a
fingerprint of its table in the published file (row count and a sum of row hashes, computed
by DuckDB) with the fingerprint recorded in the dataset's ``extra`` the last time, and records
the new one where they differ. Only the datasets whose data changed lose their cache; running
it again changes nothing. It talks to Superset's REST API as a user who owns the datasets (the
admin), so it runs wherever the nightly DAG runs, without Superset installed.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import requests

log = logging.getLogger(__name__)

FINGERPRINT_KEY = "understood_warehouse_fingerprint"
TIMEOUT = 60


@dataclass(frozen=True)
class RefreshResult:
    """What :func:`refresh_superset` found: dataset names as ``schema.table``."""

    refreshed: list[str]
    unchanged: list[str]
    missing: list[str]

    def describe(self) -> str:
        parts = [f"{len(self.refreshed)} dataset(s) refreshed"]
        if self.refreshed:
            parts[0] += f" ({', '.join(self.refreshed)})"
        parts.append(f"{len(self.unchanged)} unchanged")
        if self.missing:
            parts.append(f"{len(self.missing)} not in the warehouse ({', '.join(self.missing)})")
        return "Superset: " + ", ".join(parts)


def table_fingerprint(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> str | None:
    """Row count and the sum of every row's hash, or None when the table does not exist.

    The sum (not an XOR) keeps duplicate rows from cancelling out; a change of column names or
    types shows through the column list, which is part of the fingerprint.
    """
    columns = con.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, table],
    ).fetchall()
    if not columns:
        return None
    rows, total = con.execute(
        f'select count(*), coalesce(sum(hash(t)::hugeint), 0) from "{schema}"."{table}" t'
    ).fetchone()
    signature = ",".join(f"{name}:{kind}" for name, kind in columns)
    return f"{rows}:{total}:{signature}"


def base_url(host: str, port: int | None = None) -> str:
    """Superset's address from a connection's host (``superset`` or ``https://bi.example``)
    and port."""
    url = host if "://" in host else f"http://{host}"
    return f"{url.rstrip('/')}:{port}" if port else url.rstrip("/")


def login(base_url: str, username: str, password: str) -> requests.Session:
    """A session with Superset's REST API: a bearer token and a CSRF token."""
    session = requests.Session()
    response = session.post(
        f"{base_url}/api/v1/security/login",
        json={"username": username, "password": password, "provider": "db", "refresh": False},
        timeout=TIMEOUT,
    )
    _raise_for_status(response, "logging in to Superset")
    session.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
    csrf = session.get(f"{base_url}/api/v1/security/csrf_token/", timeout=TIMEOUT)
    _raise_for_status(csrf, "asking Superset for a CSRF token")
    session.headers["X-CSRFToken"] = csrf.json()["result"]
    session.headers["Referer"] = base_url
    return session


def refresh_superset(
    warehouse: Path,
    base_url: str,
    username: str,
    password: str,
    database_name: str = "Sefton Understood warehouse",
) -> RefreshResult:
    """Record each changed table's new fingerprint on its Superset dataset (see module doc)."""
    base_url = base_url.rstrip("/")
    session = login(base_url, username, password)
    datasets = _warehouse_datasets(session, base_url, database_name)
    refreshed, unchanged, missing = [], [], []
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for dataset in datasets:
            name = f"{dataset['schema']}.{dataset['table_name']}"
            fingerprint = table_fingerprint(con, dataset["schema"], dataset["table_name"])
            extra = json.loads(dataset.get("extra") or "{}")
            if fingerprint is None:
                missing.append(name)
            elif extra.get(FINGERPRINT_KEY) == fingerprint:
                unchanged.append(name)
            else:
                extra[FINGERPRINT_KEY] = fingerprint
                response = session.put(
                    f"{base_url}/api/v1/dataset/{dataset['id']}",
                    json={"extra": json.dumps(extra)},
                    timeout=TIMEOUT,
                )
                _raise_for_status(response, f"updating the Superset dataset {name}")
                refreshed.append(name)
    result = RefreshResult(refreshed=refreshed, unchanged=unchanged, missing=missing)
    log.info(result.describe())
    return result


def _warehouse_datasets(
    session: requests.Session, base_url: str, database_name: str
) -> list[dict[str, Any]]:
    """Every physical dataset on the warehouse database, with its id, table and extra."""
    datasets, page = [], 0
    while True:
        query = (
            "(columns:!(id,table_name,schema,extra,sql,database.database_name),"
            f"page:{page},page_size:100)"
        )
        response = session.get(f"{base_url}/api/v1/dataset/", params={"q": query}, timeout=60)
        _raise_for_status(response, "listing Superset's datasets")
        batch = response.json()["result"]
        datasets += [
            dataset
            for dataset in batch
            if dataset["database"]["database_name"] == database_name and not dataset.get("sql")
        ]
        if len(batch) < 100:
            return datasets
        page += 1


def _raise_for_status(response: requests.Response, doing: str) -> None:
    if response.status_code >= 400:
        raise RuntimeError(
            f"{doing}: HTTP {response.status_code} from {response.url}: {response.text[:500]}"
        )
