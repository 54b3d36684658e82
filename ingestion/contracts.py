"""The partner register and the dataset contracts: the information sharing protocol as data.

Two kinds of YAML file, both checked strictly when loaded (an unknown or misspelt field is an error
that names the file, the line and the field, never a ``KeyError`` in the middle of the night):

``ingestion/partners.yml``
    The register of Declarations of Acceptance and Participation (protocol section 3 and the DAP
    form): one entry per partner organisation, with the date it signed and, if it has left, the
    date it withdrew. Data from a partner that has not signed, or has withdrawn, is refused.

``ingestion/contracts/<partner>/<dataset>.yml``
    One Information Sharing Arrangement per shared dataset: the agreement (purpose, legal basis,
    data category, protective marking, retention, dates in force), how the file is delivered, the
    columns it must have, and the disclosure rule. The folder name is the partner id and the file
    name (without ``.yml``) is the dataset id; dataset ids are unique across partners because the
    raw zone is organised by dataset (``raw/<dataset_id>/``).

Adding a dataset means adding one contract file here (and one staging model in dbt); the nightly
run picks it up without any other change. A contract that cannot be used (malformed, its partner
missing from the register, its dataset id taken) holds up only its own dataset:
:func:`read_contracts` returns it as a :class:`BrokenContract`, and ingestion leaves that
dataset's files in the landing zone until it is mended, while every other dataset is taken in.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
    model_validator,
)

PACKAGE_DIR = Path(__file__).resolve().parent
PARTNERS_PATH = PACKAGE_DIR / "partners.yml"
CONTRACTS_DIR = PACKAGE_DIR / "contracts"

Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$")]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

Sector = Literal["statutory", "private", "voluntary"]
Category = Literal["aggregated", "depersonalised", "personal"]
Marking = Literal["OFFICIAL", "OFFICIAL-SENSITIVE"]
Cadence = Literal["monthly", "quarterly", "biannual", "annual", "ad_hoc"]
ColumnType = Literal["string", "integer", "decimal", "date"]
Role = Literal["area", "period", "measure", "dimension", "identifier"]
# The Core Evidence Report themes (seed 001), plus one for datasets that span several themes.
Theme = Literal[
    "population",
    "deprivation",
    "crime_and_disorder",
    "economy_and_worklessness",
    "housing",
    "health_and_wellbeing",
    "children_and_young_people",
    "environment",
    "transport",
    "cross_cutting",
]
# How the values of a ``period`` column are written (see :mod:`ingestion.periods`).
PeriodFormat = Literal[
    "financial_year", "academic_year", "quarter", "month", "calendar_year", "iso_date"
]
GeographyLevel = Literal[
    "country", "region", "local_authority", "area_committee", "ward", "lsoa", "postcode_sector"
]

# ISO 8601 duration, e.g. P7Y, P18M, P1Y6M, P90D.
ISO_DURATION = re.compile(r"^P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(\d+H)?(\d+M)?(\d+S)?)?$")


class ContractError(Exception):
    """A partner register or contract file that cannot be used; the message names file and line."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)


class Partner(_Strict):
    """One organisation's Declaration of Acceptance and Participation (DAP).

    ``designated_person`` is the role (not the name) of the person the protocol's section 4.4
    makes responsible for compliance; incidents are addressed to it (section 7.2).
    ``unverified`` lists the fields not yet checked against the signed DAP.
    """

    id: Identifier
    name: Text
    sector: Sector
    ico_registration: Text | None = None
    signed_on: date | None = None
    withdrawn_on: date | None = None
    designated_person: Text
    evidence: Text | None = None
    unverified: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _dates_and_flags(self) -> Partner:
        if self.withdrawn_on and self.signed_on and self.withdrawn_on < self.signed_on:
            raise ValueError("withdrawn_on is before signed_on")
        if self.withdrawn_on and not self.signed_on:
            raise ValueError("withdrawn_on is set but signed_on is not")
        unknown = sorted(set(self.unverified) - set(type(self).model_fields))
        if unknown:
            raise ValueError(f"unverified names fields that do not exist: {', '.join(unknown)}")
        return self

    def refusal_on(self, day: date) -> tuple[str, str] | None:
        """Why data received on ``day`` must be refused, as (rule, message); None if it may come."""
        if self.signed_on is None:
            return (
                "partner_not_signed",
                f"{self.name} has not signed the Declaration of Acceptance and Participation; "
                "its data cannot be received until the partner register records the signature",
            )
        if day < self.signed_on:
            return (
                "partner_not_signed",
                f"{self.name} signed the Declaration of Acceptance and Participation on "
                f"{self.signed_on.isoformat()}, after this file was received ({day.isoformat()})",
            )
        if self.withdrawn_on is not None and day >= self.withdrawn_on:
            return (
                "partner_withdrawn",
                f"{self.name} withdrew from the protocol on {self.withdrawn_on.isoformat()}; "
                "its data can no longer be received",
            )
        return None


