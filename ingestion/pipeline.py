"""Taking in what partners dropped in the landing zone, one file at a time.

For every file under ``data/landing/<partner>/<dataset>/``:

1. copy it to ``archive/<sha256>.<ext>`` while hashing it (the bytes checked are the bytes kept);
2. identify its contract by its folder; a file in no contract's folder is rejected;
3. recognise a file already accepted for the dataset (same SHA-256) as a ``duplicate``;
4. check the protocol and the contract: the partner has signed and not withdrawn, the
   arrangement is in force on the day received, the file reads, the columns, values and key are
   as agreed, no spreadsheet formulas, and for aggregated or depersonalised data nothing that
   identifies a person (:mod:`validate`, :mod:`identifiers`);
5. accepted: write every row, typed by the contract, with lineage columns to
   ``raw/<dataset>/<submission_id>.parquet``; rejected: copy the file whole to
   ``quarantine/<submission_id>/`` with ``reason.txt`` (zero rows load), and log an incident
   for the partner's Designated Person if the protocol was breached (:mod:`incidents`);
6. write the manifest (:mod:`manifest`), and only then remove the file from the landing zone.

Every write is atomic (:mod:`atomic`) and every name is derived from the file's content, so a
crash at any point leaves a state that the next run completes: it finds the file still in the
landing zone, rewrites the same archive, raw or quarantine files and manifest under the same
submission id, and never loads a row twice. A manifest records which landing file it came from
(path, modification and change times), so a file whose manifest was written just before a crash
is recognised and only removed, not recorded again.

Submission ids: ``<dataset_id>-<first 12 hex of sha256>`` for content first seen for the dataset;
a later delivery of the same content (a duplicate, or a resubmission of a rejected file, which is
checked again because the partner's or the arrangement's status may have changed) gets ``-2``,
``-3``... Files matching no contract use ``unrecognised`` in place of the dataset id.

The time a file is received is the time ingestion takes it from the landing zone (file times in
the landing zone are not trusted: copy tools often keep the sender's). Dates in force are compared
on the London calendar day.

Files whose names start with ``.`` or ``~$``, or end ``.part``, ``.partial``, ``.tmp``,
``.filepart`` or ``.crdownload``, are uploads still in progress (or office lock files) and are
left alone. Runs on the same dataset take turns (a lock file per dataset under ``data/.locks``);
a run starts by removing the temporary files that a killed run left in the folders it writes.

Contracts are read afresh by every run, so a dataset whose contract is added (by someone else,
while runs go on) is taken in from the next run. A contract that cannot be used holds up only its
own folder: its files stay in the landing zone, every other file is processed, and the run then
fails naming the contract. Every run also rewrites the catalogue of the usable contracts
(:mod:`ingestion.catalogue`).
"""

from __future__ import annotations

import fcntl
import fnmatch
import logging
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from ingestion import atomic, catalogue, identifiers, pseudonymise
from ingestion.areas import load_area_codes
from ingestion.contracts import (
    BrokenContract,
    Contract,
    ContractError,
    Partner,
    load_partners,
    read_contracts,
)
from ingestion.incidents import BREACH_SECTIONS, Incident, breaches_in, write_incident
from ingestion.layout import Layout
from ingestion.manifest import Check, Manifest, Reason, read_manifests, to_utc, write_manifest
from ingestion.readers import (
    RELATION,
    ReadError,
    Submission,
    new_connection,
    read_submission,
)
from ingestion.validate import Problems, check_header, check_values

log = logging.getLogger("ingestion")

UNRECOGNISED = "unrecognised"
REASON_FILE = "reason.txt"
IN_PROGRESS_SUFFIXES = (".part", ".partial", ".tmp", ".filepart", ".crdownload")
LONDON = ZoneInfo("Europe/London")
FORMAT_SUFFIXES = {"csv": ".csv", "xlsx": ".xlsx"}
DUCKDB_TYPES = {"string": "varchar", "integer": "bigint", "decimal": "double", "date": "date"}

