"""Area codes against the area lookup, periods in the contract's format, size and empty files."""

from __future__ import annotations

import pytest
from ingestion_testbed import GOOD_ROWS, RECEIVED, SAMPLES, csv_text, make_testbed

from ingestion.areas import AREAS_ENV, SEED_PATH, AreaLookupError, load_area_codes
from ingestion.contracts import ContractError, load_contract
from ingestion.pipeline import IngestionFailed, check_file


@pytest.fixture
def testbed(tmp_path):
    return make_testbed(tmp_path)


def reasons(manifest) -> list[tuple]:
    return [(r.file, r.row, r.column, r.rule) for r in manifest.reasons]


def test_the_lookup_is_the_dbt_seed(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv(AREAS_ENV, raising=False)
    assert SEED_PATH.parts[-3:] == ("dbt_project", "seeds", "areas.csv")
    codes = load_area_codes()
    assert {"E08000014", "E92000001", "E12000002", "SEF-W-AINSDALE"} <= codes
    other = tmp_path / "areas.csv"
    other.write_text("area_code,area_name\nE05000001,Somewhere\n")
    monkeypatch.setenv(AREAS_ENV, str(other))
    assert load_area_codes() == {"E05000001"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot be read"),
        ("code,name\nE05000001,x\n", "has no area_code column"),
        ("area_code,name\n,x\n", ":2: the area lookup has a row without a code"),
        ("area_code\n", "lists no areas"),
    ],
)
def test_a_broken_lookup_is_an_error(tmp_path, content, message) -> None:
    path = tmp_path / "areas.csv"
    if content is not None:
        path.write_text(content)
    with pytest.raises(AreaLookupError, match=message):
        load_area_codes(path)


def test_an_unknown_area_code_names_file_row_column_and_rule(testbed) -> None:
    rows = [*GOOD_ROWS, ["E05999999", "2010/11", "residents", "1", "1", "", ""]]
    testbed.land(csv_text(rows))
    manifest = testbed.ingest_one()
    assert manifest.outcome == "rejected"
    assert reasons(manifest) == [("ward_counts_2009-10.csv", 4, "area_code", "unknown_area")]
    assert "'E05999999' is not an area code the warehouse knows" in manifest.reasons[0].message
    check = next(c for c in manifest.checks if c.name == "known_areas")
    assert (check.passed, check.detail) == (False, "1 unknown_area")
    assert testbed.files("raw") == []


def test_without_the_lookup_files_wait_in_the_landing_zone(testbed) -> None:
    landed = testbed.land(csv_text(GOOD_ROWS))
    testbed.areas_path.unlink()
    with pytest.raises(IngestionFailed, match="could not be processed"):
        testbed.ingest()
    assert landed.exists()
    assert testbed.files("manifests") == []


def test_the_scorecard_sample_passes_against_the_seed() -> None:
    verdict = check_file(
        SAMPLES / "ni_scorecards_2009-10_q4.csv", "ni_scorecard", received_at=RECEIVED
    )
    assert verdict.accepted, verdict.problems.listed
    assert next(c for c in verdict.checks if c.name == "known_areas").passed


PERIODS = [
    ("financial_year", ["2009/10", "1999/00", "2010/11"], ["2009/11", "2009-10", "09/10", "2009"]),
    ("academic_year", ["2009/10"], ["2009/2010", "2009/09"]),
    ("quarter", ["Q4 2009/10", "Q1 2010/11"], ["Q5 2009/10", "Q4 2009/11", "q4 2009/10", "Q4"]),
    ("month", ["2010-03", "2009-12"], ["2010-13", "2010-3", "March 2010", "2010-00"]),
    ("calendar_year", ["2010", "1999"], ["10", "2010/11", "3010"]),
    ("iso_date", ["2010-03-31", "2012-02-29"], ["2010-02-30", "31/03/2010", "2011-02-29"]),
]


@pytest.mark.parametrize(("period_format", "good", "bad"), PERIODS)
def test_periods_parse_in_the_contract_format(testbed, period_format, good, bad) -> None:
    columns = [dict(c) for c in _columns()]
    columns[1]["period_format"] = period_format
    testbed.write_contract(schema={"key": ["area_code", "period", "measure"], "columns": columns})
    rows = [["E05000930", p, "residents", "1", "1", "", ""] for p in good + bad]
    testbed.land(csv_text(rows))
    manifest = testbed.ingest_one()
    flagged = [(r.row, r.column, r.rule) for r in manifest.reasons]
    assert flagged == [(len(good) + n, "period", "period_format") for n in range(1, len(bad) + 1)]
    assert f"is not a {period_format} period" in manifest.reasons[0].message


def test_good_periods_load(testbed) -> None:
    columns = [dict(c) for c in _columns()]
    columns[1]["period_format"] = "financial_year"
    testbed.write_contract(schema={"key": ["area_code", "period", "measure"], "columns": columns})
    testbed.land(csv_text(GOOD_ROWS))
    manifest = testbed.ingest_one()
    assert manifest.outcome == "accepted"
    assert next(c for c in manifest.checks if c.name == "periods").passed


def test_period_format_is_for_period_columns(testbed) -> None:
    columns = [dict(c) for c in _columns()]
    columns[2]["period_format"] = "month"
    path = testbed.write_contract(schema={"key": ["area_code"], "columns": columns})
    with pytest.raises(ContractError, match="period_format applies to string columns"):
        load_contract(path)
    columns[2].pop("period_format")
    columns[1]["period_format"] = "fortnight"
    path = testbed.write_contract(schema={"key": ["area_code"], "columns": columns})
    with pytest.raises(ContractError, match="period_format"):
        load_contract(path)


def test_a_file_over_the_agreed_size_is_refused_unread(testbed) -> None:
    content = csv_text(GOOD_ROWS)
    testbed.write_contract(delivery={"max_file_bytes": len(content.encode()) - 1})
    testbed.land(content)
    manifest = testbed.ingest_one()
    assert manifest.outcome == "rejected"
    assert reasons(manifest) == [("ward_counts_2009-10.csv", None, None, "file_too_large")]
    assert "more than the" in manifest.reasons[0].message
    assert "readable" not in {c.name for c in manifest.checks}  # never read
    testbed.write_contract(delivery={"max_file_bytes": len(content.encode())})
    testbed.land(content)
    assert testbed.ingest_one().outcome == "accepted"


def test_a_header_without_rows_is_refused(testbed) -> None:
    testbed.land(csv_text([]))
    manifest = testbed.ingest_one()
    assert manifest.outcome == "rejected"
    assert reasons(manifest) == [("ward_counts_2009-10.csv", None, None, "no_rows")]


def _columns() -> list[dict]:
    from ingestion_testbed import CONTRACT

    return CONTRACT["schema"]["columns"]
