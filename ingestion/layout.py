"""Where things live under the data directory.

One place names every folder of the data tree, so that the pipeline, the CLI and the tests agree::

    <data>/landing/<partner>/<dataset>/<file>     partner drop zone
    <data>/archive/<sha256>.<ext>                 original bytes, immutable
    <data>/manifests/<submission_id>.json         one record per submission
    <data>/quarantine/<submission_id>/            rejected file + reason.txt
    <data>/raw/<dataset_id>/<submission_id>.parquet
    <data>/incidents/<incident_id>.json           protocol breaches (protocol section 7)
    <data>/catalogue/contracts.json               the usable contracts (the metabase)
    <data>/manifests/retention/<timestamp>.json   what each retention run deleted
    <data>/warehouse/warehouse[.next].duckdb      built / published warehouse
    <data>/.locks/<dataset_id>.lock               one ingestion run per dataset at a time

The data directory is the ``data_dir`` argument when one is given, else the environment variable
``UNDERSTOOD_DATA_DIR``, else ``data/`` beside this repository.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DATA_DIR_ENV = "UNDERSTOOD_DATA_DIR"
REPO_DATA_DIR = Path(__file__).resolve().parents[1] / "data"


def resolve_data_dir(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """The data directory: the argument, else ``$UNDERSTOOD_DATA_DIR``, else the repo's data/."""
    if data_dir is not None:
        return Path(data_dir).resolve()
    from_env = os.environ.get(DATA_DIR_ENV)
    return Path(from_env).resolve() if from_env else REPO_DATA_DIR


@dataclass(frozen=True)
class Layout:
    """The folders of one data directory. Paths in manifests are relative to ``root``."""

    root: Path

    @classmethod
    def of(cls, data_dir: str | os.PathLike[str] | None = None) -> Layout:
        return cls(resolve_data_dir(data_dir))

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def archive(self) -> Path:
        return self.root / "archive"

    @property
    def manifests(self) -> Path:
        return self.root / "manifests"

    @property
    def quarantine(self) -> Path:
        return self.root / "quarantine"

    @property
    def raw(self) -> Path:
        return self.root / "raw"

    @property
    def incidents(self) -> Path:
        return self.root / "incidents"

    @property
    def catalogue(self) -> Path:
        return self.root / "catalogue"

    @property
    def retention(self) -> Path:
        return self.manifests / "retention"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse"

    @property
    def locks(self) -> Path:
        return self.root / ".locks"

    def relative(self, path: Path) -> str:
        """``path`` as written in a manifest: relative to the data directory, with ``/``."""
        return path.relative_to(self.root).as_posix()
