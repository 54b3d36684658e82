"""Retention: deleting what has been kept as long as its contract allows, and saying so.

Each contract's arrangement sets a retention period (``agreement.retention``, an ISO 8601
duration such as ``P7Y``), counted from the day a submission was received (London calendar day).
A file is kept through the last day of that period and deleted by the first run after it:

- the raw Parquet of an accepted submission (``raw/<dataset>/<submission_id>.parquet``);
- the original bytes in the archive (``archive/<sha256>.<ext>``), once every submission that
  delivered those bytes is past its retention (the archive keeps one copy per content);
- the copy of a rejected file in quarantine (the file as sent; ``reason.txt`` stays, as it holds
  no data).

Manifests and incidents are records about submissions, not the data, and are kept. Submissions
whose dataset has no usable contract (unrecognised files, a contract removed or broken) are kept
and counted: without a retention period nothing may be assumed.

Every run that is not a dry run writes ``manifests/retention/retention-<timestamp>.json``: what
it deleted (path, size, why, which contract), what it could not delete, and what it kept. The
record is written before anything is deleted (as planned) and again afterwards (as done), so an
interrupted run still leaves its intent on file. The folder is below ``manifests/`` but not in
it, so that the per-submission manifests read by dbt (``manifests/*.json``) stay one kind.

Use :func:`apply_retention` from a scheduler (the housekeeping DAG), or ``python -m ingestion
retention [--dry-run]``.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Literal

import duckdb

from ingestion import atomic
from ingestion.contracts import ISO_DURATION, Contract, read_contracts
from ingestion.layout import Layout
from ingestion.manifest import Manifest, read_manifests, to_utc
from ingestion.pipeline import LONDON, REASON_FILE, received_day

log = logging.getLogger("ingestion")

Kind = Literal["raw", "archive", "quarantine"]


@dataclass
class Deletion:
    """One file past its retention: where it is, why it goes, and under which contract."""

    path: str
    kind: Kind
    bytes: int
    dataset_id: str
    contract: str
    agreement_reference: str
    retention: str
    submission_ids: list[str]
    received_on: str
    retention_ended_on: str
    reason: str
    deleted: bool = False
    error: str | None = None


@dataclass
class RetentionReport:
    """What one retention run found and did."""

    today: date
    dry_run: bool
    run_at: datetime
    deletions: list[Deletion] = field(default_factory=list)
    kept_within_retention: int = 0
    kept_without_contract: int = 0
    manifest_path: str | None = None

    @property
    def deleted(self) -> list[Deletion]:
        return [d for d in self.deletions if d.deleted]

    @property
    def failed(self) -> list[Deletion]:
        return [d for d in self.deletions if d.error is not None]

    def summary(self) -> str:
        """One line: what was (or would be) deleted and kept."""
        chosen = self.deletions if self.dry_run else self.deleted
        kinds = ", ".join(
            f"{sum(d.kind == kind for d in chosen)} {kind}"
            for kind in ("archive", "raw", "quarantine")
        )
        size = sum(d.bytes for d in chosen)
        verb = "would delete" if self.dry_run else "deleted"
        line = (
            f"retention{' (dry run)' if self.dry_run else ''}: {verb} {len(chosen)} file(s), "
            f"{_size(size)} ({kinds}) past their contract's retention on {self.today}; kept "
            f"{self.kept_within_retention} within retention"
        )
        if self.kept_without_contract:
            line += f", {self.kept_without_contract} without a usable contract"
        if self.failed:
            line += f"; {len(self.failed)} could not be deleted"
        if self.manifest_path:
            line += f"; recorded in {self.manifest_path}"
        return line

    def to_json(self) -> dict[str, object]:
        return {
            "run_at": to_utc(self.run_at).isoformat().replace("+00:00", "Z"),
            "today": self.today.isoformat(),
            "dry_run": self.dry_run,
            "deleted": [asdict(d) for d in self.deletions if d.error is None],
            "failed": [asdict(d) for d in self.failed],
            "kept": {
                "within_retention": self.kept_within_retention,
                "without_contract": self.kept_without_contract,
            },
        }


def apply_retention(
    data_dir: str | os.PathLike[str] | None = None,
    today: date | None = None,
    *,
    dry_run: bool = False,
    contracts_dir: str | os.PathLike[str] | None = None,
    progress: Callable[[str], None] | None = None,
) -> RetentionReport:
    """Delete the archived, raw and quarantined files past their contract's retention.

    ``today`` defaults to the London calendar day. With ``dry_run``, nothing is deleted or
    written: the report lists what would be. ``progress`` receives a line per file (default: the
    ``ingestion`` logger). A file that cannot be deleted is reported, not raised.
    """
    say = progress or log.info
    layout = Layout.of(data_dir)
    today = today or datetime.now(LONDON).date()
    report = RetentionReport(today=today, dry_run=dry_run, run_at=datetime.now(UTC))
    contracts, _ = read_contracts(contracts_dir)
    manifests = read_manifests(layout.manifests)

    ends = _retention_ends(manifests, contracts)
    expired: dict[str, bool] = {}
    by_archive: dict[str, list[Manifest]] = {}
    for manifest in manifests:
        end = ends.get(manifest.submission_id)
        if end is None:
            report.kept_without_contract += 1
            continue
        expired[manifest.submission_id] = today > end
        by_archive.setdefault(manifest.archive_path, []).append(manifest)
        if not expired[manifest.submission_id]:
            report.kept_within_retention += 1
            continue
        contract = contracts[manifest.dataset_id or ""]
        if manifest.raw_path:
            _plan(report, layout, layout.root / manifest.raw_path, "raw", [manifest], contract, end)
        if manifest.quarantine_path:
            folder = layout.root / manifest.quarantine_path
            sent = sorted(p for p in folder.glob("*") if p.is_file() and p.name != REASON_FILE)
            for path in sent:
                _plan(report, layout, path, "quarantine", [manifest], contract, end)
    no_contract = {m.archive_path for m in manifests if m.submission_id not in ends}
    for archive_path, sharing in sorted(by_archive.items()):
        if archive_path in no_contract or not all(expired[m.submission_id] for m in sharing):
            continue
        last = max(sharing, key=lambda m: ends[m.submission_id])
        contract = contracts[last.dataset_id or ""]
        path = layout.root / archive_path
        _plan(report, layout, path, "archive", sharing, contract, ends[last.submission_id])

    if dry_run:
        for number, deletion in enumerate(report.deletions, start=1):
            total = len(report.deletions)
            say(f"[{number}/{total}] would delete {deletion.path}: {deletion.reason}")
        return report

    record = layout.retention / f"retention-{report.run_at.strftime('%Y%m%dT%H%M%S%fZ')}.json"
    report.manifest_path = layout.relative(record)
    _write(record, report, planned=True)
    for number, deletion in enumerate(report.deletions, start=1):
        path = layout.root / deletion.path
        try:
            path.unlink()
            atomic.fsync_dir(path.parent)
        except FileNotFoundError:
            deletion.deleted = True  # gone already (an interrupted run): nothing left to hold
        except OSError as exc:
            deletion.error = exc.strerror or str(exc)
            say(f"[{number}/{len(report.deletions)}] COULD NOT delete {deletion.path}: {exc}")
            continue
        deletion.deleted = True
        say(f"[{number}/{len(report.deletions)}] deleted {deletion.path}: {deletion.reason}")
    _write(record, report, planned=False)
    return report


def _plan(
    report: RetentionReport,
    layout: Layout,
    path: Path,
    kind: Kind,
    manifests: list[Manifest],
    contract: Contract,
    end: date,
) -> None:
    if not path.is_file():
        return
    received = max(received_day(m.received_at) for m in manifests)
    agreement = contract.agreement
    report.deletions.append(
        Deletion(
            path=layout.relative(path),
            kind=kind,
            bytes=path.stat().st_size,
            dataset_id=contract.dataset_id,
            contract=f"{contract.partner_id}/{contract.dataset_id}",
            agreement_reference=agreement.reference,
            retention=agreement.retention,
            submission_ids=[m.submission_id for m in manifests],
            received_on=received.isoformat(),
            retention_ended_on=end.isoformat(),
            reason=(
                f"received {received.isoformat()}, kept {agreement.retention} under "
                f"{agreement.reference} ({contract.dataset_id}) until {end.isoformat()}"
            ),
        )
    )


def _retention_ends(manifests: list[Manifest], contracts: dict[str, Contract]) -> dict[str, date]:
    """The last day each submission with a usable contract may be kept, by submission id.

    Calendar arithmetic (a month from 31 January is the end of February) is DuckDB's.
    """
    rows = []
    for manifest in manifests:
        contract = contracts.get(manifest.dataset_id or "")
        if contract is None:
            continue
        rows.append((manifest.submission_id, received_day(manifest.received_at), contract))
    if not rows:
        return {}
    parts = [_duration_parts(c.agreement.retention) for _, _, c in rows]
    with duckdb.connect() as con:
        ends = con.execute(
            "select (r.day + to_years(r.y) + to_months(r.m) + to_days(r.d) "
            "+ to_seconds(r.s))::date from (select unnest(?, recursive := true)) as r",
            [
                [
                    {"day": day, "y": y, "m": m, "d": d, "s": s}
                    for (_, day, _), (y, m, d, s) in zip(rows, parts, strict=True)
                ]
            ],
        ).fetchall()
    return {sid: end for (sid, _, _), (end,) in zip(rows, ends, strict=True)}


def _duration_parts(duration: str) -> tuple[int, int, int, int]:
    """(years, months, days, seconds) of an ISO 8601 duration the contract model accepted."""
    match = ISO_DURATION.match(duration)
    if match is None:
        raise ValueError(f"{duration!r} is not an ISO 8601 duration")
    groups = match.groups()
    y, mo, w, d, h, mi, s = (int(g[:-1]) if g else 0 for g in groups[:4] + groups[5:])
    return y, mo, 7 * w + d, 3600 * h + 60 * mi + s


def _write(record: Path, report: RetentionReport, planned: bool) -> None:
    content = report.to_json()
    content["status"] = "planned" if planned else "done"
    atomic.write_text(record, json.dumps(content, indent=2, ensure_ascii=False) + "\n")


def _size(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"