IDENTIFIER_RULES = ("identifier_column", *identifiers.LABELS)
CHECKS: list[tuple[str, tuple[str, ...], str]] = [
    # (check name, rules whose problems fail it, detail when it passes)
    ("file_name", ("file_format", "file_name"), "name and format as the contract says"),
    ("file_size", ("file_too_large",), "within the agreed size"),
    ("partner_signed", ("partner_not_signed", "partner_withdrawn"), "signed"),
    ("agreement_in_force", ("agreement_not_in_force",), "in force"),
    ("readable", ("empty_file", "no_rows", "parse", "encoding", "sheet"), "read"),
    ("columns", ("header", "duplicate_column", "missing_column", "unexpected_column"), "as agreed"),
    ("no_formulas", ("formula",), "no cell would run as a formula"),
    ("no_identifiers", IDENTIFIER_RULES, "nothing that identifies a person"),
    ("required", ("required",), "every required cell has a value"),
    ("types", ("type",), "every value has its column's type"),
    ("allowed_values", ("allowed_values", "pattern"), "every value is allowed"),
    ("known_areas", ("unknown_area",), "every area code is in the area lookup"),
    ("periods", ("period_format",), "every period in the agreed format"),
    ("ranges", ("minimum", "maximum"), "every value within its range"),
    ("unique_key", ("duplicate_key",), "no key repeats"),
]


class IngestionFailed(RuntimeError):
    """Some files could not be processed (not rejected: broken); they stay in the landing zone."""


class _AreaLookup:
    """The area lookup, read once per run and only if a file needs it."""

    def __init__(self, path: str | os.PathLike[str] | None) -> None:
        self.path = path
        self._codes: frozenset[str] | None = None

    def codes_for(self, contract: Contract) -> frozenset[str] | None:
        if not any(c.role == "area" for c in contract.table.columns):
            return None
        if self._codes is None:
            self._codes = load_area_codes(self.path)
        return self._codes


@dataclass
class Assessment:
    """The verdict on one file: the checks run, the problems found, the rows read."""

    checks: list[Check]
    problems: Problems
    rows_read: int
    submission: Submission | None = None

    @property
    def accepted(self) -> bool:
        return self.problems.total == 0

    @property
    def breaches(self) -> dict[str, int]:
        return {r: n for r, n in self.problems.counts.items() if r in BREACH_SECTIONS and n}


@dataclass
class _History:
    """What the manifests say has already been received, kept up to date during a run."""

    by_content: dict[tuple[str | None, str], list[Manifest]] = field(default_factory=dict)
    ids: set[str] = field(default_factory=set)

    @classmethod
    def read(cls, layout: Layout) -> _History:
        history = cls()
        for manifest in read_manifests(layout.manifests):
            history.add(manifest)
        return history

    def add(self, manifest: Manifest) -> None:
        key = (manifest.dataset_id, manifest.sha256)
        self.by_content.setdefault(key, []).append(manifest)
        self.ids.add(manifest.submission_id)

    def same_content(self, dataset_id: str | None, sha256: str) -> list[Manifest]:
        return self.by_content.get((dataset_id, sha256), [])

    def next_id(self, dataset_id: str | None, sha256: str) -> str:
        base = f"{dataset_id or UNRECOGNISED}-{sha256[:12]}"
        if base not in self.ids:
            return base
        n = 2
        while f"{base}-{n}" in self.ids:
            n += 1
        return f"{base}-{n}"


# --- public entry points ------------------------------------------------------------------------


