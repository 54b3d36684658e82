"""Source freshness: each source's thresholds follow its contract's cadence, `dbt source
freshness` passes on the bundled samples as the nightly run leaves them, and a source whose last
submission was received too long ago warns, then fails.

The rule (doc `source_freshness` in dbt_project/models/intermediate/catalogue/): a source warns
after one period of its cadence and a grace without a submission, and fails after two periods and
the grace. It is written once here, as a table, and every source YAML is checked against it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from harness import REPO_ROOT, SAMPLES_DIR, VENV

from ingestion.contracts import load_contracts
from ingestion.pipeline import ingest_landing

DBT = VENV / "dbt" / "bin" / "dbt"
PROJECT_DIR = REPO_ROOT / "dbt_project"
MODELS_DIR = PROJECT_DIR / "models"

# cadence -> (warn after, error after) in days: one period and a grace, two periods and the grace
PERIOD_AND_GRACE = {
    "monthly": (30, 15),
    "quarterly": (90, 15),
    "biannual": (182, 15),
    "annual": (365, 30),
}
# most frequent first, for the manifests: every file any partner sends writes one
CADENCE_ORDER = ("monthly", "quarterly", "biannual", "annual", "ad_hoc")


def thresholds(cadence: str) -> dict:
    """The freshness block the rule gives a cadence, as dbt's YAML writes it."""
    if cadence == "ad_hoc":
        return {"warn_after": {"count": 365, "period": "day"}}
    period, grace = PERIOD_AND_GRACE[cadence]
    return {
        "warn_after": {"count": period + grace, "period": "day"},
        "error_after": {"count": 2 * period + grace, "period": "day"},
    }


def declared_sources() -> dict[tuple[str, str], tuple[dict, dict]]:
    """(source, table) -> (the source's config, the table's config), from every sources YAML."""
    found = {}
    for path in sorted(MODELS_DIR.rglob("_*__sources.yml")):
        for source in yaml.safe_load(path.read_text())["sources"]:
            for table in source["tables"]:
                found[(source["name"], table["name"])] = (
                    source.get("config") or {},
                    table.get("config") or {},
                )
    return found


def test_every_contract_has_a_source_with_its_cadences_thresholds() -> None:
    contracts = load_contracts()
    sources = declared_sources()
    assert contracts
    for dataset_id, contract in contracts.items():
        key = (contract.partner_id, dataset_id)
        assert key in sources, f"no dbt source {key} for contract {dataset_id}"
        source_config, table_config = sources[key]
        loaded_at = table_config.get("loaded_at_field", source_config.get("loaded_at_field"))
        assert loaded_at == "_received_at", key
        assert table_config.get("freshness") == thresholds(contract.delivery.cadence), (
            f"{key}: cadence {contract.delivery.cadence}"
        )


def test_the_logs_and_the_catalogue_have_their_own_rules() -> None:
    sources = declared_sources()
    fastest = min((c.delivery.cadence for c in load_contracts().values()), key=CADENCE_ORDER.index)
    assert sources[("ingestion", "manifests")][1]["freshness"] == thresholds(fastest)
    # the incident log is as current as the last file checked (the newest manifest), and it
    # only warns: the manifests fail on the same condition
    incidents = sources[("ingestion", "incidents")][1]
    assert "/manifests/" in incidents["loaded_at_query"]
    assert incidents["freshness"] == {"warn_after": thresholds(fastest)["warn_after"]}
    catalogue = sources[("catalogue", "contracts")][1]
    assert "read_text" in catalogue["loaded_at_query"]
    assert catalogue["freshness"] == {
        "warn_after": {"count": 2, "period": "day"},
        "error_after": {"count": 7, "period": "day"},
    }


