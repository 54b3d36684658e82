"""The Superset assets under superset/assets are whole: every uuid link resolves, every
dataset reads a mart, every column a chart names exists in its dataset.

Fast: reads YAML only (and, when a warehouse is published, its marts' columns).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
ASSETS = REPO_ROOT / "superset" / "assets"
SOURCE_NOTE = "Source: Q4 2009/10 National Indicator scorecards as published by Sefton Council"
# slug -> title, and the columns its native filters target
DASHBOARD_TITLES = {
    "partnership-scorecard": "Partnership scorecard",
    "theme-summary": "Theme summary",
    "reconciliation": "Reconciliation",
    "data-sharing-and-quality": "Data sharing and quality",
    "partnership-register": "Partnership register",
    "action-plans": "Action plans",
    "indicator-explorer": "Indicator explorer",
    "area-profile": "Area profile",
}
DASHBOARD_FILTER_COLUMNS = {
    "partnership-scorecard": {"scorecard", "rag"},
    "theme-summary": {"strategic_objective", "basis", "scorecard"},
    "reconciliation": {"scorecard", "status"},
    "data-sharing-and-quality": {"partner_name", "dataset_title", "outcome_label"},
    "partnership-register": {"significance_label", "department_label"},
    "action-plans": {"plan_label", "department", "status_label", "rag"},
    "indicator-explorer": {"theme", "indicator", "period_kind", "period_label", "area_name"},
    "area-profile": {"edition", "theme", "indicator", "area_name"},
}
# The dashboards on the council's Q4 2009/10 report; the others name their own source.
REPORT_DASHBOARDS = {"partnership-scorecard", "theme-summary", "reconciliation"}
# Row-level security (superset/access.yml) filters every dataset on these columns.
ROW_LEVEL_SECURITY_COLUMNS = {"marking", "partner_id"}


def load(folder: str) -> dict[str, dict[str, Any]]:
    return {
        path.relative_to(ASSETS).as_posix(): yaml.safe_load(path.read_text(encoding="utf-8"))
        for path in sorted((ASSETS / folder).rglob("*.yaml"))
    }


DATABASES = load("databases")
DATASETS = load("datasets")
CHARTS = load("charts")
DASHBOARDS = load("dashboards")
DATASETS_BY_UUID = {config["uuid"]: config for config in DATASETS.values()}
CHARTS_BY_UUID = {config["uuid"]: config for config in CHARTS.values()}
DASHBOARDS_BY_SLUG = {config["slug"]: config for config in DASHBOARDS.values()}


def dataset_fields(dataset: dict[str, Any]) -> tuple[set[str], set[str]]:
    columns = {column["column_name"] for column in dataset["columns"]}
    metrics = {metric["metric_name"] for metric in dataset.get("metrics", [])}
    return columns, metrics


def dashboard_components(dashboard: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {key: value for key, value in dashboard["position"].items() if isinstance(value, dict)}


def dashboard_chart_ids(dashboard: dict[str, Any]) -> dict[int, str]:
    """chartId -> chart uuid of the charts placed on a dashboard."""
    return {
        component["meta"]["chartId"]: component["meta"]["uuid"]
        for component in dashboard_components(dashboard).values()
        if component["type"] == "CHART"
    }


def test_metadata_declares_an_assets_bundle() -> None:
    metadata = yaml.safe_load((ASSETS / "metadata.yaml").read_text(encoding="utf-8"))
    assert metadata["version"] == "1.0.0"
    assert metadata["type"] == "assets"


def test_every_file_has_a_unique_uuid_and_a_version() -> None:
    configs = [*DATABASES.values(), *DATASETS.values(), *CHARTS.values(), *DASHBOARDS.values()]
    uuids = [config["uuid"] for config in configs]
    assert len(uuids) == len(set(uuids))
    assert all(config["version"] == "1.0.0" for config in configs)


def test_export_noise_is_stripped() -> None:
    for name, config in {**DATABASES, **DATASETS, **CHARTS, **DASHBOARDS}.items():
        assert "id" not in config, name
        assert None not in config.values(), f"{name} keeps null keys"


def test_the_warehouse_connection_is_read_only_and_portable() -> None:
    (database,) = DATABASES.values()
    assert database["database_name"] == "Sefton Understood warehouse"
    uri = urlsplit(database["sqlalchemy_uri"])
    assert uri.scheme == "duckdb"
    assert uri.path == "/__UNDERSTOOD_DATA_DIR__/warehouse/warehouse.duckdb"
    assert parse_qs(uri.query) == {
        "access_mode": ["read_only"],
        "enable_external_access": ["false"],
        "lock_configuration": ["true"],
    }
    assert database["allow_dml"] is False
    assert database["allow_csv_upload"] is False


def test_every_dataset_reads_a_mart_of_the_warehouse() -> None:
    database_uuids = {config["uuid"] for config in DATABASES.values()}
    names = [config["table_name"] for config in DATASETS.values()]
    assert len(names) == len(set(names)), "dataset names must be unique"
    for name, dataset in DATASETS.items():
        assert dataset["database_uuid"] in database_uuids, name
        assert dataset["schema"] == "marts", name
        assert not dataset.get("sql"), f"{name} must be a physical dataset on a mart"


def test_every_chart_links_to_a_dataset_and_names_its_fields() -> None:
    for name, chart in CHARTS.items():
        dataset = DATASETS_BY_UUID.get(chart["dataset_uuid"])
        assert dataset is not None, f"{name}: dataset {chart['dataset_uuid']} not found"
        columns, metrics = dataset_fields(dataset)
        params = chart["params"]
        assert params["viz_type"] == chart["viz_type"], name
        named_columns = [
            *params.get("all_columns", []),
            *params.get("groupby", []),
            *[json.loads(order)[0] for order in params.get("order_by_cols", [])],
            *[rule["column"] for rule in params.get("conditional_formatting", [])],
            *([params["x_axis"]] if "x_axis" in params else []),
            *[
                adhoc["subject"]
                for adhoc in params.get("adhoc_filters", [])
                if adhoc["expressionType"] == "SIMPLE"
            ],
        ]
        assert set(named_columns) <= columns, name
        named_metrics = [
            *params.get("metrics", []),
            *filter(None, [params.get("metric"), params.get("timeseries_limit_metric")]),
        ]
        assert set(named_metrics) <= metrics, name


def test_every_dataset_carries_the_row_level_security_columns() -> None:
    """A dataset without them would make every partner viewer's query fail."""
    for name, dataset in DATASETS.items():
        physical = {c["column_name"] for c in dataset["columns"] if not c.get("expression")}
        assert not ROW_LEVEL_SECURITY_COLUMNS - physical, name


