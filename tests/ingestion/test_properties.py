"""Properties of the identifier detectors and the validators, on generated input (hypothesis).

- Random cells, rows and bytes never make the detectors or the validators crash: every file gets
  a verdict.
- NHS numbers (valid check digit), National Insurance numbers, full postcodes, e-mail addresses,
  UK telephone numbers and dates of birth, generated in the forms people write them and hidden in
  random text, are always found: by the database's first pass (``CANDIDATES``) and by the precise
  checks, and a file carrying one is refused.
- Numbers, however written (``-9.1``, ``+5``, ``1,234``, ``1e-05``, ``12%``), are never taken for
  spreadsheet formulas.
"""

from __future__ import annotations

import csv
import io
import string
import tempfile
from datetime import date

import duckdb
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from ingestion_testbed import HEADER, RECEIVED, make_testbed

from ingestion.contracts import load_contract, load_partners
from ingestion.identifiers import (
    CANDIDATES,
    MIN_IDENTIFIER_LENGTH,
    find_identifiers,
    formula_candidate_sql,
    identifier_column,
    is_formula,
    is_number,
    safe_excerpt,
)
from ingestion.pipeline import assess
from ingestion.readers import new_connection

# Hypothesis keeps a cache in .hypothesis/ of the working directory: keep it out of the repo.
set_hypothesis_home_dir(tempfile.mkdtemp(prefix="understood-hypothesis-"))
# No example database: failing examples are printed, not stored.
FAST = settings(max_examples=150, deadline=None, database=None)
FILES = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

DATABASE = duckdb.connect()


def first_pass(text: str) -> bool:
    """Whether the SQL prefilter lets the cell through to the precise checks."""
    return (
        len(text) >= MIN_IDENTIFIER_LENGTH
        and DATABASE.execute("select regexp_matches(?, ?)", [text, CANDIDATES]).fetchone()[0]
    )


# --- generated identifiers ----------------------------------------------------------------------

digits = st.integers(0, 9)


@st.composite
def nhs_numbers(draw) -> str:
    nine = draw(st.lists(digits, min_size=9, max_size=9))
    check = 11 - sum(d * (10 - i) for i, d in enumerate(nine)) % 11
    check = 0 if check == 11 else check
    assume(check != 10 and len(set(nine)) > 1)
    text = "".join(map(str, [*nine, check]))
    sep = draw(st.sampled_from(["", " ", "-"]))
    return f"{text[:3]}{sep}{text[3:6]}{sep}{text[6:]}"


@st.composite
def ni_numbers(draw) -> str:
    prefix = draw(st.sampled_from("ABCEGHJKLMNOPRSTWXYZ")) + draw(
        st.sampled_from("ABCEGHJKLMNPRSTWXYZ")
    )
    assume(prefix not in {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})
    six = "".join(map(str, draw(st.lists(digits, min_size=6, max_size=6))))
    suffix = draw(st.sampled_from("ABCD"))
    text = (
        f"{prefix} {six[:2]} {six[2:4]} {six[4:]} {suffix}"
        if draw(st.booleans())
        else f"{prefix}{six}{suffix}"
    )
    return text.lower() if draw(st.booleans()) else text


@st.composite
def postcodes(draw) -> str:
    first = st.sampled_from("ABCDEFGHIJKLMNOPRSTUWYZ")
    second = st.sampled_from("ABCDEFGHKLMNOPQRSTUVWXY")
    unit = st.sampled_from("ABDEFGHJLNPQRSTUWXYZ")
    d = st.integers(0, 9).map(str)
    shape = draw(st.sampled_from(["A9", "A99", "AA9", "AA99", "A9A", "AA9A"]))
    outward = {
        "A9": lambda: draw(first) + draw(d),
        "A99": lambda: draw(first) + draw(d) + draw(d),
        "AA9": lambda: draw(first) + draw(second) + draw(d),
        "AA99": lambda: draw(first) + draw(second) + draw(d) + draw(d),
        "A9A": lambda: draw(first) + draw(d) + draw(st.sampled_from("ABCDEFGHJKPSTUW")),
        "AA9A": lambda: (
            draw(first) + draw(second) + draw(d) + draw(st.sampled_from("ABEHMNPRVWXY"))
        ),
    }[shape]()
    inward = draw(d) + draw(unit) + draw(unit)
    return f"{outward}{draw(st.sampled_from([' ', '']))}{inward}"


