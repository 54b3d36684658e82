"""Re-running gives the same warehouse: the whole nightly run on the same landing files, the
publish task alone, and the dbt build alone. Compared table by table (row count and a hash of
the sorted rows), over every schema of the published file.

Landing the same files again is a new delivery, recorded as such (the manifests say "duplicate"
or "rejected" again), so the relations built from the manifests grow by those records and
nothing else changes. Re-running single tasks records nothing new: every relation is the same.

(tests/test_nightly_pipeline.py checks that a second run recognises the files as duplicates
and that the marts read the same; these tests compare every relation and re-run single tasks.)
"""

from __future__ import annotations

from pathlib import Path

import pytest
from airflow_testbed import (
    airflow,
    built_from_manifests,
    copy_data_dir,
    fingerprint,
    land_samples,
    latest_run_id,
    same_but_deliveries,
)
from harness import make

pytestmark = pytest.mark.slow


def published(data_dir: Path) -> Path:
    return data_dir / "warehouse" / "warehouse.duckdb"


@pytest.fixture(scope="module")
def rerun(nightly_run, dbt_manifest, tmp_path_factory) -> dict:
    """A copy of the pipeline's nightly run, with the same sample files landed and run again."""
    data_dir = copy_data_dir(nightly_run[0], tmp_path_factory.mktemp("idempotence") / "data")
    first = fingerprint(published(data_dir))
    land_samples(data_dir)
    result = make("nightly", data_dir=data_dir)
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
    return {
        "data_dir": data_dir,
        "first": first,
        "second": fingerprint(published(data_dir)),
        "deliveries": built_from_manifests(dbt_manifest),
    }


def test_the_fingerprint_covers_every_layer(rerun) -> None:
    schemas = {name.split(".")[0] for name in rerun["first"]}
    assert {"marts", "staging"} <= schemas, schemas
    marts = {name: rows for name, (rows, _) in rerun["first"].items() if name.startswith("marts.")}
    # nothing is set aside on the samples: no indicator there comes from two datasets
    empty = {name for name, rows in marts.items() if not rows}
    assert marts and empty <= {"marts.mart_indicator_values_set_aside"}, empty
    assert "staging.stg_ingestion__manifests" in rerun["deliveries"]


def test_running_the_night_again_publishes_the_same_warehouse(rerun) -> None:
    data_dir, first, second = rerun["data_dir"], rerun["first"], rerun["second"]
    assert same_but_deliveries(first, second, rerun["deliveries"]) == []
    manifests = len(list((data_dir / "manifests").glob("*.json")))
    assert second["staging.stg_ingestion__manifests"][0] == manifests
    assert manifests > first["staging.stg_ingestion__manifests"][0]  # the files came again
    assert not (data_dir / "warehouse" / "warehouse.next.duckdb").exists()


def test_running_publish_again_changes_nothing(rerun) -> None:
    data_dir = rerun["data_dir"]
    before = published(data_dir).stat()
    result = airflow(
        data_dir, "tasks", "test", "sefton_nightly", "publish", latest_run_id(data_dir)
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "is already published" in result.stdout + result.stderr
    after = published(data_dir).stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert fingerprint(published(data_dir)) == rerun["second"]


def test_running_the_dbt_build_again_gives_the_same_warehouse(rerun) -> None:
    data_dir = rerun["data_dir"]
    run_id = latest_run_id(data_dir)
    inode = published(data_dir).stat().st_ino
    for task_id in ("prepare_build", "dbt.dbt_producer_watcher", "dbt.dbt_project_test", "publish"):
        result = airflow(data_dir, "tasks", "test", "sefton_nightly", task_id, run_id)
        assert result.returncode == 0, task_id + result.stdout[-3000:] + result.stderr[-3000:]
    assert published(data_dir).stat().st_ino != inode  # a new build was swapped in
    assert fingerprint(published(data_dir)) == rerun["second"]
