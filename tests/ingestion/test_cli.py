"""``python -m ingestion`` as a person runs it: output, summaries and exit codes."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from ingestion_testbed import GOOD_ROWS, csv_text, make_testbed


@pytest.fixture
def testbed(tmp_path):
    return make_testbed(tmp_path)


def cli(testbed, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNDERSTOOD")}
    env["UNDERSTOOD_DATA_DIR"] = str(testbed.data_dir)
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "ingestion",
            *args,
            "--contracts-dir",
            str(testbed.contracts_dir),
            "--partners",
            str(testbed.partners_path),
            "--areas",
            str(testbed.areas_path),
        ],
        cwd=testbed.root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_check_exit_codes(testbed) -> None:
    good = testbed.root / "ward_counts_2009-10.csv"
    good.write_text(csv_text(GOOD_ROWS))
    bad = testbed.root / "ward_counts_bad.csv"
    bad.write_text(csv_text([["E05000930", "2009/10", "people", "1", "12", "", ""]]))

    accepted = cli(testbed, "check", str(good), "--dataset", "ward_counts")
    assert accepted.returncode == 0, accepted.stderr
    assert (
        accepted.stdout.strip()
        .splitlines()[-1]
        .startswith("check: ward_counts_2009-10.csv would be accepted (3 rows")
    )

    rejected = cli(testbed, "check", str(bad), "--dataset", "ward_counts")
    assert rejected.returncode == 1, rejected.stderr
    lines = rejected.stdout.strip().splitlines()
    assert lines[0].startswith(
        "ward_counts_bad.csv:1:measure: allowed_values — 'people' is not one of the allowed values"
    )
    assert lines[-1].startswith("check: ward_counts_bad.csv would be rejected: 1 problem(s)")

    unknown = cli(testbed, "check", str(good), "--dataset", "nope")
    assert unknown.returncode == 2
    assert "no contract for dataset 'nope'" in unknown.stderr
    missing = cli(testbed, "check", str(testbed.root / "absent.csv"), "--dataset", "ward_counts")
    assert missing.returncode == 2
    assert cli(testbed, "check", str(good)).returncode == 2  # --dataset is required

    # check writes nothing
    assert not testbed.data_dir.exists()


def test_run_reports_progress_and_a_summary(testbed) -> None:
    testbed.land(csv_text(GOOD_ROWS))
    testbed.land(csv_text(GOOD_ROWS[:1], ["area_code"]), name="ward_counts_short.csv")
    result = cli(testbed, "run")
    assert result.returncode == 0, result.stdout + result.stderr  # a rejection is no failure
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "[1/2] sefton_council/ward_counts/ward_counts_2009-10.csv: accepted, 3 rows"
    assert lines[1].startswith("[2/2] sefton_council/ward_counts/ward_counts_short.csv: rejected, ")
    assert lines[-1] == "ingest: 1 accepted, 1 rejected, 0 duplicate (all datasets)"

    listing = cli(testbed, "contracts")
    assert listing.returncode == 0, listing.stderr
    lines = listing.stdout.strip().splitlines()
    assert lines[0].split() == [
        "dataset",
        "partner",
        "agreement",
        "category",
        "marking",
        "cadence",
        "last",
        "received",
        "last",
        "accepted",
    ]
    assert lines[1].split()[:6] == [
        "ward_counts",
        "sefton_council",
        "TEST-ISA-1",
        "aggregated",
        "OFFICIAL",
        "annual",
    ]
    assert lines[-1] == (
        "contracts: 1 dataset(s) from 1 partner(s); 1 received, 0 never received; "
        "catalogue written to catalogue/contracts.json"
    )


def test_run_fails_on_a_broken_contract(testbed) -> None:
    path = testbed.contracts_dir / "sefton_council" / "ward_counts.yml"
    path.write_text(path.read_text().replace("theme:", "theem:"))
    result = cli(testbed, "run", "--dataset", "ward_counts")
    assert result.returncode == 1
    assert "theem: unknown field" in result.stderr
