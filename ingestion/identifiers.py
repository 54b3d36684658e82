"""Finding what identifies a person, and spreadsheet formulas, in a partner's file.

Aggregated and depersonalised data (protocol 1.3) must carry nothing that identifies a person.
Every cell of such a file, free text included, is checked for:

- NHS numbers: ten digits (optionally spaced 3-3-4) whose modulus 11 check digit is valid,
  checked with ``stdnum.gb.nhs``; ten digits with a wrong check digit are not NHS numbers, and
  numbers of one repeated digit (``1111111111``, a common placeholder) are ignored;
- National Insurance numbers: two prefix letters, six digits, a suffix A-D (see the pattern);
- full UK postcodes (outward and inward code: ``PR8 1DA``; a district such as ``PR8`` alone is
  not personal data and is not flagged);
- e-mail addresses;
- UK telephone numbers: 10 or 11 digits starting 01, 02, 03, 05, 07 or 08, or +44;
- dates of birth: any date in a column whose name says birth (``date_of_birth``, ``dob``,
  ``birth_date``), and "DOB 01/02/1980" or "born 1 Feb 1980" in free text.

A file column that is not in the contract and whose name says it holds a personal identifier
(``nhs_number``, ``surname``, ``address``...) is refused as such even when it is empty.

Every file, whatever its category, is also checked for spreadsheet formulas: text beginning with
``=``, ``+``, ``-`` or ``@`` that is not a number runs as a formula when the file is opened in a
spreadsheet (CSV/formula injection), so it is refused as hostile. ``-9.1``, ``+5`` or ``-1,234``
are numbers, and a lone ``-`` (a common "no data" mark, which spreadsheets keep as text) is
allowed.

The scan runs in two steps: DuckDB selects, over the whole file at once, the cells that could
hold any of these (:data:`CANDIDATES`, a looser pattern), and the precise Python
checks below decide on those few cells. Findings never repeat the value found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stdnum.gb import nhs

from ingestion.manifest import Reason

# A number as a spreadsheet reads it; the same pattern serves Python and DuckDB (RE2).
NUMBER_PATTERN = r"[+-]?\s*(?:\d+(?:,\d{3})*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?%?"
FORMULA_START = ("=", "+", "-", "@")

# Loose RE2 pattern for the database pass: a superset of what the identifier checks below find,
# with the same boundaries, so that long decimals or plain words do not reach Python.
CANDIDATES = (
    r"@"  # e-mail
    r"|(?:^|[^0-9.])[0-9][0-9 ()\-]{8,}[0-9](?:[^0-9.]|\.[^0-9]|\.?$)"  # NHS and phone numbers
    # National Insurance numbers
    r"|(?:^|[^A-Za-z0-9])[A-Za-z]{2} ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[A-Da-d](?:[^A-Za-z0-9]|$)"
    # postcodes
    r"|(?:^|[^A-Za-z0-9])[A-Za-z]{1,2}[0-9][A-Za-z0-9]? ?[0-9][A-Za-z]{2}(?:[^A-Za-z0-9]|$)"
    r"|(?i:gir ?0aa|d\.?o\.?b|birth|born)"  # Girobank's postcode; dates of birth in text
)
# The shortest text that can hold one of them ("L18JQ", a postcode without its space).
MIN_IDENTIFIER_LENGTH = 5


# Not inside a longer number or a decimal ("0.9434765919"); a full stop ending a sentence is fine.
NHS_NUMBER = re.compile(r"(?<![\d.])(\d{3})[ -]?(\d{3})[ -]?(\d{4})(?!\d|\.\d)")

# python-stdnum has no National Insurance number module, so the HMRC format is written out here:
# first letter not D, F, I, Q, U or V; second letter not D, F, I, O, Q, U or V; six digits; a
# suffix A, B, C or D (required: without it, "AB123456" is as likely a reference number). The
# prefixes BG, GB, KN, NK, NT, TN and ZZ are never issued and are excluded after matching.
NI_NUMBER = re.compile(
    r"(?<![A-Za-z0-9])([A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z])"
    r" ?(\d{2}) ?(\d{2}) ?(\d{2}) ?([A-D])(?![A-Za-z0-9])",
    re.IGNORECASE,
)
NI_EXCLUDED_PREFIXES = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}

# The Royal Mail format (as in the government data standard): outward code, optional space,
# inward code. Letters not used in each position are excluded.
POSTCODE = re.compile(
    r"(?<![A-Za-z0-9])(GIR ?0AA|[A-PR-UWYZ](?:[0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPSTUW]"
    r"|[A-HK-Y][0-9][ABEHMNPRVWXY]) ?[0-9][ABD-HJLNP-UW-Z]{2})(?![A-Za-z0-9])",
    re.IGNORECASE,
)

EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")

# A telephone number starts with 0, (0 or +44 and runs on in digits, spaces, hyphens and brackets.
# Every way of ending that run at a digit is tried (see _has_phone_number), so a number followed
# by other figures ("0151 934 4416 5 times") is still found.
PHONE_START = re.compile(r"(?<![\w.+])(?:\+44[ \-]?(?:\(0\)[ \-]?)?|\(?0)(?=\d)")
PHONE_RUN = re.compile(r"[\d \-()]*")
PHONE_BODY = (9, 16)  # characters from the first digit after the prefix to the last digit
PHONE_FIRST_DIGITS = set("123578")

DATE = (
    r"(?:\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}\s+[A-Za-z]{3,9}\.?\s+\d{2,4})"
)
DATE_VALUE = re.compile(rf"^{DATE}(?:[ T]\d{{1,2}}:\d{{2}}(?::\d{{2}})?)?$")
BIRTH_IN_TEXT = re.compile(
    rf"\b(?:d\.?o\.?b\.?|date\s+of\s+birth|born(?:\s+on)?)\s*[:\-]?\s*{DATE}", re.IGNORECASE
)

NUMBER = re.compile(rf"^{NUMBER_PATTERN}$")

# Words in a column name that say the column holds a personal identifier.
IDENTIFIER_NAMES = {
    ("nhs", "number"): "an NHS number",
    ("nhs", "no"): "an NHS number",
    ("nhsno",): "an NHS number",
    ("nino",): "a National Insurance number",
    ("ni", "number"): "a National Insurance number",
    ("national", "insurance"): "a National Insurance number",
    ("postcode",): "a postcode",
    ("post", "code"): "a postcode",
    ("email",): "an e-mail address",
    ("e", "mail"): "an e-mail address",
    ("phone",): "a telephone number",
    ("telephone",): "a telephone number",
    ("forename",): "a name",
    ("forenames",): "a name",
    ("surname",): "a name",
    ("first", "name"): "a name",
    ("last", "name"): "a name",
    ("full", "name"): "a name",
    ("given", "name"): "a name",
    ("family", "name"): "a name",
    ("address",): "an address",
    ("upn",): "a unique pupil number",
    ("patient", "id"): "a personal identifier",
    ("person", "id"): "a personal identifier",
    ("client", "id"): "a personal identifier",
    ("pupil", "id"): "a personal identifier",
}

LABELS = {
    "nhs_number": "an NHS number (its check digit is valid)",
    "ni_number": "a National Insurance number",
    "postcode": "a full postcode",
    "email": "an e-mail address",
    "phone": "a telephone number",
    "date_of_birth": "a date of birth",
}


@dataclass(frozen=True)
class Finding:
    """One kind of identifier found in a cell (``kind`` is a key of :data:`LABELS`)."""

    kind: str

    @property
    def label(self) -> str:
        return LABELS[self.kind]


def name_words(name: str) -> list[str]:
    """``dateOfBirth``, ``Date of birth`` and ``date_of_birth`` all give date, of, birth."""
    spaced = re.sub(r"([a-z])([A-Z])", r"\1 \2", name)
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.lower()) if w]


def is_birth_date_column(name: str) -> bool:
    """Whether a column's name says it holds dates of birth (``births``, ``birth_rate`` do not)."""
    words = name_words(name)
    joined = "".join(words)
    return (
        "dob" in words
        or "dateofbirth" in joined
        or "birthdate" in joined
        or ("birth" in words and "date" in words)
    )


