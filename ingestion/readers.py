"""Reading a partner's file into a table of text cells, row numbers kept.

A submission is read into an in-memory DuckDB table, every cell as text, so that the checks can
run as SQL over the whole file at once (no Python object per cell) and the accepted rows can be
written to Parquet without passing through Python. The relation ``submission`` has:

- ``_source_row``: the 1-based data row (row 1 is the first row under the header; for XLSX,
  row n is the sheet row ``header_row + n``, blank rows counted but not loaded);
- ``c0``, ``c1``, ...: the cells of each header column, in file order (:attr:`Submission.header`
  gives their names; the positional names keep partner-supplied text out of SQL).

Cells are trimmed of spaces, tabs, line breaks and non-breaking spaces at either end, and an empty
cell is NULL.

CSV is read by DuckDB's ``read_csv`` (RFC 4180 quoting, strict: a row with the wrong number of
fields is reported by its line, and reading carries on so every bad line is listed). A file
holding a NUL byte is refused before reading: text never holds one (a UTF-16 export does).
UTF-8 (with or without a byte-order mark) and Latin-1 are read directly; any other declared
encoding is first converted to UTF-8 in a temporary file, strictly, so a byte that is not valid
in the declared encoding is reported rather than guessed. XLSX is streamed by openpyxl in
read-only mode; formulas are read as written (``=SUM(...)``), never evaluated, so the
hostile-content check sees them.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import mmap
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from ingestion.contracts import Delivery
from ingestion.manifest import Reason

RELATION = "submission"
BATCH_ROWS = 10_000
TRIM_SQL = "' ' || chr(9) || chr(10) || chr(13) || chr(160)"
# White space at the start or end of a cell (RE2: \s is tab, line feed, form feed, return, space)
EDGE_SPACE = r"^[\s\x{a0}]|[\s\x{a0}]$"
# The characters EDGE_SPACE looks for (tab, line feed, form feed, return, space, no-break space)
WHITE_SPACE = (9, 10, 12, 13, 32, 160)
DUCKDB_ENCODINGS = {"utf-8": "utf-8", "utf-8-sig": "utf-8", "iso8859-1": "latin-1"}


class ReadError(Exception):
    """The file cannot be read at all; ``reason`` says why, for the manifest."""

    def __init__(self, reason: Reason) -> None:
        super().__init__(str(reason))
        self.reason = reason


@dataclass
class Submission:
    """A file read into the DuckDB relation ``submission`` (see the module docstring)."""

    con: duckdb.DuckDBPyConnection
    header: list[str]
    rows: int
    problems: list[Reason] = field(default_factory=list)

    def column_sql(self, name: str) -> str:
        """The SQL name (``c<i>``) of the first header column called ``name``."""
        return f"c{self.header.index(name)}"

    def iter_rows(self, batch_rows: int = BATCH_ROWS) -> Iterator[tuple[int, tuple[Any, ...]]]:
        """Yield (data row number, cells in header order), in file order."""
        result = self.con.execute(f"select * from {RELATION} order by _source_row")
        while batch := result.fetchmany(batch_rows):
            for row in batch:
                yield row[0], row[1:]


MEMORY_LIMIT_ENV = "UNDERSTOOD_INGEST_MEMORY_LIMIT"


def new_connection(scratch: str | Path | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection for one submission.

    A file larger than memory still reads: past the memory limit (DuckDB's default, 80% of the
    machine's memory, or ``$UNDERSTOOD_INGEST_MEMORY_LIMIT``, e.g. ``2GB``) DuckDB moves blocks
    to files in ``scratch`` (default: its own ``.tmp`` folder in the working directory).
    """
    con = duckdb.connect(":memory:")
    con.execute("set enable_progress_bar = false")
    if scratch is not None:
        con.execute("set temp_directory = ?", [str(scratch)])
    if limit := os.environ.get(MEMORY_LIMIT_ENV):
        con.execute("set memory_limit = ?", [limit])
    return con


def read_submission(
    path: Path, delivery: Delivery, con: duckdb.DuckDBPyConnection, source_name: str | None = None
) -> Submission:
    """Read ``path`` as the contract's ``delivery`` describes it into ``con``.

    ``source_name`` is the file name used in reasons (default: the path's name). Raises
    :class:`ReadError` when nothing can be read (empty file, missing sheet, not a workbook...);
    problems with single lines are returned in :attr:`Submission.problems`.
    """
    name = source_name or path.name
    if path.stat().st_size == 0:
        raise ReadError(Reason(file=name, rule="empty_file", message="the file is empty"))
    if delivery.format == "xlsx":
        return _read_xlsx(path, delivery, con, name)
    return _read_csv(path, delivery, con, name)


# --- CSV ----------------------------------------------------------------------------------------


