"""The dbt project keeps the structure rules of dbt-labs' dbt-project-evaluator, checked by
dbt-bouncer on the manifest `dbt parse` writes (no warehouse needed): layers, names, docs, tests
on every key, contracts on the marts. And the checks bite: a mart reading a source directly
fails them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from harness import REPO_ROOT, VENV
from structure_checks import run_dbt_bouncer

DBT = VENV / "dbt" / "bin" / "dbt"
PROJECT_DIR = REPO_ROOT / "dbt_project"


def dbt_parse(project_dir: Path, work_dir: Path, data_dir: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UNDERSTOOD", "DBT_"))}
    env["UNDERSTOOD_DATA_DIR"] = str(data_dir)
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    return subprocess.run(
        [
            str(DBT),
            "parse",
            "--project-dir",
            str(project_dir),
            "--profiles-dir",
            str(project_dir),
            "--target-path",
            str(work_dir / "target"),
            "--log-path",
            str(work_dir / "logs"),
        ],
        env=env,
        cwd=work_dir,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def parsed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """dbt's manifest of the project as it is; returns the target folder."""
    work_dir = tmp_path_factory.mktemp("parse")
    result = dbt_parse(PROJECT_DIR, work_dir, tmp_path_factory.mktemp("data"))
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
    return work_dir / "target"


def test_project_passes_the_structure_checks(parsed: Path, tmp_path: Path) -> None:
    result = run_dbt_bouncer(parsed, tmp_path, only="manifest_checks")
    assert result.returncode == 0, result.output[-8000:]
    assert result.failures == []


def test_a_mart_reading_a_source_directly_fails_the_checks(tmp_path: Path) -> None:
    project = tmp_path / "dbt_project"
    shutil.copytree(
        PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", ".user.yml")
    )
    # a mart that skips staging, undocumented and untested
    (project / "models" / "marts" / "core" / "mart_shortcut.sql").write_text(
        "select * from {{ source('ingestion', 'manifests') }}\n", encoding="utf-8"
    )
    work_dir = tmp_path / "work"
    work_dir.mkdir()
    parsed = dbt_parse(project, work_dir, tmp_path / "data")
    assert parsed.returncode == 0, (parsed.stdout + parsed.stderr)[-5000:]

    result = run_dbt_bouncer(
        work_dir / "target",
        work_dir,
        only="manifest_checks",
        config=project / "dbt-bouncer.yml",
    )
    assert result.returncode != 0
    failed = {
        run_id.split(":")[0] for run_id in result.failures if run_id.endswith(":mart_shortcut")
    }
    assert {
        "check_lineage_source_cannot_be_used",
        "check_model_description_populated",
        "check_model_has_unique_test",
        "check_model_has_contracts_enforced",
    } <= failed, result.output[-5000:]
    # nothing else fails but the source it reads, now read by two models
    others = [run_id for run_id in result.failures if not run_id.endswith(":mart_shortcut")]
    assert all("manifests" in run_id for run_id in others), others
