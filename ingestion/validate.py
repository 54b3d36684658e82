"""Schema checks: does the file hold what its contract says, in the form it says?

Every problem is collected (the first :data:`CAP` are listed in the manifest, all are counted), so
a partner can fix a file in one go rather than one error per delivery. Each reason names the row
and column and says what to do. Values are quoted to help find them, except values that may
identify a person, which are withheld.

The checks, in the order they are reported:

- header: every contract column is present (matched by name, in any order), no column is
  unexpected, none is named twice or left unnamed;
- cells, every column: no spreadsheet formula; for aggregated and depersonalised data, nothing
  that identifies a person (:mod:`ingestion.identifiers`);
- values, per column: required (a value in every row), type (``integer``: digits with an optional
  sign; ``decimal``: digits with an optional sign, decimal point and exponent, no thousands
  separators, ``%`` or ``£``; ``date``: ``YYYY-MM-DD``), allowed values, pattern, area codes known
  to the area lookup (role ``area``), periods in the agreed format (``period_format``), minimum
  and maximum;
- key: no two rows share the contract's key.

The checks run as SQL over the whole file at once (see :mod:`ingestion.readers`): one scan
counts the breaches of every rule, and only the breaking cells are fetched.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from ingestion.contracts import Column, Contract
from ingestion.identifiers import (
    candidate_sql,
    cell_rules,
    find_identifiers,
    formula_candidate_sql,
    identifier_column,
    is_birth_date_column,
    reason_for,
    safe_excerpt,
)
from ingestion.manifest import Reason
from ingestion.periods import FORMATS
from ingestion.readers import BATCH_ROWS, RELATION, Submission

CAP = 50
AREAS = "area_lookup"

INTEGER = "[+-]?[0-9]+"
DECIMAL = r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?"
DATE = "[0-9]{4}-[0-9]{2}-[0-9]{2}"


@dataclass
class Problems:
    """All problems found in one file: the first ``cap`` listed, every one counted by rule."""

    cap: int = CAP
    listed: list[Reason] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    examples: dict[str, Reason] = field(default_factory=dict)

    def add(self, reason: Reason) -> None:
        self.counts[reason.rule] += 1
        self.examples.setdefault(reason.rule, reason)
        if len(self.listed) < self.cap:
            self.listed.append(reason)

    def extend(self, reasons: Iterable[Reason]) -> None:
        for reason in reasons:
            self.add(reason)

    def wants(self, rule: str) -> bool:
        """Whether a reason of ``rule`` would be kept (listed, or the rule's first example)."""
        return len(self.listed) < self.cap or rule not in self.examples

    def count_unlisted(self, rule: str, n: int) -> None:
        """Count ``n`` more problems of ``rule`` that were found but not fetched."""
        self.counts[rule] += n

    def count(self, *rules: str) -> int:
        return sum(self.counts[r] for r in rules)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def check_header(header: list[str], contract: Contract, file: str) -> Iterator[Reason]:
    """Problems with the header row: missing, unexpected, repeated or unnamed columns."""
    expected = [c.name for c in contract.table.columns]
    for position, name in enumerate(header, start=1):
        if not name:
            yield Reason(
                file=file,
                rule="header",
                message=f"column {position} of the header has no name; name it or delete it",
            )
    for name in sorted({n for n in header if n and header.count(n) > 1}):
        yield Reason(
            file=file,
            column=name,
            rule="duplicate_column",
            message=f"the header names {name!r} {header.count(name)} times; keep one",
        )
    present = set(header)
    unexpected = [n for n in header if n and n not in expected]
    for column in contract.table.columns:
        if column.name not in present:
            yield Reason(
                file=file,
                column=column.name,
                rule="missing_column",
                message=f"the contract requires a column named {column.name!r} "
                f"({_describe_column(column)}) but the header has none"
                f"{_meant(_closest(column.name, unexpected))}; add the column, leaving cells "
                "empty where there is no value",
            )
    for name in unexpected:
        label = identifier_column(name) if contract.identifiers_forbidden else None
        if label is not None:
            yield Reason(
                file=file,
                column=name,
                rule="identifier_column",
                message=f"the column {name!r} is not in the contract and its name says it holds "
                f"{label}; {contract.agreement.category} data must not identify anyone "
                "(protocol 1.3): remove the column and send the file again",
            )
        else:
            yield Reason(
                file=file,
                column=name,
                rule="unexpected_column",
                message=f"the column {name!r} is not in the contract"
                f"{_did_you_mean(_closest(name, [c for c in expected if c not in present]))}; "
                "remove it, "
                "or agree a change to the contract first",
            )


@dataclass
class CellRule:
    """A rule over one column's cells: the SQL condition a breaking (or suspect) cell meets."""

    rule: str
    column: str
    c: str
    condition: str
    params: list[object] = field(default_factory=list)
    explain: Callable[[str | None], str] | None = None
    birth_column: bool = False


def check_values(
    submission: Submission,
    contract: Contract,
    file: str,
    problems: Problems,
    area_codes: frozenset[str] | None = None,
) -> None:
    """Check every cell against its column's rules and the key for repeats; add to ``problems``.

    One pass over the file counts, for every column, the cells breaking each rule and the cells
    that could be a formula or (for aggregated and depersonalised data) hold an identifier. Only
    where a count is not zero are the cells fetched: the first ``problems.cap`` breaking cells of
    each rule, and every suspect cell for the precise checks of :mod:`ingestion.identifiers`.
    So a clean file costs one scan, and Python never holds more than a batch of cells.

    ``area_codes`` is the area lookup (:mod:`ingestion.areas`), needed when a column has role
    ``area``.
    """
    con = submission.con
    areas_loaded = False
    if area_codes is not None and any(c.role == "area" for c in contract.table.columns):
        _load_areas(con, area_codes)
        areas_loaded = True
    scans: list[CellRule] = []
    rules: list[CellRule] = []
    for position, name in enumerate(submission.header):
        c = f"c{position}"
        column = _contract_column(contract, name)
        # every column is scanned; a column named twice (reported by check_header) has the
        # contract's rules checked on its first copy
        if column is not None and submission.header.index(name) != position:
            column = None
        safe = _safe_sql(column, c, areas_loaded) if column is not None else None
        scans.append(_scan_rule(name, c, contract.identifiers_forbidden, safe))
        if column is not None:
            rules.extend(_value_rules(column, c, areas_loaded))
    everything = scans + rules
    counts = _count(con, everything) if everything else []
    for scan, n in zip(scans, counts[: len(scans)], strict=True):
        if n:
            _scan(con, scan, file, contract.identifiers_forbidden, problems)
    for rule, n in zip(rules, counts[len(scans) :], strict=True):
        if not n:
            continue
        assert rule.explain is not None
        explain = rule.explain
        listed = con.execute(
            f"select _source_row, {rule.c} from {RELATION} where {rule.condition} "
            f"order by _source_row limit {problems.cap}",
            rule.params,
        ).fetchall()
        for row, value in listed:
            problems.add(
                Reason(
                    file=file, row=row, column=rule.column, rule=rule.rule, message=explain(value)
                )
            )
        problems.count_unlisted(rule.rule, n - len(listed))
    _check_key(submission, contract, file, problems)


def _contract_column(contract: Contract, name: str) -> Column | None:
    return next((c for c in contract.table.columns if c.name == name), None)


def _count(con: duckdb.DuckDBPyConnection, rules: list[CellRule]) -> list[int]:
    """How many cells meet each rule's condition, in one scan of the submission."""
    # count_if over a boolean is cheaper than count(*) with a FILTER clause (no selection per
    # aggregate); both leave out rows where the condition is NULL.
    selects = [f"count_if({r.condition})" for r in rules]
    params = [p for r in rules for p in r.params]
    row = con.execute(f"select {', '.join(selects)} from {RELATION}", params).fetchone()
    assert row is not None
    return [int(n or 0) for n in row]  # count_if over no rows is NULL


def _load_areas(con: duckdb.DuckDBPyConnection, area_codes: frozenset[str]) -> None:
    codes = pa.table({"area_code": pa.array(sorted(area_codes), pa.string())})
    con.register("area_lookup_arrow", codes)
    try:
        con.execute(f"create or replace table {AREAS} as select area_code from area_lookup_arrow")
    finally:
        con.unregister("area_lookup_arrow")


def _safe_sql(column: Column, c: str, areas_loaded: bool) -> str | None:
    """SQL condition for cells whose form rules out any identifier, so the scan can skip them.

    A value the contract lists, a known area code, a period in the agreed format, a date (outside
    a birth-date column) or a number of fewer than ten characters cannot hold one of the
    identifiers looked for; anything else is scanned. Returns None when no cell is safe by form.
    The conditions are written as the value rules write them, so DuckDB computes each once.
    """
    if is_birth_date_column(column.name):
        return None
    if column.allowed_values is not None:
        if any(find_identifiers(v) for v in column.allowed_values):
            return None
        return _allowed_sql(column.allowed_values, c)
    if column.role == "area" and areas_loaded:
        return _known_area_sql(c)
    if column.period_format is not None:
        return FORMATS[column.period_format].valid_sql(c)
    if column.type in ("integer", "decimal"):
        return f"(length({c}) < 10 and try_cast({c} as double) is not null)"
    if column.type == "date":
        return f"(regexp_full_match({c}, '{DATE}') and try_cast({c} as date) is not null)"
    return None


def _allowed_sql(values: list[str], c: str) -> str:
    """``list_contains`` of the contract's own values (a SQL list literal, quotes doubled)."""
    listed = ", ".join("'" + v.replace("'", "''") + "'" for v in values)
    return f"list_contains([{listed}], {c})"


def _known_area_sql(c: str) -> str:
    return f"({c} in (select area_code from {AREAS}))"


def _scan_rule(name: str, c: str, identifiers: bool, safe: str | None) -> CellRule:
    """The suspect cells of a column: possible formulas, and possible identifiers if forbidden."""
    birth_column = identifiers and is_birth_date_column(name)
    condition = formula_candidate_sql(c)
    if birth_column:
        condition = "true"
    elif identifiers:
        condition = f"{condition} or {candidate_sql(c, safe)}"
    return CellRule(
        rule="scan",
        column=name,
        c=c,
        condition=f"({c} is not null and ({condition}))",
        birth_column=birth_column,
    )


def _scan(
    con: duckdb.DuckDBPyConnection,
    scan: CellRule,
    file: str,
    identifiers: bool,
    problems: Problems,
) -> None:
    """The precise checks on every suspect cell of one column, a batch at a time.

    Every finding is counted; a reason is built only while it can still be listed.
    """
    result = con.execute(
        f"select _source_row, {scan.c} from {RELATION} where {scan.condition} order by 1"
    )
    while batch := result.fetchmany(BATCH_ROWS):
        for row, value in batch:
            for rule in cell_rules(value, identifiers, scan.birth_column):
                if problems.wants(rule):
                    problems.add(reason_for(file, row, scan.column, rule))
                else:
                    problems.count_unlisted(rule, 1)


def _value_rules(column: Column, c: str, areas_loaded: bool = False) -> list[CellRule]:
    """The rules a column's cells must follow."""
    rules: list[CellRule] = []

    def add(rule: str, condition: str, explain: Callable[[str | None], str], *params) -> None:
        rules.append(CellRule(rule, column.name, c, f"({condition})", list(params), explain))

    if column.required:
        add("required", f"{c} is null", lambda _: f"{column.name} needs a value in every row")
    if column.type == "integer":
        add(
            "type",
            f"{c} is not null and (not regexp_full_match({c}, '{INTEGER}') "
            f"or try_cast({c} as bigint) is null)",
            lambda v: f"{safe_excerpt(v)} is not a whole number; write digits only, e.g. 3",
        )
    elif column.type == "decimal":
        add(
            "type",
            f"{c} is not null and not regexp_full_match({c}, '{DECIMAL}')",
            lambda v: (
                f"{safe_excerpt(v)} is not a number; write digits with a decimal "
                "point if needed, without thousands separators, % or £ (e.g. 23.2)"
            ),
        )
    elif column.type == "date":
        add(
            "type",
            f"{c} is not null and (not regexp_full_match({c}, '{DATE}') "
            f"or try_cast({c} as date) is null)",
            lambda v: f"{safe_excerpt(v)} is not a date written as YYYY-MM-DD",
        )
    if column.allowed_values is not None:
        allowed = column.allowed_values
        shown = ", ".join(allowed[:12]) + (", ..." if len(allowed) > 12 else "")
        add(
            "allowed_values",
            f"{c} is not null and not {_allowed_sql(allowed, c)}",
            lambda v: (
                f"{safe_excerpt(v)} is not one of the allowed values ({shown}); "
                "values are case-sensitive"
            ),
        )
    if column.pattern is not None:
        pattern = column.pattern
        add(
            "pattern",
            f"{c} is not null and not regexp_full_match({c}, ?)",
            lambda v: f"{safe_excerpt(v)} does not have the agreed form ({pattern})",
            pattern,
        )
    if column.role == "area" and areas_loaded:
        add(
            "unknown_area",
            f"{c} is not null and not {_known_area_sql(c)}",
            lambda v: (
                f"{safe_excerpt(v)} is not an area code the warehouse knows (the area lookup, "
                "dbt_project/seeds/areas.csv); check the code, or ask for the area to be added"
            ),
        )
    if column.period_format is not None:
        period = FORMATS[column.period_format]
        add(
            "period_format",
            f"{c} is not null and not {period.valid_sql(c)}",
            lambda v: (
                f"{safe_excerpt(v)} is not a {column.period_format} period as the contract "
                f"agrees: {period.meaning}, e.g. {period.example!r}"
            ),
        )
    if column.minimum is not None:
        minimum = column.minimum
        add(
            "minimum",
            f"try_cast({c} as double) < ?",
            lambda v: f"{safe_excerpt(v)} is below the minimum of {minimum:g}",
            minimum,
        )
    if column.maximum is not None:
        maximum = column.maximum
        add(
            "maximum",
            f"try_cast({c} as double) > ?",
            lambda v: f"{safe_excerpt(v)} is above the maximum of {maximum:g}",
            maximum,
        )
    return rules


def _check_key(submission: Submission, contract: Contract, file: str, problems: Problems) -> None:
    key = contract.table.key
    if not all(k in submission.header for k in key):
        return
    cols = [submission.column_sql(k) for k in key]
    keys = ", ".join(cols)
    present = " and ".join(f"{c} is not null" for c in cols)
    # Distinct hashes first (cheapest: as many as rows proves every key unique), then an exact
    # grouping, and the rows are located only when some key does repeat.
    hashed = submission.con.execute(
        f"select count(*) = count(distinct hash({keys})) from {RELATION} where {present}"
    ).fetchone()
    if hashed and hashed[0]:
        return
    repeats = submission.con.execute(
        f"select coalesce(sum(n - 1), 0) from (select count(*) as n from {RELATION} "
        f"where {present} group by {keys} having count(*) > 1)"
    ).fetchone()
    total = int(repeats[0]) if repeats else 0
    if not total:
        return
    result = submission.con.execute(
        f"with keyed as (select _source_row, {keys}, "
        f"min(_source_row) over (partition by {keys}) as first_row from {RELATION} "
        f"where {present}) "
        f"select _source_row, first_row, {keys} from keyed "
        f"where _source_row <> first_row order by _source_row limit {problems.cap}"
    ).fetchall()
    for row, first_row, *values in result:
        shown = ", ".join(safe_excerpt(v) for v in values)
        problems.add(
            Reason(
                file=file,
                row=row,
                column=", ".join(key),
                rule="duplicate_key",
                message=f"the key ({', '.join(key)}) = ({shown}) is already used by row "
                f"{first_row}; each key may appear once",
            )
        )
    problems.count_unlisted("duplicate_key", total - len(result))


def _describe_column(column: Column) -> str:
    return f"{column.type}, {'required' if column.required else 'may be empty'}"


def _closest(name: str, candidates: list[str]) -> str | None:
    lowered = {c.lower(): c for c in candidates}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.75)
    return lowered[close[0]] if close else None


def _meant(found: str | None) -> str:
    return f" (is {found!r} meant to be it?)" if found else ""


def _did_you_mean(expected: str | None) -> str:
    return f" (did you mean {expected!r}?)" if expected else ""