def source_freshness(
    data_dir: Path, warehouse: Path, work_dir: Path, *select: str
) -> tuple[subprocess.CompletedProcess, dict[str, dict]]:
    """`dbt source freshness` against data_dir; returns the run and sources.json by source."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UNDERSTOOD", "DBT_"))}
    env["UNDERSTOOD_DATA_DIR"] = str(data_dir)
    env["UNDERSTOOD_WAREHOUSE_PATH"] = str(warehouse)
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    output = work_dir / "sources.json"
    args = [
        str(DBT), "source", "freshness",
        "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
        "--target-path", str(work_dir / "target"), "--log-path", str(work_dir / "logs"),
        "--output", str(output),
    ]  # fmt: skip
    if select:
        args += ["--select", *select]
    result = subprocess.run(
        args, env=env, cwd=work_dir, capture_output=True, text=True, check=False
    )
    results = {}
    if output.exists():
        for entry in json.loads(output.read_text())["results"]:
            results[entry["unique_id"].removeprefix("source.sefton_understood.")] = entry
    return result, results


@pytest.mark.slow
def test_freshness_passes_on_the_sample_warehouse(nightly_run, tmp_path: Path) -> None:
    data_dir, _ = nightly_run
    # a copy of the published warehouse: the run-end hook must not write to the served file
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(data_dir / "warehouse" / "warehouse.duckdb", warehouse)
    result, results = source_freshness(data_dir, warehouse, tmp_path)
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
    with_freshness = {
        f"{source}.{table}"
        for (source, table), (_, config) in declared_sources().items()
        if config.get("freshness")
    }
    # every contract's raw parquet, the manifests, the incident log and the catalogue
    assert len(with_freshness) == len(load_contracts()) + 3
    assert set(results) == with_freshness
    for name, entry in results.items():
        assert entry["status"] == "pass", (name, entry.get("status"), entry.get("message"))
        assert entry["max_loaded_at"], name


def land(data_dir: Path, partner: str, dataset: str, sample: str, received_at: datetime) -> None:
    """A bundled sample put in the landing zone and ingested as if received at received_at."""
    landing = data_dir / "landing" / partner / dataset
    landing.mkdir(parents=True)
    shutil.copy(SAMPLES_DIR / partner / dataset / sample, landing / sample)
    (manifest,) = ingest_landing(data_dir, dataset, received_at=received_at)
    assert manifest.outcome == "accepted", manifest.reasons


def test_a_source_received_too_long_ago_warns_then_fails(tmp_path: Path) -> None:
    """Real submissions, ingested with the time of receipt set in the past: recorded crime
    (monthly) 60 days ago is past its 45-day warning, the scorecard (quarterly) 200 days ago
    past its 195-day error, and fire incidents (annual) 10 days ago fresh."""
    data_dir = tmp_path / "data"
    now = datetime.now(UTC).replace(microsecond=0)
    land(
        data_dir,
        "synthetic_merseyside_police",
        "recorded_crime",
        "recorded_crime_2007-08_to_2010-11.csv",
        now - timedelta(days=60),
    )
    land(
        data_dir,
        "sefton_council",
        "ni_scorecard",
        "ni_scorecards_2009-10_q4.csv",
        now - timedelta(days=200),
    )
    land(
        data_dir,
        "synthetic_merseyside_fire",
        "fire_incidents",
        "fire_incidents_2007-08_to_2010-11.csv",
        now - timedelta(days=10),
    )
    work_dir = tmp_path / "dbt"
    work_dir.mkdir()
    result, results = source_freshness(
        data_dir,
        work_dir / "warehouse.duckdb",
        work_dir,
        "source:synthetic_merseyside_police.recorded_crime",
        "source:sefton_council.ni_scorecard",
        "source:synthetic_merseyside_fire.fire_incidents",
        "source:ingestion.manifests",
        "source:ingestion.incidents",
    )
    # a stale source makes the command fail, as a scheduler needs it to
    assert result.returncode == 1, (result.stdout + result.stderr)[-5000:]
    statuses = {name: entry["status"] for name, entry in results.items()}
    assert statuses == {
        "synthetic_merseyside_police.recorded_crime": "warn",
        "sefton_council.ni_scorecard": "error",
        "synthetic_merseyside_fire.fire_incidents": "pass",
        # the newest manifest is 10 days old: within the monthly warning
        "ingestion.manifests": "pass",
        # no incident at all: as current as the newest manifest
        "ingestion.incidents": "pass",
    }
    age = results["synthetic_merseyside_police.recorded_crime"]["max_loaded_at_time_ago_in_s"]
    assert timedelta(days=60) <= timedelta(seconds=age) < timedelta(days=61)