def ingest_landing(
    data_dir: str | os.PathLike[str] | None = None,
    dataset_id: str | None = None,
    *,
    contracts_dir: str | os.PathLike[str] | None = None,
    partners_path: str | os.PathLike[str] | None = None,
    areas_path: str | os.PathLike[str] | None = None,
    received_at: datetime | None = None,
) -> list[Manifest]:
    """Ingest every file in the landing zone, or only those of one dataset.

    ``data_dir`` defaults to ``$UNDERSTOOD_DATA_DIR``; ``dataset_id`` limits the run to
    ``landing/<partner>/<dataset_id>/`` (a scheduler runs one task per contract), otherwise every
    file is taken, including those in no contract's folder. ``areas_path`` is the area lookup
    (:mod:`ingestion.areas`). ``received_at`` fixes the time recorded as received (default: now).
    Returns one manifest per file, in the order processed. Writes the catalogue first.

    A rejected file is a normal outcome. Raises :class:`IngestionFailed` after the other files
    are done if any file could not be processed or waits for a broken contract, and
    ``ContractError`` if the partner register is broken or ``dataset_id``'s own contract is.
    """
    layout = Layout.of(data_dir)
    partners = load_partners(partners_path)
    contracts, broken = read_contracts(contracts_dir, partners)
    catalogue.write_catalogue(layout, contracts, partners)
    if dataset_id is not None and dataset_id not in contracts:
        own = [b.problem for b in broken if b.folder[1] == dataset_id]
        if own:
            raise ContractError("\n".join(own))
        raise ValueError(
            f"no contract for dataset {dataset_id!r}; contracts: {', '.join(contracts) or 'none'}"
        )
    landed = list(_landed(layout, contracts, broken))
    files = [
        (path, contract)
        for path, contract in landed
        if dataset_id is None or (contract is not None and contract.dataset_id == dataset_id)
    ]
    waiting = _waiting(layout, broken) if dataset_id is None else []
    scope = f"dataset {dataset_id}" if dataset_id else "all datasets"
    return _ingest(layout, files, partners, received_at, scope, areas_path, waiting)


def ingest_unrecognised(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    contracts_dir: str | os.PathLike[str] | None = None,
    partners_path: str | os.PathLike[str] | None = None,
    received_at: datetime | None = None,
) -> list[Manifest]:
    """Reject and quarantine the files that are in no contract's folder, so none is lost.

    The complement of running :func:`ingest_landing` once per dataset. Files in the folder of a
    broken contract are not "in no contract's folder": they wait for the contract to be mended.
    """
    layout = Layout.of(data_dir)
    partners = load_partners(partners_path)
    contracts, broken = read_contracts(contracts_dir, partners)
    catalogue.write_catalogue(layout, contracts, partners)
    files = [(path, c) for path, c in _landed(layout, contracts, broken) if c is None]
    return _ingest(layout, files, partners, received_at, "files in no contract's folder")


def summarise(manifests: Iterable[Manifest]) -> dict[str, int]:
    """Counts of outcomes (and incidents) for a list of manifests."""
    manifests = list(manifests)
    counts = {
        outcome: sum(m.outcome == outcome for m in manifests)
        for outcome in ("accepted", "rejected", "duplicate")
    }
    counts["incidents"] = sum(m.incident_path is not None for m in manifests)
    return counts


def check_file(
    path: str | os.PathLike[str],
    dataset_id: str,
    *,
    contracts_dir: str | os.PathLike[str] | None = None,
    partners_path: str | os.PathLike[str] | None = None,
    areas_path: str | os.PathLike[str] | None = None,
    received_at: datetime | None = None,
) -> Assessment:
    """Check one file against a dataset's contract as if it were received now; write nothing."""
    partners = load_partners(partners_path)
    contracts, broken = read_contracts(contracts_dir)
    if dataset_id not in contracts:
        own = [b.problem for b in broken if b.folder[1] == dataset_id]
        if own:
            raise ContractError("\n".join(own))
        raise ValueError(
            f"no contract for dataset {dataset_id!r}; contracts: {', '.join(contracts) or 'none'}"
        )
    path = Path(path)
    contract = contracts[dataset_id]
    with _connection() as con:
        return assess(
            path,
            contract,
            partners.get(contract.partner_id),
            received_at or _now(),
            con,
            area_codes=_AreaLookup(areas_path).codes_for(contract),
        )


