"""The bundled synthetic samples: made by their generator, marked synthetic, taken in whole.

The generator (data/samples/generate_synthetic.py) is run into temporary folders and compared
byte for byte with itself and with the committed files; the contracts and every row are checked
for the synthetic mark; and after the session's real nightly run every synthetic file is accepted
and its rows reach the warehouse's indicator values.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import openpyxl
import pytest
from harness import REPO_ROOT, SAMPLES_DIR

from ingestion.contracts import load_contracts, load_partners

GENERATOR = SAMPLES_DIR / "generate_synthetic.py"
SYNTHETIC_PARTNERS = (
    "synthetic_merseyside_police",
    "synthetic_nhs_sefton",
    "synthetic_merseyside_fire",
    "synthetic_sefton_council",
)
SYNTHETIC_FILES = sorted(
    p for partner in SYNTHETIC_PARTNERS for p in (SAMPLES_DIR / partner).rglob("*") if p.is_file()
)
CP1252_CSV = (
    SAMPLES_DIR
    / "synthetic_sefton_council"
    / "street_cleanliness_surveys"
    / "street_cleanliness_surveys_2007-08_to_2010-11.csv"
)
WORKBOOK = (
    SAMPLES_DIR
    / "synthetic_nhs_sefton"
    / "ward_health_indicators"
    / "ward_health_indicators_2007-08_to_2010-11.xlsx"
)


def generate(output: Path, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, str(GENERATOR), "--output", str(output), *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def synthetic_contracts():
    return [c for c in load_contracts().values() if c.partner_id in SYNTHETIC_PARTNERS]


def header_and_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    """A sample's header and rows as text, read as its contract says."""
    delivery = load_contracts()[path.parent.name].delivery
    if delivery.format == "xlsx":
        workbook = openpyxl.load_workbook(path, read_only=True)
        cells = [
            ["" if v is None else str(v) for v in row]
            for row in workbook[delivery.sheet].iter_rows(
                min_row=delivery.header_row, values_only=True
            )
        ]
        workbook.close()
    else:
        text = path.read_bytes().decode(delivery.encoding)
        cells = list(csv.reader(io.StringIO(text, newline="")))
    return cells[0], [row for row in cells[1:] if any(row)]


# --- the generator --------------------------------------------------------------------------


def test_the_generator_is_deterministic_and_wrote_the_committed_files(tmp_path: Path) -> None:
    printed = generate(tmp_path / "first")
    generate(tmp_path / "second")
    first, second = tree(tmp_path / "first"), tree(tmp_path / "second")
    assert first == second, "the same seed must give byte-identical files"
    committed = {p.relative_to(SAMPLES_DIR).as_posix(): p.read_bytes() for p in SYNTHETIC_FILES}
    assert set(first) == set(committed)
    for name, content in first.items():
        assert committed[name] == content, f"{name} differs from what the generator writes"
    assert printed.strip().splitlines()[-1].startswith("synthetic samples: 5 files, ")


def test_another_seed_gives_other_figures(tmp_path: Path) -> None:
    generate(tmp_path / "other", "--seed", "7")
    other = tree(tmp_path / "other")
    default = {p.relative_to(SAMPLES_DIR).as_posix(): p.read_bytes() for p in SYNTHETIC_FILES}
    assert set(other) == set(default)
    assert all(other[name] != default[name] for name in default)