def test_every_chart_has_a_title_and_a_description() -> None:
    titles = [chart["slice_name"] for chart in CHARTS.values()]
    assert len(titles) == len(set(titles)), "chart titles must be unique"
    for name, chart in CHARTS.items():
        assert chart["slice_name"].strip(), name
        assert len(chart.get("description", "").split()) >= 4, f"{name} needs a description"


def test_every_chart_has_a_query_context_for_the_data_api() -> None:
    for name, chart in CHARTS.items():
        context = json.loads(chart["query_context"])
        assert context["queries"], name
        assert context["form_data"]["viz_type"] == chart["viz_type"], name
        columns, metrics = dataset_fields(DATASETS_BY_UUID[chart["dataset_uuid"]])
        for query in context["queries"]:
            named = [column for column in query.get("columns", []) if isinstance(column, str)]
            named += [flt["col"] for flt in query.get("filters", [])]
            assert set(named) <= columns, name
            assert set(query.get("metrics", [])) <= metrics, name


def test_the_dashboards_are_the_ones_described() -> None:
    assert {slug: d["dashboard_title"] for slug, d in DASHBOARDS_BY_SLUG.items()} == (
        DASHBOARD_TITLES
    )
    for dashboard in DASHBOARDS.values():
        assert dashboard["published"] is True, dashboard["slug"]
        assert dashboard["description"].strip(), dashboard["slug"]