def assess(
    path: Path,
    contract: Contract,
    partner: Partner | None,
    received_at: datetime,
    con: duckdb.DuckDBPyConnection,
    source_name: str | None = None,
    area_codes: frozenset[str] | None = None,
) -> Assessment:
    """Run every check of the protocol and the contract on ``path``.

    ``con`` is a fresh DuckDB connection; the file is read into it, and on acceptance the
    relation ``submission`` there holds the rows to load. ``area_codes`` is the area lookup,
    which a contract with an ``area`` column needs.
    """
    file = source_name or path.name
    problems = Problems()
    day = received_day(received_at)

    problems.extend(_check_file_name(file, contract))
    size = path.stat().st_size
    limit = contract.delivery.max_file_bytes
    if limit is not None and size > limit:
        problems.add(
            Reason(
                file=file,
                rule="file_too_large",
                message=f"the file is {size:,} bytes, more than the {limit:,} the contract "
                "allows; split it by period, or agree a larger size in the contract",
            )
        )
    if partner is None:
        problems.add(
            Reason(
                file=file,
                rule="partner_not_signed",
                message=f"{contract.partner_id!r} is not in the partner register",
            )
        )
    elif refusal := partner.refusal_on(day):
        problems.add(Reason(file=file, rule=refusal[0], message=refusal[1]))
    if refusal := contract.agreement.refusal_on(day):
        problems.add(Reason(file=file, rule=refusal[0], message=refusal[1]))

    submission = None
    run = {"file_name", "file_size", "partner_signed", "agreement_in_force"}
    if not problems.count("file_format", "file_too_large"):
        run.add("readable")
        try:
            submission = read_submission(path, contract.delivery, con, file)
        except ReadError as exc:
            problems.add(exc.reason)
    if submission is not None:
        problems.extend(submission.problems)
        if submission.rows == 0:
            problems.add(
                Reason(
                    file=file,
                    rule="no_rows",
                    message="the file has a header but no data rows; send the file with its rows",
                )
            )
        problems.extend(check_header(submission.header, contract, file))
        check_values(submission, contract, file, problems, area_codes)
        run |= {name for name, _, _ in CHECKS}
        if not contract.identifiers_forbidden:
            run.discard("no_identifiers")
    passed = {
        "partner_signed": f"{partner.name} signed on {partner.signed_on}" if partner else "",
        "agreement_in_force": f"{contract.agreement.reference} in force on {day.isoformat()}",
        "readable": f"{submission.rows} data rows" if submission else "",
        "columns": f"the {len(contract.table.columns)} agreed columns" if submission else "",
    }
    checks = [
        _check(name, rules, passed.get(name, ok), problems)
        for name, rules, ok in CHECKS
        if name in run
    ]
    return Assessment(
        checks=checks,
        problems=problems,
        rows_read=submission.rows if submission else 0,
        submission=submission,
    )


# --- one run ------------------------------------------------------------------------------------


def _ingest(
    layout: Layout,
    files: list[tuple[Path, Contract | None]],
    partners: dict[str, Partner],
    received_at: datetime | None,
    scope: str,
    areas_path: str | os.PathLike[str] | None = None,
    waiting: list[str] | None = None,
) -> list[Manifest]:
    manifests: list[Manifest] = []
    broken: list[str] = []
    areas = _AreaLookup(areas_path)
    names = {_lock_name(c) for _, c in files}
    with _locks(layout, names):
        _remove_stale(layout, names)
        history = _History.read(layout)
        for number, (path, contract) in enumerate(files, start=1):
            relative = path.relative_to(layout.landing).as_posix()
            try:
                manifest = _process(
                    layout, path, contract, partners, history, received_at or _now(), areas
                )
            except Exception:
                log.exception(
                    "[%d/%d] %s: FAILED, left in the landing zone", number, len(files), relative
                )
                broken.append(relative)
                continue
            manifests.append(manifest)
            log.info("[%d/%d] %s: %s", number, len(files), relative, _describe(manifest, partners))
    counts = summarise(manifests)
    log.info(
        "ingest: %d accepted, %d rejected, %d duplicate (%s%s)",
        counts["accepted"],
        counts["rejected"],
        counts["duplicate"],
        scope,
        f"; {counts['incidents']} incident(s) logged" if counts["incidents"] else "",
    )
    problems = []
    if broken:
        problems.append(
            f"{len(broken)} file(s) could not be processed and are still in the landing zone: "
            + ", ".join(broken)
        )
    if waiting:
        problems.append(_waiting_message(waiting))
    if problems:
        raise IngestionFailed("; ".join(problems))
    return manifests


def _waiting_message(waiting: list[str]) -> str:
    return (
        f"{len(waiting)} contract(s) cannot be used, so their files wait in the landing zone: "
        + "; ".join(waiting)
    )