class Column(_Strict):
    """One column of a dataset.

    Every column must be present in the file's header. ``required`` says that each row must have a
    value in it; ``allowed_values``, ``pattern`` (a regular expression the whole value must match;
    RE2 syntax, so no look-arounds) and ``minimum``/``maximum`` (integer and decimal columns) limit
    what the value may be. Empty cells are not checked against them.

    A column with role ``area`` holds area codes, each of which must be in the area lookup (the
    dbt seed ``areas.csv``, see :mod:`ingestion.areas`). ``period_format`` (optional, string
    columns with role ``period``) says how periods are written: ``financial_year`` (``2009/10``),
    ``academic_year`` (``2009/10``, September to August), ``quarter`` (``Q4 2009/10``, a quarter
    of the financial year), ``month`` (``2010-03``), ``calendar_year`` (``2010``) or ``iso_date``
    (``2010-03-31``); every value must then parse in that format.
    """

    name: Identifier
    type: ColumnType
    role: Role
    required: bool = False
    description: Text | None = None
    allowed_values: list[str] | None = Field(default=None, min_length=1)
    pattern: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    period_format: PeriodFormat | None = None

    @model_validator(mode="after")
    def _limits(self) -> Column:
        if self.period_format is not None and (self.role != "period" or self.type != "string"):
            raise ValueError("period_format applies to string columns with role period only")
        if (self.minimum is not None or self.maximum is not None) and self.type not in (
            "integer",
            "decimal",
        ):
            raise ValueError("minimum and maximum apply to integer and decimal columns only")
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValueError("minimum is greater than maximum")
        if self.allowed_values is not None and len(set(self.allowed_values)) != len(
            self.allowed_values
        ):
            raise ValueError("allowed_values lists a value twice")
        if self.pattern is not None:
            if re.search(r"\(\?<?[=!]", self.pattern):
                raise ValueError("pattern uses a look-around, which the RE2 engine cannot run")
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValueError(f"pattern is not a valid regular expression: {exc}") from exc
        return self


class LegalBasis(_Strict):
    """The power to share and, for personal data, the Data Protection Act conditions met."""

    power: Text
    schedule_2_condition: Text | None = None
    schedule_3_condition: Text | None = None


