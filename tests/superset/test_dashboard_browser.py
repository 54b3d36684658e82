"""The Partnership scorecard dashboard as a person sees it, in headless Chromium.

Logs in through the form, opens the dashboard, waits for every chart, and keeps a
screenshot in tests/artifacts/ for review.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb
import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
DASHBOARD_CHARTS = 5
# Every chart holder ends either with a rendered chart or with an error alert.
ALL_CHARTS_SETTLED = """(expected) => {
    const charts = document.querySelectorAll('[data-test="chart-grid-component"]');
    return charts.length === expected && Array.from(charts).every(chart =>
        chart.querySelector('.ant-alert, [role="alert"]') ||
        (chart.querySelector('[data-test="chart-container"]') &&
         !chart.querySelector('[data-test="loading-indicator"], .loading')));
}"""


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed (apt-get install -y chromium)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


def test_dashboard_renders_every_chart(superset_server: Any, browser: Any) -> None:
    with duckdb.connect(str(superset_server.warehouse), read_only=True) as con:
        codes = [
            code
            for (code,) in con.execute(
                "select distinct indicator_code from marts.published_scorecard order by 1"
            ).fetchall()
        ]
        rows_by_scorecard = dict(
            con.execute(
                "select scorecard, count(*) from marts.published_scorecard group by 1"
            ).fetchall()
        )
    assert codes, "the warehouse has no scorecard rows"

    page = browser.new_page(viewport={"width": 1600, "height": 1400})
    try:
        page.goto(f"{superset_server.url}/login/")
        page.get_by_label("Username:").fill(superset_server.admin_user)
        page.get_by_label("Password:").fill(superset_server.admin_password)
        page.get_by_role("button", name="Sign In").click()
        page.wait_for_url(lambda url: "/login" not in url, timeout=30_000)

        page.goto(f"{superset_server.url}/superset/dashboard/partnership-scorecard/")
        page.wait_for_function(ALL_CHARTS_SETTLED, arg=DASHBOARD_CHARTS, timeout=90_000)
        table = page.locator('[data-test-chart-name="Scorecard indicators"]')
        code_cells = table.locator('td[aria-labelledby="header-indicator_code"]')
        code_cells.first.wait_for(timeout=30_000)
        page.wait_for_timeout(1_000)  # let the bar chart finish its animation
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "partnership-scorecard.png"), full_page=True)

        charts = page.locator('[data-test="chart-grid-component"]')
        errors = charts.locator('.ant-alert, [role="alert"]')
        assert errors.count() == 0, errors.all_inner_texts()
        assert page.locator('[data-test="chart-container"]').count() == DASHBOARD_CHARTS
        assert set(code_cells.all_inner_texts()) == set(codes)
        body = page.locator("body").inner_text()
        assert "Source: Q4 2009/10 National Indicator scorecards as published by Sefton" in body
        assert "Network error" not in body  # the native filters loaded their values

        # The Scorecard filter narrows the table to one scorecard.
        scorecard = "Safer" if "Safer" in rows_by_scorecard else min(rows_by_scorecard)
        page.locator('[data-test="NATIVE_FILTER-scorecard"] .ant-select-selector').click()
        option = page.locator(".ant-select-item-option").filter(
            has_text=re.compile(f"^{re.escape(scorecard)}$")
        )
        option.first.click()
        page.keyboard.press("Escape")
        page.locator('[data-test="filter-bar__apply-button"]').click()
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
    finally:
        page.close()