def _process(
    layout: Layout,
    path: Path,
    contract: Contract | None,
    partners: dict[str, Partner],
    history: _History,
    received_at: datetime,
    areas: _AreaLookup,
) -> Manifest:
    relative = path.relative_to(layout.landing)
    landed = path.stat()
    mtime_ns, ctime_ns = landed.st_mtime_ns, landed.st_ctime_ns
    # Before anything is written: without a key, fail and keep the file in the landing zone.
    key = pseudonymise.key_from_env() if contract and _needs_key(contract) else None
    suffix = path.suffix.lower() if path.suffix else ".bin"
    archived, sha256, size = atomic.copy_hashing(path, layout.archive, suffix)
    dataset_id = contract.dataset_id if contract else None
    earlier = history.same_content(dataset_id, sha256)

    # A crash after the manifest was written but before the landing file was removed.
    for manifest in earlier:
        if (
            manifest.landing_path == relative.as_posix()
            and manifest.landing_mtime_ns == mtime_ns
            and manifest.landing_ctime_ns in (None, ctime_ns)
        ):
            _remove_landed(path)
            return manifest

    partner_folder = relative.parts[0] if len(relative.parts) > 1 else None
    base = Manifest(
        submission_id=history.next_id(dataset_id, sha256),
        partner_id=contract.partner_id if contract else _known(partner_folder, partners),
        dataset_id=dataset_id,
        source_file=path.name,
        sha256=sha256,
        size_bytes=size,
        received_at=received_at,
        outcome="rejected",
        archive_path=layout.relative(archived),
        landing_path=relative.as_posix(),
        landing_mtime_ns=mtime_ns,
        landing_ctime_ns=ctime_ns,
    )
    accepted_before = next((m for m in earlier if m.outcome == "accepted"), None)
    if contract is None:
        manifest = _reject_unrecognised(layout, base, archived, relative)
    elif accepted_before is not None:
        manifest = base.model_copy(
            update={
                "outcome": "duplicate",
                "duplicate_of": accepted_before.submission_id,
                "checks": [
                    Check(name="contract", passed=True, detail=f"dataset {dataset_id}"),
                    Check(
                        name="new_content",
                        passed=False,
                        detail=f"the same bytes were accepted as {accepted_before.submission_id}",
                    ),
                ],
            }
        )
    else:
        area_codes = areas.codes_for(contract)
        manifest = _assess_and_store(layout, base, archived, contract, partners, key, area_codes)
    write_manifest(layout.manifests, manifest)
    history.add(manifest)
    _remove_landed(path)
    return manifest


def _assess_and_store(
    layout: Layout,
    base: Manifest,
    archived: Path,
    contract: Contract,
    partners: dict[str, Partner],
    key: bytes | None,
    area_codes: frozenset[str] | None = None,
) -> Manifest:
    """Check the archived copy; write its rows to the raw zone, or quarantine it."""
    partner = partners.get(contract.partner_id)
    submission_id = base.submission_id
    raw_path = layout.raw / contract.dataset_id / f"{submission_id}.parquet"
    # Files an earlier attempt at this submission may have left if it crashed before its manifest
    # and the verdict has changed since (the contract or the register was corrected meanwhile).
    stale_quarantine = layout.quarantine / submission_id
    stale_incident = layout.incidents / f"{submission_id}.json"
    with _connection() as con:
        verdict = assess(
            archived, contract, partner, base.received_at, con, base.source_file, area_codes
        )
        checks = [Check(name="contract", passed=True, detail=f"dataset {contract.dataset_id}")]
        checks += verdict.checks
        manifest = base.model_copy(
            update={
                "rows_read": verdict.rows_read,
                "reasons": verdict.problems.listed,
                "reasons_total": verdict.problems.total,
            }
        )
        if verdict.accepted:
            assert verdict.submission is not None
            rows = _write_raw(verdict.submission, contract, base, raw_path, key)
            hashed = [c.name for c in contract.table.columns if c.role == "identifier"]
            if key is not None:
                detail = f"keyed hashes in place of {', '.join(hashed)}"
                checks.append(Check(name="pseudonymised", passed=True, detail=detail))
            shutil.rmtree(stale_quarantine, ignore_errors=True)
            stale_incident.unlink(missing_ok=True)
            return manifest.model_copy(
                update={
                    "outcome": "accepted",
                    "checks": checks,
                    "rows_loaded": rows,
                    "raw_path": layout.relative(raw_path),
                }
            )
    raw_path.unlink(missing_ok=True)
    manifest = manifest.model_copy(update={"checks": checks})
    if verdict.breaches and partner is not None:
        incident = _log_incident(layout, manifest, contract, partner, verdict)
        manifest = manifest.model_copy(update={"incident_path": layout.relative(incident)})
    else:
        stale_incident.unlink(missing_ok=True)
    return _quarantine(layout, manifest, archived, partner)


