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

from airflow.sdk import Asset
from cosmos import ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import ExecutionMode, InvocationMode, LoadMode, TestBehavior

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("UNDERSTOOD_DATA_DIR", REPO_ROOT / "data")).resolve()
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
DBT_EXECUTABLE = Path(
    os.environ.get("UNDERSTOOD_DBT_EXECUTABLE", REPO_ROOT / ".venv" / "dbt" / "bin" / "dbt")
)
PUBLISHED_WAREHOUSE = DATA_DIR / "warehouse" / "warehouse.duckdb"
BUILD_WAREHOUSE = DATA_DIR / "warehouse" / "warehouse.next.duckdb"

# Marks the published warehouse, so that anything downstream is scheduled by data, not by clock.
WAREHOUSE_ASSET = Asset(name="sefton_warehouse", uri=PUBLISHED_WAREHOUSE.as_uri())

DEFAULT_ARGS = {
    "owner": "sefton-understood",
    "retries": 1,
    "retry_delay": timedelta(minutes=5),
    "retry_exponential_backoff": True,
}

# cosmos reads dbt's manifest.json (written by `dbt parse`) so that no dbt command runs at
# parse time, and runs each model with the dbt of its own environment; `dbt build` per node
# runs the model and its tests together, so a failing test stops everything downstream.
# Tests that join two models (relationships) run as tasks of their own once both are built.
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
    execution_mode=ExecutionMode.LOCAL,
    invocation_mode=InvocationMode.SUBPROCESS,
    dbt_executable_path=DBT_EXECUTABLE,
)
DBT_RENDER_CONFIG = RenderConfig(
    load_method=LoadMode.DBT_MANIFEST,
    test_behavior=TestBehavior.BUILD,
    should_detach_multiple_parents_tests=True,
)
