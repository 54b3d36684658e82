"""dbt builds the warehouse from the raw zone: the real dbt on a real DuckDB file.

The sample scorecard goes through ingestion into the raw zone (or, where the ingestion package
has no pipeline, straight into a parquet file of the same shape), `dbt build` runs from the dbt
environment as a subprocess, and the DuckDB file it wrote is queried as an analyst would.
Each build costs about ten seconds, so each scenario builds once per module.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest
from harness import REPO_ROOT, SAMPLES_DIR, VENV

DBT = VENV / "dbt" / "bin" / "dbt"
PROJECT_DIR = REPO_ROOT / "dbt_project"
SCORECARD_DIR = SAMPLES_DIR / "sefton_council" / "ni_scorecard"
SCORECARD_CSV = SCORECARD_DIR / "ni_scorecards_2009-10_q4.csv"
SEFTON = "E08000014"
VALUE_TYPES = {"T": "target", "P": "projection", "E": "estimate", "": "actual"}
MARTS = (
    "dim_area",
    "dim_indicator",
    "dim_period",
    "fct_indicator_value",
    "indicator_values",
    "published_scorecard",
)


def dbt_build(data_dir: Path, work_dir: Path) -> subprocess.CompletedProcess:
    """`dbt build` of the whole project into <data_dir>/warehouse/warehouse.next.duckdb.

    dbt's own output (target/, logs/) goes to work_dir, so a test never disturbs the project
    folder that `make` and the DAG use.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UNDERSTOOD", "DBT_"))}
    env["UNDERSTOOD_DATA_DIR"] = str(data_dir)
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    # the build step of the pipeline prepares the folder; dbt-duckdb only creates the file
    (data_dir / "warehouse").mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [
            str(DBT),
            "build",
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(PROJECT_DIR),
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


def land_raw_directly(data_dir: Path) -> None:
    """The raw parquet ingestion would write, made with DuckDB: contract types plus lineage."""
    sha = hashlib.sha256(SCORECARD_CSV.read_bytes()).hexdigest()
    submission_id = f"ni_scorecard-{sha[:12]}"
    raw = data_dir / "raw" / "ni_scorecard"
    raw.mkdir(parents=True)
    with duckdb.connect() as con:
        con.execute(
            f"""
            copy (
                select
                    * replace (
                        cast(op_value as double) as op_value,
                        cast(quartile as bigint) as quartile,
                        cast(latest_value as double) as latest_value
                    ),
                    '{submission_id}' as _submission_id,
                    'sefton_council' as _partner_id,
                    'ni_scorecard' as _dataset_id,
                    '{SCORECARD_CSV.name}' as _source_file,
                    cast(row_number() over () as bigint) as _source_row,
                    cast(current_timestamp at time zone 'UTC' as timestamp) as _received_at,
                    'OFFICIAL' as _marking,
                    false as _is_sensitive
                from read_csv('{SCORECARD_CSV}', all_varchar = true, header = true)
            ) to '{raw / f"{submission_id}.parquet"}' (format parquet)
            """
        )
    manifests = data_dir / "manifests"
    manifests.mkdir()
    manifest = {
        "submission_id": submission_id,
        "partner_id": "sefton_council",
        "dataset_id": "ni_scorecard",
        "source_file": SCORECARD_CSV.name,
        "sha256": sha,
        "size_bytes": SCORECARD_CSV.stat().st_size,
        "received_at": datetime.now(UTC).isoformat(),
        "outcome": "accepted",
        "rows_read": 0,
        "rows_loaded": 0,
        "checks": [],
        "reasons": [],
        "archive_path": None,
        "raw_path": f"raw/ni_scorecard/{submission_id}.parquet",
    }
    (manifests / f"{submission_id}.json").write_text(json.dumps(manifest))


def land_raw(data_dir: Path) -> None:
    """Put the bundled scorecard samples into the raw zone, by ingestion where it exists."""
    try:
        from ingestion.pipeline import ingest_landing
    except ModuleNotFoundError as error:
        if error.name != "ingestion.pipeline":
            raise
        land_raw_directly(data_dir)
        return
    landing = data_dir / "landing" / "sefton_council" / "ni_scorecard"
    landing.mkdir(parents=True)
    for sample in SCORECARD_DIR.glob("*.csv"):
        shutil.copy(sample, landing / sample.name)
    ingest_landing(data_dir)


def query(database: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The warehouse built by dbt from the bundled sample; returns the DuckDB file."""
    data_dir = tmp_path_factory.mktemp("data")
    land_raw(data_dir)
    assert list((data_dir / "raw" / "ni_scorecard").glob("*.parquet"))
    result = dbt_build(data_dir, tmp_path_factory.mktemp("dbt"))
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
    return data_dir / "warehouse" / "warehouse.next.duckdb"


@pytest.fixture(scope="module")
def built_empty(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, subprocess.CompletedProcess]:
    """The warehouse built from a data directory where nothing has arrived yet."""
    data_dir = tmp_path_factory.mktemp("empty")
    result = dbt_build(data_dir, tmp_path_factory.mktemp("dbt_empty"))
    return data_dir / "warehouse" / "warehouse.next.duckdb", result


@pytest.fixture(scope="module")
def sample_rows() -> list[dict[str, str]]:
    with SCORECARD_CSV.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_schemas_are_named_exactly(built: Path) -> None:
    schemas = {r[0] for r in query(built, "select schema_name from information_schema.schemata")}
    assert {"staging", "intermediate", "marts"} <= schemas
    tables = {
        r[0]
        for r in query(
            built, "select table_name from information_schema.tables where table_schema = 'marts'"
        )
    }
    assert set(MARTS) <= tables


def test_every_scorecard_row_is_published(built: Path, sample_rows: list[dict[str, str]]) -> None:
    columns = (
        "indicator_code, indicator_title, scorecard, is_laa, polarity, rag, quartile, "
        "regional_comparison, national_comparison, direction_of_travel, op_value, latest_value, "
        "latest_value_type, strategic_objective"
    )
    names = columns.split(", ")
    published = {
        (r[0], r[1]): dict(zip(names, r, strict=True))
        for r in query(built, f"select {columns} from marts.published_scorecard")
    }
    assert len(published) == len(sample_rows)

    def number(text: str) -> float | None:
        return float(text) if text else None

    for row in sample_rows:
        key = (row["indicator_code"], row["indicator_title"])
        assert key in published, key
        got = published[key]
        assert got["scorecard"] == row["scorecard"]
        assert got["is_laa"] is (row["is_laa"] == "Y")
        assert got["rag"] == row["rag"]
        assert got["quartile"] == (int(row["quartile"]) if row["quartile"] else None)
        for column in ("polarity", "regional_comparison", "national_comparison"):
            assert got[column] == (row[column] or None), (key, column)
        assert got["direction_of_travel"] == (row["direction_of_travel"] or None)
        assert got["op_value"] == number(row["op_value"])
        assert got["latest_value"] == number(row["latest_value"])
        if row["latest_value"]:
            assert got["latest_value_type"] == VALUE_TYPES[row["latest_value_flag"]]
        assert got["strategic_objective"], f"scorecard {row['scorecard']!r} has no objective"


def test_op_and_latest_values_are_indicator_values(
    built: Path, sample_rows: list[dict[str, str]]
) -> None:
    values = {
        (r[0], r[1], r[2], r[3], r[4]): r[5]
        for r in query(
            built,
            "select indicator_code, indicator_title, period_type, period_label, value_type, value "
            f"from marts.indicator_values where area_code = '{SEFTON}'",
        )
    }
    expected = {}
    for row in sample_rows:
        key = (row["indicator_code"], row["indicator_title"])
        if row["op_value"]:
            expected[(*key, "financial_year", "2008/09", "actual")] = float(row["op_value"])
        if row["latest_value"]:
            value_type = VALUE_TYPES[row["latest_value_flag"]]
            expected[(*key, "financial_year", "2009/10", value_type)] = float(row["latest_value"])
    assert expected, "the sample has no values"
    # exactly equal, and nothing else: no value lost, none invented
    assert values == expected


def test_values_carry_their_provenance(built: Path) -> None:
    rows = query(
        built,
        "select count(*), count(distinct submission_id), bool_and(is_latest_revision), "
        "min(revision_number), max(revision_number), count(source_file), count(received_at) "
        "from marts.fct_indicator_value",
    )
    count, submissions, all_latest, first, last, with_file, with_time = rows[0]
    assert count > 0
    assert submissions == 1
    assert all_latest and first == last == 1
    assert with_file == with_time == count


def test_manifests_reach_the_warehouse(built: Path) -> None:
    on_disk = {p.stem for p in (built.parents[1] / "manifests").glob("*.json")}
    in_warehouse = {
        r[0] for r in query(built, "select submission_id from staging.stg_ingestion__manifests")
    }
    assert in_warehouse == on_disk


def test_sefton_is_an_area_with_its_wards(built: Path) -> None:
    rows = query(built, "select area_type, count(*) from marts.dim_area group by 1")
    counts = dict(rows)
    assert counts["ward"] == 22
    assert counts["area_committee"] == 7
    assert counts["local_authority"] == 5
    sefton = query(
        built,
        "select area_name, parent_area_code, is_code_verified from marts.dim_area "
        f"where area_code = '{SEFTON}'",
    )
    assert sefton == [("Sefton", "E12000002", True)]


def test_build_with_nothing_received_gives_empty_marts(built_empty) -> None:
    database, result = built_empty
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
    for table in ("fct_indicator_value", "indicator_values", "published_scorecard"):
        assert query(database, f"select count(*) from marts.{table}") == [(0,)]
    assert query(database, "select count(*) from staging.stg_ingestion__manifests") == [(0,)]
    # reference data is there all the same
    assert query(database, "select count(*) > 0 from marts.dim_period") == [(True,)]
    assert query(database, "select count(*) > 0 from marts.dim_area") == [(True,)]
