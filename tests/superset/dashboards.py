"""What the dashboard tests share: a dashboard's YAML and chart titles by slug, the served
warehouse's rows as a role may see them, and opening a dashboard in the browser and checking
that every chart on it rendered, or answered through the chart data API."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import duckdb
import yaml
from access_probes import VISIBLE_TO_PARTNER
from browser import ALL_CHARTS_SETTLED, ARTIFACTS, assert_charts_rendered, log_in

ASSETS = Path(__file__).resolve().parents[2] / "superset" / "assets"


@cache
def dashboard(slug: str) -> dict[str, Any]:
    """The dashboard's YAML in superset/assets/dashboards/, found by its slug."""
    for path in sorted((ASSETS / "dashboards").glob("*.yaml")):
        config = yaml.safe_load(path.read_text(encoding="utf-8"))
        if config["slug"] == slug:
            return config
    raise KeyError(f"no dashboard with slug {slug!r} in {ASSETS / 'dashboards'}")


def chart_titles(slug: str) -> set[str]:
    """Titles of the charts the dashboard's YAML places on it."""
    return {
        component["meta"]["sliceName"]
        for component in dashboard(slug)["position"].values()
        if isinstance(component, dict) and component["type"] == "CHART"
    }


def query(server: Any, sql: str, role: str, *params: Any) -> list[tuple]:
    """Rows of the served warehouse as ``role`` may see them (``{visible}`` in ``sql``)."""
    visible = VISIBLE_TO_PARTNER if role == "partner" else "true"
    with duckdb.connect(str(server.warehouse), read_only=True) as con:
        return con.execute(sql.format(visible=visible), list(params)).fetchall()


def dashboard_charts(server: Any, api: Any, slug: str) -> dict[str, int]:
    """Chart title -> id of the charts the server has on a dashboard."""
    response = api.get(f"{server.url}/api/v1/dashboard/{slug}/charts", timeout=30)
    assert response.status_code == 200, response.text
    return {chart["slice_name"]: chart["id"] for chart in response.json()["result"]}


def assert_every_chart_answers(server: Any, api: Any, slug: str) -> None:
    """The server has the YAML's charts on the dashboard, and each returns rows to ``api``."""
    charts = dashboard_charts(server, api, slug)
    assert set(charts) == chart_titles(slug)
    for title, chart_id in charts.items():
        data = api.get(f"{server.url}/api/v1/chart/{chart_id}/data/", timeout=60)
        assert data.status_code == 200, (title, data.text[:500])
        (result,) = data.json()["result"]
        assert result["data"], f"{title} returned no rows"


def open_dashboard(page: Any, server: Any, slug: str, role: str) -> None:
    """Open a dashboard and wait until every chart has rendered or failed."""
    log_in(page, server, role)
    page.goto(f"{server.url}/superset/dashboard/{slug}/")
    page.wait_for_function(ALL_CHARTS_SETTLED, arg=len(chart_titles(slug)), timeout=90_000)
    page.wait_for_timeout(1_000)  # let the bar charts finish their animation


def assert_every_chart_rendered(page: Any, slug: str, *sources: str) -> None:
    """No chart shows an error, every chart of the YAML is there, and the page names its
    source (``sources``: the texts to find; any "Source:" line if none given)."""
    assert_charts_rendered(page, len(chart_titles(slug)))
    for title in chart_titles(slug):
        assert page.locator(f'[data-test-chart-name="{title}"]').count(), title
    body = page.locator("body").inner_text()
    for source in sources or ("Source:",):
        assert source in body
    assert "Network error" not in body  # the native filters loaded their values


def screenshot(page: Any, name: str, full_page: bool = True) -> None:
    """Save a screenshot to tests/artifacts/ once the charts have redrawn after a filter."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_timeout(1_000)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)