def _reject_unrecognised(
    layout: Layout, base: Manifest, archived: Path, relative: Path
) -> Manifest:
    expected = "landing/<partner>/<dataset>/<file>"
    if len(relative.parts) == 3:
        message = (
            f"no contract covers {relative.parts[0]}/{relative.parts[1]}/: the partner folder or "
            "dataset folder is not one agreed in a contract (ingestion/contracts/"
            "<partner>/<dataset>.yml); deliver to the folder of the agreed dataset"
        )
    else:
        message = f"files must be delivered to {expected}; this one is at landing/{relative}"
    reason = Reason(file=base.source_file, rule="contract", message=message)
    manifest = base.model_copy(
        update={
            "checks": [Check(name="contract", passed=False, detail=message)],
            "reasons": [reason],
            "reasons_total": 1,
        }
    )
    return _quarantine(layout, manifest, archived, None)


def _quarantine(
    layout: Layout, manifest: Manifest, archived: Path, partner: Partner | None
) -> Manifest:
    """Copy the file as sent, with ``reason.txt``, to ``quarantine/<submission_id>/``."""
    folder = layout.quarantine / manifest.submission_id
    name = manifest.source_file if manifest.source_file != REASON_FILE else f"sent-{REASON_FILE}"
    atomic.copy_file(archived, folder / name)
    atomic.write_text(folder / REASON_FILE, _reason_text(manifest, partner))
    return manifest.model_copy(update={"quarantine_path": layout.relative(folder)})


def _write_raw(
    submission: Submission,
    contract: Contract,
    manifest: Manifest,
    target: Path,
    key: bytes | None,
) -> int:
    """Write the accepted rows, typed, with lineage columns, to ``target``; return the count.

    DuckDB writes the Parquet file straight from the submission table, in file order (the
    table is in file order, and DuckDB keeps insertion order), without the rows passing through
    Python.
    """
    con = submission.con
    typed, joins = [], []
    for number, column in enumerate(contract.table.columns):
        c = submission.column_sql(column.name)
        if column.role == "identifier" and key is not None:
            table = f"pseudonyms_{number}"
            pseudonymise.pseudonym_table(con, RELATION, c, key, table)
            joins.append(f"left join {table} on {table}.value = {RELATION}.{c}")
            typed.append(f"{table}.pseudonym as {column.name}")
        else:
            typed.append(f"cast({RELATION}.{c} as {DUCKDB_TYPES[column.type]}) as {column.name}")
    received = manifest.received_at.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
    # Literals, not parameters: DuckDB folds a literal once, a parameter costs per row.
    lineage = (
        f"{_constant(con, 'submission_id', manifest.submission_id)} as _submission_id, "
        f"{_constant(con, 'partner_id', contract.partner_id)} as _partner_id, "
        f"{_constant(con, 'dataset_id', contract.dataset_id)} as _dataset_id, "
        f"{_constant(con, 'source_file', manifest.source_file)} as _source_file, "
        f"{RELATION}._source_row::bigint as _source_row, "
        f"{_literal(received)}::timestamp as _received_at, "
        f"{_constant(con, 'marking', contract.agreement.marking)} as _marking, "
        f"{str(contract.agreement.sensitive).lower()} as _is_sensitive"
    )
    # A join may reorder rows; only then is the file order restored by sorting.
    order = f"order by {RELATION}._source_row" if joins else ""
    with atomic.replacing(target) as temporary:
        con.execute(
            f"copy (select {', '.join(typed)}, {lineage} from {RELATION} {' '.join(joins)} "
            f"{order}) to {_literal(str(temporary))} (format parquet, compression zstd)"
        )
    return submission.rows


