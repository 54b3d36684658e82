"""The shortcuts that keep ingestion fast give the same result as the long way round.

- Reading a CSV trims only the rows that hold white space somewhere (:func:`readers.spaced_sql`);
  every cell must come out exactly as if each one had been trimmed (:func:`readers.clean_sql`).
- The lineage columns that are the same in every row are written as one-value ENUMs
  (:func:`pipeline._constant`); in the Parquet file they must be plain strings, whatever the text.
"""

from __future__ import annotations

import csv

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ingestion.contracts import Delivery
from ingestion.pipeline import _constant
from ingestion.readers import new_connection, read_submission

CSV = Delivery(cadence="annual", format="csv")
# What clean_sql looks for at either end (RE2's \s and the no-break space), and what it trims.
EDGE = "\t\n\f\r \u00a0"
TRIMMED = " \t\n\r\u00a0"

# Cells built from white space of every kind (including kinds that are not trimmed: vertical tab,
# em space), letters, digits and CSV's own special characters.
cells = st.text(
    alphabet=st.sampled_from([*EDGE, "\v", "\u2003", "a", "Z", "7", "-", ",", '"', "é"]),
    max_size=6,
)


def expected(cell: str) -> str | None:
    """A cell as clean_sql leaves it: trimmed if it starts or ends with white space, '' is NULL."""
    if cell and (cell[0] in EDGE or cell[-1] in EDGE):
        cell = cell.strip(TRIMMED)
    return cell or None


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(st.lists(cells, min_size=3, max_size=3), min_size=1, max_size=8),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
)
def test_trimming_only_rows_with_white_space_is_trimming_every_cell(
    tmp_path_factory, rows, quoting
) -> None:
    path = tmp_path_factory.mktemp("spaces") / "cells.csv"
    if any("\r" in cell for row in rows for cell in row):
        quoting = csv.QUOTE_ALL  # the csv module leaves a lone carriage return unquoted
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, quoting=quoting, lineterminator="\n")
        writer.writerow(["a", "b", "c"])
        writer.writerows(rows)
    submission = read_submission(path, CSV, new_connection())
    assert submission.problems == []
    read = [cells for _, cells in submission.iter_rows()]
    # A row of three empty cells is written as ",," and read back as a row of NULLs.
    assert read == [tuple(expected(c) for c in row) for row in rows]


@given(text=st.text(min_size=1, max_size=30))
@settings(max_examples=40, deadline=None)
def test_a_lineage_constant_is_a_plain_string_in_parquet(tmp_path_factory, text) -> None:
    path = tmp_path_factory.mktemp("lineage") / "lineage.parquet"
    con = new_connection()
    expression = _constant(con, "source_file", text)
    con.execute(f"copy (select {expression} as name from range(3)) to '{path}' (format parquet)")
    described = con.execute(f"describe select * from '{path}'").fetchall()
    assert [(name, kind) for name, kind, *_ in described] == [("name", "VARCHAR")]
    assert con.execute(f"select name from '{path}'").fetchall() == [(text,)] * 3
