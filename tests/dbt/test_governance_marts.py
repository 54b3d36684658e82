"""The governance, partnership and action marts on a real nightly run of the bundled samples:
what the information governance officer and the partners' dashboards rely on.

Figures are checked against what the pipeline itself wrote (manifests, the contract catalogue)
and the sample files, and the lateness and review dates against the housekeeping DAG's own
functions (dags/reports.py), so the marts and the reports cannot drift apart unnoticed.
"""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from harness import REPO_ROOT, SAMPLES_DIR

DAGS = str(REPO_ROOT / "dags")
if DAGS not in sys.path:
    sys.path.insert(0, DAGS)

from reports import last_period_end, london_day, next_anniversary  # noqa: E402

from ingestion.manifest import read_manifests  # noqa: E402

pytestmark = pytest.mark.slow

SPRINT_CSV = SAMPLES_DIR / "sefton_council" / "sprint_actions" / "sprint_actions_2009-10_q2.csv"
REGISTER_CSV = (
    SAMPLES_DIR / "sefton_council" / "partnership_register" / "partnership_register_2010-07.csv"
)
Q3_DRAFT = "ni_scorecards_2009-10_q3_draft.csv"


@pytest.fixture(scope="module")
def data_dir(nightly_run: tuple[Path, str]) -> Path:
    return nightly_run[0]


@pytest.fixture(scope="module")
def warehouse(data_dir: Path):
    with duckdb.connect(
        str(data_dir / "warehouse" / "warehouse.duckdb"), read_only=True
    ) as connection:
        yield connection


def rows(warehouse, sql: str) -> list[dict]:
    cursor = warehouse.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# --- what was shared and what was refused -------------------------------------------------------


def test_the_faulty_draft_is_logged_as_rejected_with_its_reason(warehouse) -> None:
    drafts = rows(
        warehouse,
        f"select * from marts.mart_submission_log where source_file = '{Q3_DRAFT}'",
    )
    assert drafts, "the q3 draft is missing from the submission log"
    for draft in drafts:
        assert draft["outcome"] == "rejected"
        assert draft["outcome_label"] == "Rejected"
        assert draft["rows_loaded"] == 0
        assert draft["first_reason_rule"] == "missing_column"
        assert draft["first_reason_column"] == "quartile"
        assert draft["first_reason_file"] == Q3_DRAFT
        assert draft["first_reason"].startswith(f"{Q3_DRAFT}:quartile: missing_column — ")
        assert draft["quarantine_path"]
        assert draft["partner_name"] == "Sefton Metropolitan Borough Council"
        assert draft["marking"] == "OFFICIAL"


def test_twelve_files_are_accepted_and_only_the_draft_is_rejected(warehouse) -> None:
    # the samples' first run gives 12 accepted (7 transcribed, 5 synthetic) and 1 rejected; a
    # later run of the same samples
    # (tests/test_nightly_pipeline.py) adds duplicates and a second refusal of the draft
    outcomes = dict(
        warehouse.execute(
            "select outcome, count(*) from marts.mart_submission_log group by outcome"
        ).fetchall()
    )
    assert outcomes["accepted"] == 12
    assert outcomes["rejected"] >= 1
    rejected_files = {
        r[0]
        for r in warehouse.execute(
            "select source_file from marts.mart_submission_log where outcome = 'rejected'"
        ).fetchall()
    }
    assert rejected_files == {Q3_DRAFT}
    (accepted, rejected) = warehouse.execute(
        "select sum(accepted_count), sum(rejected_count) from marts.mart_data_quality"
    ).fetchone()
    assert (accepted, rejected) == (12, outcomes["rejected"])


