"""Building beside the published warehouse and swapping it in whole."""

from __future__ import annotations

import duckdb
import pytest

from ingestion.publish import prepare_build, publish


def build(path, value: int) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("create or replace table answer as select ? as value", [value])


def value(con) -> int:
    return con.execute("select value from answer").fetchone()[0]


def test_first_build_starts_empty_and_publishes(tmp_path) -> None:
    warehouse = tmp_path / "warehouse"
    warehouse.mkdir()
    (warehouse / "warehouse.next.duckdb").write_text("left over from a failed build")

    next_path = prepare_build(tmp_path)
    assert next_path == warehouse / "warehouse.next.duckdb"
    assert not next_path.exists()

    build(next_path, 1)
    published = publish(tmp_path)
    assert published == warehouse / "warehouse.duckdb"
    assert not next_path.exists()
    with duckdb.connect(str(published), read_only=True) as con:
        assert value(con) == 1


def test_next_build_starts_from_a_copy_and_readers_keep_the_old_file(tmp_path) -> None:
    prepare_build(tmp_path)
    build(tmp_path / "warehouse" / "warehouse.next.duckdb", 1)
    published = publish(tmp_path)

    next_path = prepare_build(tmp_path)
    with duckdb.connect(str(next_path), read_only=True) as con:
        assert value(con) == 1  # incremental state carried over

    reader = duckdb.connect(str(published), read_only=True)
    build(next_path, 2)  # the build does not disturb the open reader
    publish(tmp_path)
    assert value(reader) == 1  # an open connection keeps the old inode
    reader.close()
    with duckdb.connect(str(published), read_only=True) as con:
        assert value(con) == 2


def test_a_full_build_starts_empty_and_keeps_the_published_warehouse(tmp_path, monkeypatch) -> None:
    prepare_build(tmp_path)
    build(tmp_path / "warehouse" / "warehouse.next.duckdb", 1)
    published = publish(tmp_path)

    assert not prepare_build(tmp_path, full=True).exists()
    monkeypatch.setenv("UNDERSTOOD_FULL_BUILD", "1")  # make nightly FULL=1
    assert not prepare_build(tmp_path).exists()
    with duckdb.connect(str(published), read_only=True) as con:
        assert value(con) == 1  # readers keep it until the full build is published
    monkeypatch.setenv("UNDERSTOOD_FULL_BUILD", "")
    assert prepare_build(tmp_path).exists()


def test_publish_refuses_without_a_build_or_with_a_write_ahead_log(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="nothing has been built"):
        publish(tmp_path)
    next_path = prepare_build(tmp_path)
    build(next_path, 1)
    (next_path.parent / "warehouse.next.duckdb.wal").write_text("")
    with pytest.raises(RuntimeError, match="did not close the warehouse cleanly"):
        publish(tmp_path)
    # a fresh preparation clears the stale log
    prepare_build(tmp_path)
    assert not (next_path.parent / "warehouse.next.duckdb.wal").exists()
