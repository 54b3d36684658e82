"""Access control on the real server, through the REST API as each user: the roles and
row-level security bootstrap.py made from access.yml, what a partner viewer cannot do, and
what an analyst's SQL Lab cannot do.

The served warehouse holds two OFFICIAL-SENSITIVE probe rows (conftest.py): one of
nhs_sefton, which the merseyside_police viewer must not see, and one of merseyside_police,
which they must.
"""

from __future__ import annotations

import json
from typing import Any

import duckdb
import pytest
import requests
from access_probes import RESTRICTED_PROBES, VIEWER_PARTNER, VISIBLE_TO_PARTNER

pytestmark = pytest.mark.slow

WAREHOUSE_NAME = "Sefton Understood warehouse"
SCORECARD_TABLE_CHART = "Scorecard indicators"
OTHER_PARTNER_CODE = RESTRICTED_PROBES["nhs_sefton"]
OWN_PARTNER_CODE = RESTRICTED_PROBES[VIEWER_PARTNER]


@pytest.fixture(scope="module")
def sessions(superset_server: Any) -> dict[str, requests.Session]:
    return {role: superset_server.api_session(role) for role in ("admin", "analyst", "partner")}


def get_json(session: requests.Session, url: str, **query: Any) -> dict:
    params = {"q": json.dumps(query)} if query else None
    response = session.get(url, params=params, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def one_id(session: requests.Session, base: str, resource: str, column: str, value: str) -> int:
    result = get_json(
        session,
        f"{base}/api/v1/{resource}/",
        filters=[{"col": column, "opr": "eq", "value": value}],
    )["result"]
    assert len(result) == 1, result
    return result[0]["id"]


def warehouse_count(server: Any, table: str, where: str = "true") -> int:
    with duckdb.connect(str(server.warehouse), read_only=True) as con:
        return con.execute(f"select count(*) from marts.{table} where {where}").fetchone()[0]


def chart_data(session: requests.Session, base: str, chart_id: int) -> list[dict]:
    response = session.get(f"{base}/api/v1/chart/{chart_id}/data/", timeout=60)
    assert response.status_code == 200, response.text
    return response.json()["result"][0]["data"]


def dataset_query(
    session: requests.Session, base: str, dataset_id: int, **query: Any
) -> requests.Response:
    """A query context of one's own on a dataset, as Explore would send it."""
    context = {
        "datasource": {"id": dataset_id, "type": "table"},
        "queries": [{"columns": ["partner_id", "marking"], "row_limit": 10000, **query}],
        "result_format": "json",
        "result_type": "full",
    }
    return session.post(f"{base}/api/v1/chart/data", json=context, timeout=60)


def run_sql(session: requests.Session, base: str, database_id: int, sql: str):
    return session.post(
        f"{base}/api/v1/sqllab/execute/",
        json={"database_id": database_id, "sql": sql, "runAsync": False, "schema": "marts"},
        timeout=60,
    )


# --- roles, users and rules -----------------------------------------------------------------


def test_each_user_holds_the_declared_roles(superset_server, sessions) -> None:
    roles = {
        role: set(get_json(session, f"{superset_server.url}/api/v1/me/roles/")["result"]["roles"])
        for role, session in sessions.items()
    }
    assert roles == {
        "admin": {"Admin"},
        "analyst": {"Analyst"},
        "partner": {"Partner Viewer", f"Partner {VIEWER_PARTNER}"},
    }


def test_row_level_security_covers_every_dataset(superset_server, sessions) -> None:
    base = superset_server.url
    admin = sessions["admin"]
    datasets = {d["id"] for d in get_json(admin, f"{base}/api/v1/dataset/")["result"]}
    rules = get_json(admin, f"{base}/api/v1/rowlevelsecurity/", page_size=100)["result"]
    by_name = {rule["name"]: rule for rule in rules}
    official = by_name["OFFICIAL rows"]
    assert official["filter_type"] == "Base"
    assert official["clause"] == "marking = 'OFFICIAL'"
    assert {role["name"] for role in official["roles"]} == {"Admin", "Analyst"}
    own = by_name[f"Restricted rows of {VIEWER_PARTNER}"]
    assert own["filter_type"] == "Regular"
    assert own["clause"] == f"partner_id = '{VIEWER_PARTNER}'"
    assert {role["name"] for role in own["roles"]} == {f"Partner {VIEWER_PARTNER}"}
    for rule in rules:
        assert rule["group_key"] == "marking", rule["name"]
        assert {table["id"] for table in rule["tables"]} == datasets, rule["name"]


# --- the partner viewer ------------------------------------------------------------------------


def test_partner_viewer_sees_official_rows_and_their_own(superset_server, sessions) -> None:
    base = superset_server.url
    chart_id = one_id(sessions["admin"], base, "chart", "slice_name", SCORECARD_TABLE_CHART)
    admin_rows = chart_data(sessions["admin"], base, chart_id)
    partner_rows = chart_data(sessions["partner"], base, chart_id)

    admin_codes = {row["indicator_code"] for row in admin_rows}
    partner_codes = {row["indicator_code"] for row in partner_rows}
    assert {OTHER_PARTNER_CODE, OWN_PARTNER_CODE} <= admin_codes
    assert OTHER_PARTNER_CODE not in partner_codes
    assert OWN_PARTNER_CODE in partner_codes
    assert len(admin_rows) == warehouse_count(superset_server, "published_scorecard")
    assert len(partner_rows) == warehouse_count(
        superset_server, "published_scorecard", VISIBLE_TO_PARTNER
    )
    assert len(partner_rows) < len(admin_rows)


@pytest.mark.parametrize("dataset", ["published_scorecard", "indicator_values"])
def test_partner_viewer_cannot_query_around_the_rules(superset_server, sessions, dataset) -> None:
    """Their own query context, asking for the other partner's restricted rows outright,
    or with a filter that tries to OR its way out, still gets only what the rules allow."""
    base = superset_server.url
    dataset_id = one_id(sessions["admin"], base, "dataset", "table_name", dataset)
    asked = [
        {"filters": [{"col": "partner_id", "op": "==", "val": "nhs_sefton"}]},
        {"filters": [{"col": "marking", "op": "==", "val": "OFFICIAL-SENSITIVE"}]},
        {"extras": {"where": "1 = 1) OR (1 = 1"}},
        {"extras": {"where": "partner_id = 'nhs_sefton' OR true"}},
    ]
    for query in asked:
        response = dataset_query(sessions["partner"], base, dataset_id, **query)
        if response.status_code != 200:
            assert response.status_code in {400, 403, 422}, response.text
            continue
        rows = response.json()["result"][0]["data"]
        assert all(
            row["marking"] == "OFFICIAL" or row["partner_id"] == VIEWER_PARTNER for row in rows
        ), (query, rows)
        assert not any(row["partner_id"] == "nhs_sefton" for row in rows), query
    everything = dataset_query(sessions["admin"], base, dataset_id).json()["result"][0]["data"]
    assert any(row["partner_id"] == "nhs_sefton" for row in everything)
    own = dataset_query(sessions["partner"], base, dataset_id).json()["result"][0]["data"]
    assert len(own) == warehouse_count(superset_server, dataset, VISIBLE_TO_PARTNER)


def test_partner_viewer_has_no_sql_lab(superset_server, sessions) -> None:
    base = superset_server.url
    database_id = one_id(sessions["admin"], base, "database", "database_name", WAREHOUSE_NAME)
    response = run_sql(sessions["partner"], base, database_id, "select 1")
    assert response.status_code == 403, response.text
    page = sessions["partner"].get(f"{base}/sqllab/", timeout=30, allow_redirects=False)
    assert page.status_code in {302, 401, 403}, page.status_code
    databases = sessions["partner"].get(f"{base}/api/v1/database/", timeout=30)
    assert databases.status_code == 403 or databases.json()["count"] == 0


@pytest.mark.parametrize("role", ["partner", "analyst"])
def test_viewers_cannot_edit_charts_datasets_or_dashboards(superset_server, sessions, role) -> None:
    base = superset_server.url
    admin, session = sessions["admin"], sessions[role]
    chart_id = one_id(admin, base, "chart", "slice_name", SCORECARD_TABLE_CHART)
    dataset_id = one_id(admin, base, "dataset", "table_name", "published_scorecard")
    dashboard_id = get_json(admin, f"{base}/api/v1/dashboard/partnership-scorecard")["result"]["id"]
    attempts = [
        session.put(f"{base}/api/v1/chart/{chart_id}", json={"slice_name": "x"}, timeout=30),
        session.put(f"{base}/api/v1/dataset/{dataset_id}", json={"sql": "select 1"}, timeout=30),
        session.put(
            f"{base}/api/v1/dashboard/{dashboard_id}", json={"dashboard_title": "x"}, timeout=30
        ),
        session.post(f"{base}/api/v1/chart/", json={"slice_name": "x"}, timeout=30),
        session.delete(f"{base}/api/v1/chart/{chart_id}", timeout=30),
    ]
    assert [response.status_code for response in attempts] == [403] * len(attempts)
    assert get_json(admin, f"{base}/api/v1/chart/{chart_id}")["result"]["slice_name"] == (
        SCORECARD_TABLE_CHART
    )


# --- the analyst's SQL Lab ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def database_id(superset_server, sessions) -> int:
    return one_id(
        sessions["admin"], superset_server.url, "database", "database_name", WAREHOUSE_NAME
    )


def test_analyst_queries_the_marts(superset_server, sessions, database_id) -> None:
    response = run_sql(
        sessions["analyst"],
        superset_server.url,
        database_id,
        "select count(*) as n from marts.published_scorecard where is_laa and rag = 'red'",
    )
    assert response.status_code == 200, response.text
    expected = warehouse_count(superset_server, "published_scorecard", "is_laa and rag = 'red'")
    assert response.json()["data"][0]["n"] == expected


@pytest.mark.parametrize(
    ("sql", "refusal"),
    [
        # Outside the marts schema: Superset refuses before DuckDB sees it.
        ("select * from staging.stg_sefton_council__ni_scorecard", "need access"),
        ("select * from seeds.areas", "need access"),
        # Files: the raw zone and the archive are out of reach, whatever the path.
        ("select * from read_parquet('{data}/raw/*/*.parquet')", None),
        ("select * from read_csv('/etc/passwd')", None),
        ("select * from marts.dim_area, read_text('{data}/archive/*')", None),
        ("copy (select * from marts.dim_area) to '{data}/probe.csv'", "disabled by configuration"),
        ("attach '{data}/probe.duckdb' as probe", "disabled by configuration"),
        ("create table marts.probe as select 1 as x", "does not allow"),
        ("delete from marts.dim_area", "does not allow"),
        ("set enable_external_access = true", None),
    ],
)
def test_analyst_cannot_leave_the_marts_or_write(
    superset_server, sessions, database_id, sql: str, refusal: str | None
) -> None:
    data_dir = superset_server.warehouse.parent.parent
    response = run_sql(
        sessions["analyst"], superset_server.url, database_id, sql.format(data=data_dir)
    )
    assert response.status_code != 200, response.text
    message = json.dumps(response.json())
    refusals = (
        [refusal]
        if refusal
        else ["need access", "disabled by configuration", "configuration has been locked"]
    )
    assert any(text in message for text in refusals), message
    assert not (data_dir / "probe.csv").exists()
    assert not (data_dir / "probe.duckdb").exists()