def test_every_contract_has_a_row(warehouse, data_dir: Path) -> None:
    catalogue = json.loads((data_dir / "catalogue" / "contracts.json").read_text())
    contracts = {entry["dataset_id"]: entry for entry in catalogue}
    marts = {
        row["dataset_id"]: row for row in rows(warehouse, "select * from marts.mart_data_quality")
    }
    assert set(contracts) <= set(marts)
    for dataset_id, entry in contracts.items():
        row = marts[dataset_id]
        assert row["partner_name"] == entry["partner_name"]
        assert row["dataset_title"] == entry["title"]
        assert row["cadence"] == entry["cadence"]
        assert row["marking"] == entry["marking"]
        assert row["partner_id"] == entry["partner_id"]


def test_counts_agree_with_the_manifests(warehouse, data_dir: Path) -> None:
    manifests = read_manifests(data_dir / "manifests")
    outcomes = Counter((m.dataset_id, m.outcome) for m in manifests)
    for row in rows(warehouse, "select * from marts.mart_data_quality"):
        dataset = row["dataset_id"]
        mine = [m for m in manifests if m.dataset_id == dataset]
        assert row["submission_count"] == len(mine), dataset
        assert row["accepted_count"] == outcomes[(dataset, "accepted")], dataset
        assert row["rejected_count"] == outcomes[(dataset, "rejected")], dataset
        assert row["duplicate_count"] == outcomes[(dataset, "duplicate")], dataset
        assert row["rows_read"] == sum(m.rows_read for m in mine), dataset
        assert row["rows_loaded"] == sum(m.rows_loaded for m in mine), dataset
        assert row["incident_count"] == sum(m.incident_path is not None for m in mine), dataset
    scorecard = rows(
        warehouse, "select * from marts.mart_data_quality where dataset_id = 'ni_scorecard'"
    )[0]
    # the 211 rows of the q4 file loaded, the 20 of each draft refused
    drafts = scorecard["rejected_count"]
    assert scorecard["acceptance_percent"] == round(100 / (1 + drafts), 1)
    assert scorecard["rows_loaded_percent"] == round(100 * 211 / (211 + 20 * drafts), 1)


def test_lateness_follows_the_housekeeping_rule(warehouse, data_dir: Path) -> None:
    """The mart's latest due period is the overdue report's (dags/reports.py), with the
    contract's due day, and a dataset is overdue exactly when no file was accepted after that
    period ended; without a due day it is not assessed, as in the report."""
    manifests = read_manifests(data_dir / "manifests")
    catalogue = json.loads((data_dir / "catalogue" / "contracts.json").read_text())
    due_days = {entry["dataset_id"]: entry["due_day"] for entry in catalogue}
    for row in rows(warehouse, "select * from marts.mart_data_quality"):
        assert row["due_days"] == due_days[row["dataset_id"]], row["dataset_id"]
        if row["cadence"] == "ad_hoc" or row["due_days"] is None:
            assert row["lateness_status"] == "not_assessed"
            continue
        assessed = row["assessed_date"]
        period_end = last_period_end(row["cadence"], assessed - timedelta(days=row["due_days"] + 1))
        assert row["period_end_date"] == period_end, row["dataset_id"]
        due_date = period_end + timedelta(days=row["due_days"])
        assert row["due_date"] == due_date, row["dataset_id"]
        on_time = any(
            m.outcome == "accepted" and london_day(m.received_at) > period_end
            for m in manifests
            if m.dataset_id == row["dataset_id"]
        )
        assert row["is_overdue"] is (not on_time), row["dataset_id"]
        assert row["days_overdue"] == (0 if on_time else (assessed - due_date).days)
    # the samples were all delivered tonight: nothing is overdue
    assert warehouse.execute(
        "select count(*) from marts.mart_data_quality where is_overdue"
    ).fetchone() == (0,)


# --- the partnership register ---------------------------------------------------------------


def test_every_partnership_of_the_register_is_listed(warehouse) -> None:
    with REGISTER_CSV.open(newline="", encoding="utf-8") as f:
        printed = list(csv.DictReader(f))
    listed = rows(warehouse, "select * from marts.mart_partnerships")
    assert len(listed) == len(printed) == 101
    assert Counter(r["significance_label"] for r in listed) == {
        "Significant": 37,
        "Non-significant": 64,
    }
    by_key = {(r["significance"], r["list_row"]): r for r in listed}
    for row in printed:
        mart = by_key[(row["significance"], int(row["list_row"]))]
        assert mart["partnership_name"] == row["partnership_name"]
        entered = date.fromisoformat(row["inputted_on"]) if row["inputted_on"] else None
        assert mart["registered_date"] == entered