class Agreement(_Strict):
    """The Information Sharing Arrangement behind a dataset."""

    reference: Text
    purpose: Text
    legal_basis: LegalBasis
    category: Category
    sensitive: bool = False
    marking: Marking
    retention: str
    valid_from: date
    valid_to: date | None = None

    @field_validator("retention")
    @classmethod
    def _iso_duration(cls, value: str) -> str:
        if not ISO_DURATION.match(value):
            raise ValueError(f"{value!r} is not an ISO 8601 duration such as P7Y or P18M")
        return value

    @model_validator(mode="after")
    def _rules(self) -> Agreement:
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        if self.category == "personal":
            if self.legal_basis.schedule_2_condition is None:
                raise ValueError(
                    "personal data needs legal_basis.schedule_2_condition (protocol 1.3, 4.9)"
                )
            if self.sensitive and self.legal_basis.schedule_3_condition is None:
                raise ValueError(
                    "sensitive personal data needs legal_basis.schedule_3_condition too"
                )
            if self.sensitive and self.marking != "OFFICIAL-SENSITIVE":
                raise ValueError("sensitive personal data must be marked OFFICIAL-SENSITIVE")
        return self

    def refusal_on(self, day: date) -> tuple[str, str] | None:
        """Why the arrangement does not cover a file received on ``day``; None if it does."""
        if day < self.valid_from:
            return (
                "agreement_not_in_force",
                f"arrangement {self.reference} is in force from {self.valid_from.isoformat()}; "
                f"this file was received on {day.isoformat()}",
            )
        if self.valid_to is not None and day > self.valid_to:
            return (
                "agreement_not_in_force",
                f"arrangement {self.reference} ended on {self.valid_to.isoformat()}; "
                f"this file was received on {day.isoformat()}; renew the arrangement first",
            )
        return None


class Delivery(_Strict):
    """How the partner sends the file.

    ``due_day`` is the number of days after the end of the period a file covers by which it is
    due (used to report late submissions). ``header_row`` is the 1-based row of the header (for
    CSV, the line). ``file_pattern`` is a shell-style pattern the file name must match, e.g.
    ``ni_scorecards_*.csv``. CSV files use ``"`` to quote fields (RFC 4180). ``max_file_bytes``
    (optional) is the largest file accepted; a larger one is refused unread.
    """

    cadence: Cadence
    due_day: int | None = Field(default=None, ge=0, le=366)
    format: Literal["csv", "xlsx"]
    encoding: str = "utf-8"
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    sheet: Text | None = None
    header_row: int = Field(default=1, ge=1)
    file_pattern: Text | None = None
    max_file_bytes: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _format_options(self) -> Delivery:
        try:
            codecs.lookup(self.encoding)
        except LookupError as exc:
            raise ValueError(f"encoding {self.encoding!r} is not known to Python") from exc
        if self.sheet is not None and self.format != "xlsx":
            raise ValueError("sheet applies to xlsx files only")
        if self.delimiter in ('"', "\n", "\r"):
            raise ValueError("delimiter cannot be a quote or a line break")
        return self


class TableSchema(_Strict):
    """The columns of the file and the key that identifies one row."""

    key: list[Identifier] = Field(min_length=1)
    columns: list[Column] = Field(min_length=1)

    @model_validator(mode="after")
    def _keys(self) -> TableSchema:
        names = [c.name for c in self.columns]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"columns listed twice: {', '.join(twice)}")
        by_name = {c.name: c for c in self.columns}
        for name in self.key:
            if name not in by_name:
                raise ValueError(f"key column {name!r} is not one of the columns")
            if not by_name[name].required:
                raise ValueError(f"key column {name!r} must be required: true")
        return self

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


class Disclosure(_Strict):
    """Small-number suppression: counts below the threshold are hidden in anything partners see."""

    small_number_threshold: int | None = Field(default=None, ge=1)


class Contract(_Strict):
    """One dataset's contract; ``partner_id``, ``dataset_id`` and ``path`` come from its place.

    ``is_synthetic`` marks a dataset made by a generator rather than sent by the partner (the
    bundled demonstration extracts): it is carried to the catalogue so that anything built on it
    can say so.
    """

    partner_id: Identifier
    dataset_id: Identifier
    path: Path
    title: Text
    description: Text
    theme: Theme
    geography_level: GeographyLevel
    refresh_period: Cadence
    agreement: Agreement
    delivery: Delivery
    table: TableSchema = Field(alias="schema")
    disclosure: Disclosure = Field(default_factory=Disclosure)
    is_synthetic: bool = False

    model_config = ConfigDict(populate_by_name=True)

    @model_validator(mode="after")
    def _protocol(self) -> Contract:
        if self.agreement.category in ("aggregated", "depersonalised"):
            identifiers = [c.name for c in self.table.columns if c.role == "identifier"]
            if identifiers:
                raise ValueError(
                    f"{self.agreement.category} data carries nothing that identifies a person "
                    f"(protocol 1.3), so no column may have role identifier: "
                    f"{', '.join(identifiers)}"
                )
        return self

    @property
    def identifiers_forbidden(self) -> bool:
        """Whether values that identify a person are a breach in this dataset."""
        return self.agreement.category in ("aggregated", "depersonalised")


