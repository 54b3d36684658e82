"""Settings shared by the Sefton Understood DAGs: paths, retries, the dbt set-up for cosmos.

Everything here is cheap to evaluate: the DAG processor imports it on every parse.
Paths come from the environment the Makefile (or docker-compose) exports:

- ``UNDERSTOOD_DATA_DIR``: the data root (landing, archive, manifests, raw, warehouse);
  defaults to ``data/`` beside this repository.
- ``UNDERSTOOD_DBT_EXECUTABLE``: the dbt binary of the separate dbt environment;
  defaults to ``.venv/dbt/bin/dbt`` in this repository.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from airflow.sdk import Asset, TaskGroup
from alerting import notify_failure
from cosmos import ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import (
    PRODUCER_WATCHER_TASK_ID,
    ExecutionMode,
    InvocationMode,
    LoadMode,
    TestBehavior,
)

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("UNDERSTOOD_DATA_DIR", REPO_ROOT / "data")).resolve()
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DBT_EXECUTABLE = Path(
    os.environ.get("UNDERSTOOD_DBT_EXECUTABLE", REPO_ROOT / ".venv" / "dbt" / "bin" / "dbt")
)
PUBLISHED_WAREHOUSE = DATA_DIR / "warehouse" / "warehouse.duckdb"
BUILD_WAREHOUSE = DATA_DIR / "warehouse" / "warehouse.next.duckdb"

# Marks the published warehouse, so that anything downstream is scheduled by data, not by clock.
# Known by name only: a URI holding the file's path would make it another asset wherever the
# data directory is mounted, and Airflow refuses an asset whose name is taken by another URI.
WAREHOUSE_ASSET = Asset(name="sefton_warehouse")

# Every task: one retry with backoff (tasks that a retry cannot help set retries=0), and a
# failure alert (alerting.py) once the last try has failed.
DEFAULT_ARGS = {
    "owner": "sefton-understood",
    "retries": 1,
    "retry_delay": timedelta(minutes=5),
    "retry_exponential_backoff": True,
    "on_failure_callback": notify_failure,
}

# cosmos reads dbt's manifest.json (written by `dbt parse`) so that no dbt command runs at
# parse time, and runs dbt from its own environment. Watcher mode: one task runs a single
# `dbt build` of every model and seed (in dbt's own threads, paying dbt's start-up and parse
# once); every model and seed keeps a task of its own that reports its node's result in that
# build; then one task runs all the data tests (`dbt test`), and publishing waits for it.
# README.md in this folder has the measurements behind the choice. One dbt process at a time
# also suits DuckDB, which allows one writer per file: per-model dbt processes run in parallel
# by a real scheduler lock each other out of the build file and fail.
DBT_PROJECT_CONFIG = ProjectConfig(
    dbt_project_path=DBT_PROJECT_DIR,
    manifest_path=DBT_PROJECT_DIR / "target" / "manifest.json",
    env_vars={
        "UNDERSTOOD_DATA_DIR": str(DATA_DIR),
        "UNDERSTOOD_WAREHOUSE_PATH": str(BUILD_WAREHOUSE),
    },
)
DBT_PROFILE_CONFIG = ProfileConfig(
    profile_name="sefton_understood",
    target_name="warehouse",
    profiles_yml_filepath=DBT_PROJECT_DIR / "profiles.yml",
)
DBT_EXECUTION_CONFIG = ExecutionConfig(
    execution_mode=ExecutionMode.WATCHER,
    invocation_mode=InvocationMode.SUBPROCESS,
    dbt_executable_path=DBT_EXECUTABLE,
)
DBT_RENDER_CONFIG = RenderConfig(
    load_method=LoadMode.DBT_MANIFEST,
    test_behavior=TestBehavior.AFTER_ALL,
)
# The per-model tasks read their node's result from the build task's XCom: without a triggerer
# process they must not defer, and they only start once the build is over (see below).
# dbt's unit tests prove the models' logic on fixed rows, not the night's data: they run in
# `make test` (tests/dbt), not in every nightly (as dbt advises for production runs).
DBT_OPERATOR_ARGS = {
    "append_env": True,
    "deferrable": False,
    "poke_interval": 5,
    "dbt_cmd_flags": ["--exclude-resource-type", "unit_test"],
}


def report_after_build(group: TaskGroup) -> None:
    """Start the per-model tasks of a watcher-mode dbt task group once its `dbt build` is over.

    cosmos starts them beside the build, watching it; `airflow dags test` runs tasks one at a
    time, so a model task run before the build would wait for ever. After the build they only
    read its results: well under a second each. If the build fails, they are marked
    upstream_failed and the build task's log (and the failure alert) names the model that
    failed; they never fall back to running dbt themselves, which would race other dbt
    processes for the DuckDB file.
    """
    build = group.get_child_by_label(PRODUCER_WATCHER_TASK_ID)
    for task in list(group.get_roots()):
        if task is not build:
            build >> task
