"""The real Superset server: bootstrap, REST login, chart data, SQL Lab's file guard.

One server for the whole session (``superset_server`` in conftest.py): starting Superset
costs about half a minute.
"""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from typing import Any

import duckdb
import pytest
import requests
from harness import REPO_ROOT

from ingestion.dashboards import FINGERPRINT_KEY, RefreshResult, refresh_superset

pytestmark = pytest.mark.slow

ASSETS = REPO_ROOT / "superset" / "assets"
WAREHOUSE_NAME = "Sefton Understood warehouse"
DASHBOARD_SLUG = "partnership-scorecard"
SCORECARD_TABLE_CHART = "Scorecard indicators"
SCORECARD_COLUMNS = [
    "scorecard", "indicator_code", "indicator_title", "op_value", "latest_value",
    "latest_value_type", "regional_comparison", "national_comparison", "quartile",
    "direction_of_travel", "rag",
]  # fmt: skip


def warehouse_scorecard(server: Any) -> list[tuple]:
    with duckdb.connect(str(server.warehouse), read_only=True) as con:
        return con.execute(
            f"select {', '.join(SCORECARD_COLUMNS)} from marts.published_scorecard"
        ).fetchall()


def find_one(session: requests.Session, url: str, resource: str, column: str, value: str):
    query = {"filters": [{"col": column, "opr": "eq", "value": value}]}
    response = session.get(f"{url}/api/v1/{resource}/", params={"q": json.dumps(query)})
    response.raise_for_status()
    result = response.json()["result"]
    assert len(result) == 1, f"expected one {resource} with {column}={value!r}: {result}"
    return result[0]


def chart_rows(session: requests.Session, url: str, chart_id: int) -> list[dict]:
    response = session.get(f"{url}/api/v1/chart/{chart_id}/data/", timeout=60)
    assert response.status_code == 200, response.text
    return response.json()["result"][0]["data"]


def run_sql(session: requests.Session, url: str, sql: str) -> requests.Response:
    database = find_one(session, url, "database", "database_name", WAREHOUSE_NAME)
    return session.post(
        f"{url}/api/v1/sqllab/execute/",
        json={"database_id": database["id"], "sql": sql, "runAsync": False, "schema": "marts"},
        timeout=60,
    )


@pytest.fixture(scope="module")
def api(superset_server: Any) -> requests.Session:
    return superset_server.api_session()


def test_health(superset_server: Any) -> None:
    response = requests.get(f"{superset_server.url}/health", timeout=10)
    assert response.status_code == 200
    assert response.text == "OK"


def test_dashboard_is_imported_and_published(superset_server, api) -> None:
    response = api.get(f"{superset_server.url}/api/v1/dashboard/{DASHBOARD_SLUG}")
    assert response.status_code == 200, response.text
    dashboard = response.json()["result"]
    assert dashboard["dashboard_title"] == "Partnership scorecard"
    assert dashboard["published"] is True
    position = json.loads(dashboard["position_json"])
    markdown = [
        item["meta"]["code"]
        for item in position.values()
        if isinstance(item, dict) and item.get("type") == "MARKDOWN"
    ]
    assert any(
        "Source: Q4 2009/10 National Indicator scorecards as published by Sefton Council" in code
        for code in markdown
    )
    filters = json.loads(dashboard["json_metadata"])["native_filter_configuration"]
    assert {f["name"] for f in filters} == {"Scorecard", "RAG rating"}


def test_scorecard_chart_returns_the_warehouse_rows(superset_server, api) -> None:
    chart = find_one(api, superset_server.url, "chart", "slice_name", SCORECARD_TABLE_CHART)
    rows = chart_rows(api, superset_server.url, chart["id"])
    expected = warehouse_scorecard(superset_server)
    assert expected, "the warehouse has no scorecard rows"
    served = Counter(tuple(row[column] for column in SCORECARD_COLUMNS) for row in rows)
    assert served == Counter(expected)


def test_every_dashboard_chart_has_data(superset_server, api) -> None:
    response = api.get(f"{superset_server.url}/api/v1/dashboard/{DASHBOARD_SLUG}/charts")
    assert response.status_code == 200, response.text
    charts = response.json()["result"]
    assert len(charts) == 5
    for chart in charts:
        assert chart_rows(api, superset_server.url, chart["id"]), chart["slice_name"]


