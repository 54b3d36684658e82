"""Every DAG imports cleanly and has the shape the nightly load relies on."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def dagbag(dbt_manifest: Path):
    # the dag-processor parses the dags folder as a bundle, which puts it on sys.path
    from airflow.dag_processing.dagbag import BundleDagBag

    dags = REPO_ROOT / "dags"
    return BundleDagBag(dag_folder=str(dags), bundle_path=dags)


def test_no_import_errors(dagbag) -> None:
    assert dagbag.import_errors == {}


def test_only_dag_files_are_parsed(dagbag) -> None:
    # defaults.py is shared configuration, listed in .airflowignore
    assert set(dagbag.dag_ids) == {"sefton_nightly"}


def test_nightly_schedule(dagbag) -> None:
    dag = dagbag.dags["sefton_nightly"]
    assert dag.timetable.expression == "0 2 * * *"
    assert str(dag.timetable.timezone) == "Europe/London"
    assert dag.catchup is False
    assert dag.max_active_runs == 1


def test_nightly_tasks_in_order(dagbag) -> None:
    dag = dagbag.dags["sefton_nightly"]
    ids = set(dag.task_ids)
    assert {"list_datasets", "ingest", "ingest_unrecognised", "prepare_build", "publish"} <= ids
    dbt_tasks = {t for t in ids if t.startswith("dbt.")}
    # one task per dbt model, each running `dbt build` of its node (model and its tests)
    assert any("fct_indicator_value" in t for t in dbt_tasks)
    assert any("published_scorecard" in t for t in dbt_tasks)

    def upstream_closure(task_id: str) -> set[str]:
        seen: set[str] = set()
        todo = [task_id]
        while todo:
            for up in dag.get_task(todo.pop()).upstream_task_ids:
                if up not in seen:
                    seen.add(up)
                    todo.append(up)
        return seen

    before_publish = upstream_closure("publish")
    assert {"ingest", "ingest_unrecognised", "prepare_build"} <= before_publish
    assert dbt_tasks <= before_publish
    for task_id in dbt_tasks:
        assert "prepare_build" in upstream_closure(task_id)


def test_publish_marks_the_warehouse_asset(dagbag) -> None:
    publish = dagbag.dags["sefton_nightly"].get_task("publish")
    assert [a.name for a in publish.outlets] == ["sefton_warehouse"]