def _read_csv(
    path: Path, delivery: Delivery, con: duckdb.DuckDBPyConnection, name: str
) -> Submission:
    encoding = codecs.lookup(delivery.encoding).name
    with tempfile.TemporaryDirectory(prefix="understood-read-") as scratch:
        if encoding in DUCKDB_ENCODINGS:
            readable, duckdb_encoding = path, DUCKDB_ENCODINGS[encoding]
        else:
            readable, duckdb_encoding = Path(scratch) / "utf8.csv", "utf-8"
            _transcode(path, encoding, readable, name)
        header = _csv_header(readable, duckdb_encoding, delivery, name)
        if not header:
            raise ReadError(
                Reason(file=name, rule="empty_file", message="the file has no header row")
            )
        if (position := _nul_byte(readable)) is not None:
            raise ReadError(
                Reason(
                    file=name,
                    rule="encoding",
                    message=f"byte {position} of the file is a NUL byte, which no text in "
                    f"{delivery.encoding} holds (a UTF-16 export, or not a CSV at all); save "
                    f"the file as CSV in {delivery.encoding}",
                )
            )
        columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(header))) + "}"
        cells = [f"c{i}" for i in range(len(header))]
        cleaned = ", ".join(
            f"case when _spaced then {clean_sql(c)} else {c} end as {c}" for c in cells
        )
        try:
            con.execute(
                f"create table submission_cells as select {cleaned} from "
                f"(select *, {spaced_sql(cells)} as _spaced from read_csv(?, "
                f"header = true, skip = ?, delim = ?, quote = '\"', escape = '\"', "
                f"columns = {columns}, auto_detect = false, strict_mode = true, "
                f"allow_quoted_nulls = true, "
                f"encoding = ?, store_rejects = true, rejects_table = 'csv_rejects', "
                f"rejects_scan = 'csv_reject_scans'))",
                [str(readable), delivery.header_row - 1, delivery.delimiter, duckdb_encoding],
            )
        except duckdb.Error as exc:
            first_line = str(exc).splitlines()[0]
            raise ReadError(Reason(file=name, rule="parse", message=first_line)) from None
    con.execute(
        f"create view {RELATION} as select rowid + 1 as _source_row, * from submission_cells"
    )
    rows = con.execute("select count(*) from submission_cells").fetchone()[0]
    problems = [
        Reason(
            file=name,
            rule="encoding" if kind == "INVALID ENCODING" else "parse",
            message=f"line {line}: {_friendly_csv_error(kind, message, delivery)}",
        )
        for line, kind, message in con.execute(
            "select line, error_type::varchar, error_message from csv_rejects order by line"
        ).fetchall()
    ]
    return Submission(con=con, header=header, rows=rows, problems=problems)


def spaced_sql(cells: list[str]) -> str:
    """SQL condition: some cell of the row holds white space (any of :data:`WHITE_SPACE`) at all.

    A row without any cannot have a cell to trim, and its empty cells are already NULL (the CSV
    reader reads an empty field, quoted or not, as NULL), so only the rows meeting this condition
    go through :func:`clean_sql`. Searching the row's text once for each character is much
    cheaper than a regular expression per cell, and most rows of a partner's file (codes, periods,
    numbers) hold no white space.
    """
    row = f"concat_ws('', {', '.join(cells)})"
    return "(" + " or ".join(f"contains({row}, chr({code}))" for code in WHITE_SPACE) + ")"


def clean_sql(c: str) -> str:
    """SQL for a cell trimmed of white space at either end, NULL when nothing is left.

    Trimming a given set of characters is slow in DuckDB, so only cells that start or end with
    white space (a quick regular expression) are trimmed; the rest are only checked for ''.
    """
    return (
        f"case when regexp_matches({c}, '{EDGE_SPACE}') then nullif(trim({c}, {TRIM_SQL}), '') "
        f"else nullif({c}, '') end"
    )


def _nul_byte(path: Path) -> int | None:
    """The position of the first NUL byte in the file, if any (one pass, in C, via mmap)."""
    with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as view:
        position = view.find(b"\x00")
    return position if position >= 0 else None


def _friendly_csv_error(kind: str, message: str, delivery: Delivery) -> str:
    if kind in ("MISSING COLUMNS", "TOO MANY COLUMNS"):
        return (
            f"{message.rstrip('.')}; every line needs one field per header column, separated "
            f"by {delivery.delimiter!r}, with fields that contain it in double quotes"
        )
    if kind == "INVALID ENCODING":
        return f"not valid {delivery.encoding}; save the file as {delivery.encoding}"
    return message


