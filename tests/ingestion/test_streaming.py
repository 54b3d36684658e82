"""A large file is checked in the database, not as Python objects.

The cells of a submission live in DuckDB; the checks are SQL, and Python only ever sees the
breaking cells of each rule (capped) and the suspect cells of the identifier scan (a batch at a
time). So the memory Python allocates while checking a file (measured with ``tracemalloc``, which
counts Python's allocations only) does not grow with the file, clean or full of problems.
"""

from __future__ import annotations

import tracemalloc

import duckdb
import pytest
from ingestion_testbed import RECEIVED, make_testbed

from ingestion.areas import load_area_codes
from ingestion.contracts import load_contract, load_partners
from ingestion.pipeline import assess
from ingestion.pseudonymise import pseudonym, pseudonym_table
from ingestion.readers import new_connection

MB = 1024 * 1024


@pytest.fixture
def world(tmp_path):
    testbed = make_testbed(tmp_path)
    contract = load_contract(testbed.contracts_dir / "sefton_council" / "ward_counts.yml")
    partner = load_partners(testbed.partners_path)["sefton_council"]
    return testbed, contract, partner, load_area_codes(testbed.areas_path)


def write_csv(path, rows: int, bad: bool) -> None:
    """``rows`` rows of the test contract; with ``bad``, every row breaks rules and hides an
    NHS number (943 476 5919) in its note."""
    count = "'x'" if bad else "(i % 1000)::varchar"
    note = "'see 943 476 5919'" if bad else "case when i % 100 = 0 then 'revised' end"
    with duckdb.connect() as con:
        con.execute(
            f"copy (select 'E05' || lpad((930 + (i // 2) % 20)::varchar, 6, '0') as area_code, "
            "(i // 40)::varchar as period, "
            "case when i % 2 = 0 then 'residents' else 'households' end as measure, "
            f"(i % 997)::varchar as value, {count} as count, '2010-04-01' as reported_on, "
            f"{note} as note from range({rows}) t(i) order by i) to '{path}' (header)"
        )


def python_peak(world, rows: int, bad: bool) -> tuple[int, object]:
    testbed, contract, partner, areas = world
    path = testbed.root / f"ward_counts_{rows}_{bad}.csv"
    write_csv(path, rows, bad)
    con = new_connection()
    try:
        tracemalloc.start()
        verdict = assess(path, contract, partner, RECEIVED, con, area_codes=areas)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        con.close()
    return peak, verdict


def test_a_clean_file_is_checked_without_python_copies(world) -> None:
    small, verdict = python_peak(world, 50_000, bad=False)
    assert verdict.accepted and verdict.rows_read == 50_000
    large, verdict = python_peak(world, 400_000, bad=False)
    assert verdict.accepted and verdict.rows_read == 400_000
    assert large < 8 * MB, f"{large / MB:.1f} MB of Python objects"
    assert large < 2 * small + MB  # eight times the rows, not eight times the memory


def test_a_file_full_of_problems_is_reported_within_bounds(world) -> None:
    # both larger than the batch of suspect cells fetched at a time (10,000)
    small, verdict = python_peak(world, 15_000, bad=True)
    large, verdict = python_peak(world, 45_000, bad=True)
    counts = verdict.problems.counts
    assert counts["type"] == 45_000 and counts["nhs_number"] == 45_000
    assert len(verdict.problems.listed) == 50  # the first fifty listed, every one counted
    assert large < 8 * MB, f"{large / MB:.1f} MB of Python objects"
    assert large < 1.5 * small + MB  # three times the rows, not three times the memory


def test_pseudonyms_are_made_a_batch_at_a_time() -> None:
    con = duckdb.connect()
    con.execute("create table people as select 'P' || i::varchar as nhs from range(2500) t(i)")
    key = b"k" * 32
    pseudonym_table(con, "people", "nhs", key, "pseudonyms", batch_rows=1000)
    rows = con.execute("select count(*), count(distinct pseudonym) from pseudonyms").fetchone()
    assert rows == (2500, 2500)
    assert con.execute("select pseudonym from pseudonyms where value = 'P7'").fetchone()[0] == (
        pseudonym(key, "P7")
    )
