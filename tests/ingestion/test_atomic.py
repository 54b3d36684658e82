"""Temporary files: named after their writer, cleared once it is gone, never read."""

from __future__ import annotations

import os
import subprocess
import sys

from ingestion import atomic


def test_temporary_names_carry_the_writer(tmp_path) -> None:
    name = atomic.temporary_name("x.parquet")
    assert name.startswith(".x.parquet.") and name.endswith(".tmp")
    assert atomic.TEMPORARY.match(name).group(1) == str(os.getpid())


def test_only_the_leftovers_of_finished_processes_are_removed(tmp_path) -> None:
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead = tmp_path / f".x.parquet.{finished.stdout.strip()}-0123abcd.tmp"
    alive = tmp_path / f".y.parquet.{os.getpid()}-0123abcd.tmp"
    unnamed = tmp_path / ".z.parquet.0123abcd.tmp"  # no writer recorded
    kept = tmp_path / "z.parquet"
    for path in (dead, alive, unnamed, kept):
        path.write_text("x")
    assert atomic.remove_stale(tmp_path) == [dead]
    assert sorted(atomic.remove_stale(tmp_path, any_owner=True)) == sorted([alive, unnamed])
    assert [p.name for p in tmp_path.iterdir()] == ["z.parquet"]


def test_a_failed_write_leaves_the_old_file(tmp_path) -> None:
    target = tmp_path / "m.json"
    atomic.write_text(target, "old")
    try:
        with atomic.replacing(target) as temporary:
            temporary.write_text("half")
            raise RuntimeError("crash")
    except RuntimeError:
        pass
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["m.json"]
