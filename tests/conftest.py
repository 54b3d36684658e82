"""Fixtures shared by the whole suite: where things are, and the steps several tests need.

The suite runs in the Airflow environment (``.venv/airflow``); dbt and Superset run from their
own environments as subprocesses, exactly as the Makefile runs them.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from harness import REPO_ROOT, make

# Tests never touch the demo's data/ or Airflow home: in-process Airflow gets a home of its own.
os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="understood-test-airflow-")
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(REPO_ROOT / "dags")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["UNDERSTOOD_DATA_DIR"] = tempfile.mkdtemp(prefix="understood-test-data-")


@pytest.fixture(scope="session")
def nightly_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The main job's pipeline, once per session, into a data directory of its own:
    the bundled samples landed (`make samples`) and the nightly DAG run by the real Airflow
    (`make nightly`). Returns the data directory and what the command printed."""
    data_dir = tmp_path_factory.mktemp("nightly")
    landed = make("samples", data_dir=data_dir)
    assert landed.returncode == 0, landed.stdout + landed.stderr
    result = make("nightly", data_dir=data_dir)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-5000:]
    return data_dir, output


@pytest.fixture(scope="session")
def dbt_manifest() -> Path:
    """dbt's manifest.json, which the nightly DAG reads at parse time."""
    result = make("dbt-parse")
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = REPO_ROOT / "dbt_project" / "target" / "manifest.json"
    assert manifest.exists()
    return manifest
