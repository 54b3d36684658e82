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

import pytest
from browser import choose, table_column, wait_for_rows
from dashboards import (
    assert_every_chart_answers,
    assert_every_chart_rendered,
    dashboard_charts,
    open_dashboard,
    query,
    screenshot,
)

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


def figure(server: Any, sql: str, role: str) -> int:
    ((value,),) = query(server, sql, role)
    return value


# --- REST API ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def partner_api(superset_server: Any) -> Any:
    return superset_server.api_session("partner")


@pytest.mark.parametrize("slug", sorted(DASHBOARD_FILES))
def test_every_chart_answers_the_partner_viewer(
    superset_server: Any, partner_api: Any, slug: str
) -> None:
    assert_every_chart_answers(superset_server, partner_api, slug)


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
