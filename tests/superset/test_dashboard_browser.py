"""The Partnership scorecard dashboard as a person sees it, in headless Chromium.

Logs in through the form as the demo partner viewer and as the demo analyst, opens the
dashboard, waits for every chart, checks the rows each may see, uses a filter, and keeps
screenshots in tests/artifacts/ for review. SQL Lab is refused to the partner viewer; the
analyst runs one of the example queries in it.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import duckdb
import pytest
from access_probes import RESTRICTED_PROBES, VIEWER_PARTNER, VISIBLE_TO_PARTNER
from browser import ALL_CHARTS_SETTLED, ARTIFACTS, assert_charts_rendered, choose, log_in

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SQL_EXAMPLES = Path(__file__).resolve().parents[2] / "superset" / "examples"
DASHBOARD_CHARTS = 5


def visible_scorecard(server: Any, role: str) -> list[tuple[str, str]]:
    """(scorecard, indicator_code) of the rows the role may see, straight from DuckDB."""
    where = VISIBLE_TO_PARTNER if role == "partner" else "true"
    with duckdb.connect(str(server.warehouse), read_only=True) as con:
        return con.execute(
            f"select scorecard, indicator_code from marts.published_scorecard where {where}"
        ).fetchall()


@pytest.mark.parametrize("role", ["partner", "analyst"])
def test_dashboard_renders_every_chart(superset_server: Any, browser: Any, role: str) -> None:
    rows = visible_scorecard(superset_server, role)
    assert rows, "the warehouse has no scorecard rows"
    codes = {code for _, code in rows}
    rows_by_scorecard = Counter(scorecard for scorecard, _ in rows)

    page = browser.new_page(viewport={"width": 1600, "height": 1400})
    try:
        log_in(page, superset_server, role)
        page.goto(f"{superset_server.url}/superset/dashboard/partnership-scorecard/")
        page.wait_for_function(ALL_CHARTS_SETTLED, arg=DASHBOARD_CHARTS, timeout=90_000)
        table = page.locator('[data-test-chart-name="Scorecard indicators"]')
        code_cells = table.locator('td[aria-labelledby="header-indicator_code"]')
        code_cells.first.wait_for(timeout=30_000)
        page.wait_for_timeout(1_000)  # let the bar chart finish its animation
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"partnership-scorecard-{role}.png"), full_page=True)

        assert_charts_rendered(page, DASHBOARD_CHARTS)
        # Row-level security: the partner viewer's table lacks the other partner's
        # restricted row and shows their own; the analyst sees every row.
        assert set(code_cells.all_inner_texts()) == codes
        assert (RESTRICTED_PROBES["nhs_sefton"] in codes) is (role == "analyst")
        assert RESTRICTED_PROBES[VIEWER_PARTNER] in codes
        reported = page.locator('[data-test-chart-name="Indicators reported"]')
        assert str(len(rows)) in reported.inner_text()
        body = page.locator("body").inner_text()
        assert "Source: Q4 2009/10 National Indicator scorecards as published by Sefton" in body
        assert "Network error" not in body  # the native filters loaded their values

        # The Scorecard filter narrows the table to one scorecard.
        scorecard = "Safer" if "Safer" in rows_by_scorecard else min(rows_by_scorecard)
        choose(page, "NATIVE_FILTER-scorecard", scorecard)
        scorecard_cells = table.locator('td[aria-labelledby="header-scorecard"]')
        page.wait_for_function(
            """([selector, count]) => document.querySelectorAll(selector).length === count""",
            arg=[
                '[data-test-chart-name="Scorecard indicators"] '
                'td[aria-labelledby="header-scorecard"]',
                rows_by_scorecard[scorecard],
            ],
            timeout=30_000,
        )
        assert set(scorecard_cells.all_inner_texts()) == {scorecard}
        assert str(rows_by_scorecard[scorecard]) in reported.inner_text()
    finally:
        page.close()


def test_partner_viewer_cannot_open_sql_lab(superset_server: Any, browser: Any) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    try:
        log_in(page, superset_server, "partner")
        response = page.goto(f"{superset_server.url}/sqllab/")
        page.wait_for_load_state("networkidle")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "sql-lab-partner.png"))
        assert response.status == 403 or "/sqllab" not in page.url
        assert page.locator('[data-test="SqlLabApp"], .ace_editor').count() == 0
    finally:
        page.close()


def test_analyst_runs_an_example_in_sql_lab(superset_server: Any, browser: Any) -> None:
    example = SQL_EXAMPLES / "laa_red_and_deteriorating.sql"
    with duckdb.connect(str(superset_server.warehouse), read_only=True) as con:
        codes = {code for (code,) in con.execute(
            "select indicator_code from marts.published_scorecard "
            "where is_laa and rag = 'red' and direction_of_travel = 'deteriorating'"
        ).fetchall()}  # fmt: skip
    assert codes
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    try:
        log_in(page, superset_server, "analyst")
        response = page.goto(f"{superset_server.url}/sqllab/")
        assert response.status == 200
        page.locator('[data-test="add-tab-icon"]').first.click()
        page.locator(".ace_editor").first.wait_for(timeout=30_000)
        page.locator(".ace_content").first.click()
        page.keyboard.press("Control+A")
        page.keyboard.press("Delete")
        page.keyboard.insert_text(example.read_text(encoding="utf-8"))
        page.locator('[data-test="run-query-action"]').click()
        results = page.locator('[data-test="south-pane"] [data-test="table-container"]')
        results.get_by_text(min(codes), exact=True).first.wait_for(timeout=30_000)
        page.mouse.move(700, 800)  # no tooltip in the screenshot
        page.wait_for_timeout(500)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "sql-lab-analyst.png"))
        shown = results.inner_text()
        assert all(code in shown for code in codes), shown
        assert f"{len(codes)} rows" in page.locator('[data-test="south-pane"]').inner_text()
    finally:
        page.close()
