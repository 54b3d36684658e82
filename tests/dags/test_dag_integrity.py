"""Every DAG imports cleanly and has the shape the nightly load relies on."""

from __future__ import annotations

import json
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
    # defaults.py, alerting.py and reports.py are shared modules, listed in .airflowignore
    assert set(dagbag.dag_ids) == {"sefton_nightly", "sefton_housekeeping"}
    ignored = (REPO_ROOT / "dags" / ".airflowignore").read_text().split()
    assert set(ignored) == {r"defaults\.py", r"alerting\.py", r"reports\.py"}


def test_nightly_schedule(dagbag) -> None:
    dag = dagbag.dags["sefton_nightly"]
    assert dag.timetable.expression == "0 2 * * *"
    assert str(dag.timetable.timezone) == "Europe/London"
    assert dag.catchup is False
    assert dag.max_active_runs == 1


def upstream_closure(dag, task_id: str) -> set[str]:
    seen: set[str] = set()
    todo = [task_id]
    while todo:
        for up in dag.get_task(todo.pop()).upstream_task_ids:
            if up not in seen:
                seen.add(up)
                todo.append(up)
    return seen


def test_nightly_tasks_in_order(dagbag) -> None:
    dag = dagbag.dags["sefton_nightly"]
    ids = set(dag.task_ids)
    assert {
        "list_datasets",
        "ingest",
        "ingest_unrecognised",
        "prepare_build",
        "dbt.dbt_producer_watcher",
        "publish",
        "refresh_dashboards",
        "summary",
        "check_run",
    } <= ids
    dbt_tasks = {t for t in ids if t.startswith("dbt.")}
    assert any("fct_indicator_value" in t for t in dbt_tasks)
    assert any("published_scorecard" in t for t in dbt_tasks)

    before_publish = upstream_closure(dag, "publish")
    assert {"ingest", "ingest_unrecognised", "prepare_build"} <= before_publish
    assert dbt_tasks <= before_publish
    # the one `dbt build` runs on the prepared copy; every per-model task reports after it,
    # and the data tests run once every model has been built
    assert "prepare_build" in upstream_closure(dag, "dbt.dbt_producer_watcher")
    for task_id in dbt_tasks - {"dbt.dbt_producer_watcher"}:
        assert "dbt.dbt_producer_watcher" in upstream_closure(dag, task_id), task_id
    models = {t for t in dbt_tasks if t.endswith(("_run", "_seed"))}
    assert models <= upstream_closure(dag, "dbt.dbt_project_test")
    # Superset drops its cached results only once the new warehouse is published
    assert dag.get_task("refresh_dashboards").upstream_task_ids == {"publish"}


def test_every_dbt_model_and_seed_has_a_task_of_its_own(dagbag, dbt_manifest: Path) -> None:
    nodes = json.loads(dbt_manifest.read_text())["nodes"].values()
    dag = dagbag.dags["sefton_nightly"]
    for node in nodes:
        if node["resource_type"] == "model":
            assert f"dbt.{node['name']}_run" in dag.task_ids, node["name"]
        elif node["resource_type"] == "seed":
            assert f"dbt.{node['name']}_seed" in dag.task_ids, node["name"]


def test_dbt_runs_twice_per_night_in_its_own_environment(dagbag) -> None:
    dag = dagbag.dags["sefton_nightly"]
    build, tests = dag.get_task("dbt.dbt_producer_watcher"), dag.get_task("dbt.dbt_project_test")
    assert build.base_cmd == ["build"] and tests.base_cmd == ["test"]
    for dbt in (build, tests):
        assert str(dbt.dbt_executable_path).endswith("/dbt")
        assert dbt.retries == 0
    for task in dag.tasks:
        if task.task_id.startswith("dbt.") and task not in (build, tests):
            # the per-model tasks read the build's results: no dbt process, no triggerer
            assert getattr(task, "deferrable", False) is False, task.task_id
            assert task.retries == 0, task.task_id


def test_the_summary_always_runs_last_and_failures_still_fail_the_run(dagbag) -> None:
    dag = dagbag.dags["sefton_nightly"]
    summary, check = dag.get_task("summary"), dag.get_task("check_run")
    assert summary.trigger_rule == "all_done"
    assert upstream_closure(dag, "summary") == set(dag.task_ids) - {"summary", "check_run"}
    assert summary.retries >= 1  # a mail server may be down for a minute
    assert check.trigger_rule == "one_failed"
    assert set(dag.task_ids) - {"check_run"} == upstream_closure(dag, "check_run")
    assert [t.task_id for t in dag.leaves] == ["check_run"]


def test_every_task_alerts_on_failure(dagbag) -> None:
    from alerting import notify_failure

    for dag in dagbag.dags.values():
        for task in dag.tasks:
            callbacks = task.on_failure_callback
            callbacks = callbacks if isinstance(callbacks, list) else [callbacks]
            if task.task_id == "check_run":  # it only repeats what the failed task said
                assert not any(callbacks)
            else:
                assert notify_failure in callbacks, (dag.dag_id, task.task_id)


def test_retries_only_where_they_can_help(dagbag) -> None:
    dag = dagbag.dags["sefton_nightly"]
    assert dag.get_task("ingest").retries == 0  # a bad file stays bad
    assert dag.get_task("prepare_build").retries == 1
    assert dag.get_task("publish").retries == 1
    assert dag.get_task("refresh_dashboards").retries == 2  # Superset may be restarting
    assert dag.get_task("prepare_build").retry_exponential_backoff


def test_housekeeping_runs_weekly(dagbag) -> None:
    dag = dagbag.dags["sefton_housekeeping"]
    assert dag.timetable.expression == "0 6 * * 1"
    assert str(dag.timetable.timezone) == "Europe/London"
    assert dag.catchup is False
    assert dag.max_active_runs == 1
    assert set(dag.task_ids) == {"retention", "overdue_submissions", "partnership_reviews"}
    assert all(not dag.get_task(t).upstream_task_ids for t in dag.task_ids)  # independent


def test_publish_marks_the_warehouse_asset(dagbag) -> None:
    publish = dagbag.dags["sefton_nightly"].get_task("publish")
    assert [a.name for a in publish.outlets] == ["sefton_warehouse"]