def identifier_column(name: str) -> str | None:
    """What personal identifier a column's name says it holds (e.g. "a name"), or None."""
    if is_birth_date_column(name):
        return "a date of birth"
    words = name_words(name)
    for phrase, label in IDENTIFIER_NAMES.items():
        n = len(phrase)
        if any(tuple(words[i : i + n]) == phrase for i in range(len(words) - n + 1)):
            return label
    return None


def is_number(text: str) -> bool:
    """Whether ``text`` is a plain number, as a spreadsheet would read it (``-9.1``, ``1,234``)."""
    return bool(NUMBER.match(text.strip()))


def is_formula(text: str) -> bool:
    """Whether a spreadsheet would run ``text`` as a formula (see the module docstring)."""
    stripped = text.strip()
    return (
        stripped.startswith(FORMULA_START)
        and stripped not in ("-", "+")
        and not is_number(stripped)
    )


def find_identifiers(text: str, birth_column: bool = False) -> list[Finding]:
    """The kinds of personal identifier found in ``text`` (each kind once)."""
    found: list[Finding] = []
    if any(_is_nhs_number("".join(m.groups())) for m in NHS_NUMBER.finditer(text)):
        found.append(Finding("nhs_number"))
    if any(m.group(1).upper() not in NI_EXCLUDED_PREFIXES for m in NI_NUMBER.finditer(text)):
        found.append(Finding("ni_number"))
    if POSTCODE.search(text):
        found.append(Finding("postcode"))
    if EMAIL.search(text):
        found.append(Finding("email"))
    if _has_phone_number(text):
        found.append(Finding("phone"))
    if (birth_column and DATE_VALUE.match(text.strip())) or BIRTH_IN_TEXT.search(text):
        found.append(Finding("date_of_birth"))
    return found


