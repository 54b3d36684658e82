"""The Data sharing and quality, Partnership register and Action plans dashboards, through the
REST API and in headless Chromium, on the warehouse a real nightly run published from the
bundled samples.

Every chart's data endpoint answers the partner viewer with rows; each dashboard loads for the
partner viewer and the analyst with every chart rendered; a native filter changes what a chart
shows (and leaves alone the charts outside its scope); and the headline figures (files
rejected, significant partnerships, actions reported) are the ones the warehouse holds. The
expected figures are read from the warehouse, never written here, so more samples arriving
change nothing. Screenshots go to tests/artifacts/ for review.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from access_probes import VISIBLE_TO_PARTNER
from browser import ALL_CHARTS_SETTLED, ARTIFACTS, choose, log_in, table_column, wait_for_rows

pytestmark = [pytest.mark.slow]

ASSETS = Path(__file__).resolve().parents[2] / "superset" / "assets"
DASHBOARD_FILES = {
    "data-sharing-and-quality": ASSETS / "dashboards" / "Data_sharing_and_quality.yaml",
    "partnership-register": ASSETS / "dashboards" / "Partnership_register.yaml",
    "action-plans": ASSETS / "dashboards" / "Action_plans.yaml",
}
EVERY_FILE = "Every file received"
REJECTED_FILES = "Rejected files and why"
REGISTER = "The partnership register"
ACTIONS = "Actions, overdue and delayed first"
PRINTED_COUNTS = "Action counts by quarter, as printed"
# Big Number -> (dashboard, the warehouse's figure as SQL, ``{visible}`` for the viewer's rows)
HEADLINES = {
    "Files rejected": (
        "data-sharing-and-quality",
        "select count(*) from marts.mart_submission_log where {visible} and outcome = 'rejected'",
    ),
    "Files received": (
        "data-sharing-and-quality",
        "select count(*) from marts.mart_submission_log where {visible}",
    ),
    "Significant partnerships": (
        "partnership-register",
        "select count(*) from marts.mart_partnerships where {visible} and is_significant",
    ),
    "Non-significant partnerships": (
        "partnership-register",
        "select count(*) from marts.mart_partnerships where {visible} and not is_significant",
    ),
    "Actions reported": (
        "action-plans",
        "select count(*) from marts.mart_action_progress where {visible}",
    ),
}


def chart_titles(slug: str) -> set[str]:
    """Titles of the charts the dashboard's YAML places on it."""
    position = yaml.safe_load(DASHBOARD_FILES[slug].read_text(encoding="utf-8"))["position"]
    return {
        component["meta"]["sliceName"]
        for component in position.values()
        if isinstance(component, dict) and component["type"] == "CHART"
    }


def query(server: Any, sql: str, role: str) -> list[tuple]:
    """Rows of the served warehouse as ``role`` may see them (``{visible}`` in ``sql``)."""
    visible = VISIBLE_TO_PARTNER if role == "partner" else "true"
    with duckdb.connect(str(server.warehouse), read_only=True) as con:
        return con.execute(sql.format(visible=visible)).fetchall()


def figure(server: Any, sql: str, role: str) -> int:
    ((value,),) = query(server, sql, role)
    return value


# --- REST API ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def partner_api(superset_server: Any) -> Any:
    return superset_server.api_session("partner")


def dashboard_charts(server: Any, api: Any, slug: str) -> dict[str, int]:
    """Chart title -> id of the charts the server has on a dashboard."""
    response = api.get(f"{server.url}/api/v1/dashboard/{slug}/charts", timeout=30)
    assert response.status_code == 200, response.text
    return {chart["slice_name"]: chart["id"] for chart in response.json()["result"]}


