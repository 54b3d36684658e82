"""The Indicator explorer and Area profile dashboards, through the REST API and in headless
Chromium, on the warehouse a real nightly run published from the bundled samples.

Every chart's data endpoint answers the partner viewer with rows; each dashboard has the
filters it describes and names its source; the Area profile's map is labelled a tile map, one
cell per ward, not boundaries. In the browser, as the partner viewer and as the analyst, each
dashboard loads with every chart rendered and no error, shows the warehouse's figures (the
periods of the chosen indicator, the wards of the tile map, the chosen area's indicators, the
wards worse than the borough), and a native filter changes what a chart shows while the charts
outside its scope keep theirs. Expected figures are read from the served warehouse, never
written here. Screenshots go to tests/artifacts/ for review.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from access_probes import VISIBLE_TO_PARTNER
from browser import (
    ALL_CHARTS_SETTLED,
    ARTIFACTS,
    choose,
    log_in,
    selected,
    table_column,
    wait_for_count,
    wait_for_rows,
)

pytestmark = [pytest.mark.slow]

ASSETS = Path(__file__).resolve().parents[2] / "superset" / "assets"
DASHBOARD_FILES = {
    "indicator-explorer": ASSETS / "dashboards" / "Indicator_explorer.yaml",
    "area-profile": ASSETS / "dashboards" / "Area_profile.yaml",
}
# slug -> the dataset columns its native filters target (theme, area and period where they
# apply: the assessment mart has no theme; an edition is the area profile's period)
FILTER_COLUMNS = {
    "indicator-explorer": {"indicator", "period_kind", "period_label", "area_name"},
    "area-profile": {"edition", "theme", "indicator", "area_name"},
}
SEFTON = "E08000014"
MERSEYSIDE = ("E08000011", "E08000012", "E08000013", "E08000014", "E08000015")
PERIODS = "Sefton period by period, with confidence limits"
MERSEYSIDE_CHART = "Merseyside's authorities side by side"
TILE_MAP = "Tile map of the 22 wards"
AREA_TABLE = "The area against the borough and England"
WARDS_WORSE = "Wards worse than the borough"
# The cells of the tile map: each ward's name, in bold, inside its coloured cell.
TILE_CELLS = f'[data-test-chart-name="{TILE_MAP}"] td b'


def dashboard(slug: str) -> dict[str, Any]:
    return yaml.safe_load(DASHBOARD_FILES[slug].read_text(encoding="utf-8"))


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


# --- the assets --------------------------------------------------------------------------


@pytest.mark.parametrize("slug", sorted(DASHBOARD_FILES))
def test_the_dashboard_has_its_filters_and_names_its_source(slug: str) -> None:
    config = dashboard(slug)
    filtered = {
        target["column"]["name"]
        for native_filter in config["metadata"]["native_filter_configuration"]
        for target in native_filter["targets"]
    }
    assert filtered == FILTER_COLUMNS[slug]
    notes = [
        component["meta"]["code"]
        for component in config["position"].values()
        if isinstance(component, dict) and component["type"] == "MARKDOWN"
    ]
    assert any("**Source: " in note for note in notes)


def test_the_map_is_labelled_a_tile_map_not_boundaries() -> None:
    (tile_map,) = [
        yaml.safe_load(path.read_text(encoding="utf-8"))
        for path in (ASSETS / "charts").glob("*.yaml")
        if yaml.safe_load(path.read_text(encoding="utf-8"))["slice_name"] == TILE_MAP
    ]
    assert "tile map, not a map of boundaries" in tile_map["description"]
    assert "one equal cell per ward" in tile_map["description"]
    notes = " ".join(
        component["meta"]["code"]
        for component in dashboard("area-profile")["position"].values()
        if isinstance(component, dict) and component["type"] == "MARKDOWN"
    )
    assert "tile map, one cell per ward, not a map of boundaries" in " ".join(notes.split())


# --- REST API ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def partner_api(superset_server: Any) -> Any:
    return superset_server.api_session("partner")


@pytest.mark.parametrize("slug", sorted(DASHBOARD_FILES))
def test_every_chart_answers_the_partner_viewer(
    superset_server: Any, partner_api: Any, slug: str
) -> None:
    url = superset_server.url
    response = partner_api.get(f"{url}/api/v1/dashboard/{slug}/charts", timeout=30)
    assert response.status_code == 200, response.text
    charts = response.json()["result"]
    assert {chart["slice_name"] for chart in charts} == chart_titles(slug)
    for chart in charts:
        data = partner_api.get(f"{url}/api/v1/chart/{chart['id']}/data/", timeout=60)
        assert data.status_code == 200, (chart["slice_name"], data.text[:500])
        (result,) = data.json()["result"]
        assert result["data"], f"{chart['slice_name']} returned no rows"


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


def screenshot(page: Any, name: str, full_page: bool = True) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.wait_for_timeout(1_000)  # the charts redraw after a filter
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


@pytest.mark.browser
@pytest.mark.parametrize("role", ["partner", "analyst"])
def test_indicator_explorer(superset_server: Any, browser: Any, role: str) -> None:
    page = browser.new_page(viewport={"width": 1600, "height": 1300})
    try:
        open_dashboard(page, superset_server, "indicator-explorer", role)
        indicator = selected(page, "NATIVE_FILTER-indicator")
        assessed = (
            "from marts.mart_indicator_assessment where {visible} "
            "and indicator_code || ' ' || indicator_title = ?"
        )
        periods = [
            label
            for (label,) in query(
                superset_server,
                f"select period_label {assessed} and area_code = ? "
                "and period_type = 'financial_year' order by period_id",
                role,
                indicator,
                SEFTON,
            )
        ]
        authorities = query(
            superset_server,
            f"select count(distinct area_code) {assessed} and area_code in {MERSEYSIDE}",
            role,
            indicator,
        )[0][0]
        # The indicator it opens on has several periods and all of Merseyside, with limits.
        assert len(periods) > 1 and authorities == len(MERSEYSIDE)
        wait_for_rows(page, PERIODS, len(periods))
        screenshot(page, f"indicator-explorer-{role}")
        assert_every_chart_rendered(page, "indicator-explorer")
        assert table_column(page, PERIODS, "period_label") == periods
        limits = table_column(page, PERIODS, "lower_ci_95")
        assert all(limit not in {"", "N/A"} for limit in limits), limits
        # The bars are drawn on a canvas (their figures are checked through the API above).
        assert page.locator(f'[data-test-chart-name="{MERSEYSIDE_CHART}"] canvas').count()

        # The Period filter: the table keeps the chosen period only.
        period = periods[-1]
        choose(page, "NATIVE_FILTER-period", period)
        wait_for_rows(page, PERIODS, 1)
        assert table_column(page, PERIODS, "period_label") == [period]
        screenshot(page, f"indicator-explorer-{role}-filtered", full_page=False)
    finally:
        page.close()


@pytest.mark.browser
@pytest.mark.parametrize("role", ["partner", "analyst"])
def test_area_profile(superset_server: Any, browser: Any, role: str) -> None:
    profile = "from marts.mart_area_profile where {visible}"
    ((edition,),) = query(
        superset_server,
        f"select max(edition_id) || ': ' || max_by(edition_label, edition_id) {profile}",
        role,
    )
    page = browser.new_page(viewport={"width": 1600, "height": 1400})
    try:
        open_dashboard(page, superset_server, "area-profile", role)
        # It opens on the latest edition, the first indicator and the first area.
        assert selected(page, "NATIVE_FILTER-edition") == edition
        indicator = selected(page, "NATIVE_FILTER-indicator")
        area = selected(page, "NATIVE_FILTER-area")
        latest = f"{profile} and edition_id || ': ' || edition_label = ?"
        wards = {
            name
            for (name,) in query(
                superset_server,
                f"select area_name {latest} and area_type = 'ward' "
                "and indicator_code || ' ' || indicator_title = ?",
                role,
                edition,
                indicator,
            )
        }
        area_rows = query(
            superset_server, f"select count(*) {latest} and area_name = ?", role, edition, area
        )[0][0]
        worse = query(
            superset_server,
            f"select count(*) {latest} and area_type = 'ward' and borough_comparison = 'worse' "
            "and indicator_code || ' ' || indicator_title = ?",
            role,
            edition,
            indicator,
        )[0][0]
        assert len(wards) == 22 and area_rows

        wait_for_count(page, TILE_CELLS, len(wards))
        wait_for_rows(page, AREA_TABLE, area_rows)
        screenshot(page, f"area-profile-{role}")
        assert_every_chart_rendered(page, "area-profile")
        # One labelled cell per ward, and the charts show the warehouse's figures.
        assert set(page.locator(TILE_CELLS).all_inner_texts()) == wards
        assert set(table_column(page, AREA_TABLE, "area_name")) == {area}
        shown = page.locator(f'[data-test-chart-name="{WARDS_WORSE}"] .header-line').inner_text()
        assert shown.strip() == str(worse)
        body = " ".join(page.locator("body").inner_text().split())
        assert "tile map, one cell per ward, not a map of boundaries" in body

        # The Area filter: the table becomes another area's (an area committee), and the
        # tile map, outside its scope, keeps every ward.
        ((committee, committee_rows),) = query(
            superset_server,
            f"select area_name, count(*) {latest} and area_type = 'area_committee' "
            "group by area_name order by area_name limit 1",
            role,
            edition,
        )
        choose(page, "NATIVE_FILTER-area", committee)
        wait_for_rows(page, AREA_TABLE, committee_rows)
        assert set(table_column(page, AREA_TABLE, "area_name")) == {committee}
        wait_for_count(page, TILE_CELLS, len(wards))
        screenshot(page, f"area-profile-{role}-filtered", full_page=False)
    finally:
        page.close()
