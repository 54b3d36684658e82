"""The manifest: one JSON record per submission, whatever became of it.

``data/manifests/<submission_id>.json`` says who sent what and when, its SHA-256, every check
run, the reasons for a refusal, and where the file went (archive, raw zone or quarantine). dbt
reads the manifests as a source, so rejected files are visible in the warehouse too.

Paths in a manifest are relative to the data directory; ``quarantine_path`` is the submission's
quarantine folder, which holds the file as sent and ``reason.txt``. Reasons never quote a value
that looks like personal data, so a manifest can be shared with the partner that sent the file.

Fields beyond the shared interface: ``reasons_total`` (the reasons list is capped, this is the
full count), ``incident_path`` (protocol breaches), and ``landing_path``, ``landing_mtime_ns``
and ``landing_ctime_ns``, which let a re-run after a crash recognise the very file it had already
recorded (a copy of it delivered again, even with its modification time kept, has a new
change time and is a new delivery).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, field_serializer

from ingestion import atomic

Outcome = Literal["accepted", "rejected", "duplicate"]


class Check(BaseModel):
    """One check run on a submission: its name, whether it passed, and what was found."""

    model_config = ConfigDict(extra="forbid")

    name: str
    passed: bool
    detail: str = ""


class Reason(BaseModel):
    """One problem found, located as precisely as possible.

    ``row`` is the 1-based data row (row 1 is the first row under the header), ``column`` the
    column name; either is None when the problem concerns the whole file or a whole column.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    file: str
    row: int | None = None
    column: str | None = None
    rule: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f":{self.row}"
        if self.column is not None:
            where += f":{self.column}"
        return f"{where}: {self.rule} — {self.message}"


class Manifest(BaseModel):
    """What happened to one submitted file."""

    model_config = ConfigDict(extra="ignore")

    submission_id: str
    partner_id: str | None
    dataset_id: str | None
    source_file: str
    sha256: str
    size_bytes: int
    received_at: datetime
    outcome: Outcome
    rows_read: int = 0
    rows_loaded: int = 0
    checks: list[Check] = []
    reasons: list[Reason] = []
    reasons_total: int = 0
    archive_path: str
    raw_path: str | None = None
    quarantine_path: str | None = None
    duplicate_of: str | None = None
    incident_path: str | None = None
    landing_path: str | None = None
    landing_mtime_ns: int | None = None
    landing_ctime_ns: int | None = None

    @field_serializer("received_at")
    def _utc(self, value: datetime) -> str:
        return to_utc(value).isoformat().replace("+00:00", "Z")


def to_utc(value: datetime) -> datetime:
    """``value`` in UTC; a naive value is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def manifest_path(folder: Path, submission_id: str) -> Path:
    return folder / f"{submission_id}.json"


def write_manifest(folder: Path, manifest: Manifest) -> Path:
    """Write ``<folder>/<submission_id>.json`` atomically; returns its path."""
    path = manifest_path(folder, manifest.submission_id)
    text = json.dumps(manifest.model_dump(mode="json"), indent=2, ensure_ascii=False)
    atomic.write_text(path, text + "\n")
    return path


def read_manifests(folder: Path) -> list[Manifest]:
    """Every manifest in ``folder``, oldest first (by received time, then id)."""
    if not folder.is_dir():
        return []
    manifests = [
        Manifest.model_validate_json(path.read_bytes()) for path in sorted(folder.glob("*.json"))
    ]
    return sorted(manifests, key=lambda m: (to_utc(m.received_at), m.submission_id))
