"""A small world for ingestion tests: a data directory, a partner register, one contract.

The test contract, ``ward_counts`` of partner ``sefton_council``, is short enough to write rows by
hand and exercises every column type and rule::

    area_code    string   area       required, pattern E05[0-9]{6}
    period       string   period     required
    measure      string   dimension  required, allowed: residents, households
    value        decimal  measure
    count        integer  measure    0 to 1000
    reported_on  date     dimension
    note         string   dimension  free text

Key: (area_code, period, measure). The register has a signed partner (``sefton_council``), one
that never signed (``nhs_sefton``) and one that withdrew (``merseyside_police``). The area lookup
of the testbed (``areas.csv``) knows the wards ``E05000930`` to ``E05000949``.
"""

from __future__ import annotations

import copy
import csv
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

from ingestion.manifest import Manifest
from ingestion.pipeline import ingest_landing

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLES = REPO_ROOT / "data" / "samples" / "sefton_council" / "ni_scorecard"
RECEIVED = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)

HEADER = ["area_code", "period", "measure", "value", "count", "reported_on", "note"]
GOOD_ROWS = [
    ["E05000930", "2009/10", "residents", "1234.5", "12", "2010-04-01", "published figure"],
    ["E05000930", "2009/10", "households", "-0.8", "3", "2010-04-01", ""],
    ["E05000931", "2009/10", "residents", "-9.1", "0", "", "see the ward profile"],
]

PARTNERS = [
    {
        "id": "sefton_council",
        "name": "Sefton Metropolitan Borough Council",
        "sector": "statutory",
        "ico_registration": "Z-UNVERIFIED",
        "signed_on": date(2010, 8, 4),
        "designated_person": "Data Protection & Security Officer",
    },
    {
        "id": "nhs_sefton",
        "name": "NHS Sefton",
        "sector": "statutory",
        "signed_on": None,
        "designated_person": "Caldicott Guardian",
    },
    {
        "id": "merseyside_police",
        "name": "Merseyside Police",
        "sector": "statutory",
        "signed_on": date(2010, 9, 1),
        "withdrawn_on": date(2011, 3, 31),
        "designated_person": "Data Protection Officer",
    },
]

CONTRACT: dict[str, Any] = {
    "title": "Ward counts",
    "description": "Residents and households by ward, for tests.",
    "theme": "population",
    "geography_level": "ward",
    "refresh_period": "annual",
    "agreement": {
        "reference": "TEST-ISA-1",
        "purpose": "Testing ingestion.",
        "legal_basis": {"power": "Local Government Act 2000, section 2"},
        "category": "aggregated",
        "sensitive": False,
        "marking": "OFFICIAL",
        "retention": "P7Y",
        "valid_from": date(2010, 8, 4),
        "valid_to": None,
    },
    "delivery": {
        "cadence": "annual",
        "due_day": 30,
        "format": "csv",
        "encoding": "utf-8",
        "delimiter": ",",
        "header_row": 1,
        "file_pattern": "ward_counts_*",
    },
    "schema": {
        "key": ["area_code", "period", "measure"],
        "columns": [
            {
                "name": "area_code",
                "type": "string",
                "role": "area",
                "required": True,
                "pattern": "E05[0-9]{6}",
            },
            {"name": "period", "type": "string", "role": "period", "required": True},
            {
                "name": "measure",
                "type": "string",
                "role": "dimension",
                "required": True,
                "allowed_values": ["residents", "households"],
            },
            {"name": "value", "type": "decimal", "role": "measure"},
            {"name": "count", "type": "integer", "role": "measure", "minimum": 0, "maximum": 1000},
            {"name": "reported_on", "type": "date", "role": "dimension"},
            {"name": "note", "type": "string", "role": "dimension"},
        ],
    },
    "disclosure": {"small_number_threshold": 5},
}


AREA_CODES = [f"E05{n:06d}" for n in range(930, 950)]


def csv_text(rows: list[list[str]], header: list[str] | None = None) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER if header is None else header)
    writer.writerows(rows)
    return out.getvalue()


@dataclass
class Testbed:
    """A data directory with its own partner register and contracts."""

    root: Path

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def contracts_dir(self) -> Path:
        return self.root / "contracts"

    @property
    def partners_path(self) -> Path:
        return self.root / "partners.yml"

    @property
    def areas_path(self) -> Path:
        return self.root / "areas.csv"

    def write_areas(self, codes: list[str] | None = None) -> None:
        lines = ["area_code,area_name", *(f"{c},Ward {c}" for c in codes or AREA_CODES)]
        self.areas_path.write_text("\n".join(lines) + "\n")

    def write_partners(self, partners: list[dict[str, Any]] | None = None) -> None:
        self.partners_path.write_text(yaml.safe_dump(partners or PARTNERS, sort_keys=False))

    def write_contract(
        self, partner: str = "sefton_council", dataset: str = "ward_counts", **changes: Any
    ) -> Path:
        """Write the test contract, with top-level sections updated by ``changes``."""
        contract = copy.deepcopy(CONTRACT)
        for section, value in changes.items():
            if isinstance(value, dict) and isinstance(contract.get(section), dict):
                contract[section].update(value)
            else:
                contract[section] = value
        path = self.contracts_dir / partner / f"{dataset}.yml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(yaml.safe_dump(contract, sort_keys=False))
        return path

    def land(
        self,
        content: str | bytes,
        name: str = "ward_counts_2009-10.csv",
        partner: str = "sefton_council",
        dataset: str = "ward_counts",
    ) -> Path:
        path = self.data_dir / "landing" / partner / dataset / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)
        return path

    def ingest(self, **kwargs: Any) -> list[Manifest]:
        kwargs.setdefault("received_at", RECEIVED)
        return ingest_landing(
            self.data_dir,
            contracts_dir=self.contracts_dir,
            partners_path=self.partners_path,
            areas_path=self.areas_path,
            **kwargs,
        )

    def ingest_one(self, **kwargs: Any) -> Manifest:
        manifests = self.ingest(**kwargs)
        assert len(manifests) == 1, manifests
        return manifests[0]

    def files(self, folder: str) -> list[Path]:
        base = self.data_dir / folder
        return sorted(p for p in base.rglob("*") if p.is_file()) if base.exists() else []


def make_testbed(tmp_path: Path) -> Testbed:
    testbed = Testbed(tmp_path)
    testbed.write_partners()
    testbed.write_contract()
    testbed.write_areas()
    return testbed
