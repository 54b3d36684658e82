"""The catalogue of contracts, and contracts that come and go while runs go on."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from ingestion_testbed import GOOD_ROWS, csv_text, make_testbed

from ingestion.contracts import ContractError, load_contract, read_contracts
from ingestion.pipeline import IngestionFailed, check_file

FIELDS = [
    "dataset_id",
    "partner_id",
    "partner_name",
    "title",
    "theme",
    "geography_level",
    "refresh_period",
    "cadence",
    "due_day",
    "agreement_reference",
    "category",
    "is_sensitive",
    "marking",
    "retention",
    "valid_from",
    "valid_to",
    "small_number_threshold",
    "is_synthetic",
]


@pytest.fixture
def testbed(tmp_path):
    return make_testbed(tmp_path)


def catalogue(testbed) -> list[dict]:
    return json.loads((testbed.data_dir / "catalogue" / "contracts.json").read_text())


def cli(testbed, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNDERSTOOD")}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "ingestion",
            *args,
            "--data-dir",
            str(testbed.data_dir),
            "--contracts-dir",
            str(testbed.contracts_dir),
            "--partners",
            str(testbed.partners_path),
            "--areas",
            str(testbed.areas_path),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_every_run_writes_the_catalogue(testbed) -> None:
    testbed.write_contract(
        dataset="ward_claimants",
        is_synthetic=True,
        agreement={"valid_to": "2012-03-31", "reference": "TEST-ISA-2"},
        disclosure={"small_number_threshold": None},
    )
    testbed.ingest()  # nothing landed: the catalogue is written all the same
    entries = catalogue(testbed)
    assert [e["dataset_id"] for e in entries] == ["ward_claimants", "ward_counts"]
    assert all(list(e) == FIELDS for e in entries)
    claimants, counts = entries
    assert counts == {
        "dataset_id": "ward_counts",
        "partner_id": "sefton_council",
        "partner_name": "Sefton Metropolitan Borough Council",
        "title": "Ward counts",
        "theme": "population",
        "geography_level": "ward",
        "refresh_period": "annual",
        "cadence": "annual",
        "due_day": 30,
        "agreement_reference": "TEST-ISA-1",
        "category": "aggregated",
        "is_sensitive": False,
        "marking": "OFFICIAL",
        "retention": "P7Y",
        "valid_from": "2010-08-04",
        "valid_to": None,
        "small_number_threshold": 5,
        "is_synthetic": False,
    }
    assert claimants["is_synthetic"] is True
    assert claimants["valid_to"] == "2012-03-31"
    assert claimants["small_number_threshold"] is None
    # written atomically: no temporary file beside it
    assert [p.name for p in (testbed.data_dir / "catalogue").iterdir()] == ["contracts.json"]


def test_the_cli_writes_the_catalogue_on_run_and_contracts(testbed) -> None:
    testbed.land(csv_text(GOOD_ROWS))
    assert cli(testbed, "run").returncode == 0
    assert [e["dataset_id"] for e in catalogue(testbed)] == ["ward_counts"]

    testbed.write_contract(dataset="ward_claimants", is_synthetic=True)
    listing = cli(testbed, "contracts")
    assert listing.returncode == 0, listing.stderr
    assert listing.stdout.strip().endswith("catalogue written to catalogue/contracts.json")
    assert [(e["dataset_id"], e["is_synthetic"]) for e in catalogue(testbed)] == [
        ("ward_claimants", True),
        ("ward_counts", False),
    ]


def test_is_synthetic_is_optional_and_strict(testbed) -> None:
    path = testbed.write_contract()
    assert load_contract(path).is_synthetic is False
    path.write_text(path.read_text() + "is_synthetic: perhaps\n")
    with pytest.raises(ContractError, match="is_synthetic"):
        load_contract(path)


def test_a_broken_contract_holds_up_only_its_own_folder(testbed) -> None:
    """Someone is half-way through writing a new contract: the others' files still load."""
    broken = testbed.write_contract(dataset="ward_claimants")
    broken.write_text(broken.read_text()[:200])  # cut off mid-write
    testbed.land(csv_text(GOOD_ROWS))
    waiting = testbed.land(
        csv_text(GOOD_ROWS), name="ward_claimants_2009-10.csv", dataset="ward_claimants"
    )

    with pytest.raises(IngestionFailed, match=r"landing/sefton_council/ward_claimants/ \(1 file"):
        testbed.ingest()
    (manifest,) = [
        json.loads(p.read_text()) for p in (testbed.data_dir / "manifests").glob("*.json")
    ]
    assert manifest["dataset_id"] == "ward_counts" and manifest["outcome"] == "accepted"
    assert waiting.exists()  # not quarantined as "no contract": it waits
    assert [e["dataset_id"] for e in catalogue(testbed)] == ["ward_counts"]

    # only this dataset's own run fails on its own contract
    assert testbed.ingest(dataset_id="ward_counts") == []
    with pytest.raises(ContractError, match=r"ward_claimants\.yml"):
        testbed.ingest(dataset_id="ward_claimants")

    # mended: the next run takes the waiting file in
    testbed.write_contract(dataset="ward_claimants", delivery={"file_pattern": "ward_claimants_*"})
    (late,) = testbed.ingest()
    assert (late.dataset_id, late.outcome) == ("ward_claimants", "accepted")
    assert not waiting.exists()