def test_sql_lab_reads_the_marts(superset_server, api) -> None:
    response = run_sql(
        api, superset_server.url, "select count(*) as n from marts.published_scorecard"
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"][0]["n"] == len(warehouse_scorecard(superset_server))


@pytest.mark.parametrize(
    "sql",
    [
        "select * from read_csv('/etc/passwd')",
        "copy (select 1 as x) to '{probe}.csv'",
        "attach '{probe}.duckdb' as probe",
        "set enable_external_access = true",
    ],
)
def test_sql_lab_cannot_touch_files(superset_server, api, sql: str) -> None:
    probe = superset_server.warehouse.parent / "probe"
    response = run_sql(api, superset_server.url, sql.format(probe=probe))
    assert response.status_code != 200, response.text
    message = json.dumps(response.json())
    assert "disabled by configuration" in message or "configuration has been locked" in message
    assert not probe.with_suffix(".csv").exists()
    assert not probe.with_suffix(".duckdb").exists()


def test_file_guard_holds_when_the_connection_is_edited(superset_server, api) -> None:
    """superset_config.py re-applies the DuckDB settings whatever the stored URI says."""
    url = superset_server.url
    database = find_one(api, url, "database", "database_name", WAREHOUSE_NAME)
    stored = api.get(f"{url}/api/v1/database/{database['id']}/connection").json()["result"]
    original_uri = stored["sqlalchemy_uri"]
    bare_uri = original_uri.split("?", 1)[0]
    response = api.put(f"{url}/api/v1/database/{database['id']}", json={"sqlalchemy_uri": bare_uri})
    assert response.status_code == 200, response.text
    try:
        response = run_sql(api, url, "select * from read_csv('/etc/passwd')")
        assert response.status_code != 200, response.text
        assert "disabled by configuration" in response.text
    finally:
        restored = api.put(
            f"{url}/api/v1/database/{database['id']}", json={"sqlalchemy_uri": original_uri}
        )
        assert restored.status_code == 200, restored.text


def chart_result(session: requests.Session, url: str, chart_id: int) -> dict[str, Any]:
    response = session.get(f"{url}/api/v1/chart/{chart_id}/data/", timeout=60)
    assert response.status_code == 200, response.text
    return response.json()["result"][0]


def refresh(superset_server) -> RefreshResult:
    """What the nightly DAG's refresh_dashboards task does after a publish."""
    return refresh_superset(
        superset_server.warehouse,
        superset_server.url,
        superset_server.admin_user,
        superset_server.admin_password,
    )


def test_a_publish_is_served_without_restart(superset_server, api) -> None:
    """Replacing the warehouse file (os.replace, as a publish does) needs no restart: Superset
    holds no DuckDB connection between queries. Charts answer from Redis until the nightly
    DAG's refresh_dashboards step tells Superset which datasets changed; then every chart of
    those datasets shows the new warehouse, and the unchanged ones keep their cache."""
    url = superset_server.url
    chart = find_one(api, url, "chart", "slice_name", SCORECARD_TABLE_CHART)
    other = find_one(api, url, "dataset", "table_name", "indicator_values")
    refresh(superset_server)  # fingerprints as served now
    chart_result(api, url, chart["id"])
    assert chart_result(api, url, chart["id"])["is_cached"]
    backup = superset_server.warehouse.with_name("warehouse.before-probe.duckdb")
    shutil.copyfile(superset_server.warehouse, backup)
    try:
        superset_server.publish_with_probe_row("NI 999")
        stale = chart_result(api, url, chart["id"])
        assert stale["is_cached"]
        assert "NI 999" not in {row["indicator_code"] for row in stale["data"]}

        result = refresh(superset_server)
        assert result.refreshed == ["marts.published_scorecard"]
        assert "marts.indicator_values" in result.unchanged
        fresh = chart_result(api, url, chart["id"])
        assert not fresh["is_cached"]
        assert "NI 999" in {row["indicator_code"] for row in fresh["data"]}
        assert refresh(superset_server).refreshed == []  # nothing changed since
        extra = api.get(f"{url}/api/v1/dataset/{other['id']}").json()["result"]["extra"]
        assert FINGERPRINT_KEY in json.loads(extra)
    finally:
        os.replace(backup, superset_server.warehouse)
        refresh(superset_server)
    codes = {row["indicator_code"] for row in chart_rows(api, url, chart["id"])}
    assert "NI 999" not in codes


def test_bootstrap_again_changes_nothing(superset_server, api) -> None:
    url = superset_server.url
    resources = (
        "database", "dataset", "chart", "dashboard", "rowlevelsecurity",
        "security/roles", "security/users",
    )  # fmt: skip

    def counts() -> dict[str, int]:
        return {
            resource: api.get(f"{url}/api/v1/{resource}/", timeout=30).json()["count"]
            for resource in resources
        }

    before = counts()
    result = superset_server.run_bootstrap("init")
    assert "Superset bootstrap done" in result.stdout
    after = counts()
    assert after == before
    # one of each asset in superset/assets/
    assert {key: after[key] for key in resources[:4]} == {
        kind: len(list((ASSETS / f"{kind}s").rglob("*.yaml")))
        for kind in ("database", "dataset", "chart", "dashboard")
    }
    assert after["security/users"] == 3  # admin, analyst, partner viewer
