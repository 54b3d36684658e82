"""What counts as a personal identifier or a formula, cell by cell."""

from __future__ import annotations

import duckdb
import pytest

from ingestion.identifiers import (
    CANDIDATES,
    find_identifiers,
    formula_candidate_sql,
    identifier_column,
    is_birth_date_column,
    is_formula,
    safe_excerpt,
)


def kinds(text: str, birth_column: bool = False) -> set[str]:
    return {f.kind for f in find_identifiers(text, birth_column)}


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("943 476 5919", "nhs_number"),
        ("referred, NHS no 9434765919, in March", "nhs_number"),
        ("943-476-5919", "nhs_number"),
        ("AB 12 34 56 C", "ni_number"),
        ("ni: ab123456c", "ni_number"),
        ("PR8 1DA", "postcode"),
        ("lives at L20 3NJ", "postcode"),
        ("sw1a 1aa", "postcode"),
        ("EC1A 1BB", "postcode"),
        ("write to someone@example.org", "email"),
        ("0151 934 4416", "phone"),
        ("(0151) 934 4416", "phone"),
        ("+44 151 934 4416", "phone"),
        ("+44 (0)151 934 4416", "phone"),
        ("07700 900123", "phone"),
        ("DOB: 01/02/1980", "date_of_birth"),
        ("born 1 February 1980", "date_of_birth"),
        ("d.o.b. 1/2/80", "date_of_birth"),
        ("GIR 0AA", "postcode"),
    ],
)
def test_identifiers_are_found(text: str, kind: str) -> None:
    assert kind in kinds(text)
    # the database's first pass lets the cell through to the precise check
    assert duckdb.execute("select regexp_matches(?, ?)", [text, CANDIDATES]).fetchone()[0]


@pytest.mark.parametrize(
    "text",
    [
        "9434765918",  # ten digits, wrong check digit
        "943 476 5918",
        "1111111111",  # passes modulus 11, but a placeholder
        "12345678901",  # eleven digits, no leading zero
        "GB 12 34 56 A",  # a prefix never issued
        "NI 195a",
        "NI 20a Net additional homes provided",
        "PR8",  # a postcode district is not personal data
        "E08000014",
        "Q4 2009/10",
        "2009/10",
        "01/04/2009 - 31/03/2010",
        "ext 4604",
        "-9.1",
        "1234.5",
        "0.1519344416",
        "the 3rd quarter",
        "births in 1980",
        "24T",
    ],
)
def test_ordinary_values_are_not_identifiers(text: str) -> None:
    assert kinds(text) == set()


def test_dates_are_dates_of_birth_only_in_birth_columns() -> None:
    assert kinds("1980-02-01", birth_column=True) == {"date_of_birth"}
    assert kinds("01/02/1980", birth_column=True) == {"date_of_birth"}
    assert kinds("1980-02-01") == set()
    assert is_birth_date_column("date_of_birth")
    assert is_birth_date_column("DOB")
    assert is_birth_date_column("BirthDate")
    assert not is_birth_date_column("births")
    assert not is_birth_date_column("birth_rate")
    assert not is_birth_date_column("reported_on")


def test_identifier_column_names() -> None:
    assert identifier_column("nhs_number") == "an NHS number"
    assert identifier_column("Surname") == "a name"
    assert identifier_column("patient_postcode") == "a postcode"
    assert identifier_column("DateOfBirth") == "a date of birth"
    assert identifier_column("area_name") is None
    assert identifier_column("births") is None
    assert identifier_column("indicator_code") is None


@pytest.mark.parametrize(
    "text",
    [
        "=SUM(A1:A3)",
        "=1+1",
        "+cmd|' /C calc'!A0",
        "@SUM(1+1)",
        "-2+3",
        "- see notes",
        ' =HYPERLINK("x")',
    ],
)
def test_formulas_are_hostile(text: str) -> None:
    assert is_formula(text)
    condition = formula_candidate_sql("cell")
    query = f"select {condition} from (select trim(?) as cell)"
    assert duckdb.execute(query, [text]).fetchone()[0]


@pytest.mark.parametrize(
    "text",
    ["-9.1", "-0.8", "+5", "-1,234", "-1,234.50", "-.5", "-1e3", "-12%", "-", "+", "a=b", ""],
)
def test_numbers_and_plain_text_are_not_formulas(text: str) -> None:
    assert not is_formula(text)
    condition = formula_candidate_sql("cell")
    assert not duckdb.execute(f"select {condition} from (select ? as cell)", [text]).fetchone()[0]


def test_values_that_may_identify_someone_are_never_quoted() -> None:
    assert safe_excerpt("NHS 943 476 5919") == "(value withheld: it may identify a person)"
    assert safe_excerpt("abc") == "'abc'"
    assert safe_excerpt("x" * 100).endswith("…'")
