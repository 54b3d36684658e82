"""Reading CSV and XLSX files as their contract describes them, row numbers kept."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from ingestion.contracts import Delivery
from ingestion.readers import ReadError, new_connection, read_submission

CSV = Delivery(cadence="annual", format="csv")


def read(path, delivery=CSV):
    return read_submission(path, delivery, new_connection())


def test_csv_with_a_byte_order_mark_and_quoted_fields(tmp_path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(
        b'\xef\xbb\xbfarea_code,note\r\nE05000930,"a, b"\r\n\r\nE05000931,"two\nlines"\r\n'
    )
    submission = read(path)
    assert submission.header == ["area_code", "note"]
    assert submission.rows == 2
    assert list(submission.iter_rows()) == [
        (1, ("E05000930", "a, b")),
        (2, ("E05000931", "two\nlines")),
    ]
    assert submission.problems == []


def test_cells_are_trimmed_and_empty_cells_are_null(tmp_path) -> None:
    path = tmp_path / "spaces.csv"
    path.write_text("a,b,c\n  x ,\t, \u00a0y\n")
    assert list(read(path).iter_rows()) == [(1, ("x", None, "y"))]


def test_declared_encoding_and_delimiter(tmp_path) -> None:
    path = tmp_path / "windows.csv"
    path.write_bytes("name;cost\nCaf\u00e9;\u00a35\n".encode("cp1252"))
    delivery = Delivery(cadence="annual", format="csv", encoding="cp1252", delimiter=";")
    assert list(read(path, delivery).iter_rows()) == [(1, ("Caf\u00e9", "\u00a35"))]


def test_bad_lines_are_listed_by_line_and_reading_carries_on(tmp_path) -> None:
    path = tmp_path / "ragged.csv"
    path.write_bytes(b"a,b,c\n1,2,3\n1,2\n4,5,6,7\n7,8,\xff\n9,9,9\n")
    submission = read(path)
    assert submission.rows == 2
    messages = [(r.rule, r.message.split(":")[0]) for r in submission.problems]
    assert messages == [
        ("parse", "line 3"),
        ("parse", "line 4"),
        ("encoding", "line 5"),
    ]
    assert "one field per header column" in submission.problems[0].message


def test_an_undecodable_file_in_a_declared_encoding_is_refused(tmp_path) -> None:
    path = tmp_path / "utf16.csv"
    path.write_bytes(b"a,b\n1,\x81\n")
    delivery = Delivery(cadence="annual", format="csv", encoding="cp1252")
    with pytest.raises(ReadError) as caught:
        read(path, delivery)
    assert caught.value.reason.rule == "encoding"
    assert "byte 6" in caught.value.reason.message


def test_an_empty_file_is_refused(tmp_path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(ReadError, match="empty"):
        read(path)


def make_workbook(path) -> None:
    workbook = openpyxl.Workbook()
    workbook.active.title = "Notes"
    workbook.active["A1"] = "nothing to see"
    sheet = workbook.create_sheet("Data")
    sheet["A1"] = "Ward counts 2009/10"  # a title above the header
    sheet.append([])
    sheet.append(["area_code", "count", "value", "reported_on", "note"])
    sheet.append(["E05000930", 12, 1234.5, dt.datetime(2010, 4, 1), "ok"])
    sheet.append([])  # a blank row: skipped, but counted
    sheet.append(["E05000931", 3.0, -0.8, dt.date(2010, 4, 2), "=SUM(B4:B6)"])
    workbook.save(path)


def test_xlsx_named_sheet_and_header_row(tmp_path) -> None:
    path = tmp_path / "counts.xlsx"
    make_workbook(path)
    delivery = Delivery(cadence="annual", format="xlsx", sheet="Data", header_row=3)
    submission = read(path, delivery)
    assert submission.header == ["area_code", "count", "value", "reported_on", "note"]
    assert list(submission.iter_rows()) == [
        (1, ("E05000930", "12", "1234.5", "2010-04-01", "ok")),
        (3, ("E05000931", "3", "-0.8", "2010-04-02", "=SUM(B4:B6)")),
    ]


def test_xlsx_missing_sheet_names_the_sheets_there_are(tmp_path) -> None:
    path = tmp_path / "counts.xlsx"
    make_workbook(path)
    delivery = Delivery(cadence="annual", format="xlsx", sheet="Counts")
    with pytest.raises(ReadError, match=r"no sheet named 'Counts' .*Notes, Data"):
        read(path, delivery)


def test_not_a_workbook(tmp_path) -> None:
    path = tmp_path / "fake.xlsx"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(ReadError, match=r"not a readable \.xlsx workbook"):
        read(path, Delivery(cadence="annual", format="xlsx"))
