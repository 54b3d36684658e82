"""The Theme summary and Reconciliation dashboards, through the REST API and in headless
Chromium, on the warehouse a real nightly run published from the bundled samples.

Each dashboard loads for the partner viewer and the analyst with every chart rendered, a
native filter changes what a chart shows (and leaves alone the charts outside its scope), the
reconciliation's agreement rate is the one the mart holds (117 of 140 on the bundled samples,
as the report's figures give), and every chart's data endpoint answers the partner viewer.
Screenshots go to tests/artifacts/ for review.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from browser import ARTIFACTS, choose, table_column, wait_for_rows
from dashboards import (
    assert_every_chart_answers,
    assert_every_chart_rendered,
    open_dashboard,
    query,
)

pytestmark = [pytest.mark.slow]

ASSETS = Path(__file__).resolve().parents[2] / "superset" / "assets"
DASHBOARD_FILES = {
    "theme-summary": ASSETS / "dashboards" / "Theme_summary.yaml",
    "reconciliation": ASSETS / "dashboards" / "Reconciliation.yaml",
}
AGREEMENT_RATE = "Council and warehouse agree on direction of travel"
DIFFERENCES = "Where the council and the warehouse differ"
SIDE_BY_SIDE = "Council and warehouse ratings side by side"
RED_INDICATORS = "Red-rated indicators and the council's explanation"
# The figures of the bundled samples: the direction of travel of 140 scorecard rows can be
# compared, and 117 agree (dbt_project/models/marts/reconciliation/_reconciliation__docs.md).
SAMPLE_AGREEMENT = (117, 140)


def agreement(server: Any, role: str, scorecard: str | None = None) -> tuple[int, int]:
    """(judgements that agree, judgements compared) in mart_reconciliation."""
    where = "true" if scorecard is None else f"scorecard = '{scorecard}'"
    ((agreed, compared),) = query(
        server,
        "select count(*) filter (where status = 'agree'), "
        "count(*) filter (where is_in_agreement_rate) "
        f"from marts.mart_reconciliation where {{visible}} and {where}",
        role,
    )
    return agreed, compared


def percent(agreed: int, compared: int) -> str:
    """The agreement rate as the Big Number formats it (d3 format ``.1%``)."""
    return f"{agreed / compared:.1%}"


# --- REST API ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def partner_api(superset_server: Any) -> Any:
    return superset_server.api_session("partner")


@pytest.mark.parametrize("slug", sorted(DASHBOARD_FILES))
def test_every_chart_answers_the_partner_viewer(
    superset_server: Any, partner_api: Any, slug: str
) -> None:
    assert_every_chart_answers(superset_server, partner_api, slug)


def test_the_agreement_rate_is_the_marts_figure(superset_server: Any, partner_api: Any) -> None:
    agreed, compared = agreement(superset_server, "partner")
    # The published figures of the bundled samples: 117 of 140 comparable rows agree.
    assert (agreed, compared) == SAMPLE_AGREEMENT
    assert percent(agreed, compared) == "83.6%"

    url = superset_server.url
    charts = partner_api.get(f"{url}/api/v1/dashboard/reconciliation/charts", timeout=30)
    ids = {chart["slice_name"]: chart["id"] for chart in charts.json()["result"]}
    served = {}
    for title, metric in (
        (AGREEMENT_RATE, "agreement_rate"),
        ("Judgements that agree", "agreed"),
        ("Judgements compared", "compared"),
    ):
        data = partner_api.get(f"{url}/api/v1/chart/{ids[title]}/data/", timeout=60)
        assert data.status_code == 200, data.text[:500]
        served[metric] = data.json()["result"][0]["data"][0][metric]
    assert served["agreed"] == agreed
    assert served["compared"] == compared
    assert served["agreement_rate"] == pytest.approx(agreed / compared)


# --- in the browser ----------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("role", ["partner", "analyst"])
def test_theme_summary(superset_server: Any, browser: Any, role: str) -> None:
    objectives = [
        objective
        for (objective,) in query(
            superset_server,
            "select distinct strategic_objective from marts.mart_theme_summary where {visible}",
            role,
        )
    ]
    red_rows = query(
        superset_server,
        "select count(*) from marts.mart_indicator_exceptions where {visible}",
        role,
    )[0][0]
    ((council_red,),) = query(
        superset_server,
        "select count(*) from marts.mart_indicator_exceptions where {visible} and rag = 'red'",
        role,
    )
    assert "Total" in objectives and red_rows

    page = browser.new_page(viewport={"width": 1600, "height": 1400})
    try:
        open_dashboard(page, superset_server, "theme-summary", role)
        wait_for_rows(page, SIDE_BY_SIDE, len(objectives))
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"theme-summary-{role}.png"), full_page=True)
        assert_every_chart_rendered(
            page, "theme-summary", "Source: Q4 2009/10", "as published by Sefton Council"
        )
        assert set(table_column(page, SIDE_BY_SIDE, "strategic_objective")) == set(objectives)
        assert len(table_column(page, RED_INDICATORS, "indicator_code")) == red_rows
        red = page.locator('[data-test-chart-name="Indicators rated red by the council"]')
        assert str(council_red) in red.inner_text()

        # The Objective filter narrows the summary to one objective; the red-rated
        # indicators, outside its scope, keep every row.
        objective = "Safer" if "Safer" in objectives else min(objectives)
        choose(page, "NATIVE_FILTER-objective", objective)
        wait_for_rows(page, SIDE_BY_SIDE, 1)
        assert table_column(page, SIDE_BY_SIDE, "strategic_objective") == [objective]
        wait_for_rows(page, "Executive summary counts by objective", 2)
        summary = table_column(page, "Executive summary counts by objective", "basis")
        assert sorted(summary) == ["computed", "published"]
        assert len(table_column(page, RED_INDICATORS, "indicator_code")) == red_rows
        page.wait_for_timeout(1_000)  # the charts redraw after the filter
        page.screenshot(path=str(ARTIFACTS / f"theme-summary-{role}-filtered.png"))
    finally:
        page.close()


@pytest.mark.browser
@pytest.mark.parametrize("role", ["partner", "analyst"])
def test_reconciliation(superset_server: Any, browser: Any, role: str) -> None:
    agreed, compared = agreement(superset_server, role)
    assert (agreed, compared) == SAMPLE_AGREEMENT
    differing = query(
        superset_server,
        "select scorecard, count(*) from marts.mart_reconciliation "
        "where {visible} and status = 'disagree' group by scorecard",
        role,
    )
    # A scorecard whose own rate differs from the overall one, so the filter visibly acts.
    rates = {scorecard: agreement(superset_server, role, scorecard) for scorecard, _ in differing}
    scorecard = next(
        name
        for name in ["Safer", *sorted(rates)]
        if name in rates and percent(*rates[name]) != percent(agreed, compared)
    )

    page = browser.new_page(viewport={"width": 1600, "height": 1400})
    try:
        open_dashboard(page, superset_server, "reconciliation", role)
        wait_for_rows(page, DIFFERENCES, compared - agreed)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"reconciliation-{role}.png"), full_page=True)
        assert_every_chart_rendered(
            page, "reconciliation", "Source: Q4 2009/10", "as published by Sefton Council"
        )
        rate = page.locator(f'[data-test-chart-name="{AGREEMENT_RATE}"]')
        assert percent(agreed, compared) in rate.inner_text()
        assert "83.6%" in rate.inner_text()
        body = page.locator("body").inner_text()
        assert "not computable from real data" in body

        # The Scorecard filter: the rate and the differences become that scorecard's.
        choose(page, "NATIVE_FILTER-scorecard", scorecard)
        wait_for_rows(page, DIFFERENCES, dict(differing)[scorecard])
        assert set(table_column(page, DIFFERENCES, "scorecard")) == {scorecard}
        expected = percent(*rates[scorecard])
        page.wait_for_function(
            """([selector, text]) => document.querySelector(selector)?.innerText.includes(text)""",
            arg=[f'[data-test-chart-name="{AGREEMENT_RATE}"]', expected],
            timeout=30_000,
        )
        page.wait_for_timeout(1_000)  # the charts redraw after the filter
        page.screenshot(path=str(ARTIFACTS / f"reconciliation-{role}-filtered.png"))
    finally:
        page.close()
