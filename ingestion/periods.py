"""Period formats: how the values of a contract's ``period`` column must be written.

A column may declare ``period_format`` (see :class:`ingestion.contracts.Column`); each value must
then parse in that format. The formats are the ways the partnership's papers write periods:

==================  ==============  =================================================
format              example         meaning
==================  ==============  =================================================
``financial_year``  ``2009/10``     April 2009 to March 2010 (the second year follows)
``academic_year``   ``2009/10``     September 2009 to August 2010
``quarter``         ``Q4 2009/10``  a quarter of the financial year (Q1 is April-June)
``month``           ``2010-03``     a calendar month
``calendar_year``   ``2010``        January to December
``iso_date``        ``2010-03-31``  one day (a snapshot, or the end of a period)
==================  ==============  =================================================

Years run from 1900 to 2099: anything else is a typing slip, not a period the partnership
reports on. The checks are SQL conditions, run by DuckDB over the whole file at once.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Format:
    """One period format: an example, what it means, and the SQL test of a value."""

    example: str
    meaning: str
    pattern: str
    # (position of the first year's 4 digits, position of the second year's 2 digits), 1-based
    year_pair: tuple[int, int] | None = None
    is_date: bool = False

    def valid_sql(self, c: str) -> str:
        """A SQL condition true when the text column ``c`` holds a period in this format."""
        condition = f"regexp_full_match({c}, '{self.pattern}')"
        if self.year_pair is not None:
            first, second = self.year_pair
            condition += (
                f" and coalesce((try_cast(substr({c}, {first}, 4) as integer) + 1) % 100 "
                f"= try_cast(substr({c}, {second}, 2) as integer), false)"
            )
        if self.is_date:
            condition += f" and try_cast({c} as date) is not null"
        return f"({condition})"


YEAR = "(19|20)[0-9]{2}"

FORMATS: dict[str, Format] = {
    "financial_year": Format(
        "2009/10",
        "a financial year: the first year, a slash, the next year's last two digits",
        f"{YEAR}/[0-9]{{2}}",
        year_pair=(1, 6),
    ),
    "academic_year": Format(
        "2009/10",
        "an academic year: the first year, a slash, the next year's last two digits",
        f"{YEAR}/[0-9]{{2}}",
        year_pair=(1, 6),
    ),
    "quarter": Format(
        "Q4 2009/10",
        "a quarter of a financial year: Q1 to Q4, a space, the financial year",
        f"Q[1-4] {YEAR}/[0-9]{{2}}",
        year_pair=(4, 9),
    ),
    "month": Format(
        "2010-03", "a month: the year, a hyphen, the month 01 to 12", f"{YEAR}-(0[1-9]|1[0-2])"
    ),
    "calendar_year": Format("2010", "a calendar year: four digits", YEAR),
    "iso_date": Format(
        "2010-03-31",
        "a date: year, month and day as YYYY-MM-DD",
        f"{YEAR}-[0-9]{{2}}-[0-9]{{2}}",
        is_date=True,
    ),
}