@pytest.mark.parametrize("slug", sorted(DASHBOARD_TITLES))
def test_the_dashboard_links_resolve(slug: str) -> None:
    dashboard = DASHBOARDS_BY_SLUG[slug]
    components = dashboard_components(dashboard)
    for key, component in components.items():
        assert component["id"] == key
        for child in component.get("children", []):
            assert child in components, f"{key} has unknown child {child}"
            assert components[child].get("parents", [])[-1:] == [key], child
    charts = [c for c in components.values() if c["type"] == "CHART"]
    assert len(dashboard_chart_ids(dashboard)) == len(charts), "chart ids must be unique"
    for chart in charts:
        assert chart["meta"]["uuid"] in CHARTS_BY_UUID, chart["id"]
        assert chart["meta"]["sliceName"] == CHARTS_BY_UUID[chart["meta"]["uuid"]]["slice_name"]
    for row in (c for c in components.values() if c["type"] == "ROW"):
        widths = sum(components[child]["meta"]["width"] for child in row["children"])
        assert widths <= 12, f"{row['id']} is {widths} columns wide"
    for native_filter in dashboard["metadata"]["native_filter_configuration"]:
        for target in native_filter["targets"]:
            dataset = DATASETS_BY_UUID[target["datasetUuid"]]
            assert target["column"]["name"] in dataset_fields(dataset)[0]
        # the scope names charts by the chartId they have on this dashboard
        excluded = native_filter["scope"]["excluded"]
        assert set(excluded) <= set(dashboard_chart_ids(dashboard)), native_filter["id"]


def test_every_chart_is_on_a_dashboard() -> None:
    on_dashboards = {
        uuid
        for dashboard in DASHBOARDS.values()
        for uuid in dashboard_chart_ids(dashboard).values()
    }
    assert on_dashboards == set(CHARTS_BY_UUID)


@pytest.mark.parametrize("slug", sorted(DASHBOARD_TITLES))
def test_the_dashboard_has_its_filters(slug: str) -> None:
    dashboard = DASHBOARDS_BY_SLUG[slug]
    filtered = {
        target["column"]["name"]
        for native_filter in dashboard["metadata"]["native_filter_configuration"]
        for target in native_filter["targets"]
    }
    assert filtered == DASHBOARD_FILTER_COLUMNS[slug]


@pytest.mark.parametrize("slug", sorted(DASHBOARD_TITLES))
def test_the_dashboard_names_its_source(slug: str) -> None:
    notes = [
        component["meta"]["code"]
        for component in dashboard_components(DASHBOARDS_BY_SLUG[slug]).values()
        if component["type"] == "MARKDOWN"
    ]
    assert any("**Source: " in note for note in notes)
    if slug in REPORT_DASHBOARDS:
        assert any(
            "Source: Q4 2009/10" in note and "as published by Sefton Council" in note
            for note in notes
        )
    if slug == "partnership-scorecard":
        assert any(SOURCE_NOTE in note for note in notes)


def dbt_mart_columns() -> dict[str, set[str]]:
    """Columns of every mart model, as declared in the dbt project's model YAML."""
    marts = REPO_ROOT / "dbt_project" / "models" / "marts"
    columns: dict[str, set[str]] = {}
    for path in marts.rglob("_*__models.yml"):
        for model in yaml.safe_load(path.read_text(encoding="utf-8")).get("models", []):
            columns[model["name"]] = {column["name"] for column in model.get("columns", [])}
    return columns


def test_every_dataset_column_is_a_column_of_its_mart() -> None:
    """Checked against the marts' contracts in dbt_project/models/marts, built into ``marts``."""
    marts = dbt_mart_columns()
    if not marts:
        pytest.skip("no dbt mart models declared yet")
    for name, dataset in DATASETS.items():
        assert dataset["table_name"] in marts, f"{name}: no mart model {dataset['table_name']}"
        physical = {c["column_name"] for c in dataset["columns"] if not c.get("expression")}
        missing = physical - marts[dataset["table_name"]]
        assert not missing, f"{name}: not in the mart's contract: {sorted(missing)}"