@pytest.mark.parametrize("slug", sorted(DASHBOARD_FILES))
def test_every_chart_answers_the_partner_viewer(
    superset_server: Any, partner_api: Any, slug: str
) -> None:
    charts = dashboard_charts(superset_server, partner_api, slug)
    assert set(charts) == chart_titles(slug)
    for title, chart_id in charts.items():
        data = partner_api.get(f"{superset_server.url}/api/v1/chart/{chart_id}/data/", timeout=60)
        assert data.status_code == 200, (title, data.text[:500])
        (result,) = data.json()["result"]
        assert result["data"], f"{title} returned no rows"


def test_the_headline_figures_are_the_warehouses(superset_server: Any, partner_api: Any) -> None:
    rejected = figure(superset_server, HEADLINES["Files rejected"][1], "partner")
    assert rejected >= 1  # the bundled Q3 draft scorecard lacks its quartile column
    for title, (slug, sql) in HEADLINES.items():
        chart_id = dashboard_charts(superset_server, partner_api, slug)[title]
        data = partner_api.get(f"{superset_server.url}/api/v1/chart/{chart_id}/data/", timeout=60)
        assert data.status_code == 200, data.text[:500]
        ((served,),) = (row.values() for row in data.json()["result"][0]["data"])
        assert served == figure(superset_server, sql, "partner"), title


# --- in the browser ----------------------------------------------------------------------


def open_dashboard(page: Any, server: Any, slug: str, role: str) -> None:
    """Open a dashboard and wait until every chart has rendered or failed."""
    log_in(page, server, role)
    page.goto(f"{server.url}/superset/dashboard/{slug}/")
    page.wait_for_function(ALL_CHARTS_SETTLED, arg=len(chart_titles(slug)), timeout=90_000)
    page.wait_for_timeout(1_000)  # let the bar charts finish their animation


def assert_every_chart_rendered(page: Any, slug: str) -> None:
    charts = page.locator('[data-test="chart-grid-component"]')
    errors = charts.locator('.ant-alert, [role="alert"]')
    assert errors.count() == 0, errors.all_inner_texts()
    assert page.locator('[data-test="chart-container"]').count() == len(chart_titles(slug))
    for title in chart_titles(slug):
        assert page.locator(f'[data-test-chart-name="{title}"]').count(), title
    body = page.locator("body").inner_text()
    assert "Source:" in body
    assert "Network error" not in body  # the native filters loaded their values


def assert_headlines(page: Any, server: Any, slug: str, role: str) -> None:
    """Each Big Number of the dashboard shows the warehouse's figure."""
    for title, (on, sql) in HEADLINES.items():
        if on != slug:
            continue
        shown = page.locator(f'[data-test-chart-name="{title}"] .header-line').inner_text()
        assert shown.strip() == str(figure(server, sql, role)), title


def wait_for_headline(page: Any, chart: str, value: int) -> None:
    page.wait_for_function(
        """([selector, text]) => document.querySelector(selector)?.innerText.trim() === text""",
        arg=[f'[data-test-chart-name="{chart}"] .header-line', str(value)],
        timeout=30_000,
    )


def screenshot(page: Any, name: str, full_page: bool = True) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_timeout(1_000)  # the charts redraw after a filter
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