def _constant(con: duckdb.DuckDBPyConnection, name: str, text: str) -> str:
    """SQL for a text the same in every row, written to Parquet as a string column.

    As a one-value ENUM rather than a VARCHAR: Parquet stores both as a dictionary-encoded
    string (the file's schema and what every reader sees are the same), but DuckDB writes an
    ENUM's codes directly instead of looking every row's text up in a dictionary, which made
    the lineage columns cost as much to write as all the data columns.
    """
    con.execute(f"create type lineage_{name} as enum ({_literal(text)})")
    return f"{_literal(text)}::lineage_{name}"


def _literal(text: str) -> str:
    """``text`` as a SQL string literal (quotes doubled; DuckDB gives backslashes no meaning)."""
    return "'" + text.replace("'", "''") + "'"


def _log_incident(
    layout: Layout,
    manifest: Manifest,
    contract: Contract,
    partner: Partner,
    verdict: Assessment,
) -> Path:
    incident = Incident(
        incident_id=manifest.submission_id,
        detected_at=manifest.received_at,
        submission_id=manifest.submission_id,
        partner_id=partner.id,
        partner_name=partner.name,
        dataset_id=contract.dataset_id,
        source_file=manifest.source_file,
        sha256=manifest.sha256,
        report_to=f"{partner.designated_person}, {partner.name}",
        breaches=breaches_in(verdict.problems.counts, verdict.problems.examples),
        action_taken="The file was quarantined whole and no rows were loaded.",
        quarantine_path=layout.relative(layout.quarantine / manifest.submission_id),
    )
    return write_incident(layout.incidents, incident)


# --- the steps, one by one ---------------------------------------------------------------------


def _landed(
    layout: Layout, contracts: dict[str, Contract], broken: list[BrokenContract] | None = None
) -> Iterator[tuple[Path, Contract | None]]:
    """Every file waiting in the landing zone, sorted, with the contract of its folder if any.

    Files in the folder of a broken contract are left out: they wait for it to be mended.
    """
    if not layout.landing.is_dir():
        return
    by_folder = {(c.partner_id, c.dataset_id): c for c in contracts.values()}
    held = {b.folder for b in broken or []}
    found = []
    for folder, subfolders, names in os.walk(layout.landing):
        subfolders[:] = [s for s in subfolders if not s.startswith(".")]
        for name in names:
            path = Path(folder) / name
            if name.startswith((".", "~$")) or name.lower().endswith(IN_PROGRESS_SUFFIXES):
                continue
            if path.is_symlink() or not path.is_file():
                log.warning("%s: not a regular file; left alone", path)
                continue
            found.append(path)
    for path in sorted(found):
        parts = path.relative_to(layout.landing).parts
        if len(parts) == 3 and (parts[0], parts[1]) in held:
            continue
        contract = by_folder.get((parts[0], parts[1])) if len(parts) == 3 else None
        yield path, contract


def _waiting(layout: Layout, broken: list[BrokenContract]) -> list[str]:
    """A line per broken contract whose folder has files waiting, logged as a warning."""
    lines = []
    for contract in broken:
        partner, dataset = contract.folder
        folder = layout.landing / partner / dataset
        count = sum(1 for p in folder.glob("*") if p.is_file()) if folder.is_dir() else 0
        log.warning("%s (its contract cannot be used)", contract.problem)
        if count:
            lines.append(f"landing/{partner}/{dataset}/ ({count} file(s)): {contract.problem}")
    return lines


def _check_file_name(file: str, contract: Contract) -> Iterator[Reason]:
    delivery = contract.delivery
    expected_suffix = FORMAT_SUFFIXES[delivery.format]
    if not file.lower().endswith(expected_suffix):
        yield Reason(
            file=file,
            rule="file_format",
            message=f"the contract expects a {delivery.format.upper()} file ending "
            f"{expected_suffix}; send the data in the agreed format",
        )
    if delivery.file_pattern and not fnmatch.fnmatchcase(file, delivery.file_pattern):
        yield Reason(
            file=file,
            rule="file_name",
            message=f"the file name does not match the agreed pattern {delivery.file_pattern!r}; "
            "rename the file and send it again",
        )


def _check(name: str, rules: tuple[str, ...], ok: str, problems: Problems) -> Check:
    found = {r: problems.counts[r] for r in rules if problems.counts[r]}
    if not found:
        return Check(name=name, passed=True, detail=ok)
    detail = ", ".join(f"{n} {rule}" for rule, n in found.items())
    return Check(name=name, passed=False, detail=detail)


