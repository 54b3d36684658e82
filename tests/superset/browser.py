"""Driving Superset in headless Chromium: Debian's chromium through playwright (never
``playwright install``), logging in as a demo user, waiting for a dashboard's charts.

The ``browser`` fixture itself is in conftest.py.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

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
# Screenshots of every browser test (gitignored)
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
# Every chart holder ends either with a rendered chart or with an error alert.
ALL_CHARTS_SETTLED = """(expected) => {
    const charts = document.querySelectorAll('[data-test="chart-grid-component"]');
    return charts.length === expected && Array.from(charts).every(chart =>
        chart.querySelector('.ant-alert, [role="alert"]') ||
        (chart.querySelector('[data-test="chart-container"]') &&
         !chart.querySelector('[data-test="loading-indicator"], .loading')));
}"""


def assert_charts_rendered(page: Any, expected: int) -> None:
    """Every one of the ``expected`` charts has drawn, and none shows an error.

    A chart redraws when a filter's values arrive after the first render, so the check waits
    for the charts to settle again and retries the count instead of reading it once."""
    page.wait_for_function(ALL_CHARTS_SETTLED, arg=expected, timeout=60_000)
    errors = page.locator('[data-test="chart-grid-component"] :is(.ant-alert, [role="alert"])')
    assert errors.count() == 0, errors.all_inner_texts()
    expect(page.locator('[data-test="chart-container"]')).to_have_count(expected, timeout=30_000)


def log_in(page: Any, server: Any, role: str) -> None:
    username, password = server.users[role]
    page.goto(f"{server.url}/login/")
    page.get_by_label("Username:").fill(username)
    page.get_by_label("Password:").fill(password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(lambda url: "/login" not in url, timeout=30_000)


def choose(page: Any, filter_id: str, value: str) -> None:
    """Pick one value in a native filter and apply it.

    The filter's drop-down redraws once its values have loaded, and a click that lands during
    the redraw selects nothing, so the pick is repeated until the filter shows the value."""
    exact = re.compile(f"^{re.escape(value)}$")
    chosen = page.locator(f'[data-test="{filter_id}"] .ant-select-selection-item').filter(
        has_text=exact
    )
    for _ in range(3):
        page.locator(f'[data-test="{filter_id}"] .ant-select-selector').click()
        option = page.locator(".ant-select-dropdown:visible .ant-select-item-option").filter(
            has_text=exact
        )
        option.first.click()
        page.keyboard.press("Escape")
        try:
            chosen.first.wait_for(timeout=5_000)
            break
        except PlaywrightTimeout:
            continue
    page.locator('[data-test="filter-bar__apply-button"]').click()


def wait_for_rows(page: Any, chart: str, count: int) -> None:
    page.wait_for_function(
        """([selector, count]) => document.querySelectorAll(selector).length === count""",
        arg=[f'[data-test-chart-name="{chart}"] tbody tr', count],
        timeout=30_000,
    )


def table_column(page: Any, chart: str, column: str) -> list[str]:
    cells = page.locator(f'[data-test-chart-name="{chart}"] td[aria-labelledby="header-{column}"]')
    return cells.all_inner_texts()


def selected(page: Any, filter_id: str) -> str:
    """The value a single-select native filter shows (its first value if it shows several)."""
    item = page.locator(f'[data-test="{filter_id}"] .ant-select-selection-item').first
    item.wait_for(timeout=30_000)
    return (item.get_attribute("title") or item.inner_text()).strip()


def options(page: Any, filter_id: str, count: int) -> list[str]:
    """The values a native filter's drop-down offers, once it offers ``count`` of them (a
    cascading filter reloads its values when its parent changes; the list is read only when
    it has settled on that many, so ``count`` must be small enough to show without scrolling)."""
    page.locator(f'[data-test="{filter_id}"] .ant-select-selector').click()
    offered = page.locator(".ant-select-dropdown:visible .ant-select-item-option")
    try:
        expect(offered).to_have_count(count, timeout=30_000)
        return [
            (option.get_attribute("title") or option.inner_text()).strip()
            for option in offered.all()
        ]
    finally:
        page.keyboard.press("Escape")


def wait_for_count(page: Any, selector: str, count: int) -> None:
    """Wait until exactly ``count`` elements match a CSS selector."""
    page.wait_for_function(
        """([selector, count]) => document.querySelectorAll(selector).length === count""",
        arg=[selector, count],
        timeout=30_000,
    )
