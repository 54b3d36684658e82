"""Run dbt-bouncer, the structure checks of dbt_project/dbt-bouncer.yml, on a set of dbt artifacts.

The project's config reads the artifacts in dbt_project/target; the tests build elsewhere, so
the config is copied with `dbt_artifacts_dir` pointing at their own target folder.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import yaml
from harness import REPO_ROOT, VENV

DBT_BOUNCER = VENV / "dbt" / "bin" / "dbt-bouncer"
CONFIG = REPO_ROOT / "dbt_project" / "dbt-bouncer.yml"


@dataclass
class BouncerRun:
    returncode: int
    output: str
    failures: list[str]  # check run ids: "<check name>:<index>:<resource>"


def run_dbt_bouncer(
    artifacts_dir: Path, work_dir: Path, *, only: str | None = None, config: Path = CONFIG
) -> BouncerRun:
    """dbt-bouncer on the artifacts in artifacts_dir (manifest.json, and catalog.json if asked)."""
    settings = yaml.safe_load(config.read_text(encoding="utf-8"))
    settings["dbt_artifacts_dir"] = str(artifacts_dir)
    copied = work_dir / "dbt-bouncer.yml"
    copied.write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    results = work_dir / "dbt-bouncer-failures.json"
    command = [
        str(DBT_BOUNCER),
        "run",
        "--config-file",
        str(copied),
        "--output-file",
        str(results),
        "--output-format",
        "json",
        "--output-only-failures",
    ]
    if only:
        command += ["--only", only]
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1"}
    # include/exclude paths in the config are relative to the dbt project folder
    result = subprocess.run(
        command, cwd=config.parent, env=env, capture_output=True, text=True, check=False
    )
    failures = []
    if results.exists():
        failures = [entry["check_run_id"] for entry in json.loads(results.read_text())]
    return BouncerRun(result.returncode, result.stdout + result.stderr, failures)
