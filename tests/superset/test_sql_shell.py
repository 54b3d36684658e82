"""The analysts' read-only SQL shell (superset/sql_shell.py, `make sql`) on the warehouse the
nightly pipeline published: the example queries run, and nothing can write or touch files.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[2]
SHELL = REPO_ROOT / "superset" / "sql_shell.py"
EXAMPLES = sorted((REPO_ROOT / "superset" / "examples").glob("*.sql"))


@pytest.fixture(scope="module")
def data_dir(nightly_run: tuple[Path, str]) -> Path:
    return nightly_run[0]


def shell(data_dir: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "UNDERSTOOD_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, str(SHELL), *args],
        input=stdin if stdin is not None else "",
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_there_are_examples_for_the_seed_questions() -> None:
    names = {path.stem for path in EXAMPLES}
    assert {"laa_red_and_deteriorating", "scorecards_by_rag", "ward_against_borough"} <= names


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_every_example_runs(data_dir: Path, example: Path) -> None:
    result = shell(data_dir, str(example))
    assert result.returncode == 0, result.stderr
    assert "┌" in result.stdout, "a table is printed"


def test_the_red_and_deteriorating_example_lists_those_indicators(data_dir: Path) -> None:
    warehouse = data_dir / "warehouse" / "warehouse.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        codes = {
            code
            for (code,) in con.execute(
                "select indicator_code from marts.published_scorecard "
                "where is_laa and rag = 'red' and direction_of_travel = 'deteriorating'"
            ).fetchall()
        }
    assert codes, "the sample has red, deteriorating LAA indicators"
    output = shell(data_dir, str(REPO_ROOT / "superset/examples/laa_red_and_deteriorating.sql"))
    for code in codes:
        assert f" {code} " in output.stdout


def test_a_command_and_piped_input(data_dir: Path) -> None:
    result = shell(data_dir, "-c", "select count(*) as scorecard_rows from published_scorecard")
    assert result.returncode == 0, result.stderr
    assert "scorecard_rows" in result.stdout
    piped = shell(data_dir, stdin=".tables\nselect 41 +\n 1 as answer;\n.quit\n")
    assert piped.returncode == 0, piped.stderr
    assert "published_scorecard" in piped.stdout
    assert "42" in piped.stdout


@pytest.mark.parametrize(
    ("sql", "refusal"),
    [
        ("create table marts.probe as select 1 as x", "read-only"),
        ("delete from marts.dim_area", "read-only"),
        ("select * from read_csv('/etc/passwd')", "disabled by configuration"),
        ("select * from read_parquet('{data}/raw/*/*.parquet')", "disabled by configuration"),
        ("select * from glob('{data}/archive/*')", "disabled by configuration"),
        ("copy (select 1 as x) to '{data}/probe.csv'", "disabled by configuration"),
        ("attach '{data}/probe.duckdb' as probe", "disabled by configuration"),
        ("set enable_external_access = true", "configuration has been locked"),
    ],
)
def test_the_shell_refuses_to_write_or_touch_files(data_dir: Path, sql: str, refusal: str) -> None:
    result = shell(data_dir, "-c", sql.format(data=data_dir))
    assert result.returncode == 1, result.stdout
    assert refusal in result.stderr
    assert not (data_dir / "probe.csv").exists()
    assert not (data_dir / "probe.duckdb").exists()