@st.composite
def emails(draw) -> str:
    local_chars = string.ascii_letters + string.digits + "._%+-"
    local = draw(st.text(local_chars, min_size=1, max_size=16))
    label = st.text(string.ascii_lowercase + string.digits + "-", min_size=1, max_size=10)
    domain = ".".join(draw(st.lists(label, min_size=1, max_size=3)))
    tld = draw(st.text(string.ascii_lowercase, min_size=2, max_size=6))
    return f"{local}@{domain}.{tld}"


@st.composite
def phones(draw) -> str:
    second = draw(st.sampled_from("123578"))
    length = draw(st.sampled_from([10, 11]))
    rest = "".join(map(str, draw(st.lists(digits, min_size=length - 2, max_size=length - 2))))
    number = "0" + second + rest
    style = draw(st.sampled_from(["plain", "area", "brackets", "intl", "intl0", "hyphens"]))
    split = draw(st.integers(3, 5))
    head, tail = number[:split], number[split:]
    tail = f"{tail[:3]} {tail[3:]}" if len(tail) > 5 and draw(st.booleans()) else tail
    return {
        "plain": number,
        "area": f"{head} {tail}",
        "brackets": f"({head}) {tail}",
        "intl": f"+44 {head[1:]} {tail}",
        "intl0": f"+44 (0){head[1:]} {tail}",
        "hyphens": f"{head}-{tail.replace(' ', '-')}",
    }[style]


@st.composite
def written_dates(draw) -> str:
    day = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2026, 12, 31)))
    return draw(
        st.sampled_from(
            [
                day.strftime("%d/%m/%Y"),
                f"{day.day}/{day.month}/{day.strftime('%y')}",
                day.strftime("%d.%m.%Y"),
                day.strftime("%d-%m-%Y"),
                day.isoformat(),
                f"{day.day} {day.strftime('%B')} {day.year}",
                f"{day.day} {day.strftime('%b')} {day.year}",
            ]
        )
    )


@st.composite
def dates_of_birth(draw) -> str:
    lead = draw(
        st.sampled_from(
            [
                "DOB",
                "dob:",
                "D.O.B.",
                "d.o.b",
                "date of birth",
                "Date of Birth:",
                "born",
                "born on",
                "Born",
            ]
        )
    )
    return f"{lead} {draw(written_dates())}"


IDENTIFIERS = {
    "nhs_number": nhs_numbers(),
    "ni_number": ni_numbers(),
    "postcode": postcodes(),
    "email": emails(),
    "phone": phones(),
    "date_of_birth": dates_of_birth(),
}

# Random text around an identifier, kept apart from it by a separator people use.
words = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30)
separators = st.sampled_from([" ", ", ", "; ", ": ", " (", ") ", "\n", " - ", "\t", " / "])


@st.composite
def hidden(draw, kind: str) -> str:
    # after it, more text, or a full stop ending the cell ("0151 934 4416.5" would be a decimal)
    after = st.one_of(
        st.tuples(st.sampled_from([" ", ", ", "; ", ") ", "\n", ". "]), words).map("".join),
        st.just("."),
    )
    return draw(words) + draw(separators) + draw(IDENTIFIERS[kind]) + draw(after)


@pytest.mark.parametrize("kind", sorted(IDENTIFIERS))
def test_hidden_identifiers_are_always_found(kind) -> None:
    @FAST
    @given(text=hidden(kind))
    def check(text: str) -> None:
        assert kind in {f.kind for f in find_identifiers(text)}, text
        assert first_pass(text), text
        assert safe_excerpt(text) == "(value withheld: it may identify a person)"

    check()


@FAST
@given(day=written_dates())
def test_any_date_in_a_birth_date_column_is_a_date_of_birth(day) -> None:
    assert "date_of_birth" in {f.kind for f in find_identifiers(day, birth_column=True)}


@FAST
@given(nine=st.lists(digits, min_size=9, max_size=9), wrong=digits)
def test_ten_digits_with_a_wrong_check_digit_are_not_nhs_numbers(nine, wrong) -> None:
    check = 11 - sum(d * (10 - i) for i, d in enumerate(nine)) % 11
    assume(wrong != (0 if check == 11 else check))
    text = "".join(map(str, [*nine, wrong]))
    assert "nhs_number" not in {f.kind for f in find_identifiers(text)}


# --- numbers are not formulas -------------------------------------------------------------------