def _describe(manifest: Manifest, partners: dict[str, Partner]) -> str:
    if manifest.outcome == "accepted":
        return f"accepted, {manifest.rows_loaded} rows"
    if manifest.outcome == "duplicate":
        return f"duplicate of {manifest.duplicate_of}, 0 rows"
    first = manifest.reasons[0] if manifest.reasons else None
    text = f"rejected, {manifest.reasons_total} problem(s), quarantined"
    if first is not None:
        text += f"; first: {first}"
    if manifest.incident_path:
        partner = partners.get(manifest.partner_id or "")
        who = partner.designated_person if partner else "the Designated Person"
        text += f"; incident logged for the {who}"
    return text


def _reason_text(manifest: Manifest, partner: Partner | None) -> str:
    folder = (manifest.landing_path or "?").split("/")[0]
    sender = (
        f"{partner.name} ({partner.id})"
        if partner
        else manifest.partner_id or f"the folder {folder}/, which is no partner in the register"
    )
    lines = [
        f"{manifest.source_file} was rejected and quarantined whole: no rows were loaded.",
        "",
        f"Submission:  {manifest.submission_id}",
        f"From:        {sender}",
        f"Dataset:     {manifest.dataset_id or 'none (no contract covers the folder)'}",
        f"Received:    {manifest.model_dump(mode='json')['received_at']}",
        f"SHA-256:     {manifest.sha256}",
        "",
        f"Problems found: {manifest.reasons_total}"
        + (
            f" (the first {len(manifest.reasons)} are listed)"
            if manifest.reasons_total > len(manifest.reasons)
            else ""
        ),
        *(f"  {reason}" for reason in manifest.reasons),
        "",
        "What to do: correct the file and deliver it again to "
        + (
            f"landing/{manifest.partner_id}/{manifest.dataset_id}/."
            if manifest.dataset_id
            else "the folder of the agreed dataset."
        ),
    ]
    if manifest.incident_path and partner is not None:
        lines += [
            "",
            f"The file breached the information sharing protocol: incident {manifest.submission_id}"
            f" was logged for the {partner.designated_person} of {partner.name} (protocol 7.2).",
        ]
    return "\n".join(lines) + "\n"


def _known(partner_folder: str | None, partners: dict[str, Partner]) -> str | None:
    return partner_folder if partner_folder in partners else None


def _needs_key(contract: Contract) -> bool:
    return contract.agreement.category == "personal" and any(
        c.role == "identifier" for c in contract.table.columns
    )


def _remove_landed(path: Path) -> None:
    path.unlink(missing_ok=True)
    atomic.fsync_dir(path.parent)


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _lock_name(contract: Contract | None) -> str:
    return contract.dataset_id if contract else UNRECOGNISED


@contextmanager
def _connection() -> Iterator[duckdb.DuckDBPyConnection]:
    with tempfile.TemporaryDirectory(prefix="understood-duckdb-") as scratch:
        con = new_connection(scratch)
        try:
            yield con
        finally:
            con.close()


def _remove_stale(layout: Layout, names: set[str]) -> None:
    """Remove the temporary files a killed run left behind (see :func:`atomic.remove_stale`).

    A dataset's raw folder is written only under its lock, which this run holds; the shared
    folders only lose temporary files of processes that are no longer running.
    """
    for name in names:
        atomic.remove_stale(layout.raw / name, any_owner=True)
    for folder in (layout.archive, layout.manifests, layout.incidents):
        atomic.remove_stale(folder)


@contextmanager
def _locks(layout: Layout, names: set[str]) -> Iterator[None]:
    """Hold an exclusive lock per dataset for the run (waiting for another run to finish)."""
    with ExitStack() as stack:
        if names:
            layout.locks.mkdir(parents=True, exist_ok=True)
        for name in sorted(names):
            handle = stack.enter_context((layout.locks / f"{name}.lock").open("a"))
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        yield


def received_day(received_at: datetime) -> date:
    """The London calendar day of a time (naive means UTC), to compare with dates in force."""
    return to_utc(received_at).astimezone(LONDON).date()
