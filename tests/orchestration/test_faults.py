"""Faults: dbt killed with SIGKILL part-way through a build, and people reading the published
warehouse while a nightly run builds and publishes.

On a copy of the pipeline's nightly run, the sample files are landed again and `make nightly`
is started; once dbt has built some models, the dbt process is killed with SIGKILL. The run
fails, the published warehouse is untouched and still answers queries, and the next
`make nightly` publishes correctly. Throughout both runs, one reader opens a fresh read-only
connection for every query (as Superset does) and another keeps one connection open across
the publish; neither may see an error or a partial warehouse.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from airflow_testbed import (
    built_from_manifests,
    command_line,
    copy_data_dir,
    fingerprint,
    land_samples,
    processes_of,
    same_but_deliveries,
    stop_processes,
)
from harness import REPO_ROOT, user_env

pytestmark = pytest.mark.slow

READER = """
import json, sys, time
from pathlib import Path
import duckdb

warehouse, out, stop, mode = sys.argv[1:5]
held = duckdb.connect(warehouse, read_only=True) if mode == "held" else None
with open(out, "a") as log:
    while not Path(stop).exists():
        started = time.time()
        try:
            con = held or duckdb.connect(warehouse, read_only=True)
            (rows,) = con.execute("select count(*) from marts.published_scorecard").fetchone()
            tables = con.execute(
                "select count(*) from information_schema.tables where table_schema = 'marts'"
            ).fetchone()[0]
            if held is None:
                con.close()
            log.write(json.dumps({"at": started, "rows": rows, "tables": tables}) + "\\n")
        except Exception as exc:
            log.write(json.dumps({"at": started, "error": f"{type(exc).__name__}: {exc}"}) + "\\n")
        log.flush()
        time.sleep(0.1)