def test_reviews_fall_due_on_the_anniversary_of_entry(warehouse) -> None:
    """As the review reminders (dags/reports.py) compute it."""
    dated = 0
    for row in rows(warehouse, "select * from marts.mart_partnerships"):
        entered, assessed = row["registered_date"], row["assessed_date"]
        if entered is None:
            assert row["next_review_due_date"] is None
            assert row["review_status"] == "no_date_in_register"
            continue
        dated += 1
        assert row["first_review_due_date"] == next_anniversary(
            entered, entered + timedelta(days=1)
        )
        assert row["next_review_due_date"] == next_anniversary(entered, assessed)
        days = (row["next_review_due_date"] - assessed).days
        assert row["days_until_next_review"] == days
        assert row["review_status"] == ("due_within_28_days" if days < 28 else "scheduled")
    assert dated == 63


def test_no_officer_appears_in_the_marts(warehouse) -> None:
    """The register and the SPRINT export name officers; only departments reach the marts."""
    for table in ("mart_partnerships", "mart_action_progress"):
        columns = [
            r[0]
            for r in warehouse.execute(
                "select column_name from information_schema.columns "
                f"where table_schema = 'marts' and table_name = '{table}'"
            ).fetchall()
        ]
        assert not [c for c in columns if "officer" in c or "director" in c or "pseudonym" in c]
        for column in columns:
            (hashed,) = warehouse.execute(
                f"select count(*) from marts.{table} "
                f"where regexp_full_match(cast({column} as varchar), '[0-9a-f]{{64}}')"
            ).fetchone()
            assert hashed == 0, (table, column)


# --- actions -----------------------------------------------------------------------------------


def test_overdue_actions_are_those_whose_deadline_passed(warehouse) -> None:
    with SPRINT_CSV.open(newline="", encoding="utf-8") as f:
        exported = {row["action_reference"]: row for row in csv.DictReader(f)}
    actions = rows(warehouse, "select * from marts.mart_action_progress")
    assert {a["action_reference"] for a in actions} == set(exported)
    period_end = date(2009, 9, 30)  # Q2 2009/10
    for action in actions:
        row = exported[action["action_reference"]]
        assert action["period_end_date"] == period_end
        assert action["deadline_date"] == date.fromisoformat(row["deadline"])
        expected = date.fromisoformat(row["deadline"]) < period_end and row["status"] not in (
            "completed",
            "all_activities_completed",
            "cancelled",
        )
        assert action["is_overdue"] is expected, action["action_reference"]
        q2 = int(row["q2_percent_complete"]) if row["q2_percent_complete"] else None
        assert action["q2_percent_complete"] == q2
        assert action["partner_id"] == "sefton_council"
        assert action["marking"] == "OFFICIAL"
    # every deadline of the Q2 2009/10 export falls after the quarter ended
    assert not [a for a in actions if a["is_overdue"]]


def test_action_counts_are_the_printed_ones(warehouse) -> None:
    totals = dict(
        warehouse.execute(
            "select reporting_period || ' ' || plan || ' ' || printed_in, action_count "
            "from marts.mart_action_summary where is_total"
        ).fetchall()
    )
    assert sorted(totals.values()) == [57, 57, 60, 152]
    (red,) = warehouse.execute(
        "select action_count from marts.mart_action_summary "
        "where reporting_period = 'Q4 2009/10' and status = 'delayed_or_overdue'"
    ).fetchone()
    assert red == 6
    (bad,) = warehouse.execute(
        "select count(*) from marts.mart_action_summary "
        "where not is_total and percent_of_table_total > 100"
    ).fetchone()
    assert bad == 0
