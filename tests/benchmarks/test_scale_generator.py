"""The scale set generator (benchmarks/generate_scale.py) at a tiny size: the same bytes from the
same seed, files in the synthetic contracts' shapes that ingestion accepts, every area in the
lookup, everything generated marked synthetic."""

from __future__ import annotations

import csv
import fnmatch
import hashlib
import io
import re
import sys
from pathlib import Path

import pytest
import yaml
from harness import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
import generate_scale

CONTRACTS = REPO_ROOT / "ingestion" / "contracts"
SIZES = {"authorities": 8, "wards": 40, "years": 2}


@pytest.fixture(scope="module")
def scale_set(tmp_path_factory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("scale")
    return folder, generate_scale.generate(folder, **SIZES, quiet=True)


def digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "scale.json"
    }


def contract(dataset: str) -> dict:
    partner = generate_scale.DATASETS[dataset][0]
    return yaml.safe_load((CONTRACTS / partner / f"{dataset}.yml").read_text())


def csv_rows(path: Path, encoding: str) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(path.read_bytes().decode(encoding)))
    return list(reader.fieldnames or []), list(reader)


def test_the_same_seed_gives_the_same_bytes(scale_set, tmp_path):
    folder, summary = scale_set
    again = generate_scale.generate(tmp_path, **SIZES, quiet=True)
    assert digests(tmp_path) == digests(folder)
    assert {k: v for k, v in again.items() if k != "seconds"} == {
        k: v for k, v in summary.items() if k != "seconds"
    }


def test_one_file_per_partner_dataset_and_quarter_named_as_the_contract_asks(scale_set):
    folder, summary = scale_set
    landings = sorted((folder / "landings").iterdir())
    assert len(landings) == SIZES["years"] * 4
    assert [p.name for p in landings[:5]] == [
        "01_2001-02_q1",
        "02_2001-02_q2",
        "03_2001-02_q3",
        "04_2001-02_q4",
        "05_2002-03_q1",
    ]
    for landing in landings:
        for path in landing.glob("*/*/*"):
            partner, dataset = path.parent.parent.name, path.parent.name
            assert generate_scale.DATASETS[dataset][0] == partner
            assert path.name.startswith(f"{dataset}_{landing.name[3:]}.")
            assert fnmatch.fnmatchcase(path.name, contract(dataset)["delivery"]["file_pattern"])
    # the last quarter brings every dataset
    assert len(list(landings[-1].glob("*/*/*"))) == len(generate_scale.DATASETS)
    assert summary["files"] == sum(len(list(p.glob("*/*/*"))) for p in landings)


def test_csv_files_have_the_contract_columns_and_are_marked_synthetic(scale_set):
    folder, _ = scale_set
    for path in (folder / "landings").rglob("*.csv"):
        terms = contract(path.parent.name)
        header, rows = csv_rows(path, terms["delivery"]["encoding"])
        assert header == [c["name"] for c in terms["schema"]["columns"]], path.name
        assert rows
        assert {row["is_synthetic"] for row in rows} == {"Y"}


def test_the_lookup_holds_the_seed_and_synthetic_areas_with_gss_shaped_codes(scale_set):
    folder, summary = scale_set
    with (folder / "areas.csv").open(encoding="utf-8", newline="") as handle:
        areas = list(csv.DictReader(handle))
    with generate_scale.SEED_AREAS.open(encoding="utf-8", newline="") as handle:
        seeded = list(csv.DictReader(handle))
    assert areas[: len(seeded)] == seeded
    generated = areas[len(seeded) :]
    codes = [a["area_code"] for a in areas]
    assert len(codes) == len(set(codes))
    assert sum(a["area_type"] == "ward" for a in areas) == SIZES["wards"]
    assert sum(a["area_type"] == "local_authority" for a in areas) == SIZES["authorities"]
    assert sum(a["area_type"] == "region" for a in areas) == 9
    shapes = {"region": r"E12\d{6}", "local_authority": r"E0[6-9]\d{6}", "ward": r"E05\d{6}"}
    for area in generated:
        assert re.fullmatch(shapes[area["area_type"]], area["area_code"]), area
        assert area["area_name"].endswith("(synthetic)")
        assert area["is_gss_code"] == "false"
        assert area["parent_area_code"] in codes
    # every area a file names is in the lookup
    named = set()
    for path in (folder / "landings").rglob("*.csv"):
        _, rows = csv_rows(path, contract(path.parent.name)["delivery"]["encoding"])
        named.update(row["area_code"] for row in rows)
    assert named <= set(codes)
    assert {"E92000001", "E12000002", "E08000014", "SEF-W-LINACRE"} <= named
    assert len(named) == summary["areas_with_data"]


def test_ingestion_accepts_every_file(scale_set, tmp_path, monkeypatch):
    from ingestion.pipeline import ingest_landing

    folder, summary = scale_set
    landing = tmp_path / "data" / "landing"
    for path in (folder / "landings").rglob("*.*"):
        target = landing / path.parent.parent.name / path.parent.name / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    monkeypatch.delenv("UNDERSTOOD_AREAS_PATH", raising=False)
    manifests = ingest_landing(tmp_path / "data", areas_path=folder / "areas.csv")
    outcomes = {m.source_file: m.outcome for m in manifests}
    assert set(outcomes.values()) == {"accepted"}, outcomes
    assert len(manifests) == summary["files"]
    assert sum(m.rows_loaded for m in manifests) == summary["rows"]