def test_a_contract_added_between_runs_is_picked_up(testbed) -> None:
    testbed.land(csv_text(GOOD_ROWS))
    assert [m.dataset_id for m in testbed.ingest()] == ["ward_counts"]
    testbed.write_contract(dataset="ward_claimants", delivery={"file_pattern": "ward_claimants_*"})
    testbed.land(csv_text(GOOD_ROWS), name="ward_claimants_1.csv", dataset="ward_claimants")
    (manifest,) = testbed.ingest()
    assert manifest.outcome == "accepted" and manifest.dataset_id == "ward_claimants"


def test_two_contracts_claiming_one_dataset_id_are_both_held(testbed) -> None:
    testbed.write_contract(partner="nhs_sefton", dataset="ward_counts")
    contracts, broken = read_contracts(testbed.contracts_dir)
    assert "ward_counts" not in contracts
    assert sorted(b.folder for b in broken) == [
        ("nhs_sefton", "ward_counts"),
        ("sefton_council", "ward_counts"),
    ]
    assert all("already used by" in b.problem for b in broken)


def test_a_contract_of_a_partner_not_in_the_register_is_held(testbed) -> None:
    testbed.write_contract(partner="acme_ltd", dataset="acme_counts")
    testbed.land(csv_text(GOOD_ROWS), name="acme.csv", partner="acme_ltd", dataset="acme_counts")
    testbed.land(csv_text(GOOD_ROWS))
    with pytest.raises(IngestionFailed, match=r"'acme_ltd' .* is not in the partner register"):
        testbed.ingest()
    assert [e["dataset_id"] for e in catalogue(testbed)] == ["ward_counts"]
    assert len(testbed.files("raw")) == 1


def test_check_ignores_other_broken_contracts(testbed) -> None:
    broken = testbed.write_contract(dataset="ward_claimants")
    broken.write_text("title: [unclosed\n")
    good = testbed.root / "ward_counts_2009-10.csv"
    good.write_text(csv_text(GOOD_ROWS))
    verdict = check_file(
        good,
        "ward_counts",
        contracts_dir=testbed.contracts_dir,
        partners_path=testbed.partners_path,
        areas_path=testbed.areas_path,
    )
    assert verdict.accepted


def test_contracts_lists_what_cannot_be_used(testbed) -> None:
    broken = testbed.write_contract(dataset="ward_claimants")
    broken.write_text(broken.read_text().replace("theme:", "theem:"))
    listing = cli(testbed, "contracts")
    assert listing.returncode == 1
    assert "theem: unknown field" in listing.stderr
    assert "1 contract(s) cannot be used" in listing.stdout
    assert [e["dataset_id"] for e in catalogue(testbed)] == ["ward_counts"]
