"""Building the warehouse beside the published one, and swapping it in whole.

DuckDB allows one writer per file, and a writer locks readers out. So dbt never builds into the
file that Superset and analysts read (``warehouse/warehouse.duckdb``): it builds into
``warehouse/warehouse.next.duckdb``, and only once every model and test has passed is that file
renamed over the published one. ``os.replace`` is atomic: a new connection sees either yesterday's
complete warehouse or today's, never a half-built one, and a reader that already has the old file
open keeps reading it (it holds the old inode) until it reconnects.

Usage, around a dbt build::

    next_path = prepare_build(data_dir)   # dbt builds into next_path
    ...                                   # dbt build (models and tests) succeeds
    publish(data_dir)                     # next_path becomes the published warehouse
"""

from __future__ import annotations

import os
from pathlib import Path

from ingestion import atomic
from ingestion.layout import Layout

PUBLISHED = "warehouse.duckdb"
NEXT = "warehouse.next.duckdb"


def prepare_build(data_dir: str | os.PathLike[str] | None = None, full: bool | None = None) -> Path:
    """Make ``warehouse.next.duckdb`` ready for a build, and return its path.

    It starts as a copy of the published warehouse, so incremental models carry their state over
    and the build takes in only the submissions received since (``dbt_project/macros/incremental``).
    It starts empty, so that dbt builds every model in full, when nothing is published yet, when
    a submission the published warehouse took in has lost its raw file (retention deleted it:
    incremental models would otherwise keep its rows), or when a full build is asked for:
    ``full``, by default the environment variable ``UNDERSTOOD_FULL_BUILD`` (``make nightly
    FULL=1``), after a change to a macro an incremental model calls. Any stale build file from an
    earlier failed run is replaced, and a leftover write-ahead log of a crashed build is removed.
    """
    if full is None:
        full = os.environ.get("UNDERSTOOD_FULL_BUILD", "").strip().lower() in {"1", "true", "yes"}
    layout = Layout.of(data_dir)
    folder = layout.warehouse
    folder.mkdir(parents=True, exist_ok=True)
    published, next_path = folder / PUBLISHED, folder / NEXT
    _wal(next_path).unlink(missing_ok=True)
    gone = raw_files_gone(layout, published) if published.exists() else []
    if published.exists() and not gone and not full:
        atomic.copy_file(published, next_path)
    else:
        if full:
            print("prepare_build: a full build was asked for; building every model from empty")
        elif gone:
            print(
                f"prepare_build: {len(gone)} submission(s) in the published warehouse have no "
                f"raw file any more (first: {gone[0]}); building every model from empty"
            )
        next_path.unlink(missing_ok=True)
        atomic.fsync_dir(folder)
    return next_path


def raw_files_gone(layout: Layout, warehouse: Path) -> list[str]:
    """The raw files of the submissions a warehouse's last build took in that no longer exist.

    The build lists them in ``intermediate.built_submissions``; a warehouse without that table
    (built before it existed) gives an empty list.
    """
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        listed = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'intermediate' and table_name = 'built_submissions'"
        ).fetchone()[0]
        if not listed:
            return []
        raw_paths = con.execute(
            "select raw_path from intermediate.built_submissions "
            "where raw_path is not null order by raw_path"
        ).fetchall()
    return [path for (path,) in raw_paths if not (layout.root / path).exists()]


def publish(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """Replace the published warehouse with the finished build, atomically; return its path.

    Raises ``FileNotFoundError`` if there is no build, and ``RuntimeError`` if the build still
    has a write-ahead log (the dbt run did not close the file cleanly: publishing the file
    without its log would lose data, so the build must be run again).
    """
    folder = Layout.of(data_dir).warehouse
    published, next_path = folder / PUBLISHED, folder / NEXT
    if not next_path.exists():
        raise FileNotFoundError(f"{next_path}: nothing has been built to publish")
    if _wal(next_path).exists():
        raise RuntimeError(
            f"{_wal(next_path)} exists: the build did not close the warehouse cleanly; "
            "run the build again before publishing"
        )
    atomic.fsync_file(next_path)
    os.replace(next_path, published)
    atomic.fsync_dir(folder)
    return published


def _wal(database: Path) -> Path:
    return database.with_name(database.name + ".wal")
