"""A read-only SQL shell on the published warehouse, for analysts.

Run with the Airflow environment's Python (it has DuckDB), or ``make sql``:

    .venv/airflow/bin/python superset/sql_shell.py                     # interactive prompt
    .venv/airflow/bin/python superset/sql_shell.py -c "select 42"      # one command
    .venv/airflow/bin/python superset/sql_shell.py superset/examples/laa_red_and_deteriorating.sql
    echo "select 1;" | .venv/airflow/bin/python superset/sql_shell.py      # piped

The warehouse is ``$UNDERSTOOD_DATA_DIR/warehouse/warehouse.duckdb`` (``--warehouse`` to
choose another file), opened the way Superset opens it: read-only, with file access off
(``enable_external_access=false``) and the configuration locked, so no statement can write
to the warehouse, read or write files (``read_csv``, ``read_parquet``, ``COPY ... TO``,
``ATTACH``) or switch those settings back. Unqualified table names resolve in ``marts``.

The shell holds the file open while it runs, and DuckDB lets no writer in meanwhile: the
nightly build writes a copy and publishes it by renaming, so it is not blocked, but the
shell keeps seeing the warehouse as it was when it started. Start it again to see a new
publish.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path

import duckdb

REPO_ROOT = Path(__file__).resolve().parent.parent
SETTINGS = {
    "enable_external_access": False,
    "lock_configuration": True,
}
PROMPT = "warehouse> "
CONTINUATION = "       ...> "
HELP = """Type SQL ending with ';' (it may span lines). Commands:
  .tables         the marts and their columns count
  .describe NAME  the columns of a mart
  .help           this text
  .quit           leave (or Ctrl-D)
Example queries: superset/examples/*.sql"""


def default_warehouse() -> Path:
    data_dir = Path(os.environ.get("UNDERSTOOD_DATA_DIR") or REPO_ROOT / "data")
    return data_dir / "warehouse" / "warehouse.duckdb"


def connect(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """Open the warehouse read-only, with file access off and the configuration locked."""
    if not warehouse.exists():
        raise SystemExit(
            f"no published warehouse at {warehouse}: run `make nightly` first, or set "
            "UNDERSTOOD_DATA_DIR / --warehouse"
        )
    con = duckdb.connect(str(warehouse), read_only=True, config=SETTINGS)
    con.execute("use marts")
    return con


def run(con: duckdb.DuckDBPyConnection, sql: str, max_rows: int) -> bool:
    """Run every statement in ``sql``, showing each result; False if one failed."""
    try:
        statements = duckdb.extract_statements(sql)
    except duckdb.Error as error:
        print(f"error: {error}", file=sys.stderr)
        return False
    for statement in statements:
        try:
            relation = con.sql(statement)
        except duckdb.Error as error:
            print(f"error: {error}", file=sys.stderr)
            return False
        if relation is not None:
            relation.show(max_rows=max_rows, max_width=200)
    return True


def command(con: duckdb.DuckDBPyConnection, line: str, max_rows: int) -> bool:
    """A dot command; False when the shell should stop."""
    name, _, argument = line.partition(" ")
    if name in {".quit", ".exit", ".q"}:
        return False
    if name == ".help":
        print(HELP)
    elif name == ".tables":
        run(
            con,
            "select table_name, table_type, "
            "(select count(*) from information_schema.columns c where c.table_schema = "
            "t.table_schema and c.table_name = t.table_name) as columns "
            "from information_schema.tables t where table_schema = 'marts' order by 1",
            max_rows,
        )
    elif name == ".describe" and argument.strip():
        con.sql(
            "select column_name, data_type, is_nullable from information_schema.columns "
            "where table_schema = 'marts' and table_name = $name order by ordinal_position",
            params={"name": argument.strip()},
        ).show(max_rows=max_rows)
    else:
        print(f"unknown command {line!r}; .help lists them", file=sys.stderr)
    return True


def interactive(con: duckdb.DuckDBPyConnection, warehouse: Path, max_rows: int) -> int:
    """Read statements (ending with ';') and dot commands line by line; prompts on a
    terminal, silent when the input is piped. Exit code 1 if a piped statement failed."""
    tty = sys.stdin.isatty()
    if tty:
        with contextlib.suppress(ImportError):
            import readline  # noqa: F401  (line editing and history for input())
        print(f"Sefton Understood warehouse {warehouse} (read-only). .help for help.")
    failed = False
    buffer: list[str] = []
    while True:
        try:
            line = input((CONTINUATION if buffer else PROMPT) if tty else "")
        except EOFError:
            if buffer and "".join(buffer).strip():
                failed |= not run(con, "\n".join(buffer), max_rows)
            if tty:
                print()
            return 1 if failed and not tty else 0
        except KeyboardInterrupt:
            print()
            buffer.clear()
            continue
        if not buffer and line.strip().startswith("."):
            if not command(con, line.strip(), max_rows):
                return 1 if failed and not tty else 0
            continue
        buffer.append(line)
        text = "\n".join(buffer).strip()
        if text.endswith(";"):
            failed |= not run(con, text, max_rows)
            buffer.clear()
        elif not text:
            buffer.clear()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("-c", "--command", metavar="SQL", help="run this SQL and exit")
    source.add_argument("file", nargs="?", type=Path, help="run the SQL in this file and exit")
    parser.add_argument("--warehouse", type=Path, default=None, help="the DuckDB file to read")
    parser.add_argument("--max-rows", type=int, default=100, help="rows shown per result")
    args = parser.parse_args(argv)

    warehouse = (args.warehouse or default_warehouse()).resolve()
    con = connect(warehouse)
    try:
        if args.command is not None:
            return 0 if run(con, args.command, args.max_rows) else 1
        if args.file is not None:
            sql = args.file.read_text(encoding="utf-8")
            return 0 if run(con, sql, args.max_rows) else 1
        return interactive(con, warehouse, args.max_rows)
    finally:
        con.close()


if __name__ == "__main__":
    sys.exit(main())
