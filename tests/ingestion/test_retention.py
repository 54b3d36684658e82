"""Retention: archived, raw and quarantined files deleted once their contract's period is over."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime

import pytest
from ingestion_testbed import GOOD_ROWS, csv_text, make_testbed

from ingestion.retention import apply_retention

# The testbed receives files on 2 November 2026; its contract keeps data for P7Y.
LAST_DAY = date(2033, 11, 2)
DAY_AFTER = date(2033, 11, 3)


@pytest.fixture
def testbed(tmp_path):
    return make_testbed(tmp_path)


def retention(testbed, today, **kwargs):
    return apply_retention(testbed.data_dir, today, contracts_dir=testbed.contracts_dir, **kwargs)


def test_files_are_kept_through_the_period_and_deleted_after(testbed) -> None:
    testbed.land(csv_text(GOOD_ROWS))
    accepted = testbed.ingest_one()
    raw = testbed.data_dir / accepted.raw_path
    archived = testbed.data_dir / accepted.archive_path

    kept = retention(testbed, LAST_DAY)
    assert kept.deletions == [] and kept.kept_within_retention == 1
    assert raw.exists() and archived.exists()

    lines: list[str] = []
    report = retention(testbed, DAY_AFTER, progress=lines.append)
    assert sorted((d.kind, d.path) for d in report.deleted) == [
        ("archive", accepted.archive_path),
        ("raw", accepted.raw_path),
    ]
    assert not raw.exists() and not archived.exists()
    assert (testbed.data_dir / "manifests" / f"{accepted.submission_id}.json").exists()
    assert len(lines) == 2 and lines[0].startswith("[1/2] deleted ")
    assert (
        "received 2026-11-02, kept P7Y under TEST-ISA-1 (ward_counts) until 2033-11-02"
        in (lines[0])
    )
    summary = report.summary()
    assert summary.startswith("retention: deleted 2 file(s), ")
    assert summary.split("B (", 1)[1].startswith(
        "1 archive, 1 raw, 0 quarantine) past their contract's retention on 2033-11-03; "
        "kept 0 within retention; recorded in manifests/retention/retention-"
    )

    record = json.loads((testbed.data_dir / report.manifest_path).read_text())
    assert record["status"] == "done" and record["today"] == "2033-11-03"
    assert record["dry_run"] is False and record["failed"] == []
    by_kind = {d["kind"]: d for d in record["deleted"]}
    assert by_kind["raw"] == {
        "path": accepted.raw_path,
        "kind": "raw",
        "bytes": by_kind["raw"]["bytes"],
        "dataset_id": "ward_counts",
        "contract": "sefton_council/ward_counts",
        "agreement_reference": "TEST-ISA-1",
        "retention": "P7Y",
        "submission_ids": [accepted.submission_id],
        "received_on": "2026-11-02",
        "retention_ended_on": "2033-11-02",
        "reason": "received 2026-11-02, kept P7Y under TEST-ISA-1 (ward_counts) until 2033-11-02",
        "deleted": True,
        "error": None,
    }
    # the deletion record is not a submission manifest: the manifests dbt reads stay one kind
    assert sorted(p.name for p in (testbed.data_dir / "manifests").glob("*.json")) == [
        f"{accepted.submission_id}.json"
    ]

    again = retention(testbed, DAY_AFTER)
    assert again.deletions == []


def test_a_quarantined_copy_goes_and_its_reason_stays(testbed) -> None:
    testbed.land(csv_text(GOOD_ROWS, ["area_code"]))
    rejected = testbed.ingest_one()
    folder = testbed.data_dir / rejected.quarantine_path
    report = retention(testbed, DAY_AFTER)
    assert sorted(d.kind for d in report.deleted) == ["archive", "quarantine"]
    assert [p.name for p in folder.iterdir()] == ["reason.txt"]


def test_shared_archive_bytes_stay_until_the_last_delivery_expires(testbed) -> None:
    testbed.land(csv_text(GOOD_ROWS))
    first = testbed.ingest_one()
    testbed.land(csv_text(GOOD_ROWS), name="ward_counts_again.csv")
    later = datetime(2027, 5, 1, 9, 0, tzinfo=UTC)
    duplicate = testbed.ingest_one(received_at=later)
    assert duplicate.outcome == "duplicate"

    report = retention(testbed, DAY_AFTER)
    assert [(d.kind, d.path) for d in report.deleted] == [("raw", first.raw_path)]
    assert (testbed.data_dir / first.archive_path).exists()
    assert report.kept_within_retention == 1

    report = retention(testbed, date(2034, 5, 2))
    assert [(d.kind, d.submission_ids) for d in report.deleted] == [
        ("archive", [first.submission_id, duplicate.submission_id])
    ]
    assert report.deleted[0].retention_ended_on == "2034-05-01"


def test_a_dry_run_deletes_and_writes_nothing(testbed) -> None:
    testbed.land(csv_text(GOOD_ROWS))
    accepted = testbed.ingest_one()
    lines: list[str] = []
    report = retention(testbed, DAY_AFTER, dry_run=True, progress=lines.append)
    assert len(report.deletions) == 2 and report.deleted == []
    assert all(line.split("] ", 1)[1].startswith("would delete ") for line in lines)
    assert report.summary().startswith("retention (dry run): would delete 2 file(s)")
    assert (testbed.data_dir / accepted.raw_path).exists()
    assert not (testbed.data_dir / "manifests" / "retention").exists()


def test_files_without_a_usable_contract_are_kept(testbed) -> None:
    testbed.land(csv_text(GOOD_ROWS[:1]), partner="nobody", dataset="nothing")
    testbed.land(csv_text(GOOD_ROWS))
    testbed.ingest()
    report = retention(testbed, date(2100, 1, 1))
    assert report.kept_without_contract == 1
    assert {d.kind for d in report.deleted} == {"raw", "archive"}
    unrecognised = next(
        json.loads(p.read_text())
        for p in (testbed.data_dir / "manifests").glob("unrecognised-*.json")
    )
    assert (testbed.data_dir / unrecognised["archive_path"]).exists()
    assert "1 without a usable contract" in report.summary()


def test_months_follow_the_calendar(testbed) -> None:
    testbed.write_contract(agreement={"retention": "P1M"})
    testbed.land(csv_text(GOOD_ROWS))
    testbed.ingest_one(received_at=datetime(2010, 1, 31, 12, tzinfo=UTC))
    assert retention(testbed, date(2010, 2, 28)).deletions == []
    assert len(retention(testbed, date(2010, 3, 1)).deleted) == 2


def test_the_command_line(testbed) -> None:
    testbed.write_contract(agreement={"retention": "P1Y"})
    testbed.land(csv_text(GOOD_ROWS))
    testbed.ingest_one(received_at=datetime(2019, 6, 1, tzinfo=UTC))
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNDERSTOOD")}
    command = [
        sys.executable,
        "-m",
        "ingestion",
        "retention",
        "--data-dir",
        str(testbed.data_dir),
        "--contracts-dir",
        str(testbed.contracts_dir),
    ]
    dry = subprocess.run(
        [*command, "--dry-run"], env=env, capture_output=True, text=True, check=False, timeout=60
    )
    assert dry.returncode == 0, dry.stderr
    assert dry.stdout.count("would delete") == 3  # two lines and the summary
    assert testbed.files("raw")
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[0].startswith("[1/2] deleted ") and lines[1].startswith("[2/2] deleted ")
    assert lines[-1].startswith("retention: deleted 2 file(s)")
    assert "recorded in manifests/retention/retention-" in lines[-1]
    assert testbed.files("raw") == []