"""

# dbt's progress lines, e.g. "12 of 144 OK created sql table model marts.dim_area"
DBT_PROGRESS = re.compile(r"\b\d+ of \d+ (OK|PASS)\b")


def nightly(data_dir: Path) -> subprocess.Popen:
    """`make nightly` as harness.make runs it, but in the background, in a session of its own."""
    env = user_env()
    env["UNDERSTOOD_DATA_DIR"] = str(data_dir)
    return subprocess.Popen(
        ["make", "--no-print-directory", "-C", str(REPO_ROOT), "nightly"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def dbt_build_process(data_dir: Path) -> int | None:
    for pid in processes_of(data_dir):
        args = command_line(pid)
        if any(a.endswith("/dbt") for a in args[:2]) and "build" in args:
            return pid
    return None


def kill_dbt_part_way(data_dir: Path, run: subprocess.Popen, timeout: float = 240) -> dict:
    """SIGKILL dbt once its build has finished some nodes; returns what was seen then."""
    log = data_dir / "airflow" / "nightly.log"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and run.poll() is None:
        pid = dbt_build_process(data_dir)
        progress = DBT_PROGRESS.findall(log.read_text(errors="replace")) if log.exists() else []
        if pid is not None and progress:
            building = (data_dir / "warehouse" / "warehouse.next.duckdb").exists()
            os.kill(pid, signal.SIGKILL)
            return {"pid": pid, "nodes_done": len(progress), "next_existed": building}
        time.sleep(0.05)
    raise AssertionError("dbt's build was never seen running")


@pytest.fixture(scope="module")
def faults(nightly_run, dbt_manifest, tmp_path_factory) -> dict:
    data_dir = copy_data_dir(nightly_run[0], tmp_path_factory.mktemp("faults") / "data")
    warehouse = data_dir / "warehouse" / "warehouse.duckdb"
    record: dict = {
        "before": fingerprint(warehouse),
        "inode": warehouse.stat().st_ino,
        "deliveries": built_from_manifests(dbt_manifest),
    }
    stop = data_dir / "readers.stop"
    readers = {
        mode: subprocess.Popen(
            [
                sys.executable,
                "-c",
                READER,
                str(warehouse),
                str(data_dir / f"{mode}.jsonl"),
                str(stop),
                mode,
            ]
        )
        for mode in ("fresh", "held")
    }
    try:
        time.sleep(1)
        land_samples(data_dir)
        killed = nightly(data_dir)
        try:
            record["kill"] = kill_dbt_part_way(data_dir, killed)
            record["killed_output"] = killed.communicate(timeout=300)[0]
        finally:
            if killed.poll() is None:
                os.killpg(killed.pid, signal.SIGKILL)
        record["killed_returncode"] = killed.returncode
        record["after_kill"] = fingerprint(warehouse)
        record["inode_after_kill"] = warehouse.stat().st_ino
        record["summary_after_kill"] = "\n".join(
            p.read_text() for p in (data_dir / "reports").glob("nightly-*.md")
        )
        record["alerts_after_kill"] = [
            p.name for p in (data_dir / "reports" / "failures").glob("failure-*.md")
        ]

        rerun = nightly(data_dir)
        record["rerun_output"] = rerun.communicate(timeout=400)[0]
        record["rerun_returncode"] = rerun.returncode
        record["after_rerun"] = fingerprint(warehouse)
        record["inode_after_rerun"] = warehouse.stat().st_ino
        time.sleep(1)  # the readers see the new warehouse
    finally:
        stop.touch()
        for reader in readers.values():
            reader.wait(30)
        stop_processes(data_dir)
    for mode in readers:
        lines = (data_dir / f"{mode}.jsonl").read_text().splitlines()
        record[mode] = [json.loads(line) for line in lines]
    return record


def test_sigkill_of_dbt_fails_the_run_part_way_through_the_build(faults) -> None:
    assert faults["kill"]["nodes_done"] >= 1
    assert faults["kill"]["next_existed"]
    assert faults["killed_returncode"] != 0
    output = faults["killed_output"]
    assert "the published warehouse is unchanged" in output, output[-3000:]


def test_the_published_warehouse_is_untouched_and_answers(faults) -> None:
    assert faults["inode_after_kill"] == faults["inode"]
    assert faults["after_kill"] == faults["before"]  # fingerprint() queried every relation
    assert "**Warehouse NOT published**" in faults["summary_after_kill"]
    assert "dbt.dbt_producer_watcher" in faults["summary_after_kill"]
    # the failure callback filed an alert for the build task
    assert any("dbt.dbt_producer_watcher" in name for name in faults["alerts_after_kill"])


def test_the_next_run_publishes_correctly(faults) -> None:
    assert faults["rerun_returncode"] == 0, faults["rerun_output"][-3000:]
    assert faults["inode_after_rerun"] != faults["inode"]  # a new build was swapped in
    # the same files give the same warehouse (the record of deliveries aside: they came again)
    assert same_but_deliveries(faults["before"], faults["after_rerun"], faults["deliveries"]) == []


@pytest.mark.parametrize("mode", ["fresh", "held"])
def test_readers_during_the_nightly_runs_see_no_error(faults, mode) -> None:
    reads = faults[mode]
    errors = [r["error"] for r in reads if "error" in r]
    assert errors == []
    assert len(reads) > 50
    expected = faults["before"]["marts.published_scorecard"][0]
    assert {r["rows"] for r in reads} == {expected}  # a whole warehouse every time
    assert len({r["tables"] for r in reads}) == 1


# --- `make nightly` itself killed, whole, at other moments ---------------------------------------

# The lines `airflow dags test` logs as it starts a task, for the moments the run is killed at.
TASK_STARTED = {
    "ingesting": re.compile(r"\[DAG TEST\] starting task_id=ingest map_index=0 "),
    "publishing": re.compile(r"\[DAG TEST\] starting task_id=publish "),
}


def kill_everything_at(data_dir: Path, run: subprocess.Popen, moment: str) -> None:
    """SIGKILL `make nightly`, Airflow and any dbt at once, as a power cut would."""
    log = data_dir / "airflow" / "nightly.log"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and run.poll() is None:
        if log.exists() and TASK_STARTED[moment].search(log.read_text(errors="replace")):
            os.killpg(run.pid, signal.SIGKILL)
            run.wait(30)
            return
        time.sleep(0.02)
    raise AssertionError(f"the run ended before {moment}:\n{run.communicate()[0][-3000:]}")


@pytest.mark.parametrize("moment", sorted(TASK_STARTED))
def test_make_nightly_killed_at_any_moment_is_whole_and_converges(
    nightly_run, dbt_manifest, tmp_path, moment
) -> None:
    """A kill while files are being ingested, or just as the new warehouse is being published:
    the published warehouse is always a whole one (yesterday's, or today's if the rename had
    happened), no landed file is lost, and `make nightly` run again converges on the warehouse
    the same files give."""
    data_dir = copy_data_dir(nightly_run[0], tmp_path / "data")
    warehouse = data_dir / "warehouse" / "warehouse.duckdb"
    before = fingerprint(warehouse)
    deliveries = built_from_manifests(dbt_manifest)
    land_samples(data_dir)
    landed = sorted(p.name for p in (data_dir / "landing").rglob("*") if p.is_file())
    try:
        kill_everything_at(data_dir, nightly(data_dir), moment)
        stop_processes(data_dir)  # nothing of the killed run lives on
        after_kill = fingerprint(warehouse)
        assert same_but_deliveries(before, after_kill, deliveries) == []

        # every landed file is still in the landing zone, or has its manifest
        manifests = [json.loads(p.read_text()) for p in (data_dir / "manifests").glob("*.json")]
        recorded = {Path(m["source_file"]).name for m in manifests}
        waiting = {p.name for p in (data_dir / "landing").rglob("*") if p.is_file()}
        assert set(landed) <= recorded | waiting

        rerun = nightly(data_dir)
        output = rerun.communicate(timeout=400)[0]
        assert rerun.returncode == 0, output[-3000:]
    finally:
        stop_processes(data_dir)
    assert same_but_deliveries(before, fingerprint(warehouse), deliveries) == []
    assert not (data_dir / "warehouse" / "warehouse.next.duckdb").exists()
