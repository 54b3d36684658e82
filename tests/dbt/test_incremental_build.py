"""A nightly build takes in only the new submissions, and gives the warehouse a full build gives.

On a small scale set (benchmarks/generate_scale.py: a few synthetic authorities and wards over
three financial years, one file per partner, dataset and quarter, each restating the year to date
and the years before it, so every quarter revises figures already held), the warehouse is built
as the nightly DAG builds it: ingest what arrived, start from a copy of the published warehouse
(ingestion.publish.prepare_build), `dbt build` without the unit tests, publish. The last quarters
arrive one night at a time. A full build of the same submissions into an empty warehouse must give
the same rows in every mart and intermediate table, and the nightly builds must have merged
revisions rather than rebuilt: the incremental models' rows are taken in by submission.

A submission whose raw file retention deleted makes the next build start from empty.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import duckdb
import pytest
from harness import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
import bench_warehouse
import generate_scale

from ingestion.layout import Layout
from ingestion.publish import prepare_build, publish, raw_files_gone

SIZES = {"authorities": 4, "wards": 24, "years": 3}
NIGHTS = 2  # the last quarters, each taken in by a nightly build of its own
BUILD_STATE = {"built_submissions", "new_submissions", "slice_contexts"}


# a setting the judgements read: a nightly build after it changed recomputes every slice
MORE_COMPARATORS = ["--vars", "{quartile_minimum_comparators: 30}"]
SLICED = ("marts.mart_indicator_assessment", "marts.indicator_values")


def build(folder: Path, *flags: str) -> Path:
    """prepare_build, `dbt build` (as the DAG runs it), publish: the published warehouse."""
    prepare_build(folder / "data")
    bench_warehouse.dbt_build(folder, bench_warehouse.DBT_PROJECT, *flags)
    return publish(folder / "data")


def relations(path: Path) -> dict[str, list[tuple]]:
    """Every table and view of the marts and intermediate schemas, its rows sorted."""
    with duckdb.connect(str(path), read_only=True) as con:
        names = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_schema in ('marts', 'intermediate') order by 1"
        ).fetchall()
        return {
            name: sorted(con.execute(f"select * from {name}").fetchall(), key=repr)
            for (name,) in names
            if name.split(".")[1] not in BUILD_STATE
        }


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> dict[str, object]:
    folder = tmp_path_factory.mktemp("incremental")
    generate_scale.generate(folder, **SIZES, quiet=True)
    landings = sorted((folder / "landings").iterdir())
    earlier, nights = landings[:-NIGHTS], landings[-NIGHTS:]

    bench_warehouse.land(folder, [bench_warehouse.SAMPLES], bench_warehouse.COUNCIL)
    bench_warehouse.land(folder, earlier)
    bench_warehouse.ingest(folder)
    bench_warehouse.dbt_parse(folder, bench_warehouse.DBT_PROJECT)
    published = build(folder)
    facts_before = count(published, "marts.fct_indicator_value")
    for night in nights:
        bench_warehouse.land(folder, [night])
        bench_warehouse.ingest(folder)
        published = build(folder)
    incremental = folder / "incremental.duckdb"
    shutil.copy(published, incremental)

    # nothing new: the next nightly build changes nothing
    published = build(folder)
    unchanged = folder / "unchanged.duckdb"
    shutil.copy(published, unchanged)

    # nothing new but a setting the judgements read
    published = build(folder, *MORE_COMPARATORS)
    retuned = folder / "retuned.duckdb"
    shutil.copy(published, retuned)

    # the same submissions built in full, into an empty warehouse, with either setting
    published.unlink()
    full_retuned = folder / "full-retuned.duckdb"
    shutil.copy(build(folder, *MORE_COMPARATORS), full_retuned)
    (folder / "data" / "warehouse" / "warehouse.duckdb").unlink()
    full = build(folder)
    return {
        "folder": folder,
        "incremental": incremental,
        "unchanged": unchanged,
        "retuned": retuned,
        "full_retuned": full_retuned,
        "full": full,
        "facts_before": facts_before,
    }


def count(path: Path, relation: str, where: str = "true") -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(f"select count(*) from {relation} where {where}").fetchone()[0]


def test_nightly_builds_give_what_a_full_build_gives(builds):
    incremental, full = relations(builds["incremental"]), relations(builds["full"])
    assert incremental.keys() == full.keys()
    assert "marts.fct_indicator_value" in full
    assert "intermediate.int_partner_indicator_values_derived" in full
    differing = [name for name in full if incremental[name] != full[name]]
    assert differing == []


def test_the_nights_revised_figures_already_held(builds):
    # each quarter restates earlier years: the nightly builds added revisions to values held,
    # and exactly one revision of each value is the latest
    fact = "marts.fct_indicator_value"
    assert count(builds["incremental"], fact) > builds["facts_before"]
    assert count(builds["incremental"], fact, "revision_number > 1") > 0
    with duckdb.connect(str(builds["incremental"]), read_only=True) as con:
        assert (
            con.execute(
                f"""select count(*) from (
                select indicator_id, area_code, period_id, value_type
                from {fact} group by all having count_if(is_latest_revision) != 1
            )"""
            ).fetchone()[0]
            == 0
        )


def slices(path: Path) -> dict[str, tuple[int, int]]:
    """What the models built by slice logged last: slices held, slices the build recomputed."""
    with duckdb.connect(str(path), read_only=True) as con:
        rows = con.execute(
            "select 'marts.' || model_name, arg_max(slices_held, recorded_at), "
            "arg_max(slices_rebuilt, recorded_at) from intermediate.slice_contexts group by 1"
        ).fetchall()
    return {name: (held, rebuilt) for name, held, rebuilt in rows}


def test_a_nightly_build_recomputes_only_the_slices_its_submissions_touch(builds):
    # the last night's submissions restate some indicators' latest years: the judgements and
    # disclosed values of those slices were recomputed, the others kept (and still equal a
    # full build's, above)
    recorded = slices(builds["incremental"])
    assert set(recorded) == set(SLICED)
    for name, (held, rebuilt) in recorded.items():
        assert 0 < rebuilt < held, name
    assert all(rebuilt == held for held, rebuilt in slices(builds["full"]).values())


def test_a_changed_setting_reaches_every_slice_in_the_next_nightly_build(builds):
    # quartile_minimum_comparators changed and nothing new arrived: every slice is recomputed,
    # as a full build with that setting computes it
    retuned, full = relations(builds["retuned"]), relations(builds["full_retuned"])
    for name in SLICED:
        assert retuned[name] == full[name], name
    before = relations(builds["unchanged"])["marts.mart_indicator_assessment"]
    assert retuned["marts.mart_indicator_assessment"] != before
    assert all(rebuilt == held for held, rebuilt in slices(builds["retuned"]).values())


def test_a_night_with_nothing_new_changes_nothing(builds):
    assert relations(builds["unchanged"]) == relations(builds["incremental"])
    # nor the log of the models built by slice: nothing was recomputed
    log = "select * from intermediate.slice_contexts order by all"
    with (
        duckdb.connect(str(builds["unchanged"]), read_only=True) as unchanged,
        duckdb.connect(str(builds["incremental"]), read_only=True) as incremental,
    ):
        assert unchanged.execute(log).fetchall() == incremental.execute(log).fetchall()


def test_the_build_records_what_it_took_in(builds):
    with duckdb.connect(str(builds["full"]), read_only=True) as con:
        built = con.execute("select count(*) from intermediate.built_submissions").fetchone()[0]
        accepted = con.execute(
            "select count(*) from staging.stg_ingestion__manifests where outcome = 'accepted'"
        ).fetchone()[0]
        pending = con.execute(
            "select count(*) from information_schema.tables where table_name = 'new_submissions'"
        ).fetchone()[0]
    assert built == accepted > 0
    assert pending == 0


def test_a_raw_file_deleted_by_retention_makes_the_next_build_start_empty(builds, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(builds["folder"] / "data", data)
    layout = Layout.of(data)
    published = layout.warehouse / "warehouse.duckdb"
    assert raw_files_gone(layout, published) == []
    assert prepare_build(data).exists()  # a copy of the published warehouse

    deleted = sorted((layout.raw / "recorded_crime").glob("*.parquet"))[0]
    deleted.unlink()
    gone = raw_files_gone(layout, published)
    assert gone == [deleted.relative_to(data).as_posix()]
    assert not prepare_build(data).exists()  # dbt builds every model from empty
