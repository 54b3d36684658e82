"""The assets round trip: exporting every asset from the running Superset that imported
superset/assets, and normalising the export, gives the repository's YAML back (no drift).

Superset's export (``GET /api/v1/assets/export/``, the same as Settings → Export in the UI)
adds what an import fills in, and the normalisation takes exactly that back out, nothing
more:

- keys whose value is Superset's default or null (``is_active: true``, ``cache_timeout:
  null``...), which the repository leaves out as export noise;
- the ids of this server: ``chartId`` in a dashboard's layout and in its native filters'
  scopes (compared through the charts' uuids instead), the ``datasource`` a chart's params and
  query context name (``13__table``), and the ``_<id>`` suffix of each file name;
- the warehouse path the bootstrap fills in for ``__UNDERSTOOD_DATA_DIR__``, and the
  fingerprint the nightly refresh records in a dataset's ``extra``;
- the order of a dataset's columns and metrics, which Superset does not keep.

So a chart, dataset or dashboard changed in the UI and not carried into superset/assets, or a
YAML edit that Superset imports differently from how it reads, fails here with the asset and
the differing keys. The export also proves the import linked everything by uuid, and every
dataset is checked against the warehouse the server actually reads.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

pytestmark = [pytest.mark.slow]

REPO_ROOT = Path(__file__).resolve().parents[2]
ASSETS = REPO_ROOT / "superset" / "assets"
KINDS = ("databases", "datasets", "charts", "dashboards")
DATA_DIR_PLACEHOLDER = "__UNDERSTOOD_DATA_DIR__"
# Written into a dataset's ``extra`` by the nightly refresh (ingestion/dashboards.py).
FINGERPRINT_KEY = "understood_warehouse_fingerprint"
# What Superset's export writes for a key the repository leaves out: values an import fills
# in. A key with any other value is a change made in Superset, and is reported.
DEFAULTS: dict[str, dict[str, Any]] = {
    "databases": {"configuration_method": "sqlalchemy_form"},
    "datasets": {},
    "dataset_columns": {"is_dttm": False, "is_active": True},
    "dataset_metrics": {},
    "charts": {},
    "chart_params": {"annotation_layers": []},
    "dashboards": {},
}
EXPORTED_NAME = re.compile(r"^(?P<stem>.+)_(?P<id>\d+)\.yaml$")


def drop_nulls(value: Any) -> Any:
    """Null keys are export noise at every level."""
    if isinstance(value, dict):
        return {key: drop_nulls(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [drop_nulls(item) for item in value]
    return value


def drop_defaults(config: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    return {
        key: value
        for key, value in config.items()
        if not (key in defaults and defaults[key] == value)
    }


def normalise(kind: str, config: dict[str, Any], data_dir: str) -> dict[str, Any]:
    """The asset as the repository states it, whichever side it comes from."""
    config = drop_defaults(drop_nulls(config), DEFAULTS[kind])
    if kind == "databases":
        config["sqlalchemy_uri"] = config["sqlalchemy_uri"].replace(data_dir, DATA_DIR_PLACEHOLDER)
    elif kind == "datasets":
        extra = config.pop("extra", None)
        extra = json.loads(extra) if isinstance(extra, str) else dict(extra or {})
        extra.pop(FINGERPRINT_KEY, None)
        if extra:
            config["extra"] = extra
        config["columns"] = sorted(
            (drop_defaults(c, DEFAULTS["dataset_columns"]) for c in config.get("columns", [])),
            key=lambda column: column["column_name"],
        )
        config["metrics"] = sorted(
            (drop_defaults(m, DEFAULTS["dataset_metrics"]) for m in config.get("metrics", [])),
            key=lambda metric: metric["metric_name"],
        )
    elif kind == "charts":
        params = drop_defaults(config["params"], DEFAULTS["chart_params"])
        params.pop("datasource", None)
        config["params"] = params
        context = json.loads(config["query_context"])
        context["datasource"] = {"id": 0, "type": "table"}
        context["form_data"].pop("datasource", None)
        config["query_context"] = context
    elif kind == "dashboards":
        chart_uuids = {}
        for component in config["position"].values():
            if isinstance(component, dict) and component.get("type") == "CHART":
                meta = component["meta"]
                chart_uuids[meta["chartId"]] = meta["uuid"]
                meta["chartId"] = meta["uuid"]
        for native_filter in config["metadata"].get("native_filter_configuration", []):
            scope = native_filter.get("scope", {})
            scope["excluded"] = sorted(
                chart_uuids.get(i, str(i)) for i in scope.get("excluded", [])
            )
    return config


def repository_assets() -> dict[str, dict[str, dict[str, Any]]]:
    """kind -> uuid -> {path, config} of superset/assets."""
    assets: dict[str, dict[str, dict[str, Any]]] = {kind: {} for kind in KINDS}
    for kind in KINDS:
        for path in sorted((ASSETS / kind).rglob("*.yaml")):
            config = yaml.safe_load(path.read_text(encoding="utf-8"))
            name = path.relative_to(ASSETS).as_posix()
            assets[kind][config["uuid"]] = {"path": name, "config": config}
    return assets


def exported_assets(archive: bytes) -> dict[str, dict[str, dict[str, Any]]]:
    """kind -> uuid -> {path, config} of an export zip (one top folder, then the layout)."""
    assets: dict[str, dict[str, dict[str, Any]]] = {kind: {} for kind in KINDS}
    with zipfile.ZipFile(io.BytesIO(archive)) as bundle:
        for member in bundle.namelist():
            _, _, name = member.partition("/")
            kind = name.split("/", 1)[0]
            if kind not in KINDS or not name.endswith(".yaml"):
                continue
            config = yaml.safe_load(bundle.read(member).decode("utf-8"))
            assets[kind][config["uuid"]] = {"path": name, "config": config}
    return assets


def differences(expected: Any, actual: Any, where: str = "") -> list[str]:
    """Where two normalised assets differ, as readable paths."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        found = []
        for key in sorted(set(expected) | set(actual), key=str):
            here = f"{where}.{key}" if where else str(key)
            if key not in actual:
                found.append(f"{here}: in the repository, not in Superset")
            elif key not in expected:
                found.append(f"{here}: set in Superset to {actual[key]!r}, not in the repository")
            else:
                found.extend(differences(expected[key], actual[key], here))
        return found
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        found = []
        for index, (left, right) in enumerate(zip(expected, actual, strict=True)):
            found.extend(differences(left, right, f"{where}[{index}]"))
        return found
    if expected != actual:
        return [f"{where}: repository {expected!r}, Superset {actual!r}"]
    return []