# --- loading ------------------------------------------------------------------------------------


def load_partners(path: str | Path | None = None) -> dict[str, Partner]:
    """Read the partner register (default ``ingestion/partners.yml``), keyed by partner id.

    Raises :class:`ContractError` naming the file, line and field of every problem.
    """
    path = Path(path) if path is not None else PARTNERS_PATH
    data, lines = _read_yaml(path)
    if not isinstance(data, list):
        raise ContractError(f"{path}:1: the partner register must be a list of partners")
    partners: dict[str, Partner] = {}
    problems: list[str] = []
    for index, entry in enumerate(data):
        try:
            partner = Partner.model_validate(entry)
        except ValidationError as exc:
            problems.extend(_describe(path, exc, lines, data, prefix=(index,)))
            continue
        if partner.id in partners:
            problems.append(
                f"{path}:{lines.get((index, 'id'), 1)}: [{index}].id: {partner.id!r} twice"
            )
        partners[partner.id] = partner
    if problems:
        raise ContractError("\n".join(problems))
    return partners


def load_contract(path: str | Path) -> Contract:
    """Read one contract file; its folder names the partner and its file name the dataset."""
    path = Path(path)
    data, lines = _read_yaml(path)
    if not isinstance(data, dict):
        raise ContractError(f"{path}:1: a contract must be a mapping of fields")
    for derived in ("partner_id", "dataset_id", "path"):
        if derived in data:
            raise ContractError(
                f"{path}:{lines.get((derived,), 1)}: {derived}: set by the file's location "
                "(contracts/<partner>/<dataset>.yml); remove it"
            )
    located = {
        **data,
        "partner_id": path.parent.name,
        "dataset_id": path.stem,
        "path": path,
    }
    try:
        return Contract.model_validate(located)
    except ValidationError as exc:
        raise ContractError("\n".join(_describe(path, exc, lines, data))) from None


@dataclass(frozen=True)
class BrokenContract:
    """A contract file that cannot be used, and why (``problem`` names the file and line)."""

    path: Path
    problem: str

    @property
    def folder(self) -> tuple[str, str]:
        """The landing folder (partner, dataset) whose files wait until the contract is mended."""
        return self.path.parent.name, self.path.stem


def read_contracts(
    root: str | Path | None = None, partners: dict[str, Partner] | None = None
) -> tuple[dict[str, Contract], list[BrokenContract]]:
    """Read every ``<partner>/<dataset>.yml`` under ``root``, keeping the good from the broken.

    Returns the usable contracts keyed by dataset id, sorted, and the broken ones: files that do
    not validate, ``.yaml`` files, contracts that share a dataset id (all of them: which was meant
    is not for ingestion to guess), and, when ``partners`` is given, contracts of a partner that
    is not in the register. A contract being written while this runs reads as broken and is
    picked up by the next run.
    """
    root = Path(root) if root is not None else CONTRACTS_DIR
    broken = [
        BrokenContract(path, f"{path}:1: contracts are named <dataset>.yml; rename it")
        for path in sorted(root.glob("*/*.yaml"))
    ]
    loaded: dict[str, list[Contract]] = {}
    for path in sorted(root.glob("*/*.yml")):
        try:
            contract = load_contract(path)
        except ContractError as exc:
            broken.append(BrokenContract(path, str(exc)))
            continue
        loaded.setdefault(contract.dataset_id, []).append(contract)
    contracts: dict[str, Contract] = {}
    for dataset_id, same in loaded.items():
        if len(same) > 1:
            for contract in same:
                others = ", ".join(str(c.path) for c in same if c is not contract)
                broken.append(
                    BrokenContract(
                        contract.path,
                        f"{contract.path}:1: dataset id {dataset_id!r} is already used by "
                        f"{others}; dataset ids must be unique across partners",
                    )
                )
            continue
        contract = same[0]
        if partners is not None and contract.partner_id not in partners:
            broken.append(BrokenContract(contract.path, _unregistered(contract)))
            continue
        contracts[dataset_id] = contract
    return dict(sorted(contracts.items())), sorted(broken, key=lambda b: b.path)


