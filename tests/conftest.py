"""Fixtures shared by the whole suite: where things are, and the steps several tests need.

The suite runs in the Airflow environment (``.venv/airflow``); dbt and Superset run from their
own environments as subprocesses, exactly as the Makefile runs them.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
VENV = REPO_ROOT / ".venv"
SAMPLES_DIR = REPO_ROOT / "data" / "samples"

# Tests never touch the demo's data/ or Airflow home: in-process Airflow gets a home of its own.
os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="understood-test-airflow-")
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(REPO_ROOT / "dags")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["UNDERSTOOD_DATA_DIR"] = tempfile.mkdtemp(prefix="understood-test-data-")


def make(*targets: str, data_dir: Path | None = None, **env: str) -> subprocess.CompletedProcess:
    """Run Makefile targets as a user would, optionally against another data directory."""
    run_env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "UNDERSTOOD"))}
    if data_dir is not None:
        run_env["UNDERSTOOD_DATA_DIR"] = str(data_dir)
    run_env.update(env)
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(REPO_ROOT), *targets],
        env=run_env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="session")
def dbt_manifest() -> Path:
    """dbt's manifest.json, which the nightly DAG reads at parse time."""
    result = make("dbt-parse")
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = REPO_ROOT / "dbt_project" / "target" / "manifest.json"
    assert manifest.exists()
    return manifest