@pytest.fixture(scope="module")
def exported(superset_server: Any) -> dict[str, dict[str, dict[str, Any]]]:
    """Every asset of the running server, exported as an admin through the REST API."""
    api = superset_server.api_session("admin")
    response = api.get(f"{superset_server.url}/api/v1/assets/export/", timeout=120)
    assert response.status_code == 200, response.text[:500]
    assert response.headers["Content-Type"].startswith("application/zip")
    return exported_assets(response.content)


@pytest.fixture(scope="module")
def data_dir(superset_server: Any) -> str:
    """The data directory the bootstrap wrote into the connection URI."""
    return str(superset_server.warehouse.parent.parent)


@pytest.mark.parametrize("kind", KINDS)
def test_the_export_holds_exactly_the_repositorys_assets(exported: Any, kind: str) -> None:
    repository = repository_assets()[kind]
    missing = {repository[uuid]["path"] for uuid in set(repository) - set(exported[kind])}
    extra = {exported[kind][uuid]["path"] for uuid in set(exported[kind]) - set(repository)}
    assert not missing, f"imported from superset/assets but not in Superset: {sorted(missing)}"
    assert not extra, f"in Superset but not in superset/assets: {sorted(extra)}"


@pytest.mark.parametrize("kind", KINDS)
def test_the_normalised_export_is_the_repository(exported: Any, data_dir: str, kind: str) -> None:
    """No drift: every asset reads back exactly as the repository states it."""
    drift = {}
    for uuid, asset in repository_assets()[kind].items():
        if uuid not in exported[kind]:
            continue  # reported by the test above
        found = differences(
            normalise(kind, asset["config"], data_dir),
            normalise(kind, exported[kind][uuid]["config"], data_dir),
        )
        if found:
            drift[asset["path"]] = found
    assert not drift, json.dumps(drift, indent=2)