finite = st.floats(allow_nan=False, allow_infinity=False)
numbers_as_written = st.one_of(
    finite.map(repr),
    finite.map(lambda x: f"{x:.2f}"),
    finite.map(lambda x: f"{x:,.2f}"),
    st.integers().map(str),
    st.integers().map(lambda n: f"{n:,}"),
    st.integers(0).map(lambda n: f"+{n}"),
    finite.map(lambda x: f"{x:.1f}%"),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    st.integers(0, 99).map(lambda n: f"-.{n}"),
)


@FAST
@given(text=numbers_as_written)
def test_numbers_are_never_formulas(text) -> None:
    assert is_number(text), text
    assert not is_formula(text), text
    condition = formula_candidate_sql("cell")
    assert not DATABASE.execute(f"select {condition} from (select ? as cell)", [text]).fetchone()[0]


@FAST
@given(body=st.text(max_size=20), lead=st.sampled_from("=+-@"))
def test_text_led_by_a_formula_sign_is_a_formula_unless_a_number(body, lead) -> None:
    text = (lead + body).strip()
    assume(text not in ("-", "+"))
    expected = not is_number(text)
    assert is_formula(text) == expected
    condition = formula_candidate_sql("cell")
    in_sql = DATABASE.execute(f"select {condition} from (select ? as cell)", [text]).fetchone()[0]
    assert in_sql == expected or not expected  # SQL may let a cell through; never miss one


# --- nothing crashes ----------------------------------------------------------------------------

any_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=60)


@FAST
@given(text=any_text, birth=st.booleans())
def test_the_detectors_never_crash(text, birth) -> None:
    found = find_identifiers(text, birth)
    assert all(f.label for f in found)
    is_formula(text)
    is_number(text)
    identifier_column(text)
    excerpt = safe_excerpt(text)
    assert isinstance(excerpt, str) and len(excerpt) <= 12 * 40  # 40 characters, escaped


@pytest.fixture
def world(tmp_path):
    testbed = make_testbed(tmp_path)
    contract = load_contract(testbed.contracts_dir / "sefton_council" / "ward_counts.yml")
    partner = load_partners(testbed.partners_path)["sefton_council"]
    from ingestion.areas import load_area_codes

    return testbed, contract, partner, load_area_codes(testbed.areas_path)


def verdict(world, content: bytes, name: str = "ward_counts_x.csv"):
    testbed, contract, partner, areas = world
    path = testbed.root / name
    path.write_bytes(content)
    con = new_connection()
    try:
        return assess(path, contract, partner, RECEIVED, con, area_codes=areas)
    finally:
        con.close()


def csv_of(rows: list[list[str]], header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    # CRLF line ends, so that a cell holding either CR or LF is quoted
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


cells = st.one_of(any_text, numbers_as_written, st.sampled_from(["", "E05000930", "2009/10"]))


@FILES
@given(rows=st.lists(st.lists(cells, min_size=7, max_size=7), min_size=1, max_size=8))
def test_random_rows_always_get_a_verdict(world, rows) -> None:
    result = verdict(world, csv_of(rows))
    assert result.rows_read == len(rows) or not result.accepted
    assert all(c.name for c in result.checks)
    assert result.accepted == (result.problems.total == 0)


@FILES
@given(
    header=st.lists(st.sampled_from([*HEADER, "extra", "", "nhs_number"]), min_size=1, max_size=9),
    rows=st.lists(st.lists(cells, min_size=1, max_size=9), max_size=5),
)
def test_random_headers_and_ragged_rows_always_get_a_verdict(world, header, rows) -> None:
    result = verdict(world, csv_of(rows, header))
    if header != HEADER:
        assert not result.accepted


@FILES
@given(content=st.binary(max_size=400))
def test_random_bytes_always_get_a_verdict(world, content) -> None:
    result = verdict(world, content)
    assert result.accepted is False or result.rows_read > 0


@FILES
@given(kind=st.sampled_from(sorted(IDENTIFIERS)), data=st.data())
def test_a_file_hiding_an_identifier_is_refused(world, kind, data) -> None:
    note = data.draw(hidden(kind))
    rows = [["E05000930", "2009/10", "residents", "1", "1", "", note]]
    result = verdict(world, csv_of(rows))
    assert not result.accepted
    readable = next(c for c in result.checks if c.name == "readable")
    if readable.passed:  # a file that cannot be read (a NUL byte in the text) is refused as such
        assert kind in result.problems.counts, (note, result.problems.listed)
