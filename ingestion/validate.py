"""Schema checks: does the file hold what its contract says, in the form it says?

Every problem is collected (the first :data:`CAP` are listed in the manifest, all are counted), so
a partner can fix a file in one go rather than one error per delivery. Each reason names the row
and column and says what to do. Values are quoted to help find them, except values that may
identify a person, which are withheld.

The checks, in the order they are reported:

- header: every contract column is present (matched by name, in any order), no column is
  unexpected, none is named twice or left unnamed;
- values, per column: required (a value in every row), type (``integer``: digits with an optional
  sign; ``decimal``: digits with an optional sign, decimal point and exponent, no thousands
  separators, ``%`` or ``£``; ``date``: ``YYYY-MM-DD``), allowed values, pattern, minimum and
  maximum;
- key: no two rows share the contract's key.

The value checks run as SQL over the whole file at once (see :mod:`ingestion.readers`).
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from ingestion.contracts import Column, Contract
from ingestion.identifiers import identifier_column, safe_excerpt
from ingestion.manifest import Reason
from ingestion.readers import RELATION, Submission

CAP = 50

# (rule, SQL condition that finds a breaking cell, its parameters, message for the cell's value)
ValueRule = tuple[str, str, list[object], Callable[[str | None], str]]

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


def check_values(submission: Submission, contract: Contract, file: str, problems: Problems) -> None:
    """Check every cell against its column's rules and the key for repeats; add to ``problems``."""
    con = submission.con
    for column in contract.table.columns:
        if column.name not in submission.header:
            continue
        c = submission.column_sql(column.name)
        for rule, condition, params, explain in _value_rules(column, c):
            result = con.execute(
                f"select _source_row, {c}, count(*) over () from {RELATION} "
                f"where {condition} order by _source_row limit {problems.cap}",
                params,
            ).fetchall()
            for row, value, _ in result:
                problems.add(
                    Reason(
                        file=file, row=row, column=column.name, rule=rule, message=explain(value)
                    )
                )
            if result:
                problems.count_unlisted(rule, result[0][2] - len(result))
    _check_key(submission, contract, file, problems)


def _value_rules(column: Column, c: str) -> list[ValueRule]:
    """The rules a column's cells must follow."""
    rules: list[ValueRule] = []
    if column.required:
        rules.append(
            (
                "required",
                f"{c} is null",
                [],
                lambda _: f"{column.name} needs a value in every row",
            )
        )
    if column.type == "integer":
        rules.append(
            (
                "type",
                f"{c} is not null and (not regexp_full_match({c}, '{INTEGER}') "
                f"or try_cast({c} as bigint) is null)",
                [],
                lambda v: f"{safe_excerpt(v)} is not a whole number; write digits only, e.g. 3",
            )
        )
    elif column.type == "decimal":
        rules.append(
            (
                "type",
                f"{c} is not null and not regexp_full_match({c}, '{DECIMAL}')",
                [],
                lambda v: (
                    f"{safe_excerpt(v)} is not a number; write digits with a decimal "
                    "point if needed, without thousands separators, % or £ (e.g. 23.2)"
                ),
            )
        )
    elif column.type == "date":
        rules.append(
            (
                "type",
                f"{c} is not null and (not regexp_full_match({c}, '{DATE}') "
                f"or try_cast({c} as date) is null)",
                [],
                lambda v: f"{safe_excerpt(v)} is not a date written as YYYY-MM-DD",
            )
        )
    if column.allowed_values is not None:
        allowed = column.allowed_values
        shown = ", ".join(allowed[:12]) + (", ..." if len(allowed) > 12 else "")
        rules.append(
            (
                "allowed_values",
                f"{c} is not null and not list_contains(?, {c})",
                [allowed],
                lambda v: (
                    f"{safe_excerpt(v)} is not one of the allowed values ({shown}); "
                    "values are case-sensitive"
                ),
            )
        )
    if column.pattern is not None:
        pattern = column.pattern
        rules.append(
            (
                "pattern",
                f"{c} is not null and not regexp_full_match({c}, ?)",
                [pattern],
                lambda v: f"{safe_excerpt(v)} does not have the agreed form ({pattern})",
            )
        )
    if column.minimum is not None:
        minimum = column.minimum
        rules.append(
            (
                "minimum",
                f"try_cast({c} as double) < ?",
                [minimum],
                lambda v: f"{safe_excerpt(v)} is below the minimum of {minimum:g}",
            )
        )
    if column.maximum is not None:
        maximum = column.maximum
        rules.append(
            (
                "maximum",
                f"try_cast({c} as double) > ?",
                [maximum],
                lambda v: f"{safe_excerpt(v)} is above the maximum of {maximum:g}",
            )
        )
    return rules


def _check_key(submission: Submission, contract: Contract, file: str, problems: Problems) -> None:
    key = contract.table.key
    if not all(k in submission.header for k in key):
        return
    cols = [submission.column_sql(k) for k in key]
    keys = ", ".join(cols)
    result = submission.con.execute(
        f"with keyed as (select _source_row, {keys}, "
        f"min(_source_row) over (partition by {keys}) as first_row from {RELATION} "
        f"where {' and '.join(f'{c} is not null' for c in cols)}) "
        f"select _source_row, first_row, {keys}, count(*) over () from keyed "
        f"where _source_row <> first_row order by _source_row limit {problems.cap}"
    ).fetchall()
    for row, first_row, *rest in result:
        values = ", ".join(safe_excerpt(v) for v in rest[:-1])
        problems.add(
            Reason(
                file=file,
                row=row,
                column=", ".join(key),
                rule="duplicate_key",
                message=f"the key ({', '.join(key)}) = ({values}) is already used by row "
                f"{first_row}; each key may appear once",
            )
        )
    if result:
        problems.count_unlisted("duplicate_key", result[0][-1] - len(result))


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
