"""Killing ``python -m ingestion run`` part-way through a large file loses nothing.

A generated CSV of 2.5 million rows is landed and ingested by the command line in a child
process, which is sent SIGKILL at a given moment: while the file is copied to the archive, while
it is checked, and while its Parquet file is written. After the kill there is no partial Parquet
file (only temporary files, which nothing reads), the landing file is still there, and the next
run completes it: one manifest, every row loaded once, no temporary file left behind.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from ingestion_testbed import CONTRACT, make_testbed

ROWS = 2_500_000
DATASET = "big_counts"
NAME = "big_counts_2010.csv"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("big") / NAME
    with duckdb.connect() as con:
        con.execute(
            f"copy (select i + 1 as row_id, 'E05' || lpad((930 + i % 20)::varchar, 6, '0') "
            "as area_code, (2000 + i % 11)::varchar || '/' || lpad(((1 + i % 11) % 100)::varchar,"
            " 2, '0') as period, round((i % 997) / 7.0, 2) as value, "
            "case when i % 1000 = 0 then 'revised' end as note "
            f"from range({ROWS}) t(i) order by i) to '{path}' (header)"
        )
    return path


def contract_schema() -> dict:
    return {
        "key": ["row_id"],
        "columns": [
            {"name": "row_id", "type": "integer", "role": "dimension", "required": True},
            {"name": "area_code", "type": "string", "role": "area", "required": True},
            {
                "name": "period",
                "type": "string",
                "role": "period",
                "required": True,
                "period_format": "financial_year",
            },
            {"name": "value", "type": "decimal", "role": "measure", "minimum": 0},
            {"name": "note", "type": "string", "role": "dimension"},
        ],
    }


def run(testbed) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNDERSTOOD")}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ingestion",
            "run",
            "--data-dir",
            str(testbed.data_dir),
            "--contracts-dir",
            str(testbed.contracts_dir),
            "--partners",
            str(testbed.partners_path),
            "--areas",
            str(testbed.areas_path),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def temporary(folder: Path) -> list[Path]:
    return [p for p in folder.glob(".*.tmp")] if folder.is_dir() else []


def reached(moment: str, data: Path) -> bool:
    archive, raw = data / "archive", data / "raw" / DATASET
    if moment == "archiving":
        return bool(temporary(archive))
    if moment == "checking":
        return any(archive.glob("*.csv")) and not temporary(raw)
    return bool(temporary(raw))  # writing the parquet file


def parquet_rows(path: Path) -> int:
    with duckdb.connect() as con:
        return con.execute("select count(*) from read_parquet(?)", [str(path)]).fetchone()[0]


@pytest.mark.parametrize("moment", ["archiving", "checking", "writing_parquet"])
def test_a_killed_run_loses_nothing_and_the_next_completes(tmp_path, big_csv, moment) -> None:
    testbed = make_testbed(tmp_path)
    testbed.write_contract(
        dataset=DATASET,
        schema=contract_schema(),
        delivery={"file_pattern": "big_counts_*.csv"},
        disclosure=CONTRACT["disclosure"],
    )
    landed = testbed.data_dir / "landing" / "sefton_council" / DATASET / NAME
    landed.parent.mkdir(parents=True)
    os.link(big_csv, landed)
    data = testbed.data_dir

    child = run(testbed)
    deadline = time.monotonic() + 120
    while not reached(moment, data):
        assert child.poll() is None, f"finished before {moment}: {child.stdout.read()}"
        assert time.monotonic() < deadline, f"never reached {moment}"
        time.sleep(0.002)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL

    # after the kill: nothing partial, nothing lost
    raw = data / "raw" / DATASET
    for path in raw.glob("*") if raw.is_dir() else []:
        if path.name.startswith("."):
            assert path.name.endswith(".tmp")  # a temporary file, which no reader globs
        else:
            assert parquet_rows(path) == ROWS  # any named parquet file is whole
    assert landed.exists(), "the landing file is removed only once its manifest is written"
    assert not list(data.glob("manifests/*.json"))  # killed before its manifest

    # the next run completes the work
    again = run(testbed)
    output, _ = again.communicate(timeout=300)
    assert again.returncode == 0, output
    assert "1 accepted" in output
    manifests = [json.loads(p.read_text()) for p in (data / "manifests").glob("*.json")]
    assert len(manifests) == 1
    (manifest,) = manifests
    assert manifest["outcome"] == "accepted"
    assert manifest["rows_read"] == manifest["rows_loaded"] == ROWS
    parquets = sorted(raw.glob("*.parquet"))
    assert [p.name for p in parquets] == [f"{manifest['submission_id']}.parquet"]
    assert parquet_rows(parquets[0]) == ROWS
    with duckdb.connect() as con:
        first, last, distinct = con.execute(
            "select min(_source_row), max(_source_row), count(distinct row_id) "
            "from read_parquet(?)",
            [str(parquets[0])],
        ).fetchone()
    assert (first, last, distinct) == (1, ROWS, ROWS)
    assert not landed.exists()
    assert temporary(raw) == [] and temporary(data / "archive") == []
    assert [p.name for p in (data / "archive").iterdir()] == [f"{manifest['sha256']}.csv"]
