"""dbt builds the warehouse from the raw zone: the real dbt on a real DuckDB file.

The sample scorecard (and, where its contract exists, the red indicator narratives) goes through
ingestion into the raw zone (or, where the ingestion package has no pipeline, straight into a
parquet file of the same shape), `dbt build` runs from the dbt environment as a subprocess, and
the DuckDB file it wrote is queried as an analyst would. Each build costs about twenty seconds,
so each scenario builds once per module; the documentation site and the structure checks on
the catalog reuse the same build.
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
from structure_checks import run_dbt_bouncer

DBT = VENV / "dbt" / "bin" / "dbt"
PROJECT_DIR = REPO_ROOT / "dbt_project"
SEEDS_DIR = PROJECT_DIR / "seeds"
SCORECARD_DIR = SAMPLES_DIR / "sefton_council" / "ni_scorecard"
SCORECARD_CSV = SCORECARD_DIR / "ni_scorecards_2009-10_q4.csv"
NARRATIVES_DIR = SAMPLES_DIR / "sefton_council" / "red_indicator_narratives"
NARRATIVES_CONTRACT = (
    REPO_ROOT / "ingestion" / "contracts" / "sefton_council" / "red_indicator_narratives.yml"
)
SEFTON = "E08000014"
VALUE_TYPES = {"T": "target", "P": "projection", "E": "estimate", "": "actual"}
MARTS = (
    "dim_area",
    "dim_indicator",
    "dim_period",
    "dim_source",
    "fct_indicator_value",
    "indicator_values",
    "published_scorecard",
    "mart_indicator_assessment",
    "mart_theme_summary",
    "mart_reconciliation",
    "mart_scorecard",
    "mart_indicator_exceptions",
)
# the counts of the executive summary table, in its column order
SUMMARY_COUNTS = (
    "indicator_count",
    "laa_indicator_count",
    "regional_at_or_above",
    "national_at_or_above",
    "regional_10pct_above",
    "national_10pct_above",
    "regional_below",
    "national_below",
    "regional_10pct_below",
    "national_10pct_below",
    "quartile_1",
    "quartile_2",
    "quartile_3",
    "quartile_4",
    "green",
    "amber",
    "red",
)


def dbt_build(data_dir: Path, work_dir: Path) -> subprocess.CompletedProcess:
    """`dbt build` of the whole project into <data_dir>/warehouse/warehouse.next.duckdb.

    dbt's own output (target/, logs/) goes to work_dir, so a test never disturbs the project
    folder that `make` and the DAG use.
    """
    return dbt_command("build", data_dir, work_dir)


def dbt_command(
    command: str, data_dir: Path, work_dir: Path, *args: str
) -> subprocess.CompletedProcess:
    """A dbt command on the project against data_dir, with its output in work_dir."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UNDERSTOOD", "DBT_"))}
    env["UNDERSTOOD_DATA_DIR"] = str(data_dir)
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    # the build step of the pipeline prepares the folder; dbt-duckdb only creates the file
    (data_dir / "warehouse").mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [
            str(DBT),
            *command.split(),
            *args,
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
    datasets = [SCORECARD_DIR]
    if NARRATIVES_CONTRACT.exists():
        datasets.append(NARRATIVES_DIR)
    for dataset in datasets:
        landing = data_dir / "landing" / "sefton_council" / dataset.name
        landing.mkdir(parents=True)
        for sample in dataset.glob("*.csv"):
            shutil.copy(sample, landing / sample.name)
    ingest_landing(data_dir)


def query(database: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(database), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def built_in(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The warehouse built by dbt from the bundled sample; returns (data dir, dbt work dir)."""
    data_dir = tmp_path_factory.mktemp("data")
    land_raw(data_dir)
    assert list((data_dir / "raw" / "ni_scorecard").glob("*.parquet"))
    work_dir = tmp_path_factory.mktemp("dbt")
    result = dbt_build(data_dir, work_dir)
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
    return data_dir, work_dir


@pytest.fixture(scope="module")
def built(built_in: tuple[Path, Path]) -> Path:
    """The DuckDB file of the warehouse built from the bundled sample."""
    data_dir, _ = built_in
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
    for table in (
        "fct_indicator_value",
        "indicator_values",
        "published_scorecard",
        "dim_source",
        "mart_indicator_assessment",
        "mart_theme_summary",
        "mart_reconciliation",
        "mart_scorecard",
        "mart_indicator_exceptions",
    ):
        assert query(database, f"select count(*) from marts.{table}") == [(0,)], table
    assert query(database, "select count(*) from staging.stg_ingestion__manifests") == [(0,)]
    # reference data is there all the same
    assert query(database, "select count(*) > 0 from marts.dim_period") == [(True,)]
    assert query(database, "select count(*) > 0 from marts.dim_area") == [(True,)]


def read_seed(name: str) -> list[dict[str, str]]:
    with (SEEDS_DIR / f"{name}.csv").open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_every_partner_row_carries_partner_and_marking(built: Path) -> None:
    """Superset's row-level security filters on partner_id and marking: never null."""
    for table in (
        "fct_indicator_value",
        "indicator_values",
        "published_scorecard",
        "mart_indicator_assessment",
        "mart_theme_summary",
        "mart_reconciliation",
        "mart_scorecard",
        "mart_indicator_exceptions",
    ):
        rows = query(
            built,
            f"select partner_id, marking, count(*) from marts.{table} group by all order by all",
        )
        assert rows, table
        assert [(partner, marking) for partner, marking, _ in rows] == [
            ("sefton_council", "OFFICIAL")
        ], (table, rows)


def test_dim_source_lists_the_scorecard_dataset(built: Path) -> None:
    rows = query(
        built,
        "select partner_id, accepted_submission_count, is_in_catalogue, marking "
        "from marts.dim_source where dataset_id = 'ni_scorecard'",
    )
    assert len(rows) == 1
    partner, submissions, in_catalogue, marking = rows[0]
    assert (partner, submissions) == ("sefton_council", 1)
    catalogue = built.parents[1] / "catalogue" / "contracts.json"
    if catalogue.exists():
        assert in_catalogue and marking == "OFFICIAL"
    else:
        # delivered but not yet catalogued: listed all the same, attributes unknown
        assert not in_catalogue and marking is None


def test_theme_summary_published_basis_reproduces_the_executive_summary(built: Path) -> None:
    """Every cell of the council's table is reproduced, or differs exactly as explained."""
    printed = {row["summary_row"]: row for row in read_seed("executive_summary_published")}
    explained = {
        (row["summary_row"], row["measure"]): (
            int(row["published_value"]),
            int(row["scorecard_value"]),
        )
        for row in read_seed("executive_summary_differences")
    }
    columns = ", ".join(SUMMARY_COUNTS)
    counted = {
        row[0]: dict(zip(SUMMARY_COUNTS, row[1:], strict=True))
        for row in query(
            built,
            f"select strategic_objective, {columns} from marts.mart_theme_summary "
            f"where basis = 'published' and reporting_period = 'Q4 2009/10' "
            f"and area_code = '{SEFTON}'",
        )
    }
    assert set(counted) == set(printed)
    differences = {}
    for objective, row in printed.items():
        for measure in SUMMARY_COUNTS:
            published = int(row[measure] or 0)
            if counted[objective][measure] != published:
                differences[(objective, measure)] = (published, counted[objective][measure])
    assert differences == explained
    # quartiles, amber and red exactly; indicators and green in every row but Safer (its NI 44
    # heading row) and so the total
    exact = ("quartile_1", "quartile_2", "quartile_3", "quartile_4", "amber", "red")
    assert not [key for key in differences if key[1] in exact]
    assert {key for key in differences if key[1] in ("indicator_count", "green")} == {
        ("Safer", "indicator_count"),
        ("Safer", "green"),
        ("Total", "indicator_count"),
        ("Total", "green"),
    }
    assert counted["Total"]["indicator_count"] == len(read_sample_rows())


def read_sample_rows() -> list[dict[str, str]]:
    with SCORECARD_CSV.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_theme_summary_computed_basis_never_counts_what_it_cannot_compute(built: Path) -> None:
    rows = query(
        built,
        "select strategic_objective, indicator_count, regional_at_or_above, "
        "national_10pct_below, quartile_1, green + amber + red "
        "from marts.mart_theme_summary where basis = 'computed'",
    )
    assert len(rows) == 11
    for objective, indicators, regional, national, quartile, rated in rows:
        # no benchmark or comparator values exist in the samples: null, never 0
        assert (regional, national, quartile) == (None, None, None), objective
        assert 0 < rated <= indicators, objective


def test_direction_of_travel_follows_the_printed_numbers(
    built: Path, sample_rows: list[dict[str, str]]
) -> None:
    """Recomputed here from the sample, independently of the SQL: OP to latest, by polarity."""
    computed = {
        (r[0], r[1]): r[2]
        for r in query(
            built,
            "select indicator_code, indicator_title, direction_of_travel "
            "from marts.mart_indicator_assessment where period_label = '2009/10' "
            f"and area_code = '{SEFTON}'",
        )
    }
    checked = 0
    for row in sample_rows:
        key = (row["indicator_code"], row["indicator_title"])
        usable = row["op_value"] and row["latest_value"] and row["polarity"]
        if not usable or row["latest_value_flag"] == "T":
            assert computed.get(key) is None, key
            continue
        before, after = float(row["op_value"]), float(row["latest_value"])
        if after == before:
            expected = "constant"
        elif (after > before) == (row["polarity"] == "higher_is_better"):
            expected = "improving"
        else:
            expected = "deteriorating"
        assert computed[key] == expected, key
        checked += 1
    assert checked == 141


def test_reconciliation_compares_only_what_real_data_supports(built: Path) -> None:
    rows = dict(
        ((judgement, status), count)
        for judgement, status, count in query(
            built,
            "select judgement, status, count(*) from marts.mart_reconciliation "
            "where reporting_period = 'Q4 2009/10' group by all",
        )
    )
    # direction of travel: 140 rows comparable, 117 agree (83.6%), every disagreement explained
    assert rows[("direction_of_travel", "agree")] == 117
    assert rows[("direction_of_travel", "disagree")] == 23
    for judgement in ("regional_comparison", "national_comparison", "quartile", "rag"):
        assert rows == rows | {(judgement, "not computable from real data"): 211}
    assert query(
        built,
        "select count(*) from marts.mart_reconciliation "
        "where status = 'disagree' and explanation is null",
    ) == [(0,)]
    rate = query(
        built,
        "select avg(case when status = 'agree' then 1.0 else 0 end) "
        "from marts.mart_reconciliation where is_in_agreement_rate",
    )[0][0]
    assert round(rate, 3) == 0.836


def test_scorecard_and_its_red_exceptions(built: Path, sample_rows: list[dict[str, str]]) -> None:
    ordered = query(
        built,
        "select scorecard, indicator_code from marts.mart_scorecard "
        "order by scorecard_sort_order, row_order",
    )
    assert ordered == [(row["scorecard"], row["indicator_code"]) for row in sample_rows]
    red = {row["indicator_code"] for row in sample_rows if row["rag"] == "red"}
    exceptions = query(
        built,
        "select indicator_code, rated_red_by, has_narrative_row "
        "from marts.mart_indicator_exceptions",
    )
    assert {code for code, by, _ in exceptions if by in ("council", "both")} == red
    if NARRATIVES_CONTRACT.exists():
        assert all(has_narrative for _, _, has_narrative in exceptions)


def test_figures_as_known_on_a_date(built: Path) -> None:
    """The warehouse function returns the revisions known at a moment (one submission here)."""
    facts = query(built, "select count(*) from marts.fct_indicator_value")[0][0]
    assert query(
        built, "select count(*) from marts.indicator_values_as_known_at(timestamp '2100-01-01')"
    ) == [(facts,)]
    assert query(
        built, "select count(*) from marts.indicator_values_as_known_at(timestamp '2000-01-01')"
    ) == [(0,)]


def test_docs_site_builds_offline_and_the_catalog_passes_the_structure_checks(
    built_in: tuple[Path, Path], tmp_path: Path
) -> None:
    data_dir, work_dir = built_in
    result = dbt_command("docs generate --static", data_dir, work_dir)
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
    target = work_dir / "target"
    for site_file in ("index.html", "static_index.html", "manifest.json", "catalog.json"):
        assert (target / site_file).stat().st_size > 0, site_file
    catalog = json.loads((target / "catalog.json").read_text())
    theme_summary = catalog["nodes"]["model.sefton_understood.mart_theme_summary"]
    assert {"basis", "strategic_objective", "green"} <= set(theme_summary["columns"])
    # every column the warehouse has is documented, and the manifest checks hold as well
    checks = run_dbt_bouncer(target, tmp_path)
    assert checks.returncode == 0, checks.output[-8000:]
    assert checks.failures == []