@pytest.mark.parametrize("kind", KINDS)
def test_the_repository_names_files_as_superset_exports_them(exported: Any, kind: str) -> None:
    """superset/assets/<kind>/<Name>.yaml is the export's <Name>_<id>.yaml without the id
    (a database's file has none), so an exported file is copied over its repository file by
    name."""
    repository = repository_assets()[kind]
    for uuid, asset in exported[kind].items():
        name = asset["path"]
        if kind != "databases":
            match = EXPORTED_NAME.match(name)
            assert match, name
            name = f"{match['stem']}.yaml"
        if uuid in repository:
            assert name == repository[uuid]["path"], asset["path"]


def test_the_exported_links_resolve(exported: Any) -> None:
    """The import linked everything by uuid: each chart to its dataset, each dataset to the
    warehouse connection, each dashboard to its charts and its filters to their datasets."""
    for asset in exported["datasets"].values():
        assert asset["config"]["database_uuid"] in exported["databases"], asset["path"]
    for asset in exported["charts"].values():
        assert asset["config"]["dataset_uuid"] in exported["datasets"], asset["path"]
    for asset in exported["dashboards"].values():
        config = asset["config"]
        for component in config["position"].values():
            if isinstance(component, dict) and component.get("type") == "CHART":
                assert component["meta"]["uuid"] in exported["charts"], asset["path"]
        for native_filter in config["metadata"].get("native_filter_configuration", []):
            for target in native_filter["targets"]:
                assert target["datasetUuid"] in exported["datasets"], native_filter["id"]


def test_every_exported_dataset_reads_a_mart_of_the_served_warehouse(
    superset_server: Any, exported: Any
) -> None:
    """Each dataset is a table or view of the ``marts`` schema of the file the server reads,
    and has every physical column it declares."""
    with duckdb.connect(str(superset_server.warehouse), read_only=True) as con:
        rows = con.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = 'marts'"
        ).fetchall()
    marts: dict[str, set[str]] = {}
    for table, column in rows:
        marts.setdefault(table, set()).add(column)
    for asset in exported["datasets"].values():
        config = asset["config"]
        assert config["schema"] == "marts", asset["path"]
        assert not config.get("sql"), f"{asset['path']} must be a physical dataset"
        assert config["table_name"] in marts, f"{asset['path']}: no mart {config['table_name']}"
        physical = {c["column_name"] for c in config["columns"] if not c.get("expression")}
        missing = physical - marts[config["table_name"]]
        assert not missing, f"{asset['path']}: not in the mart: {sorted(missing)}"


def test_every_filter_default_is_a_value_the_warehouse_has(
    superset_server: Any, exported: Any
) -> None:
    """A native filter that opens on a value (the explorer opens on one indicator, by its code
    and title) names a value its column has in the served warehouse: a title changed in a seed
    would otherwise leave the dashboard opening on nothing."""
    datasets = {uuid: asset["config"] for uuid, asset in exported["datasets"].items()}
    checked = 0
    with duckdb.connect(str(superset_server.warehouse), read_only=True) as con:
        for asset in exported["dashboards"].values():
            for native_filter in asset["config"]["metadata"].get("native_filter_configuration", []):
                wanted = (native_filter.get("defaultDataMask") or {}).get("filterState", {})
                if not wanted.get("value"):
                    continue
                (target,) = native_filter["targets"]
                dataset = datasets[target["datasetUuid"]]
                column = next(
                    c for c in dataset["columns"] if c["column_name"] == target["column"]["name"]
                )
                expression = column.get("expression") or f'"{column["column_name"]}"'
                found = {
                    value
                    for (value,) in con.execute(
                        f"select distinct {expression} from marts.{dataset['table_name']}"
                    ).fetchall()
                }
                missing = set(wanted["value"]) - found
                assert not missing, f"{asset['path']} {native_filter['name']}: {sorted(missing)}"
                checked += 1
    assert checked >= 2  # the explorer's indicator and period type at least
