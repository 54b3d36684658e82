"""The ward and area-committee profiles (marts.mart_area_profile) and the disclosure control of
every mart partners see, on a real nightly run of the bundled samples; and proof that the dbt
unit tests of the rules bite: each rule broken in a copy of the project makes its tests fail.

The samples' yearly ward counts all reach their contracts' thresholds (and the street
cleanliness survey has no threshold at all), so the suppression is also checked on the same
warehouse rebuilt with a threshold of 5 on the cleanliness survey, where many yearly ward
counts are small.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

import duckdb
import pytest
from harness import REPO_ROOT, VENV

pytestmark = pytest.mark.slow

DBT = VENV / "dbt" / "bin" / "dbt"
PROJECT_DIR = REPO_ROOT / "dbt_project"
WARD_COUNT = 22
COMMITTEE_COUNT = 7
SOUTHPORT = "SEF-AC-SOUTHPORT"
FORMBY = "SEF-AC-FORMBY"
BOOTLE = "SEF-AC-LINACRE-AND-DERBY"
BENCHMARKS = (("borough_value", "borough_comparison"), ("england_value", "england_comparison"))
REASONS = {"small_number", "secondary_sibling", "secondary_parent", "secondary_period"}
# the partner-facing marts that hide counts, and the figures each hides
HIDDEN_FIGURES = {
    "mart_area_profile": ("value", "numerator", "denominator", "lower_ci_95", "upper_ci_95"),
    "mart_indicator_assessment": (
        "value",
        "numerator",
        "denominator",
        "lower_ci_95",
        "upper_ci_95",
        "lower_ci_99_8",
        "upper_ci_99_8",
    ),
}


def dbt(
    project_dir: Path, data_dir: Path, work_dir: Path, *args: str, warehouse: Path | None = None
) -> subprocess.CompletedProcess:
    """A dbt command on project_dir against data_dir, with its output in work_dir."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UNDERSTOOD", "DBT_"))}
    env["UNDERSTOOD_DATA_DIR"] = str(data_dir)
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    if warehouse is not None:
        env["UNDERSTOOD_WAREHOUSE_PATH"] = str(warehouse)
    (data_dir / "warehouse").mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [
            str(DBT),
            *args,
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


def rows(connection, sql: str) -> list[dict]:
    cursor = connection.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@pytest.fixture(scope="module")
def warehouse(nightly_run: tuple[Path, str]):
    data_dir, _ = nightly_run
    with duckdb.connect(
        str(data_dir / "warehouse" / "warehouse.duckdb"), read_only=True
    ) as connection:
        yield connection


@pytest.fixture(scope="module")
def suppressed_warehouse(nightly_run: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory):
    """The nightly warehouse with the partner marts rebuilt from a catalogue in which the
    street cleanliness survey has a small-number threshold of 5 (its yearly ward counts of
    graffiti and fly-posting are often below it)."""
    nightly_dir, _ = nightly_run
    data_dir = tmp_path_factory.mktemp("threshold")
    for folder in ("raw", "manifests"):
        (data_dir / folder).symlink_to(nightly_dir / folder)
    catalogue = json.loads((nightly_dir / "catalogue" / "contracts.json").read_text())
    for contract in catalogue:
        if contract["dataset_id"] == "street_cleanliness_surveys":
            contract["small_number_threshold"] = 5
    (data_dir / "catalogue").mkdir()
    (data_dir / "catalogue" / "contracts.json").write_text(json.dumps(catalogue))
    database = data_dir / "warehouse" / "warehouse.duckdb"
    database.parent.mkdir()
    shutil.copy(nightly_dir / "warehouse" / "warehouse.duckdb", database)
    work_dir = tmp_path_factory.mktemp("threshold_dbt")
    result = dbt(
        PROJECT_DIR,
        data_dir,
        work_dir,
        "build",
        "--select",
        "int_contracts_catalogued",
        "dim_source",
        "indicator_values",
        "mart_indicator_assessment",
        "mart_area_profile",
        "--exclude",
        "test_type:unit",
        warehouse=database,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
    with duckdb.connect(str(database), read_only=True) as connection:
        yield connection


# --- (a) the profile on the samples ------------------------------------------------------------


def test_every_edition_profiles_every_ward_and_committee(warehouse) -> None:
    editions = rows(
        warehouse,
        "select edition_id, edition_label, edition_date, indicator_id, area_type, "
        "count(distinct area_code) as areas, count(*) as row_count "
        "from marts.mart_area_profile group by all",
    )
    assert editions, "mart_area_profile is empty"
    for edition in editions:
        expected = WARD_COUNT if edition["area_type"] == "ward" else COMMITTEE_COUNT
        assert edition["areas"] == edition["row_count"] == expected, edition
        date = edition["edition_date"]
        assert date.day == 1 and date.month in (4, 10), edition
        month = "April" if date.month == 4 else "October"
        assert edition["edition_id"] == f"{date.year}-{date.month:02d}"
        assert edition["edition_label"] == f"Area Profiles, {month} {date.year}"
    # the synthetic ward data cover 2007/08 to 2010/11: April 2008 to April 2011
    ids = sorted({e["edition_id"] for e in editions})
    assert ids == ["2008-04", "2008-10", "2009-04", "2009-10", "2010-04", "2010-10", "2011-04"]
    (indicators,) = warehouse.execute(
        "select count(distinct indicator_id) from marts.mart_area_profile"
    ).fetchone()
    assert indicators == 11
    assert len(editions) == len(ids) * indicators * 2


def test_each_edition_shows_the_latest_period_ended_before_it(warehouse) -> None:
    late = rows(
        warehouse,
        "select profile.edition_id, profile.period_id, periods.end_date, profile.edition_date "
        "from marts.mart_area_profile as profile "
        "inner join marts.dim_period as periods on profile.period_id = periods.period_id "
        "where periods.end_date >= profile.edition_date",
    )
    assert late == []
    shown = dict(
        warehouse.execute(
            "select distinct edition_id, period_label from marts.mart_area_profile"
        ).fetchall()
    )
    assert shown["2010-04"] == shown["2010-10"] == "2009/10"
    assert shown["2011-04"] == "2010/11"
    (later,) = warehouse.execute(
        """
        select count(*) from marts.mart_area_profile as profile
        inner join marts.dim_period as shown_period on profile.period_id = shown_period.period_id
        inner join marts.fct_indicator_value as fact
            on fact.indicator_id = profile.indicator_id and fact.area_code = profile.area_code
        inner join marts.dim_period as other_period on fact.period_id = other_period.period_id
        where other_period.period_type = shown_period.period_type
            and other_period.end_date < profile.edition_date
            and other_period.end_date > shown_period.end_date
        """
    ).fetchone()
    assert later == 0, "a later period ended before the edition but an earlier one is shown"


def test_ranks_run_from_one_to_the_ward_count_by_polarity(warehouse) -> None:
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in rows(
        warehouse,
        "select edition_id, indicator_id, area_code, area_type, polarity, value, "
        "rank_among_wards, ward_count from marts.mart_area_profile",
    ):
        groups[(row["edition_id"], row["indicator_id"])].append(row)
    for key, group in groups.items():
        wards = [r for r in group if r["area_type"] == "ward"]
        shown = [r for r in wards if r["value"] is not None]
        assert {r["ward_count"] for r in group} == {len(shown)}, key
        assert all(r["rank_among_wards"] is None for r in group if r["area_type"] != "ward")
        if group[0]["polarity"] is None:
            assert all(r["rank_among_wards"] is None for r in wards), key
            continue
        best_first = sorted(
            shown, key=lambda r: r["value"] if r["polarity"] == "lower_is_better" else -r["value"]
        )
        ranks = [r["rank_among_wards"] for r in best_first]
        assert ranks[0] == 1, key
        # competition ranking: a ward's rank is one more than the number of wards better than it
        for position, row in enumerate(best_first):
            better = sum(
                1
                for other in best_first
                if (other["value"] < row["value"]) == (row["polarity"] == "lower_is_better")
                and other["value"] != row["value"]
            )
            assert row["rank_among_wards"] == better + 1, (key, position, row)
        assert max(ranks) <= len(shown), key


def test_committees_are_aggregated_from_their_wards_counts(warehouse) -> None:
    committees = rows(
        warehouse,
        """
        select committee.edition_id, committee.indicator_id, committee.area_code,
            committee.numerator, committee.denominator, committee.value,
            sum(ward.numerator) as ward_numerator, sum(ward.denominator) as ward_denominator,
            count(ward.area_code) as wards, measures.measure_type, measures.multiplier
        from marts.mart_area_profile as committee
        inner join marts.mart_area_profile as ward
            on ward.parent_area_code = committee.area_code
            and ward.edition_id = committee.edition_id
            and ward.indicator_id = committee.indicator_id
        inner join seeds.indicator_measures as measures
            on measures.indicator_code = committee.indicator_code
        where committee.area_type = 'area_committee' and not committee.is_suppressed
        group by all
        """,
    )
    assert len(committees) == 7 * 7 * 11
    for committee in committees:
        assert committee["numerator"] == pytest.approx(committee["ward_numerator"]), committee
        assert committee["denominator"] == pytest.approx(committee["ward_denominator"])
        rate = committee["numerator"] / committee["denominator"] * committee["multiplier"]
        assert committee["value"] == pytest.approx(round(rate, 2)), committee
    sizes = {c["area_code"]: c["wards"] for c in committees}
    assert sizes[SOUTHPORT] == 7 and sizes[FORMBY] == 2


def test_comparisons_use_the_borough_and_england_intervals(warehouse) -> None:
    for row in rows(
        warehouse,
        "select polarity, lower_ci_95, upper_ci_95, borough_value, england_value, "
        "borough_comparison, england_comparison from marts.mart_area_profile",
    ):
        for benchmark, judged in BENCHMARKS:
            value = row[benchmark]
            if row["lower_ci_95"] is None or value is None or row["polarity"] is None:
                assert row[judged] == "not compared", row
            elif row["lower_ci_95"] > value:
                assert row[judged] == (
                    "better" if row["polarity"] == "higher_is_better" else "worse"
                ), row
            elif row["upper_ci_95"] < value:
                assert row[judged] == (
                    "worse" if row["polarity"] == "higher_is_better" else "better"
                ), row
            else:
                assert row[judged] == "similar", row
    sefton = warehouse.execute(
        "select count(*) from marts.mart_area_profile where borough_value is null "
        "or england_value is null"
    ).fetchone()
    assert sefton == (0,), "every sample indicator has Sefton's and England's values"


def test_the_tile_map_runs_from_southport_to_bootle(warehouse) -> None:
    tiles = rows(
        warehouse,
        "select distinct area_code, area_type, parent_area_code, tile_column, tile_row "
        "from marts.mart_area_profile",
    )
    wards = [t for t in tiles if t["area_type"] == "ward"]
    assert len(wards) == WARD_COUNT
    assert len({(t["tile_column"], t["tile_row"]) for t in wards}) == WARD_COUNT
    assert all(t["tile_column"] is None and t["tile_row"] is None for t in tiles if t not in wards)

    def rows_of(committee: str) -> set[int]:
        return {t["tile_row"] for t in wards if t["parent_area_code"] == committee}

    assert max(rows_of(SOUTHPORT)) < min(rows_of(FORMBY)) < min(rows_of(BOOTLE))
    assert min(rows_of(SOUTHPORT)) == 1
    assert max(rows_of(BOOTLE)) == max(t["tile_row"] for t in wards)


def test_everything_synthetic_stays_marked(warehouse) -> None:
    marked = rows(
        warehouse,
        "select is_synthetic, partner_id, indicator_title, marking from marts.mart_area_profile",
    )
    assert marked
    for row in marked:
        assert row["is_synthetic"] is True, row
        assert row["partner_id"].startswith("synthetic_"), row
        assert row["indicator_title"].endswith("(synthetic)"), row
        assert row["marking"] in ("OFFICIAL", "OFFICIAL-SENSITIVE")


def test_no_suppressed_figure_is_visible_on_the_samples(warehouse) -> None:
    assert_no_suppressed_figure(warehouse)
    # the samples' yearly ward counts all reach their contracts' thresholds
    (hidden,) = warehouse.execute(
        "select count(*) from marts.mart_area_profile where is_suppressed"
    ).fetchone()
    assert hidden == 0


# --- disclosure control where counts are small ------------------------------------------------


def assert_no_suppressed_figure(connection) -> None:
    for mart, figures in HIDDEN_FIGURES.items():
        shown = " or ".join(f"{column} is not null" for column in figures)
        (visible,) = connection.execute(
            f"select count(*) from marts.{mart} where is_suppressed and ({shown})"
        ).fetchone()
        assert visible == 0, mart
        reasons = connection.execute(
            f"select distinct suppression_reason, is_suppressed from marts.{mart}"
        ).fetchall()
        for reason, hidden in reasons:
            assert (reason is not None) == hidden, (mart, reason)
            assert reason is None or reason in REASONS, (mart, reason)


def test_small_counts_are_hidden_in_every_partner_mart(suppressed_warehouse) -> None:
    con = suppressed_warehouse
    assert_no_suppressed_figure(con)
    counts = dict(
        con.execute(
            "select suppression_reason, count(*) from marts.mart_area_profile "
            "where is_suppressed group by 1"
        ).fetchall()
    )
    assert counts.get("small_number", 0) > 0
    assert counts.get("secondary_sibling", 0) > 0
    # no count from 1 to 4 is shown in any partner mart
    for mart in ("mart_area_profile", "mart_indicator_assessment", "indicator_values"):
        (small,) = con.execute(
            f"select count(*) from marts.{mart} where numerator > 0 and numerator < 5 "
            "and partner_id like 'synthetic_%'"
        ).fetchone()
        assert small == 0, mart
    # the profile still lists the area, with no figure, no comparison and no rank
    hidden = rows(con, "select * from marts.mart_area_profile where is_suppressed")
    for row in hidden:
        assert row["rank_among_wards"] is None
        assert row["borough_comparison"] == row["england_comparison"] == "not compared"


def test_a_hidden_cell_cannot_be_recovered_from_a_total(suppressed_warehouse) -> None:
    """Within an area committee, and among the committees of the borough, no cell is the only
    one hidden, so none is its parent's total minus the others; a hidden committee's wards are
    hidden with it, so it is not their sum."""
    con = suppressed_warehouse
    profile = rows(
        con,
        "select edition_id, indicator_id, area_code, area_type, parent_area_code, is_suppressed "
        "from marts.mart_area_profile",
    )
    hidden_in: dict[tuple, int] = defaultdict(int)
    hidden_committees = set()
    for row in profile:
        hidden_in[(row["edition_id"], row["indicator_id"], row["parent_area_code"])] += row[
            "is_suppressed"
        ]
        if row["area_type"] == "area_committee" and row["is_suppressed"]:
            hidden_committees.add((row["edition_id"], row["indicator_id"], row["area_code"]))
    assert all(count != 1 for count in hidden_in.values()), [
        key for key, count in hidden_in.items() if count == 1
    ]
    for row in profile:
        if (row["edition_id"], row["indicator_id"], row["parent_area_code"]) in hidden_committees:
            assert row["is_suppressed"], row
    # a year's months are hidden all together or not at all, so none is the year minus the rest
    (partial,) = con.execute(
        """
        select count(*) from (
            select assessed.indicator_id, assessed.area_code, periods.financial_year_start
            from marts.mart_indicator_assessment as assessed
            inner join marts.dim_period as periods on assessed.period_id = periods.period_id
            where periods.period_type in ('quarter', 'month')
            group by all
            having sum(case when assessed.is_suppressed then 1 else 0 end) not in (0, count(*))
        ) as years
        """
    ).fetchone()
    assert partial == 0
    # the same within each area committee in the assessment, period by period
    alone = con.execute(
        """
        select assessed.indicator_id, assessed.period_id, areas.parent_area_code
        from marts.mart_indicator_assessment as assessed
        inner join marts.dim_area as areas on assessed.area_code = areas.area_code
        where areas.area_type = 'ward'
        group by all
        having sum(case when assessed.is_suppressed then 1 else 0 end) = 1
        """
    ).fetchall()
    assert alone == []


def test_the_marts_hide_the_same_cells(suppressed_warehouse) -> None:
    con = suppressed_warehouse
    assessment = set(
        con.execute(
            "select indicator_id, period_id, area_code from marts.mart_indicator_assessment "
            "where is_suppressed"
        ).fetchall()
    )
    # only wards have counts small enough in the samples
    (others,) = con.execute(
        "select count(*) from marts.mart_indicator_assessment "
        "where is_suppressed and area_type != 'ward'"
    ).fetchone()
    assert others == 0
    profile = set(
        con.execute(
            "select indicator_id, period_id, area_code from marts.mart_area_profile "
            "where is_suppressed and area_type = 'ward'"
        ).fetchall()
    )
    values = set(
        con.execute(
            "select indicator_id, period_id, area_code from marts.indicator_values "
            "where value is null and value_type != 'target'"
        ).fetchall()
    )
    assert assessment
    assert profile <= assessment
    assert values == assessment
    # every financial year's hidden wards reach the profile through some edition
    shown_periods = set(
        con.execute(
            "select distinct indicator_id, period_id from marts.mart_area_profile"
        ).fetchall()
    )
    assert {c for c in assessment if (c[0], c[1]) in shown_periods} == profile


# --- (b) the unit tests bite --------------------------------------------------------------------

SUPPRESSION_TESTS = (
    "small_numbers_are_suppressed_with_what_would_reveal_them",
    "area_profile_suppresses_small_numbers_and_what_would_reveal_them",
)
ASSESSMENT_TESTS = (
    "direction_of_travel_is_polarity_aware",
    "direction_of_travel_is_constant_within_the_tolerance",
)
PROFILE_TESTS = ("area_profile_ranks_and_compares_by_polarity",)
PERIOD_TESTS = ("a_hidden_month_hides_the_rest_of_its_year",)
WINDOW_TESTS = ("a_hidden_year_hides_the_rolling_periods_over_it",)


@pytest.fixture(scope="module")
def project_copy(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A copy of the dbt project whose rules a test may break, with the relations the unit
    tests need built empty (`dbt build --empty`); returns (project, data dir, work dir)."""
    root = tmp_path_factory.mktemp("rules")
    project = root / "dbt_project"
    shutil.copytree(
        PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs", ".user.yml")
    )
    data_dir, work_dir = root / "data", root / "work"
    data_dir.mkdir()
    work_dir.mkdir()
    result = dbt(
        project,
        data_dir,
        work_dir,
        "build",
        "--empty",
        "--select",
        "+mart_indicator_assessment",
        "+mart_area_profile",
        "--exclude-resource-type",
        "test",
        "--exclude-resource-type",
        "unit_test",
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
    return project, data_dir, work_dir


def unit_test_results(project_copy: tuple[Path, Path, Path], names: tuple[str, ...]) -> dict:
    """Run the named unit tests; their statuses by name (`pass`, `fail`, `error`)."""
    project, data_dir, work_dir = project_copy
    result = dbt(project, data_dir, work_dir, "test", "--select", *names)
    run = json.loads((work_dir / "target" / "run_results.json").read_text())
    statuses = {
        r["unique_id"].rsplit(".", 1)[-1]: r["status"]
        for r in run["results"]
        if r["unique_id"].startswith("unit_test.")
    }
    assert set(statuses) == set(names), result.stdout[-3000:]
    assert (result.returncode == 0) == all(s == "pass" for s in statuses.values())
    return statuses


def broken(path: Path, rule: str, broken_rule: str, count: int = 1):
    """Replace the rule's text in a file of the copy, checking it is there as written."""
    text = path.read_text(encoding="utf-8")
    assert text.count(rule) == count, f"{path.name} no longer reads {rule!r}"
    path.write_text(text.replace(rule, broken_rule), encoding="utf-8")
    return text


def test_the_rule_tests_pass_with_the_rules_intact(project_copy) -> None:
    names = SUPPRESSION_TESTS + PERIOD_TESTS + WINDOW_TESTS + ASSESSMENT_TESTS + PROFILE_TESTS
    assert unit_test_results(project_copy, names) == dict.fromkeys(names, "pass")


@pytest.mark.parametrize(
    ("file", "rule", "broken_rule", "count", "failing"),
    [
        pytest.param(
            "macros/disclosure/small_number_suppression.sql",
            "{{ count }} < {{ threshold }}",
            "{{ count }} >= {{ threshold }}",
            1,
            SUPPRESSION_TESTS,
            id="threshold-comparison-reversed",
        ),
        pytest.param(
            "macros/disclosure/small_number_suppression.sql",
            "(not is_primary and primary_siblings = 1 and smallness = 1) as is_secondary",
            "false as is_secondary",
            1,
            SUPPRESSION_TESTS,
            id="no-secondary-suppression",
        ),
        pytest.param(
            "macros/disclosure/small_number_suppression.sql",
            "and decided_periods.period_type in ('quarter', 'month')\n"
            "                        then 'secondary_period'",
            "and false\n                        then 'secondary_period'",
            1,
            PERIOD_TESTS,
            id="no-period-suppression",
        ),
        pytest.param(
            "macros/disclosure/small_number_suppression.sql",
            "when hidden_windows.area_code is not null then 'secondary_period'",
            "when false then 'secondary_period'",
            1,
            WINDOW_TESTS,
            id="no-rolling-window-suppression",
        ),
        pytest.param(
            "macros/assessment/direction_of_travel.sql",
            "({{ value }} > {{ previous_value }})",
            "({{ value }} < {{ previous_value }})",
            1,
            ASSESSMENT_TESTS,
            id="direction-of-travel-inverted",
        ),
        pytest.param(
            "models/marts/area_profile/mart_area_profile.sql",
            "when indicators.polarity = 'lower_is_better' then disclosed.value",
            "when indicators.polarity = 'higher_is_better' then disclosed.value",
            1,
            PROFILE_TESTS,
            id="ranks-ignore-polarity",
        ),
    ],
)
def test_a_broken_rule_fails_its_tests(
    project_copy, file: str, rule: str, broken_rule: str, count: int, failing: tuple[str, ...]
) -> None:
    path = project_copy[0] / file
    original = broken(path, rule, broken_rule, count)
    try:
        statuses = unit_test_results(project_copy, failing)
    finally:
        path.write_text(original, encoding="utf-8")
    assert statuses == dict.fromkeys(failing, "fail")