def test_the_generator_module_imports_without_writing(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("generate_synthetic", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[spec.name]
    written = module.generate(tmp_path, module.DEFAULT_SEED)
    assert sum(written.values()) == 4060
    assert not any(SAMPLES_DIR in p.parents for p in written)


# --- marked synthetic -----------------------------------------------------------------------


def test_every_synthetic_dataset_has_a_synthetic_contract_and_partner() -> None:
    contracts = synthetic_contracts()
    assert sorted(c.dataset_id for c in contracts) == [
        "fire_incidents",
        "out_of_work_benefit_claimants",
        "recorded_crime",
        "street_cleanliness_surveys",
        "ward_health_indicators",
    ]
    partners = load_partners()
    for contract in contracts:
        assert contract.is_synthetic, contract.dataset_id
        assert "(synthetic)" in contract.title
        assert contract.agreement.category == "aggregated"
        assert contract.delivery.due_day is not None
        column = contract.table.column("is_synthetic")
        assert column.required and column.allowed_values == ["Y"]
        partner = partners[contract.partner_id]
        assert "synthetic" in partner.name
        assert {"ico_registration", "signed_on"} <= set(partner.unverified)
    # the real organisations' entries are untouched: nothing signed for them
    for real in ("merseyside_police", "nhs_sefton", "merseyside_fire_and_rescue"):
        assert partners[real].signed_on is None
    # and no real (transcribed) dataset is marked synthetic
    assert not any(
        c.is_synthetic for c in load_contracts().values() if c.partner_id not in SYNTHETIC_PARTNERS
    )


@pytest.mark.parametrize("path", SYNTHETIC_FILES, ids=lambda p: p.name)
def test_every_row_says_it_is_synthetic(path: Path) -> None:
    header, rows = header_and_rows(path)
    assert rows
    flag = header.index("is_synthetic")
    assert {row[flag] for row in rows} == {"Y"}


def test_the_workbook_and_the_windows_1252_csv_are_declared_as_such() -> None:
    contracts = load_contracts()
    health = contracts["ward_health_indicators"].delivery
    assert (health.format, health.sheet, health.header_row) == ("xlsx", "Ward indicators", 5)
    workbook = openpyxl.load_workbook(WORKBOOK, read_only=True)
    assert workbook.sheetnames == ["Ward indicators"]
    notes = [row[0] for row in workbook["Ward indicators"].iter_rows(max_row=3, values_only=True)]
    workbook.close()
    assert any("SYNTHETIC" in note for note in notes)

    cleanliness = contracts["street_cleanliness_surveys"].delivery
    assert (cleanliness.format, cleanliness.encoding) == ("csv", "cp1252")
    raw = CP1252_CSV.read_bytes()
    assert b"\xa3" in raw, "the pound sign, as Windows-1252 writes it"
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert "£" in raw.decode("cp1252")


# --- through the nightly run ----------------------------------------------------------------


@pytest.mark.slow
def test_every_synthetic_file_is_accepted_and_reaches_the_indicator_values(nightly_run) -> None:
    data_dir, _ = nightly_run
    manifests = [json.loads(p.read_text()) for p in (data_dir / "manifests").glob("*.json")]
    # each file's first delivery; the session's nightly run may have been repeated by another
    # test, and a repeat is recorded as a duplicate of it
    by_file: dict[str, dict] = {}
    for manifest in sorted(manifests, key=lambda m: m["received_at"]):
        if manifest["partner_id"] in SYNTHETIC_PARTNERS:
            by_file.setdefault(manifest["source_file"], manifest)
            assert manifest["outcome"] in ("accepted", "duplicate"), manifest["reasons"]
    assert set(by_file) == {p.name for p in SYNTHETIC_FILES}
    for path in SYNTHETIC_FILES:
        manifest = by_file[path.name]
        assert manifest["outcome"] == "accepted", manifest["reasons"]
        assert manifest["rows_loaded"] == len(header_and_rows(path)[1])

    warehouse = data_dir / "warehouse" / "warehouse.duckdb"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        facts = dict(
            con.execute(
                "select dataset_id, count(*) from marts.fct_indicator_value "
                "join marts.dim_period using (period_id) "
                "where numerator is not null and denominator is not null "
                "and period_type = 'financial_year' group by dataset_id"
            ).fetchall()
        )
        # 29 areas x 4 financial years x the dataset's indicators (months and rolling
        # three-year periods: tests/dbt/test_periods_and_precedence.py)
        assert facts == {
            "recorded_crime": 232,
            "ward_health_indicators": 232,
            "out_of_work_benefit_claimants": 116,
            "fire_incidents": 232,
            "street_cleanliness_surveys": 464,
        }
        compared = con.execute(
            "select count(*), count(regional_comparison), count(national_comparison), "
            "count(quartile), count(lower_ci_95) from marts.mart_indicator_assessment "
            "where area_type = 'ward' and indicator_title like '%(synthetic)' "
            "and period_type = 'financial_year'"
        ).fetchone()
        assert compared[0] == 22 * 4 * 11
        assert compared[1] == compared[2] == compared[3] == compared[0]
        assert compared[4] > 0.9 * compared[0]
        catalogued = con.execute(
            "select count(*) from marts.dim_source where is_synthetic"
        ).fetchone()[0]
        assert catalogued == 5
        # the published judgements are reconciled with the council's own rows only
        synthetic_in_reconciliation = con.execute(
            "select count(*) from marts.mart_reconciliation "
            "where indicator_title like '%(synthetic)' or partner_id like 'synthetic_%'"
        ).fetchone()[0]
        assert synthetic_in_reconciliation == 0


def test_the_generator_reads_the_area_lookup() -> None:
    with (REPO_ROOT / "dbt_project" / "seeds" / "areas.csv").open(encoding="utf-8") as f:
        wards = {r["area_code"] for r in csv.DictReader(f) if r["area_type"] == "ward"}
    _, rows = header_and_rows(CP1252_CSV)
    assert wards <= {row[0] for row in rows}
