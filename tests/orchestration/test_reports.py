"""The reports the DAGs send (dags/reports.py): when a partner is overdue, what the morning
summary says, and the annual reviews of significant partnerships. Plain Python, no Airflow run.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest
import reports
from harness import REPO_ROOT
from reports import RunFacts, check_overdue, last_period_end, next_anniversary

from ingestion.contracts import load_contract, load_partners
from ingestion.manifest import Check, Manifest, Reason, write_manifest

CONTRACT = load_contract(
    REPO_ROOT / "ingestion" / "contracts" / "sefton_council" / "ni_scorecard.yml"
)
PARTNERS = load_partners()
TODAY = date(2026, 11, 23)


def contract(**delivery):
    """The NI scorecard contract with its delivery changed (cadence, due_day)."""
    return CONTRACT.model_copy(update={"delivery": CONTRACT.delivery.model_copy(update=delivery)})


def manifest(
    submission_id: str,
    received_at: datetime,
    outcome: str = "accepted",
    dataset_id: str = "ni_scorecard",
    **fields,
) -> Manifest:
    return Manifest(
        submission_id=submission_id,
        partner_id="sefton_council",
        dataset_id=dataset_id,
        source_file=f"{submission_id}.csv",
        sha256="0" * 64,
        size_bytes=10,
        received_at=received_at,
        outcome=outcome,
        archive_path=f"archive/{submission_id}.csv",
        **fields,
    )


@pytest.mark.parametrize(
    ("cadence", "day", "end"),
    [
        ("quarterly", date(2026, 11, 23), date(2026, 9, 30)),
        ("quarterly", date(2026, 12, 31), date(2026, 12, 31)),
        ("quarterly", date(2026, 3, 30), date(2025, 12, 31)),
        ("monthly", date(2026, 3, 1), date(2026, 2, 28)),
        ("monthly", date(2024, 3, 1), date(2024, 2, 29)),
        ("biannual", date(2026, 11, 23), date(2026, 9, 30)),
        ("biannual", date(2026, 9, 29), date(2026, 3, 31)),
        ("annual", date(2026, 3, 30), date(2025, 3, 31)),
        ("annual", date(2026, 11, 23), date(2026, 3, 31)),
    ],
)
def test_periods_end_with_the_financial_year(cadence, day, end) -> None:
    assert last_period_end(cadence, day) == end


def test_a_quarterly_file_is_overdue_once_its_due_day_has_passed() -> None:
    # Quarter ended 30 September, due 30 days later (30 October): overdue on 23 November.
    quarterly = {"ni_scorecard": contract(cadence="quarterly", due_day=30)}
    before_quarter_end = [manifest("a", datetime(2026, 9, 15, tzinfo=UTC))]
    check = check_overdue(quarterly, PARTNERS, before_quarter_end, TODAY)
    [late] = check.overdue
    assert (late.period_end, late.due_on, late.days_overdue) == (
        date(2026, 9, 30),
        date(2026, 10, 30),
        24,
    )
    assert late.partner_name == "Sefton Metropolitan Borough Council"
    assert late.last_received is not None and late.last_received.submission_id == "a"

    after_quarter_end = [*before_quarter_end, manifest("b", datetime(2026, 10, 5, tzinfo=UTC))]
    assert check_overdue(quarterly, PARTNERS, after_quarter_end, TODAY).overdue == []


def test_a_rejected_file_does_not_count_as_delivered() -> None:
    quarterly = {"ni_scorecard": contract(cadence="quarterly", due_day=30)}
    rejected = [manifest("r", datetime(2026, 10, 5, tzinfo=UTC), outcome="rejected")]
    [late] = check_overdue(quarterly, PARTNERS, rejected, TODAY).overdue
    assert late.last_received is not None and late.last_received.outcome == "rejected"
    [never] = check_overdue(quarterly, PARTNERS, [], TODAY).overdue
    assert never.last_received is None


def test_nothing_is_due_before_the_due_day() -> None:
    # Quarter ended 30 September; due 90 days later (29 December): the June quarter is the
    # latest one due, and a file accepted in July covers it.
    generous = {"ni_scorecard": contract(cadence="quarterly", due_day=90)}
    july = [manifest("j", datetime(2026, 7, 10, tzinfo=UTC))]
    assert check_overdue(generous, PARTNERS, july, TODAY).overdue == []


def test_what_cannot_be_late_is_said_not_assessed() -> None:
    unsigned = contract(cadence="monthly", due_day=10).model_copy(
        update={"partner_id": "nhs_sefton", "dataset_id": "nhs_counts"}
    )
    contracts = {
        "ad_hoc": contract(cadence="ad_hoc", due_day=10),
        "no_due_day": contract(cadence="quarterly", due_day=None),
        "nhs_counts": unsigned,
    }
    check = check_overdue(contracts, PARTNERS, [], TODAY)
    assert check.overdue == []
    reasons = dict(check.not_assessed)
    assert "ad_hoc cadence" in reasons["ad_hoc"]
    assert "no due day" in reasons["no_due_day"]
    assert "not signed" in reasons["nhs_counts"]


def test_the_first_period_of_an_arrangement_is_not_due_before_it_starts() -> None:
    agreement = CONTRACT.agreement.model_copy(update={"valid_from": date(2026, 10, 1)})
    new = contract(cadence="quarterly", due_day=30).model_copy(update={"agreement": agreement})
    assert check_overdue({"ni_scorecard": new}, PARTNERS, [], TODAY).overdue == []


def test_anniversaries() -> None:
    assert next_anniversary(date(2010, 7, 9), TODAY) == date(2027, 7, 9)
    assert next_anniversary(date(2010, 11, 23), TODAY) == TODAY
    assert next_anniversary(date(2008, 2, 29), date(2027, 1, 1)) == date(2027, 2, 28)


# --- the morning summary -------------------------------------------------------------------------


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    (folder / "manifests").mkdir(parents=True)
    return folder


STARTED = datetime(2026, 11, 23, 2, 0, 0, 600000, tzinfo=UTC)


def test_summary_says_what_loaded_what_was_rejected_and_that_it_published(data_dir) -> None:
    write_manifest(data_dir / "manifests", manifest("old", datetime(2026, 11, 1, tzinfo=UTC)))
    write_manifest(
        data_dir / "manifests",
        # received in the run's first second: manifests keep whole seconds
        manifest("q4", datetime(2026, 11, 23, 2, 0, 0, tzinfo=UTC), rows_loaded=211),
    )
    reason = Reason(file="q3.csv", column="quartile", rule="missing_column", message="add it")
    write_manifest(
        data_dir / "manifests",
        manifest(
            "q3",
            datetime(2026, 11, 23, 2, 0, 5, tzinfo=UTC),
            outcome="rejected",
            reasons=[reason],
            reasons_total=1,
            checks=[Check(name="columns", passed=False, detail="1 missing_column")],
            quarantine_path="quarantine/q3",
        ),
    )
    (data_dir / "warehouse").mkdir()
    (data_dir / "warehouse" / "warehouse.duckdb").write_bytes(b"")
    (data_dir / "landing" / "sefton_council" / "ni_scorecard").mkdir(parents=True)
    (data_dir / "landing" / "sefton_council" / "ni_scorecard" / "broken.csv").write_text("x")
    (data_dir / "landing" / "sefton_council" / "ni_scorecard" / ".upload.part").write_text("x")

    run = RunFacts(
        run_id="scheduled__2026-11-23T02:00:00+00:00",
        started_at=STARTED,
        published=True,
        task_states={"publish": "success", "ingest_0": "failed", "summary": "running"},
    )
    report = reports.nightly_summary(data_dir, run, now=datetime(2026, 11, 23, 2, 9, tzinfo=UTC))
    text = report.markdown
    assert report.name == "nightly-2026-11-23"
    assert "**Warehouse published**" in text
    assert "| sefton_council | ni_scorecard | q4.csv | 211 | q4 |" in text
    assert "old.csv" not in text  # received before this run
    assert "## Rejected: 1 file(s)" in text
    assert str(reason) in text and "quarantine/q3" in text
    assert "`ingest_0`: failed" in text
    assert "`landing/sefton_council/ni_scorecard/broken.csv`" in text
    assert ".upload.part" not in text
    assert "## Overdue submissions" in text
    assert report.subject.startswith("Sefton Understood nightly 2026-11-23: warehouse published;")
    assert "1 loaded, 1 rejected" in report.subject
    assert report.needs_attention

    path = reports.write_report(data_dir, report)
    assert path == data_dir / "reports" / "nightly-2026-11-23.md"
    assert path.read_text() == text


def test_summary_says_when_the_warehouse_was_not_published(data_dir) -> None:
    run = RunFacts(run_id="r", started_at=STARTED, published=False, task_states={})
    report = reports.nightly_summary(data_dir, run, now=STARTED)
    assert "**Warehouse NOT published**" in report.markdown
    assert "none has been published yet" in report.markdown
    assert "No file was loaded tonight." in report.markdown
    assert "warehouse NOT published" in report.subject


def test_overdue_report_names_the_late_partner(data_dir, tmp_path) -> None:
    contracts = tmp_path / "contracts" / "sefton_council"
    contracts.mkdir(parents=True)
    text = CONTRACT.path.read_text().replace("due_day: 126", "due_day: 30")
    (contracts / "ni_scorecard.yml").write_text(text)
    report = reports.overdue_report(data_dir, TODAY, contracts_dir=contracts.parent)
    assert report.name == "overdue-2026-11-23"
    assert "| Sefton Metropolitan Borough Council | ni_scorecard | quarterly | 2026-09-30 " in (
        report.markdown
    )
    assert "| never |" in report.markdown
    assert report.needs_attention and "1 overdue" in report.subject


# --- partnership reviews -------------------------------------------------------------------------


def test_no_register_means_no_reminders(data_dir) -> None:
    report, summary = reports.review_reminders(data_dir, TODAY)
    assert report is None
    assert "no partnership register has been received" in summary


def test_reviews_of_significant_partnerships_falling_due_are_listed(data_dir) -> None:
    raw = data_dir / "raw" / "partnership_register" / "partnership_register-abc.parquet"
    raw.parent.mkdir(parents=True)
    with duckdb.connect() as con:
        con.execute(
            "copy (select * from (values "
            "('significant', '249', 'Safer & Stronger Communities', date '2010-12-01', null), "
            "('significant', '319', 'Waste Partnership', date '2010-07-09', null), "
            "('significant', '84', 'Cultural Forum', null, 'Leisure'), "
            "('non_significant', '82', 'Bootle Business Village', date '2010-12-02', null)"
            ") t(significance, partnership_id, partnership_name, inputted_on, lead_department)"
            ") to ? (format parquet)",
            [str(raw)],
        )
    write_manifest(
        data_dir / "manifests",
        manifest(
            "partnership_register-abc",
            datetime(2026, 11, 1, tzinfo=UTC),
            dataset_id="partnership_register",
            raw_path="raw/partnership_register/partnership_register-abc.parquet",
        ),
    )
    report, summary = reports.review_reminders(data_dir, TODAY)
    assert report is not None
    assert "| 2026-12-01 | 249 | Safer & Stronger Communities |" in report.markdown
    assert "Waste Partnership" not in report.markdown  # due in July
    assert "Bootle" not in report.markdown  # not significant
    assert "84 Cultural Forum" in report.markdown  # no date: review date unknown
    assert summary == (
        "1 annual review(s) of significant partnerships due by 2026-12-21; 1 without a date"
    )
