"""Months, rolling three-year periods and the precedence between sources, on the warehouse the
nightly run builds from the bundled samples, recomputed here from the sample files and the seeds
rather than read back from the SQL.

The rules themselves are proved by dbt unit tests (dbt_project/models/intermediate/indicators/
_indicators__models.yml and models/marts/core/_core__models.yml); these tests check what they give
on real files.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import duckdb
import pytest
from harness import REPO_ROOT, SAMPLES_DIR

from ingestion.contracts import load_contracts

SEEDS_DIR = REPO_ROOT / "dbt_project" / "seeds"
RECORDED_CRIME = (
    SAMPLES_DIR
    / "synthetic_merseyside_police"
    / "recorded_crime"
    / "recorded_crime_2007-08_to_2010-11.csv"
)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
SEFTON = "E08000014"


def read_seed(name: str) -> list[dict[str, str]]:
    with (SEEDS_DIR / f"{name}.csv").open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def financial_year(start: int) -> str:
    return f"{start}/{str(start + 1)[2:]}"


# --- the precedence seed --------------------------------------------------------------------


def test_every_dataset_that_gives_values_has_a_stated_precedence() -> None:
    lines = read_seed("source_precedence")
    contracts = load_contracts()
    assert {line["dataset_id"] for line in lines} <= set(contracts), "a line for no contract"
    ranked = {line["dataset_id"] for line in lines if line["indicator_scope"] == "*"}
    giving_values = {"ni_scorecard"} | {
        row["dataset_id"] for row in read_seed("partner_indicators")
    }
    assert giving_values <= ranked
    assert all(line["reason"].strip() for line in lines)
    # synthetic data never ranks before a partner's real figures
    real = [
        int(line["priority"]) for line in lines if not contracts[line["dataset_id"]].is_synthetic
    ]
    synthetic = [
        int(line["priority"]) for line in lines if contracts[line["dataset_id"]].is_synthetic
    ]
    assert max(real) < min(synthetic)


# --- on the nightly run's warehouse ---------------------------------------------------------


@pytest.fixture(scope="module")
def warehouse(nightly_run: tuple[Path, str]) -> duckdb.DuckDBPyConnection:
    data_dir, _ = nightly_run
    con = duckdb.connect(str(data_dir / "warehouse" / "warehouse.duckdb"), read_only=True)
    yield con
    con.close()


@pytest.fixture(scope="module")
def crime_months() -> dict[tuple[str, str, str], tuple[int, int]]:
    """(area, offence group, 'YYYY-MM') -> (crimes, population), from the sample file."""
    with RECORDED_CRIME.open(newline="", encoding="utf-8") as f:
        return {
            (r["area_code"], r["offence_group"], r["month"]): (
                int(r["recorded_crimes"]),
                int(r["population"]),
            )
            for r in csv.DictReader(f)
        }


def facts(con: duckdb.DuckDBPyConnection, where: str) -> dict[tuple, tuple]:
    rows = con.execute(
        "select i.indicator_code, f.area_code, p.period_label, f.value, f.numerator, "
        "f.denominator from marts.fct_indicator_value as f "
        "join marts.dim_indicator as i using (indicator_id) "
        f"join marts.dim_period as p using (period_id) where {where}"
    ).fetchall()
    return {row[:3]: row[3:] for row in rows}


@pytest.mark.slow
def test_facts_by_dataset_and_period_type(warehouse) -> None:
    counts = dict(
        ((dataset, period_type), count)
        for dataset, period_type, count in warehouse.execute(
            "select f.dataset_id, p.period_type, count(*) from marts.fct_indicator_value as f "
            "join marts.dim_period as p using (period_id) group by all"
        ).fetchall()
    )
    # 29 areas x 4 financial years (48 months, 2 rolling periods) x the dataset's indicators
    assert counts == {
        ("ni_scorecard", "financial_year"): 360,
        ("recorded_crime", "financial_year"): 232,
        ("recorded_crime", "month"): 29 * 48 * 2,
        ("recorded_crime", "rolling_three_year"): 29 * 2 * 2,
        ("fire_incidents", "financial_year"): 232,
        ("fire_incidents", "rolling_three_year"): 29 * 2 * 2,
        ("ward_health_indicators", "financial_year"): 232,
        ("ward_health_indicators", "rolling_three_year"): 29 * 2,
        ("out_of_work_benefit_claimants", "financial_year"): 116,
        ("street_cleanliness_surveys", "financial_year"): 464,
    }
    assert warehouse.execute(
        "select count(*), count(numerator) from marts.fct_indicator_value"
    ).fetchone() == (4710, 4350)


@pytest.mark.slow
def test_recorded_crime_is_kept_by_month_and_still_sums_to_its_years(
    warehouse, crime_months
) -> None:
    indicator = {"assault_with_injury": "NI 20", "serious_acquisitive": "NI 16"}
    monthly = facts(warehouse, "p.period_type = 'month' and f.dataset_id = 'recorded_crime'")
    yearly = facts(
        warehouse, "p.period_type = 'financial_year' and f.dataset_id = 'recorded_crime'"
    )
    expected_years: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for (area, group, month), (crimes, population) in crime_months.items():
        year, number = int(month[:4]), int(month[5:])
        label = f"{MONTHS[number - 1]} {year}"
        value, numerator, denominator = monthly[(indicator[group], area, label)]
        assert (numerator, denominator) == (crimes, population)
        assert value == pytest.approx(crimes / population * 1000, abs=0.0051)
        start = year - 1 if number < 4 else year
        totals = expected_years[(indicator[group], area, financial_year(start))]
        totals[0] += crimes
        totals[1] += 1
    assert len(monthly) == len(crime_months)
    for key, (crimes, months) in expected_years.items():
        assert months == 12
        assert yearly[key][1] == crimes, key


@pytest.mark.slow
def test_rolling_three_years_pool_the_yearly_counts(warehouse) -> None:
    multiplier = {
        row["indicator_code"]: float(row["multiplier"]) for row in read_seed("indicator_measures")
    }
    yearly = facts(
        warehouse,
        "p.period_type = 'financial_year' and f.dataset_id <> 'ni_scorecard'",
    )
    rolling = facts(warehouse, "p.period_type = 'rolling_three_year'")
    assert {code for code, _, _ in rolling} == {"NI 16", "NI 20", "NI 33", "NI 49", "NI 39"}
    for (code, area, label), (value, numerator, denominator) in rolling.items():
        last = int(label[-7:-3])
        assert label == f"{financial_year(last - 2)} - {financial_year(last)}"
        years = [yearly[(code, area, financial_year(start))] for start in range(last - 2, last + 1)]
        assert numerator == sum(year[1] for year in years)
        assert denominator == pytest.approx(sum(year[2] for year in years))
        assert value == pytest.approx(numerator / denominator * multiplier[code], abs=0.0051)
    # the samples cover 2007/08 to 2010/11: two rolling periods, ending 2009/10 and 2010/11
    assert {label for _, _, label in rolling} == {"2007/08 - 2009/10", "2008/09 - 2010/11"}


@pytest.mark.slow
def test_codes_shared_with_the_scorecard_are_other_indicators_so_nothing_is_set_aside(
    warehouse,
) -> None:
    shared = warehouse.execute(
        "select i.indicator_code, p.period_label, f.value_type, count(distinct f.dataset_id), "
        "count(distinct f.indicator_id) from marts.fct_indicator_value as f "
        "join marts.dim_indicator as i using (indicator_id) "
        "join marts.dim_period as p using (period_id) "
        f"where f.area_code = '{SEFTON}' group by all having count(distinct f.dataset_id) > 1"
    ).fetchall()
    # NI 16, 39, 53, 152 and 195a-d for Sefton in 2008/09 and 2009/10, with the same value type,
    # come from the scorecard and a synthetic dataset, under titles that make two indicators
    assert len(shared) == 14
    assert {code for code, *_ in shared} == {
        "NI 16", "NI 39", "NI 53", "NI 152", "NI 195a", "NI 195b", "NI 195c", "NI 195d",
    }  # fmt: skip
    assert all(datasets == indicators == 2 for _, _, _, datasets, indicators in shared)
    assert warehouse.execute(
        "select count(*) from marts.mart_indicator_values_set_aside"
    ).fetchone() == (0,)


@pytest.mark.slow
def test_the_assessment_judges_months_against_the_month_before(warehouse) -> None:
    rows = warehouse.execute(
        "select a.period_id, a.previous_period_id, a.direction_of_travel, a.value, "
        "a.previous_value, a.polarity from marts.mart_indicator_assessment as a "
        "where a.period_type = 'month'"
    ).fetchall()
    assert len(rows) == 29 * 48 * 2
    judged = 0
    for period_id, previous_id, direction, value, previous, polarity in rows:
        year, month = int(period_id[:4]), int(period_id[5:])
        expected_previous = f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}"
        assert previous_id == expected_previous
        if period_id == "2007-04":
            # the first month of the samples has no month before it
            assert direction is None
            continue
        assert direction in ("improving", "constant", "deteriorating")
        if value is not None and previous is not None:
            if value == previous:
                assert direction == "constant"
            else:
                better = (value < previous) == (polarity == "lower_is_better")
                assert direction == ("improving" if better else "deteriorating")
            judged += 1
    assert judged > 1000
    # a rolling period's previous is the three years before it, which the samples do not reach
    assert warehouse.execute(
        "select count(*), count(direction_of_travel), min(previous_period_id) "
        "from marts.mart_indicator_assessment where period_type = 'rolling_three_year'"
    ).fetchone() == (290, 0, "R3-FY2006-07")