def _csv_header(path: Path, encoding: str, delivery: Delivery, name: str) -> list[str]:
    """The header row's names, read with Python's csv module (DuckDB renames duplicates)."""
    python_encoding = "utf-8-sig" if encoding == "utf-8" else encoding
    # Decoding errors are replaced, not raised: the text reader decodes ahead of the header, and
    # a bad byte further down is reported by its line when DuckDB reads the rows.
    try:
        with path.open(encoding=python_encoding, errors="replace", newline="") as f:
            for _ in range(delivery.header_row - 1):
                f.readline()
            record = next(csv.reader(f, delimiter=delivery.delimiter), [])
    except csv.Error as exc:
        raise ReadError(Reason(file=name, rule="parse", message=f"header: {exc}")) from None
    if any("\ufffd" in cell for cell in record):
        raise ReadError(
            Reason(
                file=name,
                rule="encoding",
                message=f"the header is not valid {delivery.encoding}; save the file as "
                f"{delivery.encoding}",
            )
        )
    return [cell.strip(" \t\r\n\u00a0") for cell in record]


def _transcode(source: Path, encoding: str, target: Path, name: str) -> None:
    """Convert ``source`` from ``encoding`` to UTF-8, strictly."""
    try:
        with (
            source.open(encoding=encoding, errors="strict", newline="") as src,
            target.open("w", encoding="utf-8", newline="") as dst,
        ):
            shutil.copyfileobj(src, dst, 1 << 20)
    except UnicodeDecodeError as exc:
        raise ReadError(
            Reason(
                file=name,
                rule="encoding",
                message=(
                    f"byte {exc.start} of the file is not valid {encoding} ({exc.reason}); "
                    f"save the file as {encoding} or agree another encoding in the contract"
                ),
            )
        ) from None


# --- XLSX ---------------------------------------------------------------------------------------


def _read_xlsx(
    path: Path, delivery: Delivery, con: duckdb.DuckDBPyConnection, name: str
) -> Submission:
    import openpyxl  # imported here: only XLSX deliveries pay for it
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as exc:
        raise ReadError(
            Reason(file=name, rule="parse", message=f"not a readable .xlsx workbook ({exc})")
        ) from None
    try:
        if delivery.sheet is None:
            sheet = workbook.worksheets[0]
        elif delivery.sheet in workbook.sheetnames:
            sheet = workbook[delivery.sheet]
        else:
            raise ReadError(
                Reason(
                    file=name,
                    rule="sheet",
                    message=f"the workbook has no sheet named {delivery.sheet!r} "
                    f"(it has: {', '.join(workbook.sheetnames)})",
                )
            )
        rows = sheet.iter_rows(min_row=delivery.header_row, values_only=True)
        header_cells = list(next(rows, ()))
        while header_cells and cell_text(header_cells[-1]) is None:
            header_cells.pop()
        if not header_cells:
            raise ReadError(
                Reason(
                    file=name,
                    rule="empty_file",
                    message=f"row {delivery.header_row} of the sheet (the header) is empty",
                )
            )
        header = [cell_text(c) or "" for c in header_cells]
        width = len(header)
        con.execute(
            "create table submission_cells (_source_row bigint, "
            + ", ".join(f"c{i} varchar" for i in range(width))
            + ")"
        )
        cleaned = ", ".join(f"nullif(trim(c{i}, {TRIM_SQL}), '')" for i in range(width))
        problems: list[Reason] = []
        batch: list[list[Any]] = [[] for _ in range(width + 1)]
        count = 0
        for number, values in enumerate(rows, start=1):
            cells = [cell_text(v) for v in values]
            if all(c is None for c in cells):
                continue
            if any(c is not None for c in cells[width:]):
                problems.append(
                    Reason(
                        file=name,
                        row=number,
                        rule="parse",
                        message="the row has values to the right of the last header column",
                    )
                )
            cells = (cells + [None] * width)[:width]
            batch[0].append(number)
            for i, cell in enumerate(cells, start=1):
                batch[i].append(cell)
            count += 1
            if len(batch[0]) >= BATCH_ROWS:
                _insert(con, batch, width, cleaned)
                batch = [[] for _ in range(width + 1)]
        if batch[0]:
            _insert(con, batch, width, cleaned)
    finally:
        workbook.close()
    con.execute(f"create view {RELATION} as select * from submission_cells")
    return Submission(con=con, header=header, rows=count, problems=problems)


def _insert(
    con: duckdb.DuckDBPyConnection, batch: list[list[Any]], width: int, cleaned: str
) -> None:
    names = ["_source_row", *(f"c{i}" for i in range(width))]
    arrays = [pa.array(batch[0], pa.int64())] + [pa.array(col, pa.string()) for col in batch[1:]]
    con.register("xlsx_batch", pa.Table.from_arrays(arrays, names=names))
    try:
        con.execute(f"insert into submission_cells select _source_row, {cleaned} from xlsx_batch")
    finally:
        con.unregister("xlsx_batch")


def cell_text(value: Any) -> str | None:
    """A spreadsheet cell as the text a CSV export would hold.

    Whole numbers lose the ``.0`` Excel stores them with; dates become ISO 8601 (``2010-08-04``,
    or with the time when it is not midnight); TRUE/FALSE stay as words.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)