@pytest.mark.browser
@pytest.mark.parametrize("role", ["partner", "analyst"])
def test_data_sharing_and_quality(superset_server: Any, browser: Any, role: str) -> None:
    log = "from marts.mart_submission_log where {visible}"
    files = figure(superset_server, f"select count(*) {log}", role)
    rejected = figure(superset_server, f"select count(*) {log} and outcome = 'rejected'", role)
    refused = figure(
        superset_server, f"select count(*) {log} and (outcome = 'rejected' or has_incident)", role
    )
    catalogue = figure(
        superset_server, "select count(*) from marts.dim_source where {visible}", role
    )
    assert rejected and files > rejected

    page = browser.new_page(viewport={"width": 1600, "height": 1400})
    try:
        open_dashboard(page, superset_server, "data-sharing-and-quality", role)
        wait_for_rows(page, EVERY_FILE, files)
        screenshot(page, f"data-sharing-and-quality-{role}")
        assert_every_chart_rendered(page, "data-sharing-and-quality")
        assert_headlines(page, superset_server, "data-sharing-and-quality", role)
        wait_for_rows(page, REJECTED_FILES, refused)
        wait_for_rows(page, "Catalogue of shared datasets", catalogue)
        # The rejected Q3 draft scorecard, located to the column it lacks.
        assert "quartile" in table_column(page, REJECTED_FILES, "first_reason_column")

        # The Outcome filter narrows the files received to the rejected ones; the catalogue,
        # outside its scope, keeps every dataset.
        choose(page, "NATIVE_FILTER-outcome", "Rejected")
        wait_for_rows(page, EVERY_FILE, rejected)
        assert set(table_column(page, EVERY_FILE, "outcome_label")) == {"Rejected"}
        wait_for_headline(page, "Files received", rejected)
        wait_for_rows(page, "Catalogue of shared datasets", catalogue)
        screenshot(page, f"data-sharing-and-quality-{role}-filtered", full_page=False)
    finally:
        page.close()


@pytest.mark.browser
@pytest.mark.parametrize("role", ["partner", "analyst"])
def test_partnership_register(superset_server: Any, browser: Any, role: str) -> None:
    register = "from marts.mart_partnerships where {visible}"
    partnerships = figure(superset_server, f"select count(*) {register}", role)
    significant = figure(superset_server, f"select count(*) {register} and is_significant", role)
    assert 0 < significant < partnerships

    page = browser.new_page(viewport={"width": 1600, "height": 1400})
    try:
        open_dashboard(page, superset_server, "partnership-register", role)
        wait_for_rows(page, REGISTER, partnerships)
        screenshot(page, f"partnership-register-{role}")
        assert_every_chart_rendered(page, "partnership-register")
        assert_headlines(page, superset_server, "partnership-register", role)
        assert "pseudonymised at ingestion" in page.locator("body").inner_text()

        # The Significance filter: the register lists the significant partnerships only.
        choose(page, "NATIVE_FILTER-significance", "Significant")
        wait_for_rows(page, REGISTER, significant)
        assert set(table_column(page, REGISTER, "significance_label")) == {"Significant"}
        screenshot(page, f"partnership-register-{role}-filtered", full_page=False)
    finally:
        page.close()


@pytest.mark.browser
@pytest.mark.parametrize("role", ["partner", "analyst"])
def test_action_plans(superset_server: Any, browser: Any, role: str) -> None:
    actions = figure(
        superset_server, "select count(*) from marts.mart_action_progress where {visible}", role
    )
    counts = figure(
        superset_server, "select count(*) from marts.mart_action_summary where {visible}", role
    )
    by_plan = dict(
        query(
            superset_server,
            "select plan_label, count(*) from marts.mart_action_progress where {visible} "
            "group by plan_label",
            role,
        )
    )
    # A plan holding some of the actions but not all, so the filter visibly acts.
    plan = min((n, label) for label, n in by_plan.items() if n < actions)[1]

    page = browser.new_page(viewport={"width": 1600, "height": 1400})
    try:
        open_dashboard(page, superset_server, "action-plans", role)
        wait_for_rows(page, ACTIONS, actions)
        wait_for_rows(page, PRINTED_COUNTS, counts)
        screenshot(page, f"action-plans-{role}")
        assert_every_chart_rendered(page, "action-plans")
        assert_headlines(page, superset_server, "action-plans", role)

        # The Plan filter narrows the actions to one plan; the counts the reports print,
        # outside its scope, keep every row.
        choose(page, "NATIVE_FILTER-plan", plan)
        wait_for_rows(page, ACTIONS, by_plan[plan])
        assert set(table_column(page, ACTIONS, "plan_label")) == {plan}
        wait_for_headline(page, "Actions reported", by_plan[plan])
        wait_for_rows(page, PRINTED_COUNTS, counts)
        screenshot(page, f"action-plans-{role}-filtered", full_page=False)
    finally:
        page.close()