def load_contracts(root: str | Path | None = None) -> dict[str, Contract]:
    """Read every ``<partner>/<dataset>.yml`` under ``root`` (default ``ingestion/contracts``).

    Returns the contracts keyed by dataset id, sorted. Raises :class:`ContractError` listing every
    broken file, or when two partners declare the same dataset id.
    """
    contracts, broken = read_contracts(root)
    if broken:
        raise ContractError("\n".join(b.problem for b in broken))
    return contracts


def check_register(contracts: dict[str, Contract], partners: dict[str, Partner]) -> None:
    """Raise :class:`ContractError` if a contract belongs to a partner missing from the register."""
    problems = [_unregistered(c) for c in contracts.values() if c.partner_id not in partners]
    if problems:
        raise ContractError("\n".join(problems))


def _unregistered(contract: Contract) -> str:
    return (
        f"{contract.path}:1: partner {contract.partner_id!r} (the folder name) is not in the "
        "partner register"
    )


# --- YAML with line numbers ---------------------------------------------------------------------

Location = tuple[Any, ...]


def _read_yaml(path: Path) -> tuple[Any, dict[Location, int]]:
    """Parse a YAML file and map each field's location (keys and list indexes) to its line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ContractError(f"{path}: cannot be read: {exc.strerror}") from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        problem = getattr(exc, "problem", None) or str(exc)
        raise ContractError(f"{path}:{line}: not valid YAML: {problem}") from None
    if node is None:
        raise ContractError(f"{path}:1: the file is empty")
    lines: dict[Location, int] = {}
    problems: list[str] = []

    def walk(current: yaml.Node, location: Location) -> None:
        if isinstance(current, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in current.value:
                key = key_node.value
                if key in seen:
                    problems.append(f"{path}:{key_node.start_mark.line + 1}: {key!r} given twice")
                seen.add(key)
                lines[(*location, key)] = key_node.start_mark.line + 1
                walk(value_node, (*location, key))
        elif isinstance(current, yaml.SequenceNode):
            for index, item in enumerate(current.value):
                lines[(*location, index)] = item.start_mark.line + 1
                walk(item, (*location, index))

    lines[()] = node.start_mark.line + 1
    walk(node, ())
    if problems:
        raise ContractError("\n".join(problems))
    return data, lines


_FRIENDLY = {
    "extra_forbidden": "unknown field (check its spelling)",
    "missing": "missing field",
}


def _describe(
    path: Path,
    exc: ValidationError,
    lines: dict[Location, int],
    data: Any,
    prefix: Location = (),
) -> list[str]:
    """One ``file:line: field: message`` per validation error."""
    described = []
    for error in exc.errors():
        location = (*prefix, *error["loc"])
        line = next(
            (lines[location[:n]] for n in range(len(location), -1, -1) if location[:n] in lines),
            1,
        )
        message = _FRIENDLY.get(error["type"], error["msg"])
        if message.startswith("Value error, "):
            message = message.removeprefix("Value error, ")
        described.append(f"{path}:{line}: {_dotted(location, data)}: {message}")
    return described


def _dotted(location: Location, data: Any) -> str:
    """``schema.columns[3] (quartile).type`` from a location tuple, naming listed items."""
    text = ""
    current = data
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
            current = current[part] if isinstance(current, list) and part < len(current) else None
            if isinstance(current, dict):
                label = current.get("id") or current.get("name")
                if isinstance(label, str):
                    text += f" ({label})"
        else:
            text += f".{part}" if text else str(part)
            current = current.get(part) if isinstance(current, dict) else None
    return text or "(file)"