def _is_nhs_number(digits: str) -> bool:
    return len(set(digits)) > 1 and nhs.is_valid(digits)


def _has_phone_number(text: str) -> bool:
    for start in PHONE_START.finditer(text):
        body = start.end()
        run_end = PHONE_RUN.match(text, body).end()
        shortest, longest = PHONE_BODY
        for end in range(min(run_end, body + longest), body + shortest - 1, -1):
            if not text[end - 1].isdigit() or _continues_number(text, end):
                continue
            if _is_phone_number(text[start.start() : end]):
                return True
    return False


def _continues_number(text: str, end: int) -> bool:
    """Whether the text at ``end`` carries on the number just before it (a digit, or a decimal)."""
    rest = text[end : end + 2]
    return rest[:1].isdigit() or (rest[:1] == "." and rest[1:2].isdigit())


def _is_phone_number(candidate: str) -> bool:
    digits = re.sub(r"\D", "", candidate)
    if candidate.startswith("+44"):
        digits = "0" + digits[2:].removeprefix("0")
    return len(digits) in (10, 11) and digits[0] == "0" and digits[1] in PHONE_FIRST_DIGITS


def safe_excerpt(text: str, limit: int = 40) -> str:
    """``text`` quoted for a message, or a note that it is withheld if it may be personal data."""
    if find_identifiers(text):
        return "(value withheld: it may identify a person)"
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    return repr(shown)


# --- the scan over a whole submission -----------------------------------------------------------


def formula_candidate_sql(c: str) -> str:
    """SQL condition on column ``c``: cells a spreadsheet might run (:func:`is_formula` decides)."""
    # CASE, so that only cells starting with = + - @ (code points 61, 43, 45, 64) meet the regex
    return (
        f"(case when ord({c}) in (61, 43, 45, 64) then not regexp_full_match({c}, "
        f"'{NUMBER_PATTERN}') and {c} not in ('-', '+') else false end)"
    )


def candidate_sql(c: str, safe: str | None = None) -> str:
    """SQL condition on column ``c``: cells that could hold an identifier (the precise checks of
    :func:`find_identifiers` decide). ``safe`` is a condition for cells known to hold none.
    """
    gate = f"when {safe} then false " if safe is not None else ""
    return (
        f"(case {gate}when length({c}) < {MIN_IDENTIFIER_LENGTH} then false "
        f"else regexp_matches({c}, '{CANDIDATES}') end)"
    )


FORMULA_MESSAGE = (
    "the cell starts with =, +, - or @ and is not a number, so a spreadsheet would run it as a "
    "formula when the file is opened; send values only (in Excel: Paste Special, Values)"
)


def cell_rules(value: str, identifiers: bool, birth_column: bool = False) -> list[str]:
    """The rules a suspect cell breaks: ``formula``, and (if ``identifiers``) each identifier
    kind found in it.

    The validation pass (:func:`ingestion.validate.check_values`) selects the cells that could
    break them in SQL (:func:`formula_candidate_sql`, :func:`candidate_sql`) and calls this on
    those cells only.
    """
    rules = ["formula"] if is_formula(value) else []
    if identifiers:
        rules.extend(f.kind for f in find_identifiers(value, birth_column))
    return rules


def reason_for(file: str, row: int, column: str, rule: str) -> Reason:
    """The reason for a formula or an identifier found in a cell (the value is never quoted)."""
    if rule == "formula":
        message = FORMULA_MESSAGE
    else:
        message = (
            f"the cell holds what looks like {LABELS[rule]}; this dataset must not identify "
            "anyone (protocol 1.3): remove it and send the file again"
        )
    return Reason(file=file, row=row, column=column, rule=rule, message=message)
