"""A landing zone ingested end to end: archive, manifest, raw parquet, quarantine, incidents."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import duckdb
import pytest
from ingestion_testbed import (
    CONTRACT,
    GOOD_ROWS,
    HEADER,
    RECEIVED,
    SAMPLES,
    csv_text,
    make_testbed,
)

from ingestion import pipeline
from ingestion.pipeline import IngestionFailed, ingest_unrecognised


@pytest.fixture
def testbed(tmp_path):
    return make_testbed(tmp_path)


def raw_rows(path) -> list[tuple]:
    with duckdb.connect() as con:
        return con.execute(f"select * from '{path}' order by _source_row").fetchall()


def raw_types(path) -> dict[str, str]:
    with duckdb.connect() as con:
        return {r[0]: r[1] for r in con.execute(f"describe select * from '{path}'").fetchall()}


def reasons(manifest, rule: str | None = None) -> list[tuple]:
    return [(r.row, r.column, r.rule) for r in manifest.reasons if rule is None or r.rule == rule]


def test_an_accepted_file_becomes_typed_parquet_with_lineage(testbed) -> None:
    content = csv_text(GOOD_ROWS)
    landed = testbed.land(content)
    manifest = testbed.ingest_one()

    assert manifest.outcome == "accepted"
    assert manifest.rows_read == manifest.rows_loaded == 3
    assert manifest.submission_id.startswith("ward_counts-") and len(manifest.submission_id) == 24
    assert manifest.sha256.startswith(manifest.submission_id.removeprefix("ward_counts-"))
    assert manifest.partner_id == "sefton_council"
    assert manifest.dataset_id == "ward_counts"
    assert manifest.source_file == "ward_counts_2009-10.csv"
    assert manifest.size_bytes == len(content.encode())
    assert all(c.passed for c in manifest.checks)
    assert manifest.reasons == []
    assert manifest.quarantine_path is None and manifest.duplicate_of is None

    data = testbed.data_dir
    assert not landed.exists()
    assert (data / manifest.archive_path).read_text() == content
    assert manifest.archive_path == f"archive/{manifest.sha256}.csv"
    assert manifest.raw_path == f"raw/ward_counts/{manifest.submission_id}.parquet"

    written = json.loads((data / "manifests" / f"{manifest.submission_id}.json").read_text())
    assert written["received_at"] == "2026-11-02T09:30:00Z"
    assert written["outcome"] == "accepted"
    assert [c["name"] for c in written["checks"]] == [
        "contract",
        "file_name",
        "file_size",
        "partner_signed",
        "agreement_in_force",
        "readable",
        "columns",
        "no_formulas",
        "no_identifiers",
        "required",
        "types",
        "allowed_values",
        "known_areas",
        "periods",
        "ranges",
        "unique_key",
    ]

    raw = data / manifest.raw_path
    assert raw_types(raw) == {
        "area_code": "VARCHAR",
        "period": "VARCHAR",
        "measure": "VARCHAR",
        "value": "DOUBLE",
        "count": "BIGINT",
        "reported_on": "DATE",
        "note": "VARCHAR",
        "_submission_id": "VARCHAR",
        "_partner_id": "VARCHAR",
        "_dataset_id": "VARCHAR",
        "_source_file": "VARCHAR",
        "_source_row": "BIGINT",
        "_received_at": "TIMESTAMP",
        "_marking": "VARCHAR",
        "_is_sensitive": "BOOLEAN",
    }
    rows = raw_rows(raw)
    assert rows[0] == (
        "E05000930",
        "2009/10",
        "residents",
        1234.5,
        12,
        date(2010, 4, 1),
        "published figure",
        manifest.submission_id,
        "sefton_council",
        "ward_counts",
        "ward_counts_2009-10.csv",
        1,
        datetime(2026, 11, 2, 9, 30),
        "OFFICIAL",
        False,
    )
    assert [r[3] for r in rows] == [1234.5, -0.8, -9.1]
    assert rows[1][6] is None  # empty cell is NULL
    assert [r[11] for r in rows] == [1, 2, 3]
    assert testbed.files("quarantine") == [] and testbed.files("incidents") == []


def test_a_missing_column_quarantines_the_whole_file(testbed) -> None:
    header = [h for h in HEADER if h != "count"]
    rows = [[c for h, c in zip(HEADER, r, strict=True) if h != "count"] for r in GOOD_ROWS]
    content = csv_text(rows, header)
    testbed.land(content)
    manifest = testbed.ingest_one()

    assert manifest.outcome == "rejected"
    assert manifest.rows_loaded == 0
    assert reasons(manifest) == [(None, "count", "missing_column")]
    assert "'count'" in manifest.reasons[0].message
    assert manifest.raw_path is None
    assert testbed.files("raw") == []
    assert manifest.quarantine_path == f"quarantine/{manifest.submission_id}"
    folder = testbed.data_dir / manifest.quarantine_path
    assert sorted(p.name for p in folder.iterdir()) == ["reason.txt", "ward_counts_2009-10.csv"]
    assert (folder / "ward_counts_2009-10.csv").read_text() == content  # whole, as sent
    reason = (folder / "reason.txt").read_text()
    assert "missing_column" in reason and "'count'" in reason
    assert "no rows were loaded" in reason
    assert testbed.files("landing") == []
    assert testbed.files("incidents") == []  # a schema problem is not a protocol breach
    columns = next(c for c in manifest.checks if c.name == "columns")
    assert not columns.passed and columns.detail == "1 missing_column"


def test_value_problems_name_row_and_column(testbed) -> None:
    rows = [
        ["E05000930", "2009/10", "residents", "1,234", "12", "2010-04-01", ""],
        ["E05000930", "2009/10", "Residents", "1", "twelve", "01/04/2010", ""],
        ["E05000931", "2009/10", "households", "1", "1001", "2010-04-01", ""],
        ["E0500093", "", "households", "1", "-1", "2010-02-30", ""],
        ["E05000930", "2009/10", "residents", "2", "1", "", ""],
    ]
    testbed.land(csv_text(rows))
    manifest = testbed.ingest_one()

    assert manifest.outcome == "rejected"
    assert set(reasons(manifest)) == {
        (1, "value", "type"),
        (2, "measure", "allowed_values"),
        (2, "count", "type"),
        (2, "reported_on", "type"),
        (3, "count", "maximum"),
        (4, "area_code", "pattern"),
        (4, "area_code", "unknown_area"),
        (4, "period", "required"),
        (4, "count", "minimum"),
        (4, "reported_on", "type"),
        (5, "area_code, period, measure", "duplicate_key"),
    }
    messages = {(r.row, r.column): r.message for r in manifest.reasons}
    assert messages[(1, "value")].startswith("'1,234' is not a number")
    assert messages[(2, "reported_on")].startswith("'01/04/2010' is not a date")
    assert messages[(3, "count")] == "'1001' is above the maximum of 1000"
    assert "already used by row 1" in messages[(5, "area_code, period, measure")]
    assert manifest.reasons_total == 11
    assert testbed.files("raw") == []


def test_problems_are_all_counted_and_the_first_fifty_listed(testbed) -> None:
    rows = [["E05000930", str(n), "residents", "x", "1", "", ""] for n in range(120)]
    testbed.land(csv_text(rows))
    manifest = testbed.ingest_one()
    assert manifest.reasons_total == 120
    assert len(manifest.reasons) == 50
    types = next(c for c in manifest.checks if c.name == "types")
    assert types.detail == "120 type"


def test_the_same_file_again_is_a_duplicate(testbed) -> None:
    testbed.land(csv_text(GOOD_ROWS))
    first = testbed.ingest_one()
    testbed.land(csv_text(GOOD_ROWS), name="ward_counts_2009-10_again.csv")
    second = testbed.ingest_one()

    assert second.outcome == "duplicate"
    assert second.duplicate_of == first.submission_id
    assert second.submission_id == f"{first.submission_id}-2"
    assert second.rows_loaded == 0
    assert second.archive_path == first.archive_path
    assert len(testbed.files("raw")) == 1
    assert len(testbed.files("manifests")) == 2
    assert testbed.files("landing") == []


def test_a_rejected_file_sent_again_is_checked_again(testbed) -> None:
    testbed.land(csv_text(GOOD_ROWS), partner="nhs_sefton")
    testbed.write_contract(partner="nhs_sefton")
    (testbed.contracts_dir / "sefton_council" / "ward_counts.yml").unlink()
    first = testbed.ingest_one()
    assert first.outcome == "rejected"

    testbed.land(csv_text(GOOD_ROWS), partner="nhs_sefton")
    second = testbed.ingest_one()
    assert second.outcome == "rejected"
    assert second.submission_id == f"{first.submission_id}-2"


def test_a_copy_that_keeps_the_file_times_is_a_new_delivery(testbed) -> None:
    """rsync -t or cp -p keep the modification time: the change time still tells them apart."""
    import os
    import shutil

    testbed.land(csv_text(GOOD_ROWS), partner="nhs_sefton")
    testbed.write_contract(partner="nhs_sefton")
    (testbed.contracts_dir / "sefton_council" / "ward_counts.yml").unlink()
    kept = testbed.root / "kept.csv"
    landed = testbed.data_dir / "landing" / "nhs_sefton" / "ward_counts" / "ward_counts_2009-10.csv"
    shutil.copy2(landed, kept)
    first = testbed.ingest_one()
    assert first.outcome == "rejected"  # not signed

    shutil.copy2(kept, landed)  # the same name, bytes and modification time
    assert landed.stat().st_mtime_ns == first.landing_mtime_ns
    os.utime(landed, ns=(landed.stat().st_atime_ns, first.landing_mtime_ns))
    second = testbed.ingest_one()
    assert second.submission_id == f"{first.submission_id}-2"  # checked again, not skipped


def test_a_valid_nhs_number_in_free_text_is_a_breach(testbed) -> None:
    rows = [*GOOD_ROWS, ["E05000932", "2009/10", "residents", "1", "1", "", "see 943 476 5919"]]
    testbed.land(csv_text(rows))
    manifest = testbed.ingest_one()

    assert manifest.outcome == "rejected"
    assert reasons(manifest) == [(4, "note", "nhs_number")]
    assert "9434765919" not in manifest.model_dump_json().replace(" ", "")
    assert testbed.files("raw") == []
    incident = json.loads((testbed.data_dir / manifest.incident_path).read_text())
    assert incident["incident_id"] == manifest.submission_id
    assert incident["report_to"] == (
        "Data Protection & Security Officer, Sefton Metropolitan Borough Council"
    )
    assert incident["breaches"][0]["rule"] == "nhs_number"
    assert incident["breaches"][0]["protocol_section"].startswith("1.3")
    assert "943" not in json.dumps(incident)
    reason = (testbed.data_dir / "quarantine" / manifest.submission_id / "reason.txt").read_text()
    assert "Data Protection & Security Officer" in reason


def test_ten_digits_with_a_wrong_check_digit_are_not_an_nhs_number(testbed) -> None:
    rows = [*GOOD_ROWS, ["E05000932", "2009/10", "residents", "9434765918", "1", "", "9434765918"]]
    testbed.land(csv_text(rows))
    assert testbed.ingest_one().outcome == "accepted"


@pytest.mark.parametrize(
    ("note", "rule"),
    [
        ("case AB 12 34 56 C", "ni_number"),
        ("lives at PR8 1DA", "postcode"),
        ("contact jane.doe@example.org", "email"),
        ("call 0151 934 4416", "phone"),
        ("DOB 01/02/1980", "date_of_birth"),
    ],
)
def test_identifiers_in_aggregated_data_are_breaches(testbed, note, rule) -> None:
    rows = [*GOOD_ROWS, ["E05000932", "2009/10", "residents", "1", "1", "", note]]
    testbed.land(csv_text(rows))
    manifest = testbed.ingest_one()
    assert manifest.outcome == "rejected"
    assert (4, "note", rule) in reasons(manifest)
    assert manifest.incident_path is not None
    assert testbed.files("raw") == []


def test_an_unexpected_identifier_column_is_a_breach(testbed) -> None:
    rows = [[*r, ""] for r in GOOD_ROWS]
    testbed.land(csv_text(rows, [*HEADER, "surname"]))
    manifest = testbed.ingest_one()
    assert reasons(manifest) == [(None, "surname", "identifier_column")]
    assert manifest.incident_path is not None


def test_a_formula_cell_is_hostile(testbed) -> None:
    rows = [*GOOD_ROWS, ["E05000932", "2009/10", "residents", "-9.1", "1", "", "=HYPERLINK(1)"]]
    testbed.land(csv_text(rows))
    manifest = testbed.ingest_one()
    assert manifest.outcome == "rejected"
    assert reasons(manifest) == [(4, "note", "formula")]
    incident = json.loads((testbed.data_dir / manifest.incident_path).read_text())
    assert [b["rule"] for b in incident["breaches"]] == ["formula"]


@pytest.mark.parametrize(
    ("partner", "rule"),
    [("nhs_sefton", "partner_not_signed"), ("merseyside_police", "partner_withdrawn")],
)
def test_data_from_a_partner_not_signed_up_is_refused(testbed, partner, rule) -> None:
    (testbed.contracts_dir / "sefton_council" / "ward_counts.yml").unlink()
    testbed.write_contract(partner=partner)
    testbed.land(csv_text(GOOD_ROWS), partner=partner)
    manifest = testbed.ingest_one()
    assert manifest.outcome == "rejected"
    assert reasons(manifest) == [(None, None, rule)]
    incident = json.loads((testbed.data_dir / manifest.incident_path).read_text())
    assert incident["partner_id"] == partner
    assert incident["breaches"][0]["rule"] == rule


@pytest.mark.parametrize(
    "agreement",
    [{"valid_from": date(2027, 1, 1)}, {"valid_to": date(2026, 3, 31)}],
)
def test_data_outside_the_arrangement_dates_is_refused(testbed, agreement) -> None:
    testbed.write_contract(agreement=agreement)
    testbed.land(csv_text(GOOD_ROWS))
    manifest = testbed.ingest_one()
    assert manifest.outcome == "rejected"
    assert reasons(manifest) == [(None, None, "agreement_not_in_force")]
    assert manifest.incident_path is not None


def test_dates_in_force_are_london_days(testbed) -> None:
    testbed.write_contract(agreement={"valid_to": date(2026, 6, 30)})
    testbed.land(csv_text(GOOD_ROWS))
    # 23:30 UTC on 30 June is already 1 July in London (BST)
    late = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)
    assert testbed.ingest_one(received_at=late).outcome == "rejected"


def test_a_file_name_or_format_not_agreed_is_refused(testbed) -> None:
    testbed.land(csv_text(GOOD_ROWS), name="counts.csv")
    testbed.land(b"PK\x03\x04", name="ward_counts_2009-10.xlsx")
    first, second = testbed.ingest()
    assert reasons(first) == [(None, None, "file_name")]
    assert reasons(second) == [(None, None, "file_format")]


def test_files_in_no_contract_folder_are_quarantined(testbed) -> None:
    testbed.land(csv_text(GOOD_ROWS), partner="acme", dataset="counts")
    testbed.land("stray", name="notes.txt", partner="sefton_council", dataset="")
    # one dataset's run leaves them alone...
    assert testbed.ingest(dataset_id="ward_counts") == []
    # ...and the run for unrecognised files takes them
    manifests = ingest_unrecognised(
        testbed.data_dir,
        contracts_dir=testbed.contracts_dir,
        partners_path=testbed.partners_path,
        received_at=RECEIVED,
    )
    assert [m.outcome for m in manifests] == ["rejected", "rejected"]
    assert all(m.submission_id.startswith("unrecognised-") for m in manifests)
    assert all(m.dataset_id is None for m in manifests)
    assert [m.partner_id for m in manifests] == [None, "sefton_council"]
    assert "no contract covers acme/counts/" in manifests[0].reasons[0].message
    assert testbed.files("landing") == []
    assert len(testbed.files("quarantine")) == 4


def test_uploads_in_progress_are_left_alone(testbed) -> None:
    testbed.land(csv_text(GOOD_ROWS), name="ward_counts_2009-10.csv.part")
    testbed.land(csv_text(GOOD_ROWS), name=".ward_counts_2009-10.csv")
    assert testbed.ingest() == []
    assert len(testbed.files("landing")) == 2


def test_an_xlsx_delivery(testbed) -> None:
    import openpyxl

    testbed.write_contract(delivery={"format": "xlsx", "sheet": "Data", "header_row": 2})
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Data"
    sheet.append(["Ward counts"])
    sheet.append(HEADER)
    sheet.append(["E05000930", "2009/10", "residents", 1234.5, 12, date(2010, 4, 1), None])
    sheet.append(["E05000930", "2009/10", "households", -0.8, 3.0, None, "=1+1"])
    path = testbed.land(b"", name="ward_counts_2009-10.xlsx")
    workbook.save(path)

    manifest = testbed.ingest_one()
    assert reasons(manifest) == [(2, "note", "formula")]

    sheet["G4"] = "ok"
    path = testbed.land(b"", name="ward_counts_2009-10.xlsx")
    workbook.save(path)
    manifest = testbed.ingest_one()
    assert manifest.outcome == "accepted"
    rows = raw_rows(testbed.data_dir / manifest.raw_path)
    assert [(r[3], r[4], r[5]) for r in rows] == [(1234.5, 12, date(2010, 4, 1)), (-0.8, 3, None)]


def test_personal_identifiers_are_pseudonymised(testbed, monkeypatch) -> None:
    nhs_number = {"name": "nhs_number", "type": "string", "role": "identifier"}
    schema = {**CONTRACT["schema"], "columns": [*CONTRACT["schema"]["columns"], nhs_number]}
    testbed.write_contract(
        agreement={
            "category": "personal",
            "legal_basis": {
                "power": "NHS Act 2006, section 251",
                "schedule_2_condition": "5(d): functions of a public nature",
            },
        },
        schema=schema,
    )
    rows = [[*r, "943 476 5919"] for r in GOOD_ROWS]
    testbed.land(csv_text(rows, [*HEADER, "nhs_number"]))

    monkeypatch.delenv("UNDERSTOOD_PSEUDONYMISATION_KEY", raising=False)
    with pytest.raises(IngestionFailed):
        testbed.ingest()
    assert len(testbed.files("landing")) == 1  # kept for when the key is set
    assert testbed.files("manifests") == []

    monkeypatch.setenv("UNDERSTOOD_PSEUDONYMISATION_KEY", "k" * 32)
    manifest = testbed.ingest_one()
    assert manifest.outcome == "accepted"
    assert not any(c.name == "no_identifiers" for c in manifest.checks)
    assert manifest.checks[-1].name == "pseudonymised"
    pseudonyms = {r[7] for r in raw_rows(testbed.data_dir / manifest.raw_path)}
    assert len(pseudonyms) == 1
    assert len(pseudonyms.pop()) == 64


def test_a_crash_before_the_manifest_converges_on_the_next_run(testbed, monkeypatch) -> None:
    landed = testbed.land(csv_text(GOOD_ROWS))

    def crash(*args, **kwargs):
        raise OSError("disk unplugged")

    monkeypatch.setattr(pipeline, "write_manifest", crash)
    with pytest.raises(IngestionFailed, match="still in the landing zone"):
        testbed.ingest()
    assert landed.exists()
    assert len(testbed.files("archive")) == 1 and len(testbed.files("raw")) == 1
    assert testbed.files("manifests") == []

    monkeypatch.undo()
    manifest = testbed.ingest_one()
    assert manifest.outcome == "accepted"
    assert not landed.exists()
    assert len(testbed.files("archive")) == 1
    assert len(testbed.files("raw")) == 1
    assert len(testbed.files("manifests")) == 1
    assert len(raw_rows(testbed.data_dir / manifest.raw_path)) == 3


def test_a_crash_after_the_manifest_is_not_recorded_twice(testbed, monkeypatch) -> None:
    landed = testbed.land(csv_text(GOOD_ROWS))
    monkeypatch.setattr(pipeline, "_remove_landed", lambda path: (_ for _ in ()).throw(OSError()))
    with pytest.raises(IngestionFailed):
        testbed.ingest()
    assert landed.exists() and len(testbed.files("manifests")) == 1

    monkeypatch.undo()
    again = testbed.ingest_one()
    assert again.outcome == "accepted"
    assert not landed.exists()
    assert len(testbed.files("manifests")) == 1  # the same record, not a duplicate


def test_a_rejection_after_a_crashed_acceptance_leaves_no_rows(testbed, monkeypatch) -> None:
    """A raw file left by a crashed run must not outlive a different verdict on the re-run."""
    testbed.land(csv_text(GOOD_ROWS))
    monkeypatch.setattr(pipeline, "write_manifest", lambda *a: (_ for _ in ()).throw(OSError()))
    with pytest.raises(IngestionFailed):
        testbed.ingest()
    assert len(testbed.files("raw")) == 1
    monkeypatch.undo()
    testbed.write_contract(agreement={"valid_to": date(2026, 1, 1)})
    assert testbed.ingest_one().outcome == "rejected"
    assert testbed.files("raw") == []


def test_unknown_dataset_is_an_error(testbed) -> None:
    with pytest.raises(ValueError, match="no contract for dataset 'nope'"):
        testbed.ingest(dataset_id="nope")


@pytest.mark.skipif(not SAMPLES.is_dir(), reason="bundled samples not present")
def test_the_bundled_samples(testbed) -> None:
    for path in sorted(SAMPLES.glob("*.csv")):
        testbed.land(path.read_bytes(), name=path.name, dataset="ni_scorecard")
    manifests = pipeline.ingest_landing(testbed.data_dir, received_at=RECEIVED)
    by_file = {m.source_file: m for m in manifests}
    q4 = by_file["ni_scorecards_2009-10_q4.csv"]
    assert q4.outcome == "accepted", q4.reasons
    assert q4.rows_loaded == 211
    draft = by_file["ni_scorecards_2009-10_q3_draft.csv"]
    assert draft.outcome == "rejected"
    assert reasons(draft) == [(None, "quartile", "missing_column")]
