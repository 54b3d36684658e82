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

import pytest
import yaml
from browser import (
    choose,
    options,
    selected,
    table_column,
    wait_for_count,
    wait_for_rows,
)
from dashboards import (
    assert_every_chart_answers,
    assert_every_chart_rendered,
    dashboard,
    open_dashboard,
    query,
    screenshot,
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
    "indicator-explorer": {"theme", "indicator", "period_kind", "period_label", "area_name"},
    "area-profile": {"edition", "theme", "indicator", "area_name"},
}
SEFTON = "E08000014"
# A theme with a few indicators, none of them the one the explorer opens on.
THEME = "Health & wellbeing"
MERSEYSIDE = ("E08000011", "E08000012", "E08000013", "E08000014", "E08000015")
PERIODS = "Sefton period by period, with confidence limits"
MERSEYSIDE_CHART = "Merseyside's authorities side by side"
TILE_MAP = "Tile map of the 22 wards"
AREA_TABLE = "The area against the borough and England"
WARDS_WORSE = "Wards worse than the borough"
# The cells of the tile map: each ward's name, in bold, inside its coloured cell.
TILE_CELLS = f'[data-test-chart-name="{TILE_MAP}"] td b'


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
    assert_every_chart_answers(superset_server, partner_api, slug)


# --- in the browser ----------------------------------------------------------------------


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

        # The Theme filter: the Indicator filter then offers that theme's indicators, beside
        # the one still chosen.
        themed = [
            name
            for (name,) in query(
                superset_server,
                "select distinct indicator_code || ' ' || indicator_title "
                "from marts.mart_indicator_assessment where {visible} and theme = ? order by 1",
                role,
                THEME,
            )
        ]
        assert 0 < len(themed) < 8 and indicator not in themed, themed
        choose(page, "NATIVE_FILTER-theme", THEME)
        offered = options(page, "NATIVE_FILTER-indicator", len(themed) + 1)
        assert sorted(offered) == sorted([*themed, indicator])
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
